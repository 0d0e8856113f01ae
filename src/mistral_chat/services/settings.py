"""Where settings come from, resolved in one place: `resolve_settings`.

Precedence (first wins):

- base URL: `--emulator` > `--base-url` > `MISTRAL_BASE_URL` > the profile's `base_url` >
  config `base_url` > https://api.mistral.ai
- API key: the emulator's > `MISTRAL_API_KEY` (or the profile's `api_key_env` variable) > the OS
  keyring (only when a real backend exists) > the config file
- everything else: command-line option > profile (where it applies) > config file > default

`MISTRAL_CHAT_HOME=DIR` puts config.toml, history.db and the cache under DIR; otherwise the
platform's directories (platformdirs). The config file is read with tomllib and written with
tomli_w, atomically, mode 0600 (it may hold a key).

    >>> s = resolve_settings(environ={"MISTRAL_CHAT_HOME": "/tmp/x", "MISTRAL_API_KEY": "k"},
    ...                      keyring_get=lambda profile: None)
    >>> (s.base_url, s.api_key_source)
    ('https://api.mistral.ai', 'env')
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mistral_chat.errors import UsageError
from mistral_chat.services import setting_values as values
from mistral_chat.services.setting_values import THEMES

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "THEMES",
    "AppDirs",
    "Settings",
    "SettingsError",
    "app_dirs",
    "config_table",
    "load_config",
    "parse_config_value",
    "resolve_settings",
    "save_config",
    "set_config_value",
    "unset_config_value",
]

DEFAULT_BASE_URL = "https://api.mistral.ai"
DEFAULT_MODEL = "mistral-small-latest"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_IMAGE_MAX_SIDE = 1024
APP_NAME = "mistral-chat"
KEY_ENV = "MISTRAL_API_KEY"


class SettingsError(UsageError, ValueError):
    """A setting or the config file is invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class AppDirs:
    config_path: Path
    history_path: Path
    cache_dir: Path


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about its environment. The key is never in repr."""

    base_url: str
    api_key: str | None = field(repr=False)
    api_key_source: str | None  # "env" | "keyring" | "config" | "emulator" | None
    profile: str | None
    default_model: str
    timeout: float
    max_retries: int
    log_history: bool
    debug: bool
    config_path: Path
    history_path: Path
    cache_dir: Path
    image_max_side: int = DEFAULT_IMAGE_MAX_SIDE
    show_thinking: bool = False  # a reasoning model's reasoning, on stderr
    api_key_env: str = KEY_ENV  # the variable that holds the key for this profile
    base_url_source: str = "default"  # "emulator" | "option" | "env" | "profile" | "config"
    theme: str = "auto"  # colours for a dark or light terminal: "auto" | "dark" | "light"

    @property
    def home(self) -> Path:
        return self.config_path.parent


def app_dirs(environ: Mapping[str, str] | None = None) -> AppDirs:
    """config.toml, history.db and the cache directory: under MISTRAL_CHAT_HOME if set."""
    env = os.environ if environ is None else environ
    home = env.get("MISTRAL_CHAT_HOME")
    if home:
        root = Path(home).expanduser()
        return AppDirs(root / "config.toml", root / "history.db", root / "cache")
    import platformdirs

    return AppDirs(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml",
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "history.db",
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


#: settable top-level keys and how their text value is parsed and checked
CONFIG_KEYS: dict[str, Callable[[str], Any]] = {
    "model": values.text,
    "log": values.boolean,
    "image_max_side": values.whole_range(64, 8192),
    "show_thinking": values.boolean,
    "base_url": values.base_url,
    "timeout": values.seconds,
    "max_retries": values.whole_range(0, values.MAX_RETRIES),
    "theme": values.theme,
}
#: settable keys of each `profiles.<name>` table
PROFILE_KEYS: dict[str, Callable[[str], Any]] = {
    "base_url": values.base_url,
    "api_key_env": values.env_name,
}
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def valid_key_names() -> list[str]:
    return [*CONFIG_KEYS, *(f"profiles.<name>.{k}" for k in PROFILE_KEYS)]


def split_key(key: str) -> tuple[str | None, str]:
    """`model` -> (None, "model"); `profiles.work.base_url` -> ("work", "base_url")."""
    if key in CONFIG_KEYS:
        return None, key
    parts = key.split(".")
    if (
        len(parts) == 3
        and parts[0] == "profiles"
        and _PROFILE_NAME.fullmatch(parts[1])
        and parts[2] in PROFILE_KEYS
    ):
        return parts[1], parts[2]
    raise SettingsError(f"unknown config key {key!r}; valid keys: {', '.join(valid_key_names())}")


def parse_config_value(key: str, value: str) -> Any:
    """The typed value for `key`, or SettingsError saying what is expected."""
    profile, name = split_key(key)
    parser = PROFILE_KEYS[name] if profile else CONFIG_KEYS[name]
    try:
        return parser(value)
    except ValueError as exc:
        raise SettingsError(f"invalid value {value!r} for {key}: {exc}") from None


# -- the config file ---------------------------------------------------------------------------


def load_config(path: Path) -> dict[str, Any]:
    """The config file as a dict ({} when absent); SettingsError when it is not valid TOML."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return {}
    import tomllib  # only when there is a file to read: most runs have none

    try:
        with fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML ({exc}); fix or delete it") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); fix or delete it"
        ) from None
    except RecursionError:
        raise SettingsError(f"{path} is nested too deeply to read; fix or delete it") from None


