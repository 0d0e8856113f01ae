"""argparse's usage errors, reworded where its own words leave a user guessing.

argparse says "ignored explicit argument 'yes'" for `--json=yes` and lists every choice for a
misspelt command; a user wants to hear that the flag takes no value, or which word was meant.
"""

from __future__ import annotations

import difflib
import re

__all__ = ["plain_usage_error"]

_NO_VALUE = re.compile(r"argument (?P<flags>\S+): ignored explicit argument (?P<value>'.*')$")
_CHOICE = re.compile(
    r"argument (?P<name>\S+): invalid choice: '(?P<value>.*)' \(choose from (?P<choices>.*)\)$"
)


def plain_usage_error(message: str, global_options: frozenset[str] = frozenset()) -> str:
    """Reword the argparse messages above; any other message is returned unchanged.

    A global option given after the command (``files list --debug``) is unrecognised there;
    with ``global_options`` the message says where it goes.

    >>> plain_usage_error("argument --json: ignored explicit argument 'x'")
    "--json takes no value (got 'x'); write --json alone"
    >>> plain_usage_error("argument --thinking/--no-thinking: ignored explicit argument 'yes'")
    "--thinking takes no value (got 'yes'); write --thinking or --no-thinking"
    >>> plain_usage_error("argument COMMAND: invalid choice: 'modls' (choose from 'ask', 'models')")
    "unknown command 'modls'; did you mean 'models'? (choose from 'ask', 'models')"
    >>> plain_usage_error("argument --sort: invalid choice: 'zzz' (choose from 'id', 'name')")
    "--sort: unknown value 'zzz' (choose from 'id', 'name')"
    >>> plain_usage_error("unrecognized arguments: --debug", frozenset({"--debug"}))
    '--debug is a global option: put it before the command (`mistral-chat --debug ...`)'
    """
    if message.startswith("unrecognized arguments: "):
        tokens = message.removeprefix("unrecognized arguments: ").split()
        misplaced = [t for t in tokens if t.split("=", 1)[0] in global_options]
        if misplaced:
            flag = misplaced[0].split("=", 1)[0]
            return (
                f"{flag} is a global option: put it before the command (`mistral-chat {flag} ...`)"
            )
    if found := _NO_VALUE.match(message):
        flags = found["flags"].split("/")
        spelled = " or ".join(flags)
        if len(flags) == 1:
            spelled += " alone"
        return f"{flags[0]} takes no value (got {found['value']}); write {spelled}"
    if found := _CHOICE.match(message):
        choices = re.findall(r"'([^']*)'", found["choices"])
        name = found["name"]
        # a positional's metavar (COMMAND, SHELL) names the thing; an option names itself
        what = f"unknown {name.lower()}" if name.isupper() else f"{name}: unknown value"
        text = f"{what} '{found['value']}'"
        close = difflib.get_close_matches(found["value"], choices, n=1, cutoff=0.6)
        if close:
            text += f"; did you mean '{close[0]}'?"
        return f"{text} (choose from {found['choices']})"
    return message
