"""`mistral-chat batch`: one prompt over every row of a file (or every file of a folder) on
Mistral's Batch API, at half price; resumable, and never sending a row twice.

`run` builds a request per row, submits jobs and waits for them with a progress bar, then
writes the input's rows with their answers. Killed, the same command picks its jobs up again.
The other verbs (`list`, `status`, `wait`, `results`, `retry`, `cancel`) are in `batch_jobs`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._argtypes import int_range, non_empty, positive_int
from ._batch_common import open_service, report, wait_and_write
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..services.batch.output import OutputSpec
    from ..services.batch.runner import BatchService, Prepared, RunRequest

__all__ = ["register"]

_OPTION_FLAGS = (
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("max_tokens", "max_tokens"),
    ("seed", "random_seed"),
    ("safe_prompt", "safe_prompt"),
    ("reasoning_effort", "reasoning_effort"),
    ("stop", "stop"),
)
_EXAMPLES = """\
examples:
  mistral-chat batch run reviews.csv --prompt 'Sentiment of: {text}' -o out.csv
  mistral-chat batch run rows.jsonl --schema person.json -o people.jsonl
  mistral-chat batch run scans/ --endpoint ocr --output-dir markdown/
  mistral-chat batch run big.csv --prompt '{title}' -o out.jsonl --dry-run
  mistral-chat batch run small.csv --prompt '{q}' -o out.csv --live --concurrency 8
  mistral-chat batch list            mistral-chat batch results RUN -o out.csv

{column} in a template is the row's value in that column ({{ and }} for braces); a folder's
rows offer {file}, {path} and {stem}. A run killed (or Ctrl-C) resumes when the same command
is run again; its rows are never submitted twice.
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "batch",
        help="run a prompt over many rows or files on the Batch API (half price)",
        description="Run one prompt over every row of a CSV or JSONL file, or every file of a "
        "folder, on Mistral's Batch API: half the price, outside the real-time rate limits.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="batch_command", metavar="COMMAND", title="commands")
    _register_run(sub)
    from .batch_jobs import register_jobs

    register_jobs(sub)


