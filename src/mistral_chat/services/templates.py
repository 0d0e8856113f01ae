"""Templates: a saved system message, model, prompt, options, schema and tools, under a name.

Each template is one TOML file in the config directory, ``templates/NAME.toml``:

    description = "A commit message for a diff"
    model = "codestral-latest"
    system = "You write short, factual commit messages."
    prompt = \"\"\"Write a commit message for this diff:

    {input}\"\"\"
    schema = '{"type": "object", "properties": {"subject": {"type": "string"}}}'

    [options]            # the generation options, named as in `config set`
    temperature = 0.2
    max_tokens = 300

    [tools]              # for the tool loop: MCP servers, a functions file, hosted tools
    mcp = ["github"]
    web = true

``{input}`` in the prompt (or the system message) takes what the user typed and piped; a prompt
without it gets the input after a blank line. Where a template applies, its settings come
between the command line and the config file (see `services.settings`).

    >>> t = Template("shout", prompt="Say it loudly: {input}", options={"temperature": 0.9})
    >>> t.fill("hello").message, t.request_options()
    ('Say it loudly: hello', {'temperature': 0.9})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mistral_chat.errors import UsageError

__all__ = [
    "INPUT",
    "TOOL_KEYS",
    "Filled",
    "Template",
    "TemplateError",
    "TemplateNotFound",
    "TemplateStore",
    "fill_input",
    "parse_template",
]

#: the placeholder for the user's input in a prompt or a system message
INPUT = "{input}"
#: what the `[tools]` table may hold, and the type of each (the tool loop reads them)
TOOL_KEYS: dict[str, type | tuple[type, ...]] = {
    "mcp": list,
    "functions": str,
    "web": bool,
    "code": bool,
    "image": bool,
    "library": (str, list),
    "agent": str,
}
_FIELDS = ("description", "model", "system", "prompt", "schema")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class TemplateError(UsageError, ValueError):
    """A template that cannot be read, saved or used; the message says which and why."""


class TemplateNotFound(TemplateError):
    """No template of that name."""


@dataclass(frozen=True)
class Filled:
    """A template's message and system message with the input in place."""

    message: str
    system: str | None


@dataclass(frozen=True)
class Template:
    """One saved template; every part optional. `options` are named as `config set` names them
    (``temperature``, ``seed``, ``format``...); `schema` is the JSON Schema's text."""

    name: str
    description: str | None = None
    model: str | None = None
    system: str | None = None
    prompt: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    schema: str | None = None
    tools: Mapping[str, Any] = field(default_factory=dict)

    def fill(self, text: str) -> Filled:
        """The message to send for `text` (typed and piped) and the system message.

        `{input}` takes `text` wherever it appears; if it appears nowhere, `text` follows the
        prompt after a blank line. Without a prompt the message is `text` (a request needs a
        user message, even when the system message took the input too).
        """
        takes_input = INPUT in (self.prompt or "") or INPUT in (self.system or "")
        system = self.system.replace(INPUT, text) if self.system else None
        if self.prompt is None:
            message = text
        elif takes_input:
            message = self.prompt.replace(INPUT, text)
        else:
            message = "\n\n".join(part for part in (self.prompt, text) if part)
        return Filled(message.strip(), system)

    def request_options(self) -> dict[str, Any]:
        """The options as the request carries them (the spec's names, checked values)."""
        from mistral_chat.services.chat_options import response_format, validate_option

        out: dict[str, Any] = {}
        for name, value in self.options.items():
            key, checked = validate_option(name, value)
            out[key] = checked
        if self.schema is not None:
            if not self.schema.lstrip().startswith("{"):
                raise TemplateError("schema must be a JSON Schema written out (starting with {)")
            out["response_format"] = response_format(None, self.schema)
        return out

    def to_toml(self) -> dict[str, Any]:
        doc: dict[str, Any] = {k: getattr(self, k) for k in _FIELDS if getattr(self, k)}
        if self.options:
            doc["options"] = dict(self.options)
        if self.tools:
            doc["tools"] = dict(self.tools)
        return doc


