"""Production refusals name the variable a weak secret actually came from (plain, _B64, _FILE)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mission_control.settings import ConfigError, Settings

WEAK = "changeme"
PASSWORD_ADVICE = " is a placeholder or shorter than 12 characters; "


@pytest.fixture(autouse=True)
def _no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH_PASS", "AUTH_PASS_B64", "AUTH_PASS_FILE", "API_KEY", "API_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def _refusal(**values: str) -> str:
    settings = Settings(_env_file=None, mc_env="production", **values)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as refused:
        settings.check_production()
    return str(refused.value)


def test_a_weak_plain_password_names_auth_pass() -> None:
    assert _refusal(AUTH_PASS=WEAK).startswith("AUTH_PASS" + PASSWORD_ADVICE)


def test_a_weak_base64_password_names_auth_pass_b64() -> None:
    encoded = base64.b64encode(WEAK.encode()).decode()
    # AUTH_PASS_B64 wins over a strong AUTH_PASS, so it is the one to blame.
    message = _refusal(AUTH_PASS="a-strong-enough-password-2026", AUTH_PASS_B64=encoded)
    assert message.startswith("AUTH_PASS_B64" + PASSWORD_ADVICE)


def test_a_weak_password_file_names_auth_pass_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "admin_password"
    secret.write_text(WEAK + "\n")
    monkeypatch.setenv("AUTH_PASS_FILE", str(secret))
    assert _refusal().startswith("AUTH_PASS_FILE" + PASSWORD_ADVICE)
    # Set directly, AUTH_PASS wins over the file and is the one named.
    monkeypatch.setenv("AUTH_PASS", "short-pw")
    assert _refusal().startswith("AUTH_PASS" + PASSWORD_ADVICE)


def test_a_weak_api_key_file_names_api_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "api_key"
    secret.write_text("password\n")
    monkeypatch.setenv("API_KEY_FILE", str(secret))
    assert _refusal().startswith("API_KEY_FILE is a placeholder")
    assert _refusal(API_KEY="password").startswith("API_KEY is a placeholder")
