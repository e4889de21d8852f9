"""Client commands: `mc tasks list|get|create|update|delete|queue|comments`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mission_control.client.http import EXIT_USAGE, ClientError
from mission_control.client.output import (
    JsonOpt,
    ProfileOpt,
    confirm,
    console,
    emit,
    handled,
    open_api,
    print_record,
    print_table,
)

app = typer.Typer(
    help="Tasks: list, inspect, create, move, pull from the queue, comment.", no_args_is_help=True
)
comments_app = typer.Typer(help="A task's comments.", no_args_is_help=True)
app.add_typer(comments_app, name="comments")

TASK_COLUMNS = ("id", "ticket_ref", "title", "status", "priority", "assigned_to")
TASK_TIMES = ("created_at", "updated_at", "completed_at", "due_date")


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


@app.command("list")
@handled
def list_tasks(
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    assigned_to: Annotated[str | None, typer.Option(help="Only this assignee.")] = None,
    priority: Annotated[str | None, typer.Option(help="Only this priority.")] = None,
    project_id: Annotated[int | None, typer.Option(help="Only this project.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many (≤ 200).")] = None,
    offset: Annotated[int | None, typer.Option(help="Skip this many.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """List tasks, newest first."""
    with open_api(profile) as api:
        data = api.call(
            "GET",
            "/api/tasks",
            params={
                "status": status,
                "assigned_to": assigned_to,
                "priority": priority,
                "project_id": project_id,
                "limit": limit,
                "offset": offset,
            },
        )
    emit(data, json_out, lambda d: print_table(d["tasks"], TASK_COLUMNS, title="tasks"))


@app.command("get")
@handled
def get_task(
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """One task."""
    with open_api(profile) as api:
        data = api.call("GET", f"/api/tasks/{task_id}")
    emit(data, json_out, lambda d: print_record(d["task"], times=TASK_TIMES))


@app.command("create")
@handled
def create_task(
    title: Annotated[str, typer.Argument(help="What needs doing.")],
    description: Annotated[str | None, typer.Option(help="Details; @mentions notify.")] = None,
    priority: Annotated[str | None, typer.Option(help="critical, high, medium or low.")] = None,
    status: Annotated[str | None, typer.Option(help="Initial status (default inbox).")] = None,
    assigned_to: Annotated[str | None, typer.Option(help="Agent or user name.")] = None,
    project_id: Annotated[int | None, typer.Option(help="Project id.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Tag, repeatable.")] = None,
    due_date: Annotated[int | None, typer.Option(help="Unix seconds.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Create a task (operator)."""
    body = _drop_none(
        {
            "title": title,
            "description": description,
            "priority": priority,
            "status": status,
            "assigned_to": assigned_to,
            "project_id": project_id,
            "tags": tag or None,
            "due_date": due_date,
        }
    )
    with open_api(profile) as api:
        data = api.call("POST", "/api/tasks", json=body)
    emit(data, json_out, lambda d: print_record(d["task"], times=TASK_TIMES))


@app.command("update")
@handled
def update_task(
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    status: Annotated[str | None, typer.Option(help="New status.")] = None,
    priority: Annotated[str | None, typer.Option(help="New priority.")] = None,
    assigned_to: Annotated[str | None, typer.Option(help="New assignee ('' clears).")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Change a task (operator); moving to done needs Aegis approval."""
    body = _drop_none(
        {"title": title, "description": description, "status": status, "priority": priority}
    )
    if assigned_to is not None:
        body["assigned_to"] = assigned_to or None
    if not body:
        raise ClientError("nothing to change", EXIT_USAGE)
    with open_api(profile) as api:
        data = api.call("PUT", f"/api/tasks/{task_id}", json=body)
    emit(data, json_out, lambda d: print_record(d["task"], times=TASK_TIMES))


@app.command("delete")
@handled
def delete_task(
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Delete a task (operator)."""
    if not yes:
        confirm(f"Delete task {task_id}?")
    with open_api(profile) as api:
        data = api.call("DELETE", f"/api/tasks/{task_id}")
    emit(data, json_out, lambda d: console.print(f"Deleted task {task_id}"))


@app.command("queue")
@handled
def queue(
    agent: Annotated[str, typer.Option(help="The agent pulling work.")],
    max_capacity: Annotated[int | None, typer.Option(help="1..20 tasks in progress.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Pull the next task for an agent (claims it atomically)."""
    with open_api(profile) as api:
        data = api.call(
            "GET", "/api/tasks/queue", params={"agent": agent, "max_capacity": max_capacity}
        )

    def render(d: dict[str, Any]) -> None:
        task = d.get("task")
        console.print(
            f"{d.get('reason')}: " + (f"#{task['id']} {task['title']}" if task else "no task")
        )

    emit(data, json_out, render)


@comments_app.command("list")
@handled
def list_comments(
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """A task's comments, threaded."""
    with open_api(profile) as api:
        data = api.call("GET", f"/api/tasks/{task_id}/comments")

    def render(d: dict[str, Any]) -> None:
        def show(comment: dict[str, Any], depth: int) -> None:
            console.print(
                f"{'  ' * depth}[bold]{comment['author']}[/bold] #{comment['id']}: "
                f"{comment['content']}"
            )
            for reply in comment.get("replies") or []:
                show(reply, depth + 1)

        for comment in d.get("comments", []):
            show(comment, 0)
        if not d.get("comments"):
            console.print("[dim]no comments[/dim]")

    emit(data, json_out, render)


@comments_app.command("add")
@handled
def add_comment(
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    content: Annotated[str, typer.Argument(help="The comment; @mentions notify.")],
    parent_id: Annotated[int | None, typer.Option(help="Reply to this comment.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Comment on a task (operator)."""
    with open_api(profile) as api:
        data = api.call(
            "POST",
            f"/api/tasks/{task_id}/comments",
            json=_drop_none({"content": content, "parent_id": parent_id}),
        )
    emit(data, json_out, lambda d: console.print(f"Comment #{d['comment']['id']} added"))
