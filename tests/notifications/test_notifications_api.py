"""/api/notifications: list, mark read, mark delivered, delete; roles and workspaces."""

from __future__ import annotations

from typing import Any

import httpx

from mission_control.notifications.service import notify
from tests.conftest import AppHarness
from tests.seed_rows import agent_key_client, insert_agent, other_workspace_client


async def _notify(harness: AppHarness, recipient: str = "bot", **fields: Any) -> int:
    values: dict[str, Any] = {"recipient": recipient, "type": "assignment", "title": "hello"}
    values.update(fields)
    row = await harness.rt.db.write(lambda c: notify(c, **values))
    return int(row["id"])


async def test_recipient_is_required(viewer: httpx.AsyncClient) -> None:
    response = await viewer.get("/api/notifications")
    assert response.status_code == 400
    assert response.json() == {"error": "Recipient is required"}


async def test_list_filters_and_counts(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    first = await _notify(harness, type="mention")
    await _notify(harness)
    await _notify(harness, recipient="someone-else")
    body = (await viewer.get("/api/notifications?recipient=bot")).json()
    assert body["total"] == 2 and body["unreadCount"] == 2
    assert body["page"] == 1 and body["limit"] == 50
    assert [n["recipient"] for n in body["notifications"]] == ["bot", "bot"]
    assert body["notifications"][-1]["id"] == first
    mentions = (await viewer.get("/api/notifications?recipient=bot&type=mention")).json()
    assert mentions["total"] == 1 and mentions["notifications"][0]["id"] == first


async def test_mark_read_by_ids_and_all(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    a = await _notify(harness)
    b = await _notify(harness)
    await _notify(harness)
    marked = await operator.put("/api/notifications", json={"ids": [a, str(b)]})
    assert marked.json() == {"success": True, "markedAsRead": 2}
    again = await operator.put("/api/notifications", json={"ids": [a]})
    assert again.json()["markedAsRead"] == 0
    unread = (await operator.get("/api/notifications?recipient=bot&unread_only=1")).json()
    assert unread["total"] == 1 and unread["unreadCount"] == 1
    rest = await operator.put("/api/notifications", json={"recipient": "bot", "markAllRead": True})
    assert rest.json() == {"success": True, "markedAsRead": 1}
    assert (await operator.put("/api/notifications", json={"recipient": "bot"})).status_code == 400
    assert (await operator.put("/api/notifications", json={"ids": ["x"]})).status_code == 400


async def test_viewer_cannot_mark_read(harness: AppHarness, viewer: httpx.AsyncClient) -> None:
    a = await _notify(harness)
    response = await viewer.put("/api/notifications", json={"ids": [a]})
    assert response.status_code == 403
    body = (await viewer.get("/api/notifications?recipient=bot&unread_only=1")).json()
    assert body["unreadCount"] == 1


async def test_mark_delivered(harness: AppHarness, operator: httpx.AsyncClient) -> None:
    await _notify(harness, title="one")
    await _notify(harness, title="two")
    missing = await operator.post("/api/notifications", json={"action": "mark-delivered"})
    assert missing.status_code == 400
    unknown = await operator.post("/api/notifications", json={"action": "explode", "agent": "bot"})
    assert unknown.status_code == 400
    first = (
        await operator.post("/api/notifications", json={"action": "mark-delivered", "agent": "bot"})
    ).json()
    assert first["success"] is True and first["delivered"] == 2
    assert [n["title"] for n in first["notifications"]] == ["one", "two"]
    assert all(isinstance(n["delivered_at"], int) for n in first["notifications"])
    second = (
        await operator.post("/api/notifications", json={"action": "mark-delivered", "agent": "bot"})
    ).json()
    assert second["delivered"] == 0 and second["notifications"] == []


async def test_delete_is_admin_only_and_needs_a_body(
    harness: AppHarness, admin: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    a = await _notify(harness)
    denied = await operator.request("DELETE", "/api/notifications", json={"ids": [a]})
    assert denied.status_code == 403
    empty = await admin.delete("/api/notifications?ids=1")
    assert empty.status_code == 400 and "body required" in empty.json()["error"]
    bad = await admin.request("DELETE", "/api/notifications", content=b"{nope")
    assert bad.status_code == 400 and bad.json() == {"error": "Invalid request body"}
    done = await admin.request("DELETE", "/api/notifications", json={"ids": [a]})
    assert done.json() == {"success": True, "deleted": 1}
    assert (await admin.get("/api/notifications?recipient=bot")).json()["total"] == 0


async def test_other_workspace_is_untouchable(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    other, ws_id = await other_workspace_client(harness, "admin")
    theirs = await _notify(harness, workspace_id=ws_id)
    assert (await admin.get("/api/notifications?recipient=bot")).json()["total"] == 0
    marked = await admin.put("/api/notifications", json={"ids": [theirs]})
    assert marked.json()["markedAsRead"] == 0
    delivered = await admin.post(
        "/api/notifications", json={"action": "mark-delivered", "agent": "bot"}
    )
    assert delivered.json()["delivered"] == 0
    deleted = await admin.request("DELETE", "/api/notifications", json={"ids": [theirs]})
    assert deleted.json()["deleted"] == 0
    mine = (await other.get("/api/notifications?recipient=bot&unread_only=1")).json()
    assert mine["total"] == 1 and mine["notifications"][0]["delivered_at"] is None
    await other.aclose()


async def test_agent_key_sees_only_its_own(harness: AppHarness) -> None:
    agent_id = await insert_agent(harness, "bot")
    mine = await _notify(harness, recipient="bot")
    theirs = await _notify(harness, recipient="other-bot")
    client = await agent_key_client(harness, agent_id, ["operator", "agent:self"])
    own = await client.get("/api/notifications?recipient=bot")
    assert own.status_code == 200 and own.json()["total"] == 1
    denied = await client.get("/api/notifications?recipient=other-bot")
    assert denied.status_code == 403
    assert denied.json() == {
        "error": "Access denied: agent key may only access its own notifications."
    }
    stolen = await client.post(
        "/api/notifications", json={"action": "mark-delivered", "agent": "other-bot"}
    )
    assert stolen.status_code == 403
    all_read = await client.put(
        "/api/notifications", json={"recipient": "other-bot", "markAllRead": True}
    )
    assert all_read.status_code == 403
    by_ids = await client.put("/api/notifications", json={"ids": [mine, theirs]})
    assert by_ids.json()["markedAsRead"] == 1
    await client.aclose()
