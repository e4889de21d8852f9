"""`mc mcp`: run the MCP server on stdio."""

from __future__ import annotations

import typer


def mcp_command() -> None:
    """Serve Mission Control's agent tools over MCP (stdio); set MC_URL and MC_API_KEY."""
    import anyio

    from mission_control.mcp_server.server import serve_stdio

    anyio.run(serve_stdio)


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp_command)
