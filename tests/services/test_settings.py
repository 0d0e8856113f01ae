from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mistral_chat.services.settings import (
    DEFAULT_BASE_URL,
    SettingsError,
    load_config,
    parse_config_value,
    resolve_settings,
    save_config,
    set_config_value,
    unset_config_value,
)


def _resolve(home: Path, env: dict[str, str] | None = None, keyring: str | None = None, **kw):
    environ = {"MISTRAL_CHAT_HOME": str(home), **(env or {})}
    return resolve_settings(environ=environ, keyring_get=lambda profile: keyring, **kw)


def test_defaults_and_home_layout(tmp_path: Path) -> None:
    s = _resolve(tmp_path)
    assert s.base_url == DEFAULT_BASE_URL and s.base_url_source == "default"
    assert s.api_key is None and s.api_key_source is None
    assert s.default_model == "mistral-small-latest"
    assert (s.timeout, s.max_retries, s.log_history, s.image_max_side) == (60.0, 2, True, 1024)
    assert s.config_path == tmp_path / "config.toml"
    assert s.history_path == tmp_path / "history.db"
    assert s.cache_dir == tmp_path / "cache"


def test_base_url_precedence(tmp_path: Path) -> None:
    save_config(
        tmp_path / "config.toml",
        {"base_url": "http://config", "profiles": {"work": {"base_url": "http://profile/v1/"}}},
    )
    env = {"MISTRAL_BASE_URL": "http://env"}
    assert _resolve(tmp_path).base_url == "http://config"
    assert _resolve(tmp_path, profile="work").base_url == "http://profile"  # /v1 dropped
    assert _resolve(tmp_path, env, profile="work").base_url == "http://env"
    s = _resolve(tmp_path, env, base_url="http://option", profile="work")
    assert (s.base_url, s.base_url_source) == ("http://option", "option")
    emu = _resolve(tmp_path, env, base_url="http://option", emulator=("http://emu:1", "emulator"))
    assert (emu.base_url, emu.api_key, emu.api_key_source) == (
        "http://emu:1",
        "emulator",
        "emulator",
    )


def test_key_precedence_env_keyring_config(tmp_path: Path) -> None:
    save_config(tmp_path / "config.toml", {"api_key": "from-config-1234"})
    assert _resolve(tmp_path).api_key_source == "config"
    assert _resolve(tmp_path, keyring="from-keyring").api_key == "from-keyring"
    s = _resolve(tmp_path, {"MISTRAL_API_KEY": " from-env "}, keyring="from-keyring")
    assert (s.api_key, s.api_key_source) == ("from-env", "env")
    assert "from-env" not in repr(s)


def test_profile_key_env_var(tmp_path: Path) -> None:
    save_config(
        tmp_path / "config.toml",
        {"profiles": {"local": {"base_url": "http://127.0.0.1:8000", "api_key_env": "LOCAL_KEY"}}},
    )
    env = {"MISTRAL_API_KEY": "global", "LOCAL_KEY": "local-key"}
    s = _resolve(tmp_path, env, profile="local")
    assert (s.api_key, s.api_key_env, s.profile) == ("local-key", "LOCAL_KEY", "local")
    with pytest.raises(SettingsError, match=r"unknown profile 'nope'.*local"):
        _resolve(tmp_path, profile="nope")


def test_config_values_typed_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    for key, text, _value in [
        ("model", "mistral-large-latest", "mistral-large-latest"),
        ("log", "off", False),
        ("image_max_side", "2048", 2048),
        ("timeout", "12.5", 12.5),
        ("max_retries", "0", 0),
        ("profiles.work.api_key_env", "WORK_KEY", "WORK_KEY"),
    ]:
        set_config_value(path, key, parse_config_value(key, text))
    s = _resolve(tmp_path)
    assert (s.default_model, s.log_history, s.image_max_side) == (
        "mistral-large-latest",
        False,
        2048,
    )
    assert (s.timeout, s.max_retries) == (12.5, 0)
    assert _resolve(tmp_path, timeout=3.0, max_retries=5).timeout == 3.0
    assert load_config(path)["profiles"]["work"]["api_key_env"] == "WORK_KEY"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert unset_config_value(path, "model") and not unset_config_value(path, "model")
    with pytest.raises(SettingsError, match="unknown config key 'colour'; valid keys: model"):
        parse_config_value("colour", "x")
    for key, bad in [
        ("log", "maybe"),
        ("timeout", "-1"),
        ("base_url", "ftp://x"),
        ("max_retries", "99"),
        ("profiles.w.api_key_env", "1BAD"),
    ]:
        with pytest.raises(SettingsError, match=f"invalid value .* for {key}"):
            parse_config_value(key, bad)


def test_broken_config_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("model = [unclosed")
    with pytest.raises(SettingsError, match="not valid TOML"):
        _resolve(tmp_path)
    (tmp_path / "config.toml").write_text('timeout = "soon"\n')
    with pytest.raises(SettingsError, match="config key 'timeout'"):
        _resolve(tmp_path)
    with pytest.raises(SettingsError, match="MISTRAL_BASE_URL"):
        _resolve(tmp_path, {"MISTRAL_BASE_URL": "localhost:8000"}, timeout=1.0)


def test_out_of_range_config_values_and_lenient_resolution(tmp_path: Path) -> None:
    for line in ("timeout = 0", "max_retries = 99", "image_max_side = 3", 'model = " "'):
        (tmp_path / "config.toml").write_text(line + "\n")
        with pytest.raises(SettingsError, match=r"has an invalid value .*: must"):
            _resolve(tmp_path)
        lenient = _resolve(tmp_path, strict=False)  # config path|set|unset still run
        assert (lenient.timeout, lenient.max_retries) == (60.0, 2)
    (tmp_path / "config.toml").write_text("base_url = [\n")
    assert _resolve(tmp_path, strict=False, profile="nope").base_url == DEFAULT_BASE_URL
    (tmp_path / "config.toml").unlink()
    with pytest.raises(SettingsError, match="give the server's root"):
        _resolve(tmp_path, {"MISTRAL_BASE_URL": "localhost:8000"})


def test_save_config_names_the_config_when_its_directory_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def refuse(*_: object, **__: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".config.x1y2.toml"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(SettingsError) as info:
        save_config(tmp_path / "config.toml", {"model": "x"})
    assert str(info.value) == (
        f"cannot write {tmp_path / 'config.toml'}: permission denied; check the permissions of "
        f"{tmp_path} or set MISTRAL_CHAT_HOME to a directory you can write"
    )
