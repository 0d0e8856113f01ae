"""`mistral-chat template save|list|show|edit|delete`: named templates (`ask -t NAME`).

A template is a TOML file in the config directory's `templates/` (see `services.templates`);
these commands never call the API.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty
from ._generation import add_flags, given
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..services.templates import Template, TemplateStore

__all__ = ["register"]

_SKELETON = """\
# mistral-chat template {name}: every key is optional; `mistral-chat ask -t {name}` uses it.
# description = "what it is for"
# model = "mistral-small-latest"
# system = "You are ..."
# prompt = \"\"\"Do this with the text below:
#
# {{input}}\"\"\"
# schema = '{{"type": "object", "properties": {{"answer": {{"type": "string"}}}}}}'
#
# [options]          # temperature, top_p, max_tokens, seed, safe_prompt, reasoning_effort,
# temperature = 0.3  # stop, format ("json" or "text")
#
# [tools]            # for tools: mcp = ["server"], functions = "file.py", web = true, code = true
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "template",
        help="saved prompts, models and options (ask -t NAME)",
        description=(
            "Templates keep a system message, a model, a prompt ({input} takes what you type "
            "or pipe), generation options, a JSON schema and tools under a name, in the config "
            "directory's templates/ folder. `ask -t NAME`, `chat -t NAME` and the chat's "
            "/template NAME use them; flags given with them win."
        ),
        epilog=(
            "examples:\n"
            "  mistral-chat template save commit -m codestral-latest --temperature 0.2 \\\n"
            '      -s "You write short commit messages." -p "Write one for this diff: {input}"\n'
            "  git diff | mistral-chat ask -t commit\n"
            "  mistral-chat template edit commit          (opens $EDITOR)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="template_command", metavar="SUBCOMMAND", title="subcommands")
    save = sub.add_parser("save", help="save a template (--force replaces one)")
    save.add_argument("name", metavar="NAME")
    save.add_argument("-m", "--model", type=non_empty, metavar="MODEL", help="model id")
    save.add_argument("-s", "--system", metavar="SYSTEM", help="system message")
    save.add_argument(
        "-p", "--prompt", metavar="PROMPT", help="the message; {input} takes what is typed or piped"
    )
    save.add_argument("-d", "--description", metavar="TEXT", help="what the template is for")
    add_flags(save, "generation options (saved with it)")
    tools = save.add_argument_group("tools (kept for the tool loop)")
    tools.add_argument("--mcp", action="append", metavar="NAME", help="an MCP server; repeatable")
    tools.add_argument("--functions", metavar="FILE", help="a Python file of functions")
    for flag, what in (("web", "web search"), ("code", "the code interpreter")):
        tools.add_argument(f"--{flag}", action="store_true", default=None, help=f"use {what}")
    save.add_argument("--force", action="store_true", help="replace a template of that name")
    save.set_defaults(handler=save_)
    listing = sub.add_parser("list", help="the saved templates")
    listing.add_argument("--json", action="store_true", help="as one JSON array")
    listing.set_defaults(handler=list_)
    show = sub.add_parser("show", help="print a template's file")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="as one JSON object")
    show.set_defaults(handler=show_)
    edit = sub.add_parser("edit", help="open a template in $EDITOR (a new one if none)")
    edit.add_argument("name", metavar="NAME")
    edit.set_defaults(handler=edit_)
    delete = sub.add_parser("delete", help="delete a template")
    delete.add_argument("name", metavar="NAME")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=delete_)


def _store(ctx: AppContext) -> TemplateStore:
    from ..services.templates import TemplateStore

    return TemplateStore(ctx.settings.home / "templates")


def save_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.templates import Template, parse_template

    options = given(args)
    schema = _schema_text(args) if args.schema is not None else None
    if args.format is not None and schema is None:
        options["format"] = args.format
    tools = {
        key: value
        for key, value in (
            ("mcp", args.mcp),
            ("functions", args.functions),
            ("web", args.web),
            ("code", args.code),
        )
        if value is not None
    }
    template = Template(
        args.name,
        description=args.description,
        model=args.model,
        system=args.system,
        prompt=args.prompt,
        options=options,
        schema=schema,
        tools=tools,
    )
    store = _store(ctx)
    parse_template(template.name, template.to_toml(), f"template {template.name}")  # checked
    path = store.save(template, replace=args.force)
    ctx.terminal.err_line(f"saved template {template.name} in {path}")
    return ExitCode.OK


