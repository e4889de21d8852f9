"""Every API router, in the order they are mounted. One line per resource package."""

from fastapi import APIRouter

from mission_control.auth.routes import router as auth_router
from mission_control.google_auth.routes import router as google_router
from mission_control.keys.routes import router as keys_router
from mission_control.status.routes import router as status_router
from mission_control.users.routes import router as users_router

ROUTERS: list[APIRouter] = [
    status_router,
    auth_router,
    users_router,
    keys_router,
    google_router,
]
