"""Hold two PostgreSQL transactions at the same point, so a lock-order deadlock between
them happens every run instead of once in a while under load.

Each transaction, after its first statement that starts with `prefix`, waits until the
other has got there too (or until it is clear that the other is waiting for this one's
lock, in which case there is no deadlock to make and both go on).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

WAIT_SECONDS = 3


@contextlib.contextmanager
def paused_after_first(engine: sa.Engine, prefix: str) -> Iterator[None]:
    meeting = threading.Barrier(2, timeout=WAIT_SECONDS)

    def after_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(prefix) and not conn.info.get("paused"):
            conn.info["paused"] = True
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()

    def forget_pause(conn: Any) -> None:
        conn.info.pop("paused", None)

    sa.event.listen(engine, "after_cursor_execute", after_execute)
    sa.event.listen(engine, "commit", forget_pause)
    sa.event.listen(engine, "rollback", forget_pause)
    try:
        yield
    finally:
        sa.event.remove(engine, "after_cursor_execute", after_execute)
        sa.event.remove(engine, "commit", forget_pause)
        sa.event.remove(engine, "rollback", forget_pause)
