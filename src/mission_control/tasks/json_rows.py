"""Task rows rendered as JSON by SQLite itself, for the task list.

A 50-task page built the usual way costs ~400 µs of Python per request (fifty row tuples,
two JSON columns decoded, fifty dicts, then encoded again), more than everything else the
request does. SQLite's `json_object` writes the same objects in C for about half that,
and the page is handed to the response as an already-encoded fragment.

Each object has the keys, order and values of `reads._task`: JSON columns embedded as
JSON with `[]`/`{}` for none, the ticket reference worked out as `ticket_ref` does, and
floats written so they read back as the same double (SQLite's own rendering keeps 15
significant digits, which is not always enough). tests/tasks/test_list_json.py holds the
two renderings to the same answer.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mission_control.db.tables import tasks

_EMPTY = {"tags": "'[]'", "metadata": "'{}'"}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _float(column: str) -> str:
    """A REAL as the shortest of 15 or 17 significant digits that reads back exactly."""
    short, full = f"printf('%!.15g', {column})", f"printf('%!.17g', {column})"
    return (
        f"CASE typeof({column}) WHEN 'real' THEN "
        f"json(CASE WHEN CAST({short} AS REAL) = {column} THEN {short} ELSE {full} END) "
        f"ELSE {column} END"
    )


def _value(column: sa.Column[Any]) -> str:
    name = f"tasks.{column.name}"
    if column.name in _EMPTY:
        # SQLAlchemy stores a Python None in a JSON column as the JSON text 'null'.
        return f"json(coalesce(nullif({name}, 'null'), {_EMPTY[column.name]}))"
    if isinstance(column.type, sa.Float):
        return _float(name)
    return name


_TICKET_REF = (
    "CASE WHEN projects.ticket_prefix != '' AND tasks.project_ticket_no IS NOT NULL "
    "THEN printf('%s-%03d', projects.ticket_prefix, tasks.project_ticket_no) END"
)
_COMMENT_COUNT = "(SELECT count(*) FROM comments WHERE comments.task_id = tasks.id)"
_PAIRS = [
    *((column.key, _value(column)) for column in tasks.c),
    ("project_name", "projects.name"),
    ("project_prefix", "projects.ticket_prefix"),
    ("comment_count", _COMMENT_COUNT),
    ("ticket_ref", _TICKET_REF),
]

# One JSON object per row, as the API shows a task (SQLite only).
TASK_OBJECT: sa.ColumnElement[str] = sa.literal_column(
    "json_object(" + ", ".join(f"{_sql_string(k)}, {v}" for k, v in _PAIRS) + ")", sa.Text
)
