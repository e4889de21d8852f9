"""The README documents every environment variable the settings read."""

from __future__ import annotations

from pathlib import Path

from mission_control.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    missing = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = getattr(alias, "choices", None) or []
        missing += [name for name in names if f"`{name}`" not in text]
    assert missing == []


def test_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
