"""The page table: every signed-in page, its minimum role, its nav group and the API it needs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from mission_control.security.actor import Actor, Role


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    template: str
    title: str
    min_role: Role
    group: str
    script: str | None = None
    # The API the page is built on; while it is not served, the page says so instead.
    needs: str | None = None
    in_nav: bool = True


PAGES: tuple[Page, ...] = (
    Page("/", "overview.html", "Overview", "viewer", "Work", "overview.js"),
    Page("/tasks", "tasks.html", "Tasks", "viewer", "Work", "tasks.js"),
    Page("/agents", "agents.html", "Agents", "viewer", "Work", "agents.js"),
    Page("/activity", "activity.html", "Activity", "viewer", "Work", "activity.js"),
    Page("/costs", "costs.html", "Costs", "viewer", "Work", "costs.js", needs="/api/tokens"),
    Page(
        "/pipelines",
        "pipelines.html",
        "Pipelines",
        "operator",
        "Automation",
        "pipelines.js",
        needs="/api/pipelines",
    ),
    Page("/alerts", "alerts.html", "Alerts", "operator", "Automation", "alerts.js", "/api/alerts"),
    Page(
        "/webhooks",
        "webhooks.html",
        "Webhooks",
        "admin",
        "Automation",
        "webhooks.js",
        needs="/api/webhooks",
    ),
    Page(
        "/gateways",
        "gateways.html",
        "Gateways",
        "admin",
        "Automation",
        "gateways.js",
        needs="/api/gateways",
    ),
    Page("/audit", "audit.html", "Audit log", "admin", "Admin", "audit.js"),
    Page("/security", "security.html", "Security", "admin", "Admin", "security.js"),
    Page("/users", "users.html", "Users", "admin", "Admin", "users.js"),
    Page("/settings", "settings.html", "Settings", "admin", "Admin", "settings.js"),
    Page("/account", "account.html", "Account", "viewer", "You", "account.js", in_nav=False),
)


def _route_paths(routes: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """Every route path, also inside routers that FastAPI includes lazily (0.16x keeps an
    `_IncludedRouter` entry per `include_router` instead of copying the routes)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _route_paths(inner.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path


def _api_paths(app: FastAPI) -> frozenset[str]:
    paths: frozenset[str] | None = getattr(app.state, "web_api_paths", None)
    if paths is None:
        paths = frozenset(p for p in _route_paths(app.routes) if p.startswith("/api/"))
        app.state.web_api_paths = paths
    return paths


def serves(app: FastAPI, path: str) -> bool:
    """Whether this server has an API route at `path` (features land branch by branch)."""
    return path in _api_paths(app)


def nav_for(actor: Actor) -> list[tuple[str, list[Page]]]:
    """The nav groups and pages this actor may open; the rest are not shown at all."""
    groups: dict[str, list[Page]] = {}
    for page in PAGES:
        if page.in_nav and actor.at_least(page.min_role):
            groups.setdefault(page.group, []).append(page)
    return list(groups.items())