def _schema_text(args: argparse.Namespace) -> str:
    """`--schema` as the JSON text the template keeps (a file is read in: it travels along)."""
    import json

    from ..services.chat_options import InvalidOption, response_format

    try:
        fmt = response_format(args.format, args.schema)
    except InvalidOption as exc:
        raise UsageError(str(exc)) from None
    assert fmt is not None  # a schema was given
    return json.dumps(fmt["json_schema"], ensure_ascii=False, indent=2)


def list_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.templates import TemplateError

    store = _store(ctx)
    rows: list[dict[str, Any]] = []
    for name in store.names():
        try:
            rows.append(_as_json(store.load(name)))
        except TemplateError as exc:
            rows.append({"name": name, "error": str(exc)})
    if args.json:
        ctx.terminal.json(rows)
        return ExitCode.OK
    if not rows:
        ctx.terminal.err_line("no templates yet; `mistral-chat template save NAME ...` saves one")
        return ExitCode.OK
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        ctx.terminal.out(f"{row['name'].ljust(width)}  {_summary(row)}")
    return ExitCode.OK


def _summary(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"(cannot be used: {row['error']})"
    parts = [row.get("model") or "(default model)"]
    about = row.get("description") or row.get("system") or row.get("prompt") or ""
    if about:
        first = about.strip().splitlines()[0]
        parts.append(first if len(first) <= 60 else first[:59] + "…")
    return "  ".join(parts)


def _as_json(template: Template) -> dict[str, Any]:
    return {"name": template.name, **template.to_toml()}


def show_(args: argparse.Namespace, ctx: AppContext) -> int:
    store = _store(ctx)
    if args.json:
        ctx.terminal.json(_as_json(store.load(args.name)))
    else:
        ctx.terminal.out(store.text(args.name).rstrip("\n"))
    return ExitCode.OK


def edit_(args: argparse.Namespace, ctx: AppContext) -> int:
    """Edit a copy in $EDITOR; it replaces the template only once it reads as one. A copy that
    does not is kept beside it and opened again by the next `edit`."""
    store = _store(ctx)
    path = store.path(args.name)
    draft = path.with_name(f".{args.name}.draft.toml")
    if draft.exists():
        ctx.terminal.err_line(f"continuing your unsaved edit ({draft})")
        before = draft.read_text(encoding="utf-8")
    elif path.exists():
        before = path.read_text(encoding="utf-8")
    else:
        before = _SKELETON.format(name=args.name)
    store.directory.mkdir(parents=True, exist_ok=True)
    draft.write_text(before, encoding="utf-8")
    _run_editor(draft)
    after = draft.read_text(encoding="utf-8")
    if after == before and not path.exists() and after == _SKELETON.format(name=args.name):
        draft.unlink()
        ctx.terminal.err_line(f"nothing written; template {args.name} was not created")
        return ExitCode.OK
    from ..services.templates import TemplateError

    try:
        store.parse(args.name, after, f"the edited template {args.name}")
    except TemplateError as exc:
        raise UsageError(
            f"{exc}; nothing was changed; your edit is kept in {draft} and "
            f"`mistral-chat template edit {args.name}` opens it again"
        ) from None
    store.write_text(args.name, after)
    draft.unlink()
    ctx.terminal.err_line(f"saved template {args.name} in {path}")
    return ExitCode.OK


def _run_editor(path: Any) -> None:
    import os
    import shlex
    import subprocess

    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        code = subprocess.call([*shlex.split(command), str(path)])
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot run the editor {command!r} ({exc}); set EDITOR to one you have"
        ) from None
    if code != 0:
        raise UsageError(
            f"the editor {command!r} exited with code {code}; nothing was changed (the edit is "
            f"kept in {path})"
        )


def delete_(args: argparse.Namespace, ctx: AppContext) -> int:
    store = _store(ctx)
    store.load(args.name)  # not found: say so before asking
    if not args.yes and not ctx.confirm(
        "deleting a template", lambda: f"delete template {args.name}?"
    ):
        ctx.terminal.err_line("nothing deleted")
        return ExitCode.OK
    store.delete(args.name)
    ctx.terminal.err_line(f"deleted template {args.name}")
    return ExitCode.OK
