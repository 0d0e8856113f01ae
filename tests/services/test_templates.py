"""Templates (services.templates), config defaults, and how open_session layers them."""

from __future__ import annotations

import doctest
import io
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.cli.context import AppContext
from mistral_chat.emulator import Emulator
from mistral_chat.render.console import Terminal
from mistral_chat.services import templates
from mistral_chat.services.chat import QuietView, Start, open_session
from mistral_chat.services.chat_options import InvalidOption
from mistral_chat.services.settings import (
    SettingsError,
    parse_config_value,
    resolve_settings,
    set_config_value,
)
from mistral_chat.services.templates import (
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateStore,
    fill_input,
)


def test_doctests() -> None:
    assert doctest.testmod(templates).failed == 0


@pytest.mark.parametrize(
    ("template", "text", "message", "system"),
    [
        (Template("t", prompt="Translate: {input}"), "bonjour", "Translate: bonjour", None),
        (
            Template("t", prompt="Summarise this."),
            "a long text",
            "Summarise this.\n\na long text",
            None,
        ),
        (Template("t", prompt="Tell a joke."), "", "Tell a joke.", None),
        (Template("t", system="Be brief."), "hi", "hi", "Be brief."),
        (
            Template("t", system="Context: {input}", prompt="Answer."),
            "facts",
            "Answer.",
            "Context: facts",
        ),
        (Template("t", system="Context: {input}"), "facts", "facts", "Context: facts"),
        (Template("t", prompt='JSON {"a": 1} of {input}'), "x", 'JSON {"a": 1} of x', None),
    ],
)
def test_input_goes_where_the_template_says(
    template: Template, text: str, message: str, system: str | None
) -> None:
    filled = template.fill(text)
    assert (filled.message, filled.system) == (message, system)


def test_fill_input_for_the_chat() -> None:
    assert fill_input("In French: {input}", "good morning") == "In French: good morning"


def test_store_saves_loads_lists_and_deletes(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path / "templates")
    assert store.names() == []
    t = Template(
        "review",
        description="code review",
        model="codestral-latest",
        system="You review code.",
        prompt="Review:\n\n{input}",
        options={"temperature": 0.2, "seed": 7, "stop": ["###", "END"]},
        schema='{"type": "object", "properties": {"ok": {"type": "boolean"}}}',
        tools={"mcp": ["github"], "web": True},
    )
    path = store.save(t)
    assert path == tmp_path / "templates" / "review.toml"
    assert '"""' in path.read_text()  # multi-line prompt kept readable
    assert store.load("review") == t
    assert store.names() == ["review"]
    with pytest.raises(TemplateError, match="exists; --force replaces it"):
        store.save(t)
    store.save(Template("review", system="Shorter."), replace=True)
    assert store.load("review").model is None
    store.delete("review")
    assert store.names() == []
    with pytest.raises(TemplateNotFound, match="no template 'review' \\(there are no templates"):
        store.load("review")


def test_request_options_are_the_requests_form() -> None:
    t = Template("t", options={"seed": 3, "format": "json", "top_p": 0.5}, schema=None)
    assert t.request_options() == {
        "random_seed": 3,
        "response_format": {"type": "json_object"},
        "top_p": 0.5,
    }
    schema = Template("s", schema='{"name": "verdict", "schema": {"type": "object"}}')
    assert schema.request_options()["response_format"]["json_schema"]["name"] == "verdict"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sytem = 'x'", "unknown key 'sytem'"),
        ("model = 3", "model must be text"),
        ("[options]\ntemperature = 3", "temperature must be between 0 and 1.5"),
        ("[options]\ncolour = 'red'", "unknown option 'colour'"),
        ("[tools]\nweb = 'yes'", "tools.web has the wrong type"),
        ("[tools]\nbrowser = true", "unknown tool setting 'browser'"),
        ("schema = 'not json'", "schema must be a JSON Schema written out"),
        ("schema = '{oops'", "schema is not valid JSON"),
        ("model = ", "is not valid TOML"),
        ("options = 3", "[options] must be a table"),
    ],
)
def test_a_bad_template_is_refused_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    store = TemplateStore(tmp_path)
    store.write_text("bad", text)
    with pytest.raises(TemplateError, match=message.replace("[", "\\[").replace("]", "\\]")):
        store.load("bad")


