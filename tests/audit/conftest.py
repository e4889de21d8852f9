"""Fixtures for the audit tests: rows written through the real audit writer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from mission_control.security.audit import write_audit
from tests.conftest import AppHarness

AddRow = Callable[..., Awaitable[None]]


@pytest.fixture
def add_audit_row(harness: AppHarness) -> AddRow:
    """Append an audit row (hash-chained like any other) with a chosen time and actor."""

    async def add(action: str, *, actor: str = "tester", now: int | None = None, **kw: Any) -> None:
        def run(conn: Connection) -> None:
            write_audit(conn, action, actor=actor, now=now, **kw)

        await harness.rt.db.write(run)

    return add
