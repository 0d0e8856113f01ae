"""``/v1/agents``: four fixed agents, and those created with ``POST /v1/agents``.

Created agents live as JSON under ``<state>/agents/`` (read on every request, as files are),
so an agent made by one ``--emulator`` command is there for the next. The fixed agents:

| id | model | tools |
|---|---|---|
| ``ag_emulator_researcher`` | mistral-medium-latest | web_search |
| ``ag_emulator_coder`` | mistral-medium-latest | code_interpreter |
| ``ag_emulator_illustrator`` | mistral-medium-latest | image_generation |
| ``ag_emulator_plain`` | mistral-small-latest | none |
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from .catalog import ModelCatalog
from .conversation_bodies import CreateAgentRequest, decode_entries_body
from .messages import Query, Request, Response, json_response
from .request_bodies import FunctionTool
from .tools import function_name_error
from .validate import ApiError, detail_entry, invalid_request, not_found

__all__ = ["AgentStore", "Agents", "completion_args_json", "iso_now"]

_FIXED_AT = "2026-01-01T00:00:00Z"
_AGENT_ID = re.compile(r"ag_[0-9a-z_]{1,64}")
_ARG_FIELDS = (
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "temperature",
    "top_p",
    "max_tokens",
    "random_seed",
    "prediction",
    "response_format",
    "tool_choice",
    "reasoning_effort",
)


def iso_now() -> str:
    """Now, as the API writes moments: ISO 8601 in UTC with microseconds and ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def completion_args_json(given: dict[str, Any] | None) -> dict[str, Any]:
    """Every completion argument, as the API shows them (null when not set)."""
    given = given or {}
    return {
        name: given.get(name, "auto" if name == "tool_choice" else None) for name in _ARG_FIELDS
    }


def _fixed(agent_id: str, name: str, model: str, instructions: str, tools: list[Any]) -> Any:
    return {
        "instructions": instructions,
        "tools": tools,
        "completion_args": completion_args_json(None),
        "guardrails": None,
        "model": model,
        "name": name,
        "description": f"The emulator's {name.lower()}.",
        "handoffs": None,
        "metadata": None,
        "object": "agent",
        "id": agent_id,
        "version": 0,
        "versions": [0],
        "created_at": _FIXED_AT,
        "updated_at": _FIXED_AT,
        "deployment_chat": False,
        "source": "api",
        "version_message": None,
    }


FIXED_AGENTS = [
    _fixed(
        "ag_emulator_researcher",
        "Researcher",
        "mistral-medium-latest",
        "Search the web before answering, and cite your sources.",
        [{"type": "web_search"}],
    ),
    _fixed(
        "ag_emulator_coder",
        "Coder",
        "mistral-medium-latest",
        "Run code to check your answers.",
        [{"type": "code_interpreter"}],
    ),
    _fixed(
        "ag_emulator_illustrator",
        "Illustrator",
        "mistral-medium-latest",
        "Draw what you are asked for.",
        [{"type": "image_generation"}],
    ),
    _fixed(
        "ag_emulator_plain",
        "Plain",
        "mistral-small-latest",
        "Answer in one short paragraph.",
        [],
    ),
]