def fill_input(prompt: str, text: str) -> str:
    """`prompt` with `{input}` replaced by `text` (or `text` after it when it has none)."""
    return Template("", prompt=prompt).fill(text).message


def parse_template(name: str, doc: Mapping[str, Any], where: str) -> Template:
    """A template from its TOML document; every part is checked (TemplateError otherwise)."""
    known = (*_FIELDS, "options", "tools")
    for key in doc:
        if key not in known:
            holds = ", ".join(known)
            raise TemplateError(f"{where}: unknown key {key!r}; a template holds {holds}")
    values: dict[str, Any] = {}
    for key in _FIELDS:
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            raise TemplateError(f"{where}: {key} must be text, got {value!r}")
        values[key] = value or None
    options = _table(doc, "options", where)
    tools = _table(doc, "tools", where)
    template = Template(name, options=options, tools=tools, **values)
    try:
        template.request_options()
    except UsageError as exc:
        said = str(exc).removeprefix("--schema: ")
        raise TemplateError(f"{where}: {said.replace('the inline schema', 'schema')}") from None
    for key, value in tools.items():
        kind = TOOL_KEYS.get(key)
        if kind is None:
            raise TemplateError(
                f"{where}: unknown tool setting {key!r}; [tools] holds {', '.join(TOOL_KEYS)}"
            )
        if not isinstance(value, kind):
            raise TemplateError(f"{where}: tools.{key} has the wrong type ({value!r})")
    return template


def _table(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: [{key}] must be a table")
    return dict(value)


class TemplateStore:
    """The templates in one directory (``<config dir>/templates``), one TOML file each.

    >>> store = TemplateStore(settings.home / "templates")     # doctest: +SKIP
    >>> store.save(Template("fr", system="Answer in French."))  # doctest: +SKIP
    >>> store.load("fr").system                                  # doctest: +SKIP
    'Answer in French.'
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        if not _NAME.fullmatch(name) or ".." in name:
            raise TemplateError(
                f"invalid template name {name!r}; use letters, digits, '-', '_' and '.' "
                "(at most 64 characters)"
            )
        return self.directory / f"{name}.toml"

    def names(self) -> list[str]:
        """Every template's name, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(
            p.stem for p in self.directory.glob("*.toml") if p.is_file() and _NAME.fullmatch(p.stem)
        )

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def load(self, name: str) -> Template:
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            known = self.names()
            hint = f"templates: {', '.join(known)}" if known else "there are no templates yet"
            raise TemplateNotFound(
                f"no template {name!r} ({hint}); save one with "
                f"`mistral-chat template save {name} -s SYSTEM ...`"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"cannot read {path}: {exc}") from None
        return self.parse(name, text, str(path))

    def parse(self, name: str, text: str, where: str) -> Template:
        """A template from TOML text (e.g. a file just edited)."""
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(f"{where} is not valid TOML ({exc})") from None
        return parse_template(name, doc, where)

    def text(self, name: str) -> str:
        """The template's file as saved (for `template show`)."""
        self.load(name)  # not found / invalid: say so
        return self.path(name).read_text(encoding="utf-8")

    def save(self, template: Template, *, replace: bool = False) -> Path:
        """Write the template (TemplateError if it exists and `replace` is False)."""
        path = self.path(template.name)
        if path.exists() and not replace:
            raise TemplateError(
                f"template {template.name!r} exists; --force replaces it, "
                f"`mistral-chat template edit {template.name}` changes it"
            )
        import tomli_w

        self.write_text(template.name, tomli_w.dumps(template.to_toml(), multiline_strings=True))
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Replace the template's file with `text`, atomically."""
        import os
        import tempfile

        path = self.path(name)
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".toml", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def delete(self, name: str) -> None:
        self.load(name)  # not found: say so, naming the ones there are
        self.path(name).unlink()
