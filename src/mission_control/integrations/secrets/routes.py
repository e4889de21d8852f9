"""Routes: /api/integrations (admin): list, store, and pull from 1Password."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.responses import Response

from mission_control.deps import RuntimeDep
from mission_control.errors import AppError, BadRequest, TooManyRequests
from mission_control.integrations.onepassword.cli import (
    MAX_VALUE_CHARS,
    OnePasswordCli,
    OpError,
    valid_name,
)
from mission_control.integrations.secrets import service
from mission_control.integrations.secrets.schemas import (
    CheckAction,
    CheckResult,
    IntegrationAction,
    IntegrationEnvelope,
    IntegrationList,
    IntegrationUpdate,
    PullAction,
    PullAllResult,
    PullResult,
)
from mission_control.responses import json_response
from mission_control.runtime import Runtime
from mission_control.security.actor import Actor
from mission_control.security.rbac import AdminActor
from mission_control.security.secretbox import secret_box

router = APIRouter(tags=["integrations"])

PULL_CONCURRENCY = 4


@router.get(
    "/api/integrations",
    response_model=IntegrationList,
    summary="Integration secrets, redacted, and the 1Password setup (admin)",
)
async def list_integrations(rt: RuntimeDep, actor: AdminActor) -> Response:
    """Each secret with where its value comes from (stored, 1Password, env or unset), shown
    as `••••` plus the last 4 characters at most."""
    box = secret_box(rt.settings)
    return json_response(await rt.db.read(service.list_integrations, rt.settings, box))


@router.put(
    "/api/integrations",
    response_model=IntegrationEnvelope,
    summary="Store a secret encrypted, or remove it with value null (admin)",
)
async def update_integration(
    body: IntegrationUpdate, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """`{env_var, value}`: the value is encrypted at rest and never returned in full; values
    with newlines or NULs are refused. `value: null` falls back to the environment."""
    wait = await rt.limiter.hit("mutation", actor.ip)
    if wait:
        raise TooManyRequests(wait)
    box = secret_box(rt.settings)
    view = await rt.db.write(service.set_value, actor, rt.settings, box, body.env_var, body.value)
    return json_response({"integration": view})


@router.post(
    "/api/integrations",
    response_model=PullResult | PullAllResult | CheckResult,
    summary="1Password actions: pull, pull-all, test (admin)",
)
async def integration_action(
    body: IntegrationAction, rt: RuntimeDep, actor: AdminActor
) -> Response:
    """`{action:"pull", env_var, item?, field?}` reads one item with `op item get` and stores
    it encrypted; `{action:"pull-all"}` refreshes every secret that came from 1Password (all
    or nothing); `{action:"test"}` checks `op whoami` and the vault."""
    wait = await rt.limiter.hit("heavy", actor.ip)
    if wait:
        raise TooManyRequests(wait)
    cli = OnePasswordCli.from_settings(rt.settings)
    if not valid_name(cli.vault):
        raise BadRequest("OP_VAULT_NAME is not a usable vault name")
    if isinstance(body, CheckAction):
        return json_response(await _check(rt, actor, cli))
    if isinstance(body, PullAction):
        return json_response(await _pull_one(rt, actor, cli, body))
    return json_response(await _pull_all(rt, actor, cli))


async def _check(rt: Runtime, actor: Actor, cli: OnePasswordCli) -> dict[str, object]:
    try:
        account = await cli.whoami()
        vault = await cli.vault_info()
    except OpError as exc:
        await rt.db.write(service.record_test, actor, cli.vault, False, exc.code)
        return {"ok": False, "error": exc.message, "code": exc.code}
    await rt.db.write(service.record_test, actor, cli.vault, True, None)
    return {"ok": True, "account": account, "vault": vault}


async def _read(cli: OnePasswordCli, item: str, field: str) -> str:
    value = await cli.read_field(item, field)
    if any(ch in value for ch in "\r\n\x00"):
        raise OpError(
            "OP_VALUE_REFUSED",
            f'The value of 1Password item "{item}" contains a newline or NUL and was refused',
            422,
        )
    if len(value) > MAX_VALUE_CHARS:
        raise OpError("OP_VALUE_REFUSED", f'The value of 1Password item "{item}" is too long', 422)
    return value


async def _pull_one(
    rt: Runtime, actor: Actor, cli: OnePasswordCli, body: PullAction
) -> dict[str, object]:
    service.check_env_var(body.env_var)
    item = await rt.db.read(service.pull_item, body.env_var, body.item)
    if not valid_name(item):
        raise BadRequest("1Password item name cannot start with '-' or hold control characters")
    try:
        value = await _read(cli, item, body.field)
    except OpError as exc:
        failure = {"env_var": body.env_var, "item": item, "code": exc.code}
        await rt.db.write(service.record_pull_failure, actor, cli.vault, [failure])
        raise
    box = secret_box(rt.settings)
    await rt.db.write(service.store_pulled, actor, box, cli.vault, [(body.env_var, item, value)])
    view = await rt.db.read(service.integration, rt.settings, box, body.env_var)
    return {"integration": view, "pulled": True}


async def _pull_all(rt: Runtime, actor: Actor, cli: OnePasswordCli) -> dict[str, object]:
    targets = await rt.db.read(service.pull_targets)
    gate = asyncio.Semaphore(PULL_CONCURRENCY)

    async def one(env_var: str, item: str) -> tuple[str, str, str] | dict[str, str]:
        async with gate:
            try:
                return env_var, item, await _read(cli, item, "password")
            except OpError as exc:
                return {"env_var": env_var, "item": item, "code": exc.code, "error": exc.message}

    results = await asyncio.gather(*(one(env_var, item) for env_var, item in targets))
    failures = [r for r in results if isinstance(r, dict)]
    if failures:
        await rt.db.write(service.record_pull_failure, actor, cli.vault, failures)
        raise AppError(
            f"1Password pull failed for {len(failures)} of {len(targets)} secrets; "
            "nothing was saved",
            status=502,
            code="OP_PULL_FAILED",
            failures=failures,
        )
    pulled = [r for r in results if isinstance(r, tuple)]
    await rt.db.write(service.store_pulled, actor, secret_box(rt.settings), cli.vault, pulled)
    return {"pulled": [env_var for env_var, _, _ in pulled], "count": len(pulled)}
