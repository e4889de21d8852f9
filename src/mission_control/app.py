"""`create_app(settings)`: the middleware order, the routers and the lifespan, in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mission_control import __version__
from mission_control.api_errors import ErrorBoundaryMiddleware, install_error_handlers
from mission_control.bootstrap import seed_admin_from_env
from mission_control.db.migrate import upgrade
from mission_control.routers import ROUTERS
from mission_control.runtime import Runtime
from mission_control.security.body_limit import BodyLimitMiddleware
from mission_control.security.client_ip import ClientIPMiddleware
from mission_control.security.csrf import CSRFMiddleware
from mission_control.security.gate import AuthGateMiddleware
from mission_control.security.header_limit import HeaderLimitMiddleware
from mission_control.security.headers import SecurityHeadersMiddleware
from mission_control.security.hosts import HostAllowlistMiddleware
from mission_control.security.network import parse_networks
from mission_control.security.request_id import RequestIdMiddleware
from mission_control.settings import Settings, load_settings
from mission_control.two_factor.enforcement import AdminTwoFactorMiddleware
from mission_control.web.routes import static_files
from mission_control.webhooks.sealing import seal_plain_secrets

API_DESCRIPTION = (
    "The REST API of Mission Control. Authenticate with the `mc-session` cookie "
    "(from `POST /api/auth/login`) or an API key in `X-API-Key` / `Authorization: Bearer`. "
    "Each operation states its minimum role."
)


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or load_settings()
    settings.check_production()
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade(settings.database_url_resolved)
        await runtime.db.write(seed_admin_from_env, settings, runtime.passwords)
        await runtime.db.write(seal_plain_secrets, runtime.webhooks.box)
        await runtime.start()
        # Everything built so far (modules, routes, statements, settings) lives as long as
        # the process: keep it out of the collector's full passes, which would otherwise walk
        # it all and stall every request in flight for tens of milliseconds.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Mission Control API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/docs",
        docs_url=None,  # web/docs.py serves /docs from vendored files under the CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", static_files(), name="static")

    # Starlette runs the middleware added last first; read this list bottom-up for the order
    # a request sees: request id → security headers → header limit → error boundary → client
    # IP → host allowlist → CSRF → gate → (admin 2FA enrolment) → body limit. Headers sit
    # outside the host check and the error boundary so even a refused host or an unexpected
    # 500 gets them.
    app.add_middleware(BodyLimitMiddleware)
    if settings.require_2fa_for_admins:
        app.add_middleware(AdminTwoFactorMiddleware)  # needs the actor: runs after the gate
    app.add_middleware(AuthGateMiddleware, runtime=runtime)
    app.add_middleware(CSRFMiddleware, sink=runtime.security)
    app.add_middleware(
        HostAllowlistMiddleware,
        enforce=settings.production and not settings.allow_any_host,
        patterns=settings.allowed_host_patterns,
        sink=runtime.security,
    )
    app.add_middleware(ClientIPMiddleware, trusted=parse_networks(settings.trusted_proxy_list))
    app.add_middleware(ErrorBoundaryMiddleware)
    app.add_middleware(HeaderLimitMiddleware)  # runs right after the security headers
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=settings.hsts, google=settings.google_enabled
    )
    app.add_middleware(RequestIdMiddleware)
    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory` (used by `mc serve --workers N`)."""
    return create_app(migrate=False)
