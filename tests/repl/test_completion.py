"""Tab completion: slash commands, model ids, /set keys, /image words, paths, conversations."""

from __future__ import annotations

from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from mistral_chat.repl.commands import REGISTRY, CommandError
from mistral_chat.repl.completion import ChatCompleter


def complete(text: str, completer: ChatCompleter | None = None) -> list[str]:
    completer = completer or ChatCompleter(
        REGISTRY,
        model_ids=lambda: ["mistral-small-latest", "mistral-large-latest", "codestral-latest"],
        conversations=lambda: [("01abc", "first"), ("01abd", "second")],
    )
    event = CompleteEvent(completion_requested=True)
    return [c.text for c in completer.get_completions(Document(text, len(text)), event)]


def test_commands() -> None:
    assert complete("/mo") == ["/model", "/models"]
    assert complete("/re") == ["/retry", "/resume"]
    assert "/quit" in complete("/")
    assert complete("hello /mo") == []
    assert complete("/zz") == []


def test_arguments() -> None:
    assert complete("/model mistral-") == ["mistral-small-latest", "mistral-large-latest"]
    assert complete("/set t") == ["temperature", "top_p"]
    assert complete("/set safe_prompt f") == ["false"]
    assert complete("/image t")[0] == "test"  # then paths starting with t
    assert complete("/image test r") == []
    assert complete("/resume 01ab") == ["01abc", "01abd"]
    assert complete("/usage x") == []


def test_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "red.png").write_bytes(b"\x89PNG")
    monkeypatch.chdir(tmp_path)
    assert complete("/attach rep") == ["ort.pdf"]  # PathCompleter completes the remainder
    assert "d.png" in complete("/image re")
    assert complete("/image upload red") == [".png"]
    assert complete("/image te") == ["test"]  # no file starts with te here


def test_registry_resolves_aliases_and_prefixes() -> None:
    assert REGISTRY.parse("/exit")[0].name == "/quit"
    assert REGISTRY.parse("/q")[0].name == "/quit"
    assert REGISTRY.parse("/hist 5") == (REGISTRY.find("/history"), "5")
    assert REGISTRY.parse("/MODEL  codestral-latest ")[1] == "codestral-latest"
    with pytest.raises(CommandError, match="could be /retry or /resume"):
        REGISTRY.parse("/re")
    with pytest.raises(CommandError, match="unknown command /nope"):
        REGISTRY.parse("/nope")


def test_model_aliases_complete_too() -> None:
    from mistral_chat.repl.session import ChatRepl

    class Catalog:
        def models(self, max_age: float | None = None) -> object:
            from types import SimpleNamespace

            small = SimpleNamespace(id="mistral-small-2603", aliases=["mistral-small-latest"])
            return SimpleNamespace(models=[small])

    class App:
        def catalog(self) -> Catalog:
            return Catalog()

    repl = ChatRepl.__new__(ChatRepl)
    repl.app = App()  # type: ignore[assignment]
    assert repl._model_ids() == ["mistral-small-2603", "mistral-small-latest"]


def applied(text: str) -> list[str]:
    """The line after each completion is applied."""
    completer = ChatCompleter(REGISTRY)
    event = CompleteEvent(completion_requested=True)
    out = []
    for c in completer.get_completions(Document(text, len(text)), event):
        out.append(text[: len(text) + c.start_position] + c.text)
    return out


def test_paths_with_spaces_are_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a completed path with a space went in as it is, and the command then split it in two;
    # a path typed in quotes, or after another path, was not completed at all
    import shlex

    (tmp_path / "my docs").mkdir()
    (tmp_path / "my docs" / "q3 report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "it's.txt").write_text("x")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.chdir(tmp_path)
    assert applied("/attach my") == ["/attach 'my docs/'"]
    assert applied("/attach 'my docs/q") == ["/attach 'my docs/q3 report.pdf'"]
    assert applied("/attach my\\ docs/q") == ["/attach 'my docs/q3 report.pdf'"]
    assert applied('/export "my docs/') == ["/export 'my docs/q3 report.pdf'"]
    assert applied("/image upload 'my docs/q") == ["/image upload 'my docs/q3 report.pdf'"]
    assert applied("/attach it") == ["/attach 'it'\"'\"'s.txt'"]
    assert shlex.split(applied("/attach it")[0]) == ["/attach", "it's.txt"]
    assert applied("/attach report.pdf 'my docs/q") == [
        "/attach report.pdf 'my docs/q3 report.pdf'"
    ]
    assert complete("/attach report.pdf rep") == ["ort.pdf"]
