"""Every error class of the tree maps to its documented exit code, found by walking the tree.

No class is named here: a class added, moved or renamed anywhere under `mistral_chat` is
found by importing every module and walking `MistralChatError`'s subclasses, so a renamed
class cannot silently become exit 1.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import mistral_chat
from mistral_chat.cli.exit import exit_for
from mistral_chat.errors import ExitCode, MistralChatError

README = Path(__file__).parents[2] / "README.md"


def _import_everything() -> None:
    for info in pkgutil.walk_packages(mistral_chat.__path__, "mistral_chat."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def _tree() -> list[type[MistralChatError]]:
    _import_everything()
    seen: list[type[MistralChatError]] = []
    todo: list[type[MistralChatError]] = [MistralChatError]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


def _argument(name: str, annotation: Any) -> Any:
    """A plausible value for a constructor parameter, from its name and annotation."""
    text = str(annotation)
    if name in ("status_code", "status"):
        return 400
    if "list" in text or "Sequence" in text:
        return ["a", "b"]
    if text.startswith("int") or name in ("found", "known", "chunks", "signal"):
        return 3
    if "float" in text:
        return 1.0
    return "x"


def _instance(cls: type[MistralChatError]) -> MistralChatError:
    params = inspect.signature(cls.__init__).parameters.values()
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in list(params)[1:]:
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        value = _argument(p.name, p.annotation)
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    if not args and not kwargs:
        args = ["something went wrong"]
    return cls(*args, **kwargs)


TREE = _tree()


def test_the_tree_is_found() -> None:
    # the layers each add their own errors: a walk that found only the roots found nothing
    assert len(TREE) > 20
    assert {c.__module__.split(".")[1] for c in TREE} >= {"api", "storage", "services", "repl"}


def test_every_exit_code_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("Exit codes:") :].split("\n\n")[0]
    documented = {int(n) for n in re.findall(r"\b(\d+) [a-z]", paragraph)}
    assert documented == {code.value for code in ExitCode}


@pytest.mark.parametrize("cls", TREE, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_class_maps_to_its_own_exit_code(cls: type[MistralChatError]) -> None:
    exc = _instance(cls)
    code, message = exit_for(exc, host="api.example")
    assert code == cls.exit_code
    assert code in set(ExitCode)
    assert message and "\n" not in message and "internal error" not in message
