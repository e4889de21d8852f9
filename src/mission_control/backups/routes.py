"""Routes: /api/backup (admin)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection
from starlette.responses import FileResponse, Response

from mission_control.backups import service
from mission_control.backups.schemas import BackupCreated, BackupDeleted, BackupList, BackupName
from mission_control.bodies import documented_body, json_object
from mission_control.deps import RuntimeDep
from mission_control.responses import json_response
from mission_control.security.actor import Actor
from mission_control.security.audit import audit
from mission_control.security.rbac import AdminActor
from mission_control.settings_api.service import get_value

router = APIRouter(tags=["backups"])


def _audit(conn: Connection, actor: Actor, action: str, detail: dict[str, Any]) -> None:
    audit(conn, actor, action, target_type="backup", target_id=detail.get("name"), detail=detail)


@router.get(
    "/api/backup",
    summary="List or download backups (admin)",
    responses={
        200: {
            "model": BackupList,
            "description": "The list; with `?download=<name>` that backup file instead.",
            "content": {
                "application/vnd.sqlite3": {"schema": {"type": "string", "format": "binary"}}
            },
        },
    },
)
async def list_or_download(
    rt: RuntimeDep, actor: AdminActor, download: str | None = None
) -> Response:
    """`{backups:[{name, size, created_at}]}` newest first (admin); `?download=<name>` sends
    that file (audited `backup_download`). On PostgreSQL: 400 explaining pg_dump."""
    service.database_file(rt.settings)
    folder = service.backups_dir(rt.settings)
    if download is not None:
        path = service.backup_path(folder, download)
        await rt.db.write(_audit, actor, "backup_download", {"name": path.name})
        return FileResponse(
            path, media_type="application/vnd.sqlite3", filename=path.name, headers={}
        )
    items = await anyio.to_thread.run_sync(lambda: service.list_backups(folder))
    return json_response({"backups": items, "total": len(items)})


@router.post(
    "/api/backup",
    summary="Create a backup (admin)",
    responses={200: {"model": BackupCreated}},
)
async def create(rt: RuntimeDep, actor: AdminActor) -> Response:
    """An online backup of the SQLite database into `<data>/backups/` (admin, audited
    `backup_create`); older backups beyond `general.backup_retention_count` are pruned."""
    db_file = service.database_file(rt.settings)
    folder = service.backups_dir(rt.settings)
    made = await anyio.to_thread.run_sync(lambda: service.create_backup(db_file, folder))
    keep = int(await rt.db.read(get_value, rt.settings, "general.backup_retention_count"))
    pruned = await anyio.to_thread.run_sync(lambda: service.prune(folder, keep))
    await rt.db.write(_audit, actor, "backup_create", {**made, "pruned": pruned})
    return json_response({"success": True, "backup": made, "pruned": pruned})


@router.delete(
    "/api/backup",
    summary="Delete a backup (admin)",
    responses={200: {"model": BackupDeleted}},
    openapi_extra=documented_body(BackupName),
)
async def delete(request: Request, rt: RuntimeDep, actor: AdminActor) -> Response:
    """`{name}` deletes that backup (admin, audited `backup_delete`); a name with a path
    or `..` → 400, unknown → 404."""
    data = await json_object(request, missing_message="Request body required: {name}")
    service.database_file(rt.settings)
    name = service.check_name(data.get("name"))
    folder = service.backups_dir(rt.settings)
    await anyio.to_thread.run_sync(lambda: service.delete_backup(folder, name))
    await rt.db.write(_audit, actor, "backup_delete", {"name": name})
    return json_response({"success": True, "deleted": name})
