"""Page routes: /login, /setup and the signed-in pages of `pages.PAGES`; static files at /static.

Pages are rendered on the server with the actor's role deciding which controls exist; the
JSON API behind them enforces the same roles again. People without a session go to /login.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from mission_control.db.tables import projects, user_sessions, users
from mission_control.deps import RuntimeDep
from mission_control.security.actor import Actor
from mission_control.security.rbac import current_actor
from mission_control.users.service import count_users
from mission_control.web.overview import TASK_STATUSES, overview
from mission_control.web.pages import PAGES, Page, nav_for, serves

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
router = APIRouter(include_in_schema=False)
MENTION_DIRECTORY_LIMIT = 500


def ago(ts: float, now: float | None = None) -> str:
    """ "3 min ago" (the page's script keeps it fresh and adds the absolute time on hover)."""
    diff = int((now if now is not None else time.time()) - ts)
    span = abs(diff)
    if span < 45:
        return "just now" if diff >= 0 else "in a few seconds"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if span >= size or unit == "min":
            n = round(span / size)
            label = unit if unit != "day" else ("day" if n == 1 else "days")
            return f"{n} {label} ago" if diff >= 0 else f"in {n} {label}"
    return ""  # pragma: no cover


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


templates.env.globals.update(ago=ago, iso=iso)


def static_files() -> StaticFiles:
    """The app mounts this at /static."""
    return StaticFiles(directory=WEB_DIR / "static")


def _nonce(request: Request) -> str:
    return str(request.scope.get("state", {}).get("csp_nonce", ""))


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    response = templates.TemplateResponse(
        request, name, {"nonce": _nonce(request), **context}, status_code=status
    )
    # Pages carry the actor's data: never from a shared cache, never from the back button
    # after logout.
    response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in(actor: Actor) -> bool:
    """Pages are for people with a session, not for API keys."""
    return actor.kind == "user"


def _to(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _to_login(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return _to("/login" if target == "/" else "/login?next=" + quote(target, safe="/"))


def _safe_next(raw: str | None) -> str:
    """Only a local path: `//evil.example`, `/\\evil.example` or `https://…` would make an
    open redirect. Browsers drop tab, CR and LF from URLs (`/<TAB>/evil.example` is
    `//evil.example` to them), so any control character, space or backslash is refused too;
    static/js/auth.js nextPath() applies the same rule."""
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return "/"
    if any(ord(c) < 0x21 or c in "\\\x7f" for c in raw):
        return "/"
    return raw


@router.get("/login", summary="Login page (public)")
async def login_page(request: Request, rt: RuntimeDep) -> Response:
    next_path = _safe_next(request.query_params.get("next"))
    if _signed_in(current_actor(request)):
        return _to(next_path)
    if await rt.db.read(count_users) == 0:
        return _to("/setup")
    return _page(
        request,
        "login.html",
        google_client_id=rt.settings.google_client_id if rt.settings.google_enabled else None,
        next_path=next_path,
    )


@router.get("/setup", summary="First-run page: create the first admin (public, only while empty)")
async def setup_page(request: Request, rt: RuntimeDep) -> Response:
    if await rt.db.read(count_users):
        return _to("/login")
    return _page(request, "setup.html")


def _mention_directory(conn: Connection, workspace_id: int) -> list[dict[str, str]]:
    """People who can be @mentioned; agent names come from the agents API."""
    rows = conn.execute(
        sa.select(users.c.username, users.c.display_name)
        .where(users.c.workspace_id == workspace_id, users.c.disabled_at.is_(None))
        .order_by(users.c.username)
        .limit(MENTION_DIRECTORY_LIMIT)
    )
    return [{"name": r.username, "label": r.display_name or r.username} for r in rows]


def _project_choices(conn: Connection, workspace_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(projects.c.id, projects.c.name, projects.c.ticket_prefix)
        .where(projects.c.workspace_id == workspace_id, projects.c.status == "active")
        .order_by(projects.c.name)
        .limit(200)
    )
    return [{"id": r.id, "name": r.name, "prefix": r.ticket_prefix} for r in rows]


ACTIVE_SESSION_LIMIT = 100


def _active_sessions(conn: Connection, now: int) -> list[dict[str, Any]]:
    """Live sessions of every user, newest activity first (the security page, admin)."""
    rows = conn.execute(
        sa.select(
            users.c.username,
            users.c.role,
            user_sessions.c.ip_address,
            user_sessions.c.user_agent,
            user_sessions.c.created_at,
            user_sessions.c.last_seen_at,
        )
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(user_sessions.c.expires_at > now)
        .order_by(user_sessions.c.last_seen_at.desc())
        .limit(ACTIVE_SESSION_LIMIT)
    ).mappings()
    return [dict(r) for r in rows]


async def _extra_context(page: Page, rt: Any, actor: Actor) -> dict[str, Any]:
    if page.path == "/":
        return {"o": await rt.db.read(overview, actor), "statuses": TASK_STATUSES}
    if page.path == "/tasks":
        return {
            "statuses": TASK_STATUSES,
            "people": await rt.db.read(_mention_directory, actor.workspace_id),
            "projects": await rt.db.read(_project_choices, actor.workspace_id),
        }
    if page.path == "/settings":
        return {"file_backups": rt.db.dialect == "sqlite"}
    if page.path == "/security":
        return {"sessions": await rt.db.read(_active_sessions, int(time.time()))}
    return {}


def _page_route(page: Page) -> Any:
    async def show(request: Request, rt: RuntimeDep) -> Response:
        actor = current_actor(request)
        if not _signed_in(actor):
            return _to_login(request)
        base = _base_context(request, actor, page)
        if not actor.at_least(page.min_role):
            return _page(request, "forbidden.html", status=403, required=page.min_role, **base)
        if page.needs and not serves(request.app, page.needs):
            return _page(request, "unavailable.html", **base)
        extra = await _extra_context(page, rt, actor)
        return _page(request, page.template, page_script=page.script, **base, **extra)

    show.__name__ = "page_" + (page.path.strip("/") or "overview")
    return show


def _base_context(request: Request, actor: Actor, page: Page | None) -> dict[str, Any]:
    return {
        "actor": actor,
        "page": page,
        "nav": nav_for(actor),
        "events_url": "/api/events" if serves(request.app, "/api/events") else "",
        "search_enabled": serves(request.app, "/api/search"),
        "can_operate": actor.at_least("operator"),
        "is_admin": actor.at_least("admin"),
        "serves": lambda path: serves(request.app, path),
        "now": int(time.time()),
    }


for _p in PAGES:
    router.add_api_route(_p.path, _page_route(_p), methods=["GET"], summary=_p.title)


@router.get("/partials/overview", summary="The overview's live part, as HTML (viewer)")
async def overview_partial(request: Request, rt: RuntimeDep) -> Response:
    actor = current_actor(request)
    if not _signed_in(actor):
        return Response(status_code=401)
    return _page(
        request,
        "partials/overview_live.html",
        o=await rt.db.read(overview, actor),
        statuses=TASK_STATUSES,
        **_base_context(request, actor, None),
    )


def page_not_found(request: Request) -> Response:
    """A missing page: people who are not signed in go to /login, others see a 404 page."""
    actor = current_actor(request)
    if not _signed_in(actor):
        return _to_login(request)
    return _page(request, "not_found.html", status=404, **_base_context(request, actor, None))
