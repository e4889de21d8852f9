"""Routes: /api/agents — the registry, self-registration, soul and working memory, hiding."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mission_control.agents import service
from mission_control.agents.access import (
    AGENT_NAME_HEADER,
    caller_agent_name,
    ensure_own_agent_name,
)
from mission_control.agents.insight_routes import router as insight_router
from mission_control.agents.key_routes import router as key_router
from mission_control.agents.schemas import (
    REGISTER_ROLES,
    STATUSES,
    AgentChanges,
    AgentCreate,
    AgentDeleted,
    AgentEnvelope,
    AgentList,
    AgentRegister,
    AgentUpdateByName,
    AgentUpdated,
    MemoryIn,
    MemoryOut,
    MemorySaved,
    RegisterOut,
    SoulIn,
    SoulOut,
    SoulSaved,
)
from mission_control.deps import RuntimeDep
from mission_control.errors import BadRequest, TooManyRequests
from mission_control.pagination import CAPS, clamp_limit, clamp_offset, page_number
from mission_control.responses import json_response
from mission_control.security.rbac import AdminActor, OperatorActor, ViewerActor, current_actor


async def agent_name_header(request: Request) -> None:
    """With an agent key, `X-Agent-Name` (when sent) must name the key's own agent."""
    caller_agent_name(current_actor(request), request.headers.get(AGENT_NAME_HEADER))


router = APIRouter(tags=["agents"], dependencies=[Depends(agent_name_header)])

_TRUE = ("1", "true", "yes")