def _register_run(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="submit INPUT's rows as batch jobs, wait, and write the answers",
        description="Build one request per row of INPUT (CSV with a header, JSONL, a folder or "
        "glob of files, or - for stdin), submit them as batch jobs, wait for them, and write "
        "every row with its answer to -o (JSONL or CSV, by extension) in input order.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="a CSV, a JSONL file, a folder, a glob, or -")
    p.add_argument(
        "-o", "--output", type=non_empty, metavar="OUT", help="OUT.jsonl or OUT.csv: the results"
    )
    p.add_argument(
        "--output-dir", type=non_empty, metavar="DIR", help="one markdown file a row (ocr)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output")
    p.add_argument("--prompt", metavar="TEMPLATE", help="the prompt, with {column} placeholders")
    p.add_argument(
        "--endpoint",
        choices=("chat", "ocr", "embeddings", "moderations", "fim"),
        default="chat",
        help="what each row is sent to (default: chat)",
    )
    p.add_argument("-m", "--model", type=non_empty, metavar="MODEL", help="model id")
    p.add_argument("-s", "--system", metavar="SYSTEM", help="system message (chat)")
    p.add_argument("--suffix", metavar="TEMPLATE", help="the code after the gap (fim)")
    g = p.add_argument_group("generation options (chat; fim takes the sampling ones)")
    g.add_argument("--temperature", metavar="T", help="sampling temperature, 0 to 1.5")
    g.add_argument("--top-p", metavar="P", help="nucleus sampling mass, over 0 up to 1")
    g.add_argument("--max-tokens", metavar="N", help="most tokens to generate (0 or more)")
    g.add_argument("--seed", metavar="N", help="random seed (0 or more)")
    g.add_argument("--safe-prompt", action=argparse.BooleanOptionalAction, default=None)
    g.add_argument("--reasoning-effort", metavar="LEVEL", help="none, minimal, low ... xhigh")
    g.add_argument("--stop", action="append", metavar="SEQ", help="stop before SEQ; repeatable")
    g.add_argument("--format", choices=("text", "json"), help="json: each answer is a JSON object")
    g.add_argument("--schema", metavar="SCHEMA", help="answers as JSON fields of this schema")
    g.add_argument("--image-max-side", type=positive_int, metavar="PX", help="scale images (chat)")
    r = p.add_argument_group("running")
    r.add_argument(
        "--dry-run", action="store_true", help="count rows, bytes, tokens and cost; send nothing"
    )
    r.add_argument("--no-wait", action="store_true", help="submit and print the job ids")
    r.add_argument(
        "--no-inline",
        action="store_true",
        help="always upload the requests as a file (small jobs otherwise carry them inline)",
    )
    r.add_argument(
        "--rows-per-job",
        type=int_range(1, 100_000),
        metavar="N",
        help="at most N rows a job (default and most: 100,000)",
    )
    r.add_argument(
        "--live",
        action="store_true",
        help="use the real-time API instead (small inputs, self-hosted servers)",
    )
    r.add_argument(
        "--concurrency",
        type=int_range(1, 64),
        default=4,
        metavar="N",
        help="requests at once with --live (default 4)",
    )
    r.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.batch.output import OutputSpec

    out = OutputSpec(
        Path(args.output) if args.output else None,
        Path(args.output_dir) if args.output_dir else None,
        args.force,
    )
    request = _request(args, ctx)
    if not args.dry_run:
        _check_paths(out)
    service = open_service(ctx)
    try:
        stdin = sys.stdin.buffer if args.input == "-" and not sys.stdin.isatty() else None
        if args.dry_run:
            return _dry_run(args, ctx, service, request, stdin)
        prepared = service.prepare(request, stdin)
        from ..services.batch.output import check_output

        check_output(out, prepared.table, request.shape)
        prepared.run.output = str(out.path) if out.path else None
        prepared.run.output_dir = str(out.folder) if out.folder else None
        if args.live:
            from .batch_jobs import run_live

            return run_live(args, ctx, service, prepared, out)
        return _submit_and_wait(args, ctx, service, prepared, out)
    finally:
        service.ledger.close()


def _request(args: argparse.Namespace, ctx: AppContext) -> RunRequest:
    """The run as asked, every option checked against the endpoint before anything else."""
    from ..services.batch.requests import ENDPOINTS, RequestSpec
    from ..services.batch.results import AnswerShape
    from ..services.batch.runner import RunRequest

    endpoint = ENDPOINTS[args.endpoint]
    options = _options(args)
    for name in options:
        if name not in endpoint.options:
            flag = next((f for f, n in _OPTION_FLAGS if n == name), name)
            flag = (
                "--format/--schema" if name == "response_format" else f"--{flag.replace('_', '-')}"
            )
            raise UsageError(f"{flag} does not apply to --endpoint {endpoint.name}")
    for flag, value, allowed in (
        ("--system", args.system, endpoint.name == "chat"),
        ("--suffix", args.suffix, endpoint.name == "fim"),
        ("--image-max-side", args.image_max_side, endpoint.name == "chat"),
    ):
        if value is not None and not allowed:
            raise UsageError(f"{flag} does not apply to --endpoint {endpoint.name}")
    model = args.model or endpoint.default_model or ctx.settings.default_model
    spec = RequestSpec(
        endpoint,
        model,
        prompt=args.prompt,
        system=args.system,
        suffix=args.suffix,
        options=tuple(sorted(options.items())),
        image_max_side=args.image_max_side or ctx.settings.image_max_side,
    )
    fmt = options.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or {}
    fields = tuple(schema.get("properties") or ()) if schema.get("type") == "object" else ()
    shape = AnswerShape(endpoint.name, fields, json=bool(fmt) and not fields)
    return RunRequest(
        args.input, spec, shape, args.rows_per_job or 100_000, inline=not args.no_inline
    )


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from ..services.chat_options import InvalidOption, response_format, validate_option

    options: dict[str, Any] = {}
    for attr, name in _OPTION_FLAGS:
        value = getattr(args, attr)
        if value is None:
            continue
        try:
            key, checked = validate_option(name, value)
        except InvalidOption as exc:
            flag, text = f"--{attr.replace('_', '-')}", str(exc)
            text = flag + text[len(name) :] if text.startswith(name) else f"{text} ({flag})"
            raise UsageError(text) from None
        options[key] = checked
    try:
        fmt = response_format(args.format, args.schema)
    except InvalidOption as exc:
        raise UsageError(str(exc)) from None
    if fmt is not None:
        options["response_format"] = fmt
    return options


def _check_paths(out: OutputSpec) -> None:
    """The output checks that need no input: refused before anything is read or sent."""
    import os

    if out.path is None and out.folder is None:
        raise UsageError("say where the results go: -o OUT.jsonl, -o OUT.csv or --output-dir DIR")
    if out.path is not None and os.path.lexists(out.path) and not out.force:
        raise UsageError(
            f"{out.path} already exists; pass --force to replace it (nothing was sent)"
        )


def _dry_run(
    args: argparse.Namespace,
    ctx: AppContext,
    service: BatchService,
    request: RunRequest,
    stdin: Any,
) -> int:
    import tempfile

    from ..services.batch.estimate import estimate

    with tempfile.TemporaryDirectory(prefix="mistral-chat-batch-") as scratch:
        prepared = service.prepare(request, stdin, folder=Path(scratch))
        summary = estimate(prepared.plan, request.spec.model, request.spec.endpoint.name)
    if args.json:
        ctx.terminal.json(summary.to_dict())
        return ExitCode.OK
    from ..render.formats import money
    from ..services.transfers import human_size

    jobs = f"{summary.jobs}"
    if summary.jobs:
        jobs += f" ({summary.inline_jobs} inline, {summary.jobs - summary.inline_jobs} from files)"
    cost = (
        f"~{money(summary.cost_usd)} for the input at {summary.model}'s list price with the "
        "50% batch discount (output tokens not counted)"
        if summary.cost_usd is not None
        else f"not estimated: {summary.cost_note}"
    )
    lines = [
        ("rows", f"{summary.rows:,}"),
        ("jobs", jobs),
        ("requests", f"{summary.requests:,} ({human_size(summary.request_bytes)})"),
        ("input tokens", f"~{summary.input_tokens:,} (about 4 characters a token; text only)"),
        ("cost", cost),
    ]
    if summary.failed_rows:
        lines.append(("cannot send", f"{summary.failed_rows:,} rows (their reasons at run time)"))
    for name, value in lines:
        ctx.terminal.out(f"{name:<13} {value}")
    ctx.terminal.out(f"first request {summary.first_line or '-'}")
    ctx.terminal.err_line("dry run: nothing was sent")
    return ExitCode.OK


def _submit_and_wait(
    args: argparse.Namespace,
    ctx: AppContext,
    service: BatchService,
    prepared: Prepared,
    out: OutputSpec,
) -> int:
    shards = service.submit(prepared)
    run = prepared.run
    if args.no_wait:
        for shard in shards:
            if shard.job_id:
                ctx.terminal.out(shard.job_id)
        ctx.terminal.err_line(
            f"run {run.id}: {len(shards)} job(s) submitted; `mistral-chat batch wait {run.id}` "
            "waits and writes the results"
        )
        return ExitCode.OK
    summary = wait_and_write(ctx, service, run, out)
    report(ctx, run.id, summary, args.json)
    return ExitCode.OK