class AgentStore:
    """The fixed agents and the created ones, newest first."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "agents"
        self.dir.mkdir(parents=True, exist_ok=True)

    def get(self, agent_id: str) -> dict[str, Any] | None:
        fixed = next((a for a in FIXED_AGENTS if a["id"] == agent_id), None)
        if fixed is not None or not _AGENT_ID.fullmatch(agent_id):
            return fixed
        return _read(self.dir / f"{agent_id}.json")

    def all(self) -> list[dict[str, Any]]:
        created = [a for path in self.dir.glob("ag_*.json") if (a := _read(path)) is not None]
        created.sort(key=lambda a: a["created_at"], reverse=True)
        return [*created, *FIXED_AGENTS]

    def add(self, agent: dict[str, Any]) -> None:
        partial = self.dir / f"{agent['id']}.json.part"
        partial.write_text(json.dumps(agent))
        partial.replace(self.dir / f"{agent['id']}.json")

    def delete(self, agent_id: str) -> bool:
        if not _AGENT_ID.fullmatch(agent_id):
            return False
        try:
            (self.dir / f"{agent_id}.json").unlink()
        except FileNotFoundError:
            return False
        return True


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Agents:
    """The ``/v1/agents`` routes."""

    def __init__(self, store: AgentStore, catalog: ModelCatalog) -> None:
        self.store = store
        self.catalog = catalog

    def find(self, agent_id: str) -> dict[str, Any]:
        agent = self.store.get(agent_id)
        if agent is None:
            raise not_found(f"Agent {agent_id} not found.")
        return agent

    def create(self, request: Request) -> Response:
        body = decode_entries_body(request.body, CreateAgentRequest)
        if self.catalog.find(body.model) is None:
            raise ApiError(400, f"Invalid model: {body.model}", "invalid_model", "1500")
        tools = [] if body.tools is msgspec.UNSET else body.tools
        for tool in tools:
            if isinstance(tool, FunctionTool) and (
                error := function_name_error(tool.function.name)
            ):
                raise error
        if body.handoffs:
            missing = [h for h in body.handoffs if self.store.get(h) is None]
            if missing:
                raise invalid_request(f"Unknown agents in handoffs: {', '.join(missing)}")
        now = iso_now()
        given = msgspec.to_builtins(body)
        args = None if body.completion_args is msgspec.UNSET else given.get("completion_args")
        agent = {
            **_fixed(f"ag_{uuid.uuid4().hex}", body.name, body.model, "", []),
            "instructions": body.instructions,
            "tools": given.get("tools", []),
            "completion_args": completion_args_json(args),
            "guardrails": given.get("guardrails"),
            "description": body.description,
            "handoffs": body.handoffs,
            "metadata": body.metadata,
            "created_at": now,
            "updated_at": now,
            "version_message": body.version_message,
        }
        self.store.add(agent)
        return json_response(200, agent)

    def _listed(self, request: Request) -> list[dict[str, Any]]:
        name, search, wanted = request.param("name"), request.param("search"), request.param("id")
        found = []
        for agent in self.store.all():
            if name is not None and agent["name"] != name:
                continue
            if wanted is not None and agent["id"] != wanted:
                continue
            if search and search.lower() not in f"{agent['name']} {agent['id']}".lower():
                continue
            found.append(agent)
        return found

    def list(self, request: Request) -> Response:
        query = Query(request)
        page, size = query.int("page", 0), query.int("page_size", 20)
        _check_bounds(query, page, size)
        agents = self._listed(request)
        return json_response(200, agents[page * size : (page + 1) * size])

    def pages(self, request: Request) -> Response:
        query = Query(request)
        size = query.int("page_size", 20)
        token = request.param("page_token") or "0"
        start = int(token) if token.isdigit() else -1
        if start < 0:
            query.errors.append(
                detail_entry("value_error", ["query", "page_token"], "Invalid page token", token)
            )
        _check_bounds(query, 0, size)
        agents = self._listed(request)
        data = agents[start : start + size]
        following = str(start + size) if start + size < len(agents) else None
        return json_response(200, {"object": "list", "data": data, "next_page_token": following})

    def get(self, request: Request, agent_id: str) -> Response:
        agent = self.find(agent_id)
        version = request.param("agent_version")
        if version is not None and version not in ("latest", *map(str, agent["versions"])):
            raise not_found(f"Version {version} of agent {agent_id} not found.")
        return json_response(200, agent)

    def delete(self, request: Request, agent_id: str) -> Response:
        agent = self.find(agent_id)
        if agent in FIXED_AGENTS:
            raise ApiError(403, "The emulator's own agents cannot be deleted.", "forbidden", "3003")
        self.store.delete(agent_id)
        return Response(204, b"")


def _check_bounds(query: Query, page: int, size: int) -> None:
    if page < 0:
        msg = "Input should be greater than or equal to 0"
        query.errors.append(
            detail_entry("greater_than_equal", ["query", "page"], msg, str(page), {"ge": 0})
        )
    if not 1 <= size <= 1000:
        kind, msg, ctx = (
            ("greater_than_equal", "Input should be greater than or equal to 1", {"ge": 1})
            if size < 1
            else ("less_than_equal", "Input should be less than or equal to 1000", {"le": 1000})
        )
        query.errors.append(detail_entry(kind, ["query", "page_size"], msg, str(size), ctx))
    query.check()