@router.get("/api/agents", response_model=AgentList, summary="List agents (viewer)")
async def list_agents(
    rt: RuntimeDep,
    actor: ViewerActor,
    status: str | None = None,
    role: str | None = None,
    show_hidden: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> Response:
    """Agents of the workspace, newest first, each with its `config` and `taskStats`.
    Filters: `status`, `role`, `show_hidden=1`; `limit` 1..200 (default 50), `offset`. Viewer."""
    if status and status not in STATUSES:
        raise BadRequest(f"Invalid status. Expected one of: {', '.join(STATUSES)}")
    if role and "\x00" in role:
        raise BadRequest("Invalid role")
    page_limit = clamp_limit(limit, CAPS["agents"])
    page_offset = clamp_offset(offset)
    items, total = await rt.db.read(
        service.list_agents,
        actor.workspace_id,
        status=status or None,
        role=role or None,
        show_hidden=(show_hidden or "").lower() in _TRUE,
        limit=page_limit,
        offset=page_offset,
    )
    return json_response(
        {
            "agents": items,
            "total": total,
            "page": page_number(page_limit, page_offset),
            "limit": page_limit,
        }
    )


@router.post(
    "/api/agents",
    status_code=201,
    response_model=AgentEnvelope,
    summary="Create an agent (operator)",
)
async def create_agent(body: AgentCreate, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Create an agent with any role string; status defaults to `offline`. 409 when the name
    exists, 400 `Name and role are required`. Operator."""
    name = service.clean_name(body.name)
    role = (body.role or "").strip()
    if not name or not role:
        raise BadRequest("Name and role are required")
    ensure_own_agent_name(actor, name)
    fields = body.model_dump(exclude_unset=True)
    fields.update(name=name, role=role, status=body.status)
    agent = await rt.db.write(service.create_agent, actor, fields)
    return json_response({"agent": agent}, status=201)


@router.put(
    "/api/agents",
    summary="Update an agent by name (operator)",
    responses={200: {"model": AgentUpdated}},
)
async def update_agent_by_name(
    body: AgentUpdateByName, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """`{name, status?, last_activity?, config?, role?, …}`: config is merged into the stored
    one. 404 unknown name, 400 `No fields to update`. Operator."""
    name = (body.name or "").strip()
    if not name:
        raise BadRequest("Agent name is required")
    changes = body.model_dump(exclude_unset=True, exclude={"name"})
    await rt.db.write(service.update_by_name, actor, name, changes)
    return json_response({"success": True})


@router.post(
    "/api/agents/register",
    response_model=RegisterOut,
    summary="Self-registration of an agent (viewer)",
)
async def register(body: AgentRegister, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """An agent announces itself: `{name, role?='agent', capabilities?, framework?}`. New → 201
    `registered:true`, status `idle`; known name → 200 `registered:false`, status refreshed.
    5 per minute per IP. Viewer (typically an agent key)."""
    wait = await rt.limiter.hit("register", actor.ip or "unknown")
    if wait:
        raise TooManyRequests(wait)
    name = (body.name or "").strip()
    if not name:
        raise BadRequest("Name is required")
    if not service.NAME_RE.match(name):
        raise BadRequest(
            "Invalid agent name. Expected 1-63 of A-Z, a-z, 0-9, '.', '_', '-', "
            "starting with a letter or digit"
        )
    role = body.role.strip()
    if role not in REGISTER_ROLES:
        raise BadRequest(f"Invalid role. Expected one of: {', '.join(REGISTER_ROLES)}")
    agent, created = await rt.db.write(
        service.register_agent,
        actor,
        name=name,
        role=role,
        capabilities=body.capabilities,
        framework=body.framework,
    )
    if created:
        return json_response(
            {"agent": agent, "registered": True, "message": f"Agent {name} registered"},
            status=201,
        )
    return json_response(
        {"agent": agent, "registered": False, "message": f"Agent {name} is already registered"}
    )


@router.get(
    "/api/agents/{agent_ref}", response_model=AgentEnvelope, summary="Get an agent (viewer)"
)
async def get_agent(agent_ref: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """One agent by id or name. Viewer."""
    return json_response({"agent": await rt.db.read(service.read_agent, actor, agent_ref)})


@router.put(
    "/api/agents/{agent_ref}", response_model=AgentEnvelope, summary="Update an agent (operator)"
)
async def update_agent(
    agent_ref: str, body: AgentChanges, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """Change role, status, config (merged), last_activity, session_key, soul_content or
    runtime_type → `{agent}` with the change applied. Operator."""
    changes = body.model_dump(exclude_unset=True)
    agent = await rt.db.write(service.update_agent, actor, agent_ref, changes)
    return json_response({"agent": agent})


@router.delete(
    "/api/agents/{agent_ref}",
    summary="Delete an agent (admin)",
    responses={200: {"model": AgentDeleted}},
)
async def delete_agent(agent_ref: str, rt: RuntimeDep, actor: AdminActor) -> Response:
    """Delete the agent with its keys and connections → `{success:true, deleted:<name>}`.
    Admin."""
    name = await rt.db.write(service.delete_agent, actor, agent_ref)
    return json_response({"success": True, "deleted": name})


@router.post(
    "/api/agents/{agent_ref}/hide", response_model=AgentEnvelope, summary="Hide an agent (operator)"
)
async def hide_agent(agent_ref: str, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Hide the agent from `GET /api/agents` (unless `show_hidden=1`). Operator."""
    agent = await rt.db.write(service.set_hidden, actor, agent_ref, True)
    return json_response({"agent": agent})


@router.delete(
    "/api/agents/{agent_ref}/hide",
    response_model=AgentEnvelope,
    summary="Unhide an agent (operator)",
)
async def unhide_agent(agent_ref: str, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """Show a hidden agent in the list again. Operator."""
    agent = await rt.db.write(service.set_hidden, actor, agent_ref, False)
    return json_response({"agent": agent})


@router.get(
    "/api/agents/{agent_ref}/soul",
    summary="Read an agent's soul (viewer)",
    responses={200: {"model": SoulOut}},
)
async def get_soul(agent_ref: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """`{agent:{id, name}, soul_content, size, updated_at}`. Viewer."""
    return json_response(await rt.db.read(service.read_text, actor, agent_ref, "soul_content"))


@router.put(
    "/api/agents/{agent_ref}/soul",
    summary="Replace an agent's soul (operator)",
    responses={200: {"model": SoulSaved}},
)
async def put_soul(agent_ref: str, body: SoulIn, rt: RuntimeDep, actor: OperatorActor) -> Response:
    """`{soul_content}` (null clears); over 512 KiB → 413. An agent key only for its own
    agent. Operator."""
    service.text_size_ok(body.soul_content)
    result = await rt.db.write(
        service.write_text, actor, agent_ref, "soul_content", body.soul_content, append=False
    )
    return json_response(result)


@router.get(
    "/api/agents/{agent_ref}/memory",
    summary="Read an agent's working memory (viewer)",
    responses={200: {"model": MemoryOut}},
)
async def get_memory(agent_ref: str, rt: RuntimeDep, actor: ViewerActor) -> Response:
    """`{agent:{id, name}, working_memory, size, updated_at}`. Viewer."""
    return json_response(await rt.db.read(service.read_text, actor, agent_ref, "working_memory"))


@router.put(
    "/api/agents/{agent_ref}/memory",
    summary="Write an agent's working memory (operator)",
    responses={200: {"model": MemorySaved}},
)
async def put_memory(
    agent_ref: str, body: MemoryIn, rt: RuntimeDep, actor: OperatorActor
) -> Response:
    """`{working_memory, append?}`: replace, or append on a new line; a result over 512 KiB
    → 413. An agent key only for its own agent. Operator."""
    service.text_size_ok(body.working_memory)
    result = await rt.db.write(
        service.write_text,
        actor,
        agent_ref,
        "working_memory",
        body.working_memory,
        append=body.append,
    )
    return json_response(result)


router.include_router(key_router)
router.include_router(insight_router)
