"""``/v1/conversations``: start, append, restart (streamed or not), list, get, delete, history.

A conversation is kept as one JSON file under ``<state>/conversations/`` (settings and every
entry), written atomically once a turn is composed and before it is sent, so a stream cut
half-way still leaves the conversation as the API would: complete on the server. Like files
and agents it is read from disk on each request, so ``-c`` with ``--emulator`` finds the
conversation an earlier command started. ``store: false`` answers without keeping anything.
Append keeps the conversation's id; restart copies the entries up to and including
``from_entry_id`` into a new conversation and answers there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from .agents import Agents, completion_args_json, iso_now
from .catalog import ModelCatalog, ServedModel
from .conversation_bodies import (
    AppendRequest,
    CompletionArgs,
    ConversationRequest,
    Entry,
    RestartRequest,
    decode_entries_body,
)
from .conversation_turn import Setup, Turn, new_id, response_events, run_turn
from .files import FileStore
from .libraries import LibraryStore
from .messages import Query, Request, Response, json_response
from .request_bodies import AnyTool
from .validate import ApiError, invalid_request, not_found

__all__ = ["ConversationStore", "Conversations"]

_ENTRY_PREFIXES = {
    "message.input": "msg",
    "message.output": "msg",
    "function.result": "fr",
    "function.call": "fc",
    "tool.execution": "tool_exec",
    "agent.handoff": "handoff",
}
_MODEL_FIELDS = ("instructions", "tools", "completion_args", "guardrails")
_SHARED_FIELDS = ("name", "description", "metadata", "object", "id", "created_at", "updated_at")


class ConversationStore:
    """Conversations as JSON files, one per conversation."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "conversations"
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, conversation_id: str) -> Path | None:
        # ids come from URLs: only one of ours may name a path
        if not conversation_id.startswith("conv_") or not conversation_id[5:].isalnum():
            return None
        return self.dir / f"{conversation_id}.json"

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        path = self._path(conversation_id)
        try:
            data = json.loads(path.read_text()) if path else None
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def all(self) -> list[dict[str, Any]]:
        found = [c for p in self.dir.glob("conv_*.json") if (c := self.get(p.stem)) is not None]
        return sorted(found, key=lambda c: c["created_at"], reverse=True)

    def save(self, record: dict[str, Any]) -> None:
        partial = self.dir / f"{record['id']}.json.part"
        partial.write_text(json.dumps(record))
        partial.replace(self.dir / f"{record['id']}.json")

    def delete(self, conversation_id: str) -> bool:
        path = self._path(conversation_id)
        if path is None:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True


def conversation_json(record: dict[str, Any]) -> dict[str, Any]:
    """A ``ModelConversation`` or ``AgentConversation`` as ``GET`` serves it."""
    shared = {k: record.get(k) for k in _SHARED_FIELDS}
    shared["object"] = "conversation"
    if record.get("agent_id"):
        return {**shared, "agent_id": record["agent_id"], "agent_version": record["agent_version"]}
    model_fields = {k: record.get(k) for k in _MODEL_FIELDS}
    model_fields["tools"] = model_fields["tools"] or []
    model_fields["completion_args"] = completion_args_json(record.get("completion_args"))
    return {**model_fields, **shared, "model": record["model"]}


def _stamped(inputs: Any) -> list[dict[str, Any]]:
    """New input entries as the conversation keeps them: with ids and times."""
    if inputs is msgspec.UNSET:
        return []
    entries: list[Entry] | str = inputs
    if isinstance(entries, str):
        given: list[dict[str, Any]] = [
            {"type": "message.input", "role": "user", "content": entries}
        ]
    else:
        given = [msgspec.to_builtins(entry) for entry in entries]
    now = iso_now()
    stamped = []
    for entry in given:
        kind = entry["type"]
        base = {"object": "entry", "type": kind, "created_at": now, "completed_at": None}
        if kind == "message.output":
            base["role"] = "assistant"
        stamped.append({**base, **entry, "id": entry.get("id") or new_id(_ENTRY_PREFIXES[kind])})
    return stamped


def _given(args: Any) -> dict[str, Any]:
    if args is None or args is msgspec.UNSET:
        return {}
    return {k: v for k, v in msgspec.to_builtins(args).items() if v is not None}


