"""Every API router, in the order they are mounted. One line per resource package."""

from fastapi import APIRouter

from mission_control.activities.routes import router as activities_router
from mission_control.agents.routes import router as agents_router
from mission_control.alerts.routes import router as alerts_router
from mission_control.audit.routes import router as audit_router
from mission_control.auth.routes import router as auth_router
from mission_control.backups.routes import router as backups_router
from mission_control.events.routes import router as events_router
from mission_control.export.routes import router as export_router
from mission_control.gateways.routes import router as gateways_router
from mission_control.google_auth.routes import router as google_router
from mission_control.integrations.secrets.routes import router as integrations_router
from mission_control.jobs.routes import router as jobs_router
from mission_control.keys.routes import router as keys_router
from mission_control.logs.routes import router as logs_router
from mission_control.notifications.routes import router as notifications_router
from mission_control.pipelines.routes import router as pipelines_router
from mission_control.projects.routes import router as projects_router
from mission_control.retention.routes import router as retention_router
from mission_control.search.routes import router as search_router
from mission_control.settings_api.routes import router as settings_router
from mission_control.standup.routes import router as standup_router
from mission_control.status.routes import router as status_router
from mission_control.tasks.routes import router as tasks_router
from mission_control.tokens.routes import router as tokens_router
from mission_control.two_factor.routes import router as two_factor_router
from mission_control.users.routes import router as users_router
from mission_control.web.docs import router as web_docs_router
from mission_control.web.exports import router as web_exports_router
from mission_control.web.routes import router as web_router
from mission_control.webhooks.routes import router as webhooks_router
from mission_control.workflows.routes import router as workflows_router
from mission_control.workspaces.routes import router as workspaces_router

# The router tries these in order, route by route, so the paths agents call every few
# seconds (tasks, the queue, heartbeats) come first. No two routers share a path and
# method (tests/test_routers.py checks it), so the order never changes who answers.
ROUTERS: list[APIRouter] = [
    tasks_router,
    agents_router,
    status_router,
    auth_router,
    users_router,
    keys_router,
    web_router,
    audit_router,
    activities_router,
    notifications_router,
    projects_router,
    settings_router,
    jobs_router,
    backups_router,
    retention_router,
    google_router,
    events_router,
    search_router,
    export_router,
    standup_router,
    workspaces_router,
    workflows_router,
    pipelines_router,
    tokens_router,
    logs_router,
    gateways_router,
    two_factor_router,
    integrations_router,
    webhooks_router,
    alerts_router,
    web_exports_router,
    web_docs_router,
]
