"""Secrets at rest: the generated key file, MC_SECRET_KEY, and refusal of a wrong key."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from mission_control.security.secretbox import KEY_FILE_NAME, SecretBoxError, secret_box
from mission_control.settings import Settings


def test_generated_key_file_is_private_and_reused(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    data = tmp_path / "fresh-data"
    box = secret_box(settings_factory(data_dir=data))
    key_file = data / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = box.encrypt("sk-live-123456")
    assert "sk-live" not in token
    assert box.decrypt(token) == "sk-live-123456"
    # Another process with the same data dir reads the same key from the file.
    from mission_control.security.secretbox import SecretBox

    assert SecretBox(key_file.read_bytes().strip()).decrypt(token) == "sk-live-123456"


def test_secret_key_setting_wins_and_wrong_key_is_refused(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    one = secret_box(settings_factory(secret_key="k" * 40, data_dir=tmp_path / "a"))
    two = secret_box(settings_factory(secret_key="z" * 40, data_dir=tmp_path / "a"))
    assert not (tmp_path / "a" / KEY_FILE_NAME).exists()
    token = one.encrypt("value")
    with pytest.raises(SecretBoxError) as caught:
        two.decrypt(token)
    assert "value" not in str(caught.value)
