"""The SQLite library Python links must have the JSON functions the task list relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from mission_control.db import engine as engine_module
from mission_control.db.engine import Database, require_sqlite_json


def test_this_library_has_them() -> None:
    require_sqlite_json()


def test_a_library_without_them_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The probe run against a function this library does not have, as JSON1-less builds lack
    # json_object: the database is refused before any file is made.
    monkeypatch.setattr(engine_module, "_JSON_PROBE", "SELECT json_no_such_function(1)")
    with pytest.raises(RuntimeError, match=r"lacks JSON functions.*3\.38"):
        Database(f"sqlite:///{tmp_path / 'refused.db'}")
    assert not (tmp_path / "refused.db").exists()
