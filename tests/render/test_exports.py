"""The render package's public names load lazily: one submodule does not drag in the others."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mistral_chat.render as render


def _modules_after(code: str) -> set[str]:
    probe = f"{code}; import sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_one_submodule_does_not_import_the_others() -> None:
    loaded = _modules_after("import mistral_chat.render.tables")
    assert "mistral_chat.render.tables" in loaded
    for other in ("markdown", "_blocks", "spinner", "progress"):
        assert f"mistral_chat.render.{other}" not in loaded
    assert "rich" not in loaded


def test_the_package_alone_imports_no_submodule() -> None:
    loaded = _modules_after("import mistral_chat.render")
    assert not {m for m in loaded if m.startswith("mistral_chat.render.")}


@pytest.mark.parametrize("name", render.__all__)
def test_every_export_resolves(name: str) -> None:
    value = getattr(render, name)
    assert value.__name__ == name
    assert name in dir(render)


def test_from_import_still_works() -> None:
    from mistral_chat.render import StreamingMarkdown, Terminal, table

    assert Terminal.__module__ == "mistral_chat.render.console"
    assert StreamingMarkdown.__module__ == "mistral_chat.render.markdown"
    assert table.__module__ == "mistral_chat.render.tables"


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        render.Nope  # noqa: B018
