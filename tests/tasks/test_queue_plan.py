"""The queue's claim reads the index ix_tasks_queue in order instead of sorting open tasks.

The index is on expressions (the priority rank, "no due date last"), and a database only
uses such an index when the query spells the expression exactly as the index does. These
tests fail if the query and the migration drift apart, or if either loses its half.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mission_control.db.tables import tasks
from mission_control.tasks.queue import _CANDIDATE, _pg_claim

OPEN_TASKS = 3000


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url)
    now = int(time.time())
    statuses = ["inbox", "assigned", "done", "review", "in_progress"]
    rows = [
        {
            "title": f"t{n}",
            "status": statuses[n % len(statuses)],
            "priority": ["low", "medium", "high", "critical"][n % 4],
            "assigned_to": None if n % 3 else f"agent-{n % 7}",
            "due_date": None if n % 2 else now + n,
            "created_by": "test",
            "project_id": 1,
            "workspace_id": 1,
            "created_at": now - n,
            "updated_at": now - n,
        }
        for n in range(OPEN_TASKS)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(tasks), rows)
        conn.exec_driver_sql("ANALYZE")
    yield engine
    engine.dispose()


def _plan(engine: sa.Engine, statement: sa.Executable, **params: object) -> str:
    compiled = statement.compile(dialect=engine.dialect)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    values = compiled.construct_params(params)
    args = (
        tuple(values[name] for name in compiled.positiontup or [])
        if compiled.positional
        else values
    )
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + str(compiled), args).all()
    return "\n".join(" ".join(str(part) for part in row) for row in rows)


def test_candidate_is_read_from_the_queue_index(engine: sa.Engine) -> None:
    plan = _plan(engine, _CANDIDATE, ws=1, agent="agent-1")
    assert "ix_tasks_queue" in plan, plan
    # No sort step: the rows come out of the index in the queue's order.
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_postgres_claim_statement_uses_the_queue_index(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the UPDATE … SKIP LOCKED claim is PostgreSQL's")
    plan = _plan(engine, _pg_claim(), ws=1, agent="agent-1", now=0)
    assert "ix_tasks_queue" in plan and "Sort" not in plan, plan
