"""Client commands: `mc agents list|get|create|update|delete|heartbeat|keys`."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import orjson
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
    help="Agents: list, inspect, create, heartbeat and their API keys.", no_args_is_help=True
)
keys_app = typer.Typer(help="An agent's API keys (admin).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

AGENT_COLUMNS = ("id", "name", "role", "status", "last_seen")
AGENT_TIMES = ("last_seen", "created_at", "updated_at")


def _path(agent: str, tail: str = "") -> str:
    return f"/api/agents/{quote(agent, safe='')}{tail}"


def _json_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise ClientError(f"{name} is not valid JSON", EXIT_USAGE) from None


@app.command("list")
@handled
def list_agents(
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    show_hidden: Annotated[bool, typer.Option(help="Include hidden agents.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many (≤ 200).")] = None,
    offset: Annotated[int | None, typer.Option(help="Skip this many.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """List agents, newest first."""
    with open_api(profile) as api:
        data = api.call(
            "GET",
            "/api/agents",
            params={
                "status": status,
                "role": role,
                "show_hidden": "1" if show_hidden else None,
                "limit": limit,
                "offset": offset,
            },
        )
    emit(
        data,
        json_out,
        lambda d: print_table(d["agents"], AGENT_COLUMNS, title="agents", times=AGENT_TIMES),
    )


@app.command("get")
@handled
def get_agent(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """One agent."""
    with open_api(profile) as api:
        data = api.call("GET", _path(agent))
    emit(data, json_out, lambda d: print_record(d["agent"], times=AGENT_TIMES))


@app.command("create")
@handled
def create_agent(
    name: Annotated[str, typer.Argument(help="Unique name.")],
    role: Annotated[str, typer.Option(help="What it does.")],
    status: Annotated[str | None, typer.Option(help="Initial status.")] = None,
    config: Annotated[str | None, typer.Option(help="Config as JSON.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Create an agent (operator)."""
    body = {
        "name": name,
        "role": role,
        "status": status,
        "config": _json_option(config, "--config"),
    }
    with open_api(profile) as api:
        data = api.call(
            "POST", "/api/agents", json={k: v for k, v in body.items() if v is not None}
        )
    emit(data, json_out, lambda d: print_record(d["agent"], times=AGENT_TIMES))


@app.command("update")
@handled
def update_agent(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    config: Annotated[str | None, typer.Option(help="Config keys to merge, as JSON.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Change an agent's role or merge into its config (operator)."""
    body = {"role": role, "config": _json_option(config, "--config")}
    body = {k: v for k, v in body.items() if v is not None}
    if not body:
        raise ClientError("nothing to change: give --role or --config", EXIT_USAGE)
    with open_api(profile) as api:
        data = api.call("PUT", _path(agent), json=body)
    emit(data, json_out, lambda d: print_record(d["agent"], times=AGENT_TIMES))


@app.command("delete")
@handled
def delete_agent(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Delete an agent (admin)."""
    if not yes:
        confirm(f"Delete agent {agent}?")
    with open_api(profile) as api:
        data = api.call("DELETE", _path(agent))
    emit(data, json_out, lambda d: console.print(f"Deleted {d.get('deleted', agent)}"))


@app.command("heartbeat")
@handled
def heartbeat(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    model: Annotated[str | None, typer.Option(help="Report token usage for this model...")] = None,
    input_tokens: Annotated[int, typer.Option(help="...with these input tokens...")] = 0,
    output_tokens: Annotated[int, typer.Option(help="...and output tokens.")] = 0,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Send a heartbeat and print the work waiting for the agent."""
    body = None
    if model:
        body = {
            "token_usage": {
                "model": model,
                "inputTokens": input_tokens,
                "outputTokens": output_tokens,
            }
        }
    with open_api(profile) as api:
        data = api.call("POST", _path(agent, "/heartbeat"), json=body)

    def render(d: dict[str, Any]) -> None:
        console.print(f"{d.get('agent')}: {d.get('status')} ({d.get('total_items', 0)} items)")
        for item in d.get("work_items", []):
            console.print(f"  {item.get('type')}: {item.get('count')}")

    emit(data, json_out, render)


@keys_app.command("list")
@handled
def list_keys(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """An agent's keys (never the secret)."""
    with open_api(profile) as api:
        data = api.call("GET", _path(agent, "/keys"))
    emit(
        data,
        json_out,
        lambda d: print_table(
            d["keys"],
            ("id", "name", "key_prefix", "scopes", "expires_at", "revoked_at", "last_used_at"),
            title="keys",
            times=("expires_at", "revoked_at", "last_used_at"),
        ),
    )


@keys_app.command("create")
@handled
def create_key(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    name: Annotated[str | None, typer.Option(help="A label for the key.")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Scope, repeatable.")] = None,
    expires_in_days: Annotated[int | None, typer.Option(help="1..3650 days.")] = None,
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Create a key for an agent; the key is printed once."""
    body: dict[str, Any] = {
        "name": name,
        "scopes": scope or None,
        "expires_in_days": expires_in_days,
    }
    with open_api(profile) as api:
        data = api.call(
            "POST", _path(agent, "/keys"), json={k: v for k, v in body.items() if v is not None}
        )
    emit(
        data,
        json_out,
        lambda d: console.print(
            f"API key (shown once): [bold]{d['api_key']}[/bold]\nscopes: {', '.join(d['key']['scopes'])}"
        ),
    )


@keys_app.command("revoke")
@handled
def revoke_key(
    agent: Annotated[str, typer.Argument(help="Id or name.")],
    key_id: Annotated[int, typer.Argument(help="The key's id.")],
    json_out: JsonOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Revoke one of an agent's keys."""
    with open_api(profile) as api:
        data = api.call("DELETE", _path(agent, "/keys"), json={"key_id": key_id})
    emit(data, json_out, lambda d: console.print(f"Revoked key {d.get('key_id', key_id)}"))
