"""Real answers of the webhook and alert routes validate against their declared models, and
those models name every key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from mission_control.alerts.schemas import AlertRuleEnvelope, AlertRuleList, EvaluationOut
from mission_control.events.bus import publish
from mission_control.webhooks.schemas import (
    DeliveryPage,
    SendResult,
    VerifyDocs,
    WebhookCreated,
    WebhookDeleted,
    WebhookList,
    WebhookUpdated,
)
from tests.shapes import assert_shape
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.anyio


def _valid(response: Any, model: type[BaseModel], status: int = 200) -> dict[str, Any]:
    return dict(assert_shape(response, model, status))


async def test_answers_match_their_models(harness_factory: Any, receiver: Receiver) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("shape-admin", "admin")
        hook = _valid(
            await admin.post("/api/webhooks", json={"name": "s", "url": receiver.url("/ok")}),
            WebhookCreated,
        )
        sent = _valid(await admin.post("/api/webhooks/test", json={"id": hook["id"]}), SendResult)
        await h.rt.db.write(lambda conn: publish(conn, 1, "task.created", {"id": 1}))
        await h.rt.webhooks.run_once()
        listed = _valid(await admin.get("/api/webhooks"), WebhookList)
        assert listed["webhooks"][0]["total_deliveries"] == 2
        page = _valid(await admin.get("/api/webhooks/deliveries"), DeliveryPage)
        assert len(page["deliveries"]) == 2
        _valid(
            await admin.post("/api/webhooks/retry", json={"delivery_id": sent["delivery_id"]}),
            SendResult,
        )
        _valid(await admin.get("/api/webhooks/verify-docs"), VerifyDocs)
        _valid(
            await admin.put("/api/webhooks", json={"id": hook["id"], "regenerate_secret": True}),
            WebhookUpdated,
        )
        rule = _valid(
            await admin.post(
                "/api/alerts",
                json={
                    "name": "r",
                    "entity_type": "task",
                    "condition_field": "status",
                    "condition_operator": "equals",
                    "condition_value": "failed",
                },
            ),
            AlertRuleEnvelope,
            201,
        )
        _valid(await admin.put("/api/alerts", json={"id": rule["rule"]["id"]}), AlertRuleEnvelope)
        _valid(await admin.get("/api/alerts"), AlertRuleList)
        result = _valid(await admin.post("/api/alerts", json={"action": "evaluate"}), EvaluationOut)
        assert result["evaluated"] == 3
        _valid(
            await admin.request("DELETE", "/api/webhooks", json={"id": hook["id"]}), WebhookDeleted
        )
        await admin.aclose()
