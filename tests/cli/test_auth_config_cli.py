"""`auth login|status|logout` and `config path|show|get|set|unset` as real subprocesses."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cli_support import RunCLI
from mistral_chat.emulator import Emulator

NO_KEY = {"MISTRAL_API_KEY": None}


def test_login_status_logout(run_cli: RunCLI, emulator: Emulator, mistral_home: Path) -> None:
    code, out, err = run_cli("auth", "status", env=NO_KEY)
    assert code == 3 and "key:      (none)" in out
    assert err.startswith("error: no API key found; run `mistral-chat auth login`")

    key = "sk-test-0123456789wxyz"
    before = len(emulator.requests)
    code, out, err = run_cli("auth", "login", input=key + "\n", env=NO_KEY)
    assert code == 0 and out == ""
    assert "...wxyz" in err and key not in err and "config.toml (mode 0600)" in err
    checks = emulator.requests[before:]
    assert [(r.method, r.path) for r in checks] == [("GET", "/v1/models")]
    assert checks[0].headers.get("authorization", checks[0].headers.get("Authorization")) == (
        f"Bearer {key}"
    )
    config = mistral_home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and key in config.read_text()

    code, out, err = run_cli("auth", "status", env=NO_KEY)
    assert code == 0 and "...wxyz from the config file" in out and key not in out + err
    code, out, _ = run_cli("models", "list", "--json", env=NO_KEY)  # the stored key works
    assert code == 0 and json.loads(out)
    code, out, _ = run_cli("auth", "status")
    assert code == 0 and "from the MISTRAL_API_KEY environment variable" in out

    code, out, err = run_cli("auth", "logout", env=NO_KEY)
    assert code == 0 and "removed the stored key from" in err and key not in config.read_text()
    code, out, err = run_cli("auth", "logout", env=NO_KEY)
    assert code == 0 and "no stored key to remove" in err


def test_login_rejections(run_cli: RunCLI, emulator: Emulator, mistral_home: Path) -> None:
    emulator.inject("status", status=401, path="/v1/models")
    code, _, err = run_cli("auth", "login", input="sk-bad-key-000000\n", env=NO_KEY)
    assert code == 3 and "rejected this key (401)" in err and "it was not stored" in err
    assert not (mistral_home / "config.toml").exists()
    code, _, err = run_cli("auth", "login", input="\n", env=NO_KEY)
    assert code == 2 and err.startswith("error: no key given")
    code, _out, err = run_cli(
        "--max-retries",
        "0",
        "--base-url",
        "http://127.0.0.1:9",
        "auth",
        "login",
        input="sk-unreachable-0000\n",
    )
    assert code == 5 and err.startswith("error: could not reach 127.0.0.1:9")
    assert not (mistral_home / "config.toml").exists()


def test_config_commands(run_cli: RunCLI, mistral_home: Path) -> None:
    code, out, _ = run_cli("config", "path")
    assert code == 0 and out.strip() == str(mistral_home / "config.toml")
    for key, value in [
        ("model", "mistral-large-latest"),
        ("log", "false"),
        ("timeout", "30"),
        ("profiles.local.base_url", "http://127.0.0.1:8000/v1"),
        ("profiles.local.api_key_env", "LOCAL_KEY"),
    ]:
        code, out, err = run_cli("config", "set", key, value)
        assert code == 0, err
    code, out, _ = run_cli("config", "get", "model")
    assert (code, out) == (0, "mistral-large-latest\n")
    code, out, _ = run_cli("config", "get", "log")
    assert (code, out) == (0, "false\n")
    code, out, _ = run_cli("config", "show", env={"MISTRAL_API_KEY": "sk-secret-key-abcd"})
    assert code == 0 and "timeout = 30.0" in out and "profiles.local.api_key_env = LOCAL_KEY" in out
    assert "...abcd" in out and "sk-secret" not in out
    code, out, _ = run_cli("config", "show", "--json")
    assert code == 0 and json.loads(out)["model"] == "mistral-large-latest"

    code, out, err = run_cli("config", "set", "colour", "blue")
    assert code == 2 and err.startswith("error: unknown config key 'colour'; valid keys: model")
    code, out, err = run_cli("config", "set", "max_retries", "many")
    assert code == 2 and "invalid value 'many' for max_retries" in err
    code, out, err = run_cli("config", "get", "nope")
    assert code == 2 and "valid keys" in err
    code, out, err = run_cli("config", "unset", "model")
    assert code == 0 and "removed model" in err
    code, out, _ = run_cli("config", "get", "model")
    assert out == "mistral-small-latest\n"

    # the profile's base URL and key variable are used; an unknown profile is a usage error
    code, out, _ = run_cli(
        "--profile",
        "local",
        "auth",
        "status",
        env={"MISTRAL_BASE_URL": None, "LOCAL_KEY": "sk-local-key-9876"},
    )
    assert code == 0 and "http://127.0.0.1:8000 (profile local)" in out
    assert "...9876 from the LOCAL_KEY environment variable" in out
    code, out, err = run_cli("--profile", "nope", "auth", "status")
    assert code == 2 and err.startswith("error: unknown profile 'nope' (known profiles: local)")
    (mistral_home / "config.toml").write_text("model = [")
    code, out, err = run_cli("config", "show")
    assert code == 2 and "is not valid TOML" in err and "Traceback" not in err


def test_a_broken_config_can_be_repaired_with_config_set(
    run_cli: RunCLI, mistral_home: Path
) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    config = mistral_home / "config.toml"
    config.write_text("timeout = -5\n")  # the right type, out of range: refused, not used
    code, out, err = run_cli("config", "show")
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    assert "config key 'timeout'" in err and "fix it with `mistral-chat config set timeout" in err
    code, _, err = run_cli("config", "set", "timeout", "30")  # the fix the message names works
    assert code == 0, err
    code, out, _ = run_cli("config", "get", "timeout")
    assert (code, out) == (0, "30.0\n")
    config.write_text("timeout = [\n")
    code, out, _ = run_cli("config", "path")  # so the user can find the file to fix
    assert (code, out.strip()) == (0, str(config))
    code, _, err = run_cli("--profile", "new", "config", "path")
    assert code == 0, err