@pytest.mark.parametrize("name", ["../x", "a/b", "", ".hidden", "x" * 65, "a..b"])
def test_template_names_stay_in_their_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(TemplateError, match="invalid template name"):
        TemplateStore(tmp_path).path(name)


# -- config defaults ----------------------------------------------------------------------------


def _settings(home: Path, **kw: Any) -> Any:
    return resolve_settings(
        environ={"MISTRAL_CHAT_HOME": str(home), "MISTRAL_API_KEY": "k"},
        keyring_get=lambda p: None,
        **kw,
    )


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("temperature", "0.3", 0.3),
        ("top_p", "0.9", 0.9),
        ("max_tokens", "200", 200),
        ("seed", "7", 7),
        ("safe_prompt", "on", True),
        ("reasoning_effort", "High", "high"),
        ("stop", "###", "###"),
        ("format", "JSON", "json"),
    ],
)
def test_config_set_takes_every_generation_option(
    mistral_home: Path, key: str, text: str, stored: object
) -> None:
    value = parse_config_value(key, text)
    assert value == stored
    set_config_value(mistral_home / "config.toml", key, value)
    assert _settings(mistral_home).defaults == {key: stored}


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("temperature", "2", "between 0 and 1.5"),
        ("seed", "x", "whole number"),
        ("temperature", "default", "config unset temperature"),
        ("format", "yaml", "json or text"),
    ],
)
def test_config_set_checks_as_the_flag_does(key: str, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_config_value(key, text)


def test_a_hand_edited_bad_default_names_the_key(mistral_home: Path) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    (mistral_home / "config.toml").write_text("temperature = 9\n")
    with pytest.raises(InvalidOption, match=r"config key 'temperature' in .* invalid value 9"):
        _settings(mistral_home)
    assert _settings(mistral_home, strict=False).defaults == {}


# -- the layers, in open_session ----------------------------------------------------------------


@pytest.fixture
def ctx(emulator: Emulator, mistral_home: Path) -> Any:
    def make() -> AppContext:
        settings = resolve_settings(
            base_url=emulator.base_url,
            environ={"MISTRAL_CHAT_HOME": str(mistral_home), "MISTRAL_API_KEY": "test"},
            keyring_get=lambda p: None,
        )
        return AppContext(Terminal(stdout=io.StringIO(), stderr=io.StringIO()), settings)

    return make


def _body(emulator: Emulator, since: int) -> dict[str, Any]:
    bodies = [r.json for r in emulator.requests[since:] if r.path == "/v1/chat/completions"]
    assert len(bodies) == 1
    return bodies[0]


def test_flag_over_template_over_conversation_over_config(
    ctx: Any, emulator: Emulator, mistral_home: Path
) -> None:
    config = mistral_home / "config.toml"
    for key, value in (("temperature", 0.3), ("seed", 5), ("max_tokens", 50), ("top_p", 0.8)):
        set_config_value(config, key, value)
    app = ctx()
    start = len(emulator.requests)
    open_session(app, Start.NEW).send("plain", view=QuietView())
    body = _body(emulator, start)
    assert (body["temperature"], body["random_seed"], body["max_tokens"]) == (0.3, 5, 50)
    assert body["model"] == "mistral-small-latest"

    template = Template(
        "t", model="codestral-latest", system="From the template.", options={"temperature": 0.6}
    )
    start = len(emulator.requests)
    session = open_session(app, Start.NEW, options={"random_seed": 9}, template=template)
    session.send("templated", view=QuietView())
    body = _body(emulator, start)
    assert body["model"] == "codestral-latest"
    assert (body["temperature"], body["random_seed"], body["max_tokens"]) == (0.6, 9, 50)
    assert body["messages"][0] == {"role": "system", "content": "From the template."}

    # continued: the conversation's own (temperature 0.6, seed 9) over config; a flag over both
    start = len(emulator.requests)
    again = open_session(app, Start.LATEST, options={"max_tokens": 20})
    again.send("continued", view=QuietView())
    body = _body(emulator, start)
    assert (body["temperature"], body["random_seed"], body["max_tokens"]) == (0.6, 9, 20)
    assert body["model"] == "codestral-latest"
    app.close()