def config_table(path: Path, name: str) -> dict[str, Any]:
    """The table `name` of the config file ({} when absent), e.g. `mcp` for the MCP servers;
    SettingsError when the file or that key is not what it should be."""
    value = load_config(path).get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"config key {name!r} in {path} must be a table ([{name}.NAME])")
    return value


def save_config(path: Path, data: Mapping[str, Any]) -> None:
    """Write the config atomically with mode 0600 (it may hold an API key)."""
    import tempfile

    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".config.", suffix=".toml", dir=path.parent)
    except OSError as exc:  # it names the temporary file: name the config instead
        reason = (exc.strerror or type(exc).__name__).lower()
        raise SettingsError(
            f"cannot write {path}: {reason}; check the permissions of {path.parent} "
            "or set MISTRAL_CHAT_HOME to a directory you can write"
        ) from exc
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(dict(data), fh)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_config_value(path: Path, key: str, value: Any) -> None:
    """Set `key` (dotted for profiles) to an already-parsed value and save."""
    data = load_config(path)
    profile, name = split_key(key)
    if profile is None:
        data[name] = value
    else:
        data.setdefault("profiles", {}).setdefault(profile, {})[name] = value
    save_config(path, data)


def unset_config_value(path: Path, key: str) -> bool:
    """Remove `key`; True if it was set."""
    data = load_config(path)
    profile, name = split_key(key)
    table = data if profile is None else data.get("profiles", {}).get(profile, {})
    if name not in table:
        return False
    del table[name]
    save_config(path, data)
    return True


