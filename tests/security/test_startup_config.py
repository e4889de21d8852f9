"""Settings (security.md 1): production refuses placeholder secrets, `*_FILE` variants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mission_control.settings import ConfigError, Settings


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MC_", "AUTH_", "API_"))}
    clean.update(MISSION_CONTROL_DATA_DIR=str(tmp_path / "data"), **env)
    return subprocess.run(
        [sys.executable, "-m", "mission_control", "serve", "--port", "1"],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AUTH_PASS": "changeme"}, "AUTH_PASS"),
        ({"AUTH_PASS": "short-pw"}, "AUTH_PASS"),
        ({"API_KEY": "password"}, "API_KEY"),
        ({"API_KEY": "0123456789abcdef"}, "API_KEY"),
    ],
)
def test_production_start_is_refused_with_a_placeholder(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    done = _serve(tmp_path, MC_ENV="production", MC_ALLOWED_HOSTS="mc.example.com", **env)
    assert done.returncode == 2
    assert "Refusing to start" in done.stdout + done.stderr
    assert named in done.stdout + done.stderr


def test_development_allows_a_weak_password_with_the_same_check() -> None:
    Settings(mc_env="development", auth_pass="changeme", _env_file=None).check_production()
    with pytest.raises(ConfigError, match="AUTH_PASS"):
        Settings(mc_env="production", auth_pass="changeme", _env_file=None).check_production()


def test_node_env_production_counts_as_production() -> None:
    settings = Settings(_env_file=None, node_env="production", auth_pass="admin")
    with pytest.raises(ConfigError, match="AUTH_PASS"):
        settings.check_production()


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "api_key"
    secret.write_text("k" * 40 + "\n")
    monkeypatch.setenv("API_KEY_FILE", str(secret))
    monkeypatch.delenv("API_KEY", raising=False)
    assert Settings(_env_file=None).api_key == "k" * 40


@pytest.mark.parametrize("source", ["environment", ".env"])
def test_secret_files_are_named_in_the_environment_or_in_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    key_file, pass_file = tmp_path / "api_key", tmp_path / "auth_pass"
    key_file.write_text("f" * 40 + "\n")
    pass_file.write_text("a long file-held password\n")
    for name in ("API_KEY", "AUTH_PASS", "API_KEY_FILE", "AUTH_PASS_FILE"):
        monkeypatch.delenv(name, raising=False)
    named = {"API_KEY_FILE": str(key_file), "AUTH_PASS_FILE": str(pass_file)}
    if source == ".env":
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in named.items()))
    else:
        for name, value in named.items():
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.api_key == "f" * 40
    assert settings.auth_pass == "a long file-held password"


def test_a_set_secret_wins_over_its_file_in_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "api_key"
    secret.write_text("f" * 40)
    for name in ("API_KEY", "API_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(f"API_KEY={'d' * 40}\nAPI_KEY_FILE={secret}\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().api_key == "d" * 40
