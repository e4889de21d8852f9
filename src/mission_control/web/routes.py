"""Page routes: /login, /setup and a placeholder overview at /; static files live at /static."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from mission_control.deps import RuntimeDep
from mission_control.security.actor import Actor
from mission_control.security.rbac import current_actor
from mission_control.users.service import count_users

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    """The app mounts this at /static."""
    return StaticFiles(directory=WEB_DIR / "static")


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    nonce = request.scope.get("state", {}).get("csp_nonce", "")
    return templates.TemplateResponse(
        request, name, {"nonce": nonce, **context}, status_code=status
    )


def _signed_in(actor: Actor) -> bool:
    """Pages are for people with a session, not for API keys."""
    return actor.kind == "user"


def _to(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


@router.get("/login", summary="Login page (public)")
async def login_page(request: Request, rt: RuntimeDep) -> Response:
    if _signed_in(current_actor(request)):
        return _to("/")
    if await rt.db.read(count_users) == 0:
        return _to("/setup")
    return _page(request, "login.html", google_client_id=rt.settings.google_client_id)


@router.get("/setup", summary="First-run page: create the first admin (public, only while empty)")
async def setup_page(request: Request, rt: RuntimeDep) -> Response:
    if await rt.db.read(count_users):
        return _to("/login")
    return _page(request, "setup.html")


@router.get("/", summary="Overview (viewer); a placeholder until the full interface lands")
async def home_page(request: Request) -> Response:
    actor = current_actor(request)
    if not _signed_in(actor):
        return _to("/login")
    return _page(request, "home.html", actor=actor)


def page_not_found(request: Request) -> Response:
    """A missing page: people who are not signed in go to /login, others see a 404 page."""
    if not _signed_in(current_actor(request)):
        return _to("/login")
    return _page(request, "not_found.html", status=404)