def _typed(config: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    value = config.get(key)
    if value is None:
        return None
    bad = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    reason = ""
    if not bad and key in CONFIG_KEYS:
        # the same check as `config set`, so a hand-edited file cannot set timeout = -5
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        try:
            CONFIG_KEYS[key](text)
        except ValueError as exc:
            bad, reason = True, f": {exc}"
    if bad:
        raise SettingsError(
            f"config key {key!r} in {path} has an invalid value {value!r}{reason}; "
            f"fix it with `mistral-chat config set {key} VALUE`"
        )
    return value


# -- the one precedence function -------------------------------------------------------------------


def resolve_settings(
    *,
    base_url: str | None = None,
    profile: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    debug: bool = False,
    emulator: tuple[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    keyring_get: Callable[[str | None], str | None] | None = None,
    strict: bool = True,
    with_key: bool = True,
) -> Settings:
    """Every setting, with the precedence in the module docstring.

    `emulator` is (base_url, key) of an emulator this process started; `keyring_get(profile)`
    looks a key up in the OS keyring (the CLI passes `credentials.keyring_get`; None: no
    keyring lookup). `strict=False` ignores an unreadable config file, bad
    values and an unknown profile instead of raising, for the commands that repair them
    (`config path|set|unset`). `with_key=False` leaves the key unresolved (None).
    """
    env = os.environ if environ is None else environ
    dirs = app_dirs(env)
    try:
        config = load_config(dirs.config_path)
    except SettingsError:
        if strict:
            raise
        config = {}

    def typed(key: str, kind: type | tuple[type, ...]) -> Any:
        try:
            return _typed(config, key, kind, dirs.config_path)
        except SettingsError:
            if strict:
                raise
            return None

    profiles = config.get("profiles", {})
    prof: Mapping[str, Any] = {}
    if profile is not None and not strict and not _has_profile(profiles, profile):
        profile = None
    if profile is not None:
        if not _has_profile(profiles, profile):
            known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) else ""
            hint = f"known profiles: {known}" if known else "no profiles are configured"
            raise SettingsError(
                f"unknown profile {profile!r} ({hint}); create it with "
                f"`mistral-chat config set profiles.{profile}.base_url URL`"
            )
        prof = profiles[profile]

    url, url_source = DEFAULT_BASE_URL, "default"
    for candidate, source in (
        (emulator[0] if emulator else None, "emulator"),
        (base_url, "option"),
        (env.get("MISTRAL_BASE_URL") or None, "env"),
        (prof.get("base_url"), "profile"),
        (typed("base_url", str), "config"),
    ):
        if candidate:
            url, url_source = str(candidate), source
            break
    try:
        url = _normalize_url(url, url_source)
    except SettingsError:
        if strict:
            raise
        url, url_source = DEFAULT_BASE_URL, "default"

    key_env = str(prof.get("api_key_env") or KEY_ENV)
    # commands that never call the API skip the lookup: importing keyring alone costs ~90 ms
    key, key_source = (
        _resolve_key(env, key_env, profile, prof, config, emulator, keyring_get)
        if with_key
        else (None, None)
    )

    t = timeout if timeout is not None else typed("timeout", (int, float))
    retries = max_retries if max_retries is not None else typed("max_retries", int)
    log = typed("log", bool)
    side = typed("image_max_side", int)
    thinking = typed("show_thinking", bool)
    theme = typed("theme", str)
    return Settings(
        base_url=url,
        api_key=key,
        api_key_source=key_source,
        profile=profile,
        default_model=typed("model", str) or DEFAULT_MODEL,
        timeout=float(t) if t is not None else DEFAULT_TIMEOUT,
        max_retries=int(retries) if retries is not None else DEFAULT_MAX_RETRIES,
        log_history=True if log is None else bool(log),
        debug=debug,
        config_path=dirs.config_path,
        history_path=dirs.history_path,
        cache_dir=dirs.cache_dir,
        image_max_side=side or DEFAULT_IMAGE_MAX_SIDE,
        show_thinking=bool(thinking),
        api_key_env=key_env,
        base_url_source=url_source,
        theme=values.theme(theme) if theme else "auto",
    )


def _has_profile(profiles: object, name: str) -> bool:
    return isinstance(profiles, dict) and isinstance(profiles.get(name), dict)


def _normalize_url(url: str, source: str) -> str:
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    if not re.match(r"^https?://[^/\s]+", url):
        problem = "is not an http:// or https:// URL"
    else:
        reason = values.url_problem(url)
        problem = f"is not a valid URL ({reason})" if reason else ""
    if problem:
        where = {
            "option": "--base-url",
            "env": "MISTRAL_BASE_URL",
            "profile": "the profile's base_url",
            "config": "config base_url",
        }.get(source, "the base URL")
        raise SettingsError(
            f"{where} {url!r} {problem}; give the server's root, "
            "e.g. https://api.mistral.ai or http://127.0.0.1:8000"
        )
    return url


def _resolve_key(
    env: Mapping[str, str],
    key_env: str,
    profile: str | None,
    prof: Mapping[str, Any],
    config: Mapping[str, Any],
    emulator: tuple[str, str] | None,
    keyring_get: Callable[[str | None], str | None] | None,
) -> tuple[str | None, str | None]:
    if emulator:
        return emulator[1], "emulator"
    if env.get(key_env, "").strip():
        return env[key_env].strip(), "env"
    stored = keyring_get(profile) if keyring_get is not None else None
    if stored:
        return stored, "keyring"
    table = prof if profile is not None else config
    value = table.get("api_key")
    if isinstance(value, str) and value.strip():
        return value.strip(), "config"
    return None, None
