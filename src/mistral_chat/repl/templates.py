"""`/template NAME`: a saved template's model, system message and options for this chat; its
prompt, if it has one, then wraps each message typed (`{input}` takes the message).

    mistral-small-latest> /template translate
    template translate: model mistral-small-latest, system message set, temperature=0.2;
    your messages go into its prompt (/template - stops that)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mistral_chat.repl.commands import REGISTRY, ChatRepl, CommandError

if TYPE_CHECKING:
    from mistral_chat.services.templates import Template

__all__ = ["apply_template"]


@REGISTRY.command(
    "/template [NAME|-]",
    "use a saved template (model, system, options; its prompt wraps your messages)",
)
def template(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.services.templates import TemplateStore

    store = TemplateStore(repl.app.settings.home / "templates")
    name = arg.strip()
    if not name:
        active = repl.prompt_template
        names = ", ".join(store.names()) or "none yet (`mistral-chat template save NAME ...`)"
        state = f"messages go into: {active!r}" if active else "no template prompt is active"
        repl.terminal.out(f"{state}; templates: {names}")
        return
    if name in ("-", "off"):
        if repl.prompt_template is None:
            raise CommandError("no template prompt is active")
        repl.prompt_template = None
        repl.terminal.out("messages are sent as typed again (the model and options stay)")
        return
    apply_template(repl, store.load(name))


def apply_template(repl: ChatRepl, template: Template) -> None:
    """Set the chat's model, system message and options from `template`, as `ask -t` would."""
    from mistral_chat.services.templates import INPUT

    chat, said = repl.chat, []
    options = template.request_options()  # checked before anything changes
    if template.model and template.model != chat.model:
        repl.switch_model(template.model)  # says so, and refuses a model the API lacks
    if template.system is not None:
        chat.set_system(template.fill("").system)
        said.append("system message set")
        if INPUT in template.system:
            repl.terminal.warning("its system message takes {input}; in the chat it stays empty")
    for key, value in options.items():
        name, checked = chat.set_option(key, value)
        said.append(f"{name}={checked}" if checked is not None else f"{name} unset")
    repl.prompt_template = template.prompt
    if template.prompt:
        said.append("your messages go into its prompt (/template - stops that)")
    if template.tools:
        repl.terminal.warning(
            f"its tools ({', '.join(template.tools)}) are not available in the chat yet"
        )
    repl.terminal.out(f"template {template.name}: {', '.join(said) or 'nothing to change'}")