class Conversations:
    """The conversation routes over one store, one catalog, the agents and the files."""

    def __init__(
        self,
        store: ConversationStore,
        catalog: ModelCatalog,
        agents: Agents,
        files: FileStore,
        wait: Callable[[float], bool],
        bases: Callable[[Request], tuple[str, ...]],
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.agents = agents
        self.files = files
        self.libraries = LibraryStore(files.dir.parent)
        self._wait = wait
        self._bases = bases
        # a turn reads, composes and writes a conversation: one at a time
        self._lock = threading.Lock()

    def _find(self, conversation_id: str) -> dict[str, Any]:
        record = self.store.get(conversation_id)
        if record is None:
            raise not_found(f"Conversation {conversation_id} not found.")
        return record

    def _served(self, name: str) -> ServedModel:
        model = self.catalog.find(name)
        if model is None:
            raise ApiError(400, f"Invalid model: {name}", "invalid_model", "1500")
        if not model.chat:
            raise invalid_request(f"Model {name} does not support conversations.")
        return model

    def _setup(self, record: dict[str, Any], override: Any) -> Setup:
        args: dict[str, Any] = {}
        if record.get("agent_id"):
            agent = self.agents.find(record["agent_id"])
            model, instructions, tools = agent["model"], agent["instructions"], agent["tools"]
            args.update({k: v for k, v in agent["completion_args"].items() if v is not None})
        else:
            model, instructions, tools = record["model"], record["instructions"], record["tools"]
        args.update(
            {k: v for k, v in (record.get("completion_args") or {}).items() if v is not None}
        )
        args.update(_given(override))
        return Setup(
            model=model,
            served=self._served(model),
            agent_id=record.get("agent_id"),
            instructions=instructions,
            tools=msgspec.convert(tools or [], list[AnyTool]),
            args=msgspec.convert(args, CompletionArgs),
        )

    def _turn(
        self, request: Request, record: dict[str, Any], new: list[dict[str, Any]], override: Any
    ) -> Turn:
        entries = [*record["entries"], *new]
        setup = self._setup(record, override)
        turn = run_turn(setup, entries, self.files, self.libraries, self._bases(request))
        record["entries"] = [*entries, *turn.outputs]
        record["updated_at"] = iso_now()
        return turn

    def _answer(self, conversation_id: str, turn: Turn, stream: bool) -> Response:
        if stream:
            events = response_events(conversation_id, turn, self._wait)
            headers = {"Cache-Control": "no-cache"}
            return Response(200, events, "text/event-stream; charset=utf-8", headers, sse=True)
        body = {
            "object": "conversation.response",
            "conversation_id": conversation_id,
            "outputs": turn.outputs,
            "usage": turn.usage,
        }
        return json_response(200, body)

    def _new_record(self, body: ConversationRequest) -> dict[str, Any]:
        if body.agent_id is not None and body.model is not None:
            raise invalid_request("Give either a model or an agent_id, not both.")
        if body.agent_id is None and body.model is None:
            raise invalid_request("A conversation needs a model or an agent_id.")
        if body.agent_id is not None:
            self.agents.find(body.agent_id)
            if body.instructions is not None or body.tools is not None:
                raise invalid_request(
                    "An agent's conversation takes its instructions and tools from the agent."
                )
        now = iso_now()
        given = msgspec.to_builtins(body)
        return {
            "id": new_id("conv"),
            "created_at": now,
            "updated_at": now,
            "model": body.model,
            "agent_id": body.agent_id,
            "agent_version": body.agent_version,
            "instructions": body.instructions,
            "tools": given.get("tools") or [],
            "completion_args": given.get("completion_args"),
            "guardrails": given.get("guardrails"),
            "name": body.name,
            "description": body.description,
            "metadata": body.metadata,
            "entries": [],
        }

    # routes

    def start(self, request: Request) -> Response:
        body = decode_entries_body(request.body, ConversationRequest)
        with self._lock:
            record = self._new_record(body)
            turn = self._turn(request, record, _stamped(body.inputs), None)
            if body.store is not False:
                self.store.save(record)
        return self._answer(record["id"], turn, bool(body.stream))

    def append(self, request: Request, conversation_id: str) -> Response:
        body = decode_entries_body(request.body, AppendRequest)
        with self._lock:
            record = self._find(conversation_id)
            turn = self._turn(request, record, _stamped(body.inputs), body.completion_args)
            if body.store:
                self.store.save(record)
        return self._answer(record["id"], turn, body.stream)

    def restart(self, request: Request, conversation_id: str) -> Response:
        body = decode_entries_body(request.body, RestartRequest)
        with self._lock:
            old = self._find(conversation_id)
            ids = [entry["id"] for entry in old["entries"]]
            if body.from_entry_id not in ids:
                raise not_found(
                    f"Entry {body.from_entry_id} not found in conversation {conversation_id}."
                )
            now = iso_now()
            kept = old["entries"][: ids.index(body.from_entry_id) + 1]
            record = {**old, "id": new_id("conv"), "created_at": now, "updated_at": now}
            record["entries"] = kept
            if body.metadata is not None:
                record["metadata"] = body.metadata
            if body.agent_version is not None:
                record["agent_version"] = body.agent_version
            turn = self._turn(request, record, _stamped(body.inputs), body.completion_args)
            if body.store:
                self.store.save(record)
        return self._answer(record["id"], turn, body.stream)

    def list(self, request: Request) -> Response:
        query = Query(request)
        page, size = query.int("page", 0), query.int("page_size", 100)
        query.check()
        wanted = _metadata_filter(request.param("metadata"))
        records = [
            r
            for r in self.store.all()
            if all((r.get("metadata") or {}).get(k) == v for k, v in wanted.items())
        ]
        start = max(page, 0) * max(size, 0)
        chosen = records[start : start + max(size, 0)]
        return json_response(200, [conversation_json(r) for r in chosen])

    def get(self, request: Request, conversation_id: str) -> Response:
        return json_response(200, conversation_json(self._find(conversation_id)))

    def delete(self, request: Request, conversation_id: str) -> Response:
        self._find(conversation_id)
        self.store.delete(conversation_id)
        return Response(204, b"")

    def history(self, request: Request, conversation_id: str) -> Response:
        record = self._find(conversation_id)
        body = {
            "object": "conversation.history",
            "conversation_id": conversation_id,
            "entries": record["entries"],
        }
        return json_response(200, body)

    def messages(self, request: Request, conversation_id: str) -> Response:
        record = self._find(conversation_id)
        kinds = ("message.input", "message.output")
        messages = [e for e in record["entries"] if e["type"] in kinds]
        body = {
            "object": "conversation.messages",
            "conversation_id": conversation_id,
            "messages": messages,
        }
        return json_response(200, body)


def _metadata_filter(text: str | None) -> dict[str, Any]:
    """The metadata a listing must match; anything but a JSON object filters nothing (the
    official SDK sends a placeholder string when no filter is given, and the API takes it)."""
    try:
        wanted = json.loads(text) if text else None
    except ValueError:
        wanted = None
    return wanted if isinstance(wanted, dict) else {}
