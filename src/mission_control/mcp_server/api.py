"""The MCP server's way into Mission Control: async HTTP with MC_URL and MC_API_KEY."""

from __future__ import annotations

import os
from typing import Any

import httpx
from mcp.server.mcpserver.exceptions import ToolError


class MissionControlApi:
    """Calls the REST API; every failure becomes a `ToolError` the model can read."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 20.0) -> None:
        self.url = url.rstrip("/")
        headers = {"User-Agent": "mission-control-mcp"}
        if api_key:
            headers["X-API-Key"] = api_key
        self._http = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout)

    @classmethod
    def from_env(cls) -> MissionControlApi:
        return cls(
            os.environ.get("MC_URL", "http://127.0.0.1:3000"), os.environ.get("MC_API_KEY", "")
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self._http.request(method, path, params=clean or None, json=json)
        except httpx.TransportError as exc:
            raise ToolError(
                f"Mission Control is unreachable at {self.url} "
                f"({exc.__class__.__name__}); is the server running?"
            ) from None
        if response.status_code >= 400:
            try:
                message = response.json().get("error", "")
            except ValueError:
                message = response.text[:200]
            raise ToolError(f"Mission Control answered {response.status_code}: {message}")
        return response.json() if response.content else None
