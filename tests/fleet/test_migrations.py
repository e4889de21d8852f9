"""`mc db upgrade` on a shared database: instances starting at once, older instances serving."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from mission_control.db.migrate import MIGRATIONS_DIR, alembic_config
from tests.fleet.conftest import FreshDatabase
from tests.server import SRC

# What a migration may not do once instances of the previous release may still be serving.
_DESTRUCTIVE = re.compile(
    r"op\.(drop_table|drop_column|drop_index|drop_constraint|rename_table)\b"
    r"|new_column_name\s*="
    r"|\b(DROP|RENAME|TRUNCATE)\s+(TABLE|COLUMN|TO)\b",
    re.IGNORECASE,
)


def _upgrade_process(url: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env.update(
        {
            "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "MC_DATABASE_URL": url,
            "MISSION_CONTROL_DATA_DIR": str(workdir),
        }
    )
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "mission_control", "db", "upgrade"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_two_instances_migrating_a_fresh_database_at_once_do_not_race(
    fresh_db: FreshDatabase, tmp_path: Path
) -> None:
    processes = [_upgrade_process(fresh_db.url, tmp_path / f"p{i}") for i in range(2)]
    outputs = [p.communicate(timeout=180)[0].decode(errors="replace") for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    head = ScriptDirectory.from_config(alembic_config(fresh_db.url)).get_current_head()
    with fresh_db.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        tables = set(sa.inspect(conn).get_table_names())
    assert versions == [head]
    assert {"users", "tasks", "events", "scheduler_jobs"} <= tables


def test_migrations_after_the_first_only_add() -> None:
    """An upgrade runs while older instances still serve, so it may add tables, columns and
    indexes, never drop or rename what the older code reads."""
    versions = sorted((MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert versions, "no migrations found"
    offenders = []
    for path in versions[1:]:
        text = path.read_text(encoding="utf-8")
        upgrade_part = text.split("def downgrade", 1)[0]
        offenders += [f"{path.name}: {m.group(0)}" for m in _DESTRUCTIVE.finditer(upgrade_part)]
    assert offenders == []
