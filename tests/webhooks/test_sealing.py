"""Webhook signing secrets are sealed at rest, opened only to sign, and a key that cannot
open them stops deliveries with a clear error instead of sending them unsigned."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mission_control.db.tables import webhook_deliveries, webhooks
from mission_control.events.bus import publish
from mission_control.security.secretbox import SecretBoxError, purpose_key, secret_box
from mission_control.settings import Settings
from mission_control.webhooks.sealing import PURPOSE, SEALED, open_secret, webhook_box
from mission_control.webhooks.service import UNREADABLE
from mission_control.webhooks.worker import NOT_OPENED
from tests.conftest import AppHarness
from tests.webhooks.conftest import Receiver, wait_for

pytestmark = pytest.mark.anyio

PLAIN_SECRET = "whsec_written_before_sealing_0123456789"


def _signed_with(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header, expected)


async def _stored_secret(h: AppHarness, webhook_id: int) -> str | None:
    def run(conn: Any) -> str | None:
        return conn.execute(
            sa.select(webhooks.c.secret).where(webhooks.c.id == webhook_id)
        ).scalar_one()

    return await h.rt.db.read(run)


async def _publish(h: AppHarness) -> None:
    def run(conn: Any) -> None:
        publish(conn, 1, "task.created", {"id": 1})

    await h.rt.db.write(run)


async def _create(admin: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await admin.post("/api/webhooks", json={"name": "r", "url": url})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_secrets_are_stored_sealed_and_deliveries_signed_with_them(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("boss", "admin")
        created = await _create(admin, receiver.url("/ok"))
        stored = await _stored_secret(h, created["id"])
        assert stored is not None and stored.startswith(SEALED)
        assert created["secret"] not in stored
        # The webhook key opens it; the general secret box (2FA seeds, tokens) does not.
        assert open_secret(webhook_box(h.rt.settings), stored) == created["secret"]
        with pytest.raises(SecretBoxError):
            open_secret(secret_box(h.rt.settings), stored)

        regenerated = await admin.put(
            "/api/webhooks", json={"id": created["id"], "regenerate_secret": True}
        )
        await _sealed_masked_and_signing(
            h, admin, receiver, created["id"], regenerated.json()["secret"]
        )
        await admin.aclose()


async def _sealed_masked_and_signing(
    h: AppHarness, admin: httpx.AsyncClient, receiver: Receiver, webhook_id: int, secret: str
) -> None:
    """Stored sealed, listed masked, and the next event is signed with `secret`."""
    stored = await _stored_secret(h, webhook_id)
    assert stored is not None and stored.startswith(SEALED) and secret not in stored
    listed = (await admin.get("/api/webhooks")).json()["webhooks"][0]
    assert listed["secret"] == "••••••" + secret[-4:]
    await _publish(h)
    await wait_for(lambda: len(receiver.on("/ok")) == 1)
    request = receiver.on("/ok")[0]
    assert _signed_with(secret, request.body, request.headers["X-MC-Signature"])


async def test_secrets_written_in_clear_are_sealed_at_start(
    harness_factory: Any, receiver: Receiver
) -> None:
    """What an older version or an import without a key left: sealed on the next start,
    and signing goes on with the same secret."""
    async with harness_factory(webhook_allow_private=True, webhook_sender="off") as first:

        def plain(conn: Any) -> int:
            return int(
                conn.execute(
                    sa.insert(webhooks).values(
                        name="old",
                        url=receiver.url("/ok"),
                        secret=PLAIN_SECRET,
                        events=["*"],
                        workspace_id=1,
                        created_at=1,
                        updated_at=1,
                    )
                ).inserted_primary_key[0]
            )

        webhook_id = await first.rt.db.write(plain)
    async with harness_factory(webhook_allow_private=True) as h:
        admin = await h.login_client("boss", "admin")
        await _sealed_masked_and_signing(h, admin, receiver, webhook_id, PLAIN_SECRET)
        await admin.aclose()


async def test_a_changed_secret_key_stops_deliveries_with_a_clear_error(
    harness_factory: Any, receiver: Receiver
) -> None:
    async with harness_factory(
        webhook_allow_private=True, secret_key="the-first-secret-key-0123456789"
    ) as first:
        admin = await first.login_client("boss", "admin")
        created = await _create(admin, receiver.url("/ok"))
        await admin.aclose()
    async with harness_factory(
        webhook_allow_private=True, secret_key="another-secret-key-9876543210"
    ) as h:
        admin = await h.login_client("boss2", "admin")
        listed = (await admin.get("/api/webhooks")).json()["webhooks"][0]
        assert listed["secret"] == UNREADABLE
        await _publish(h)

        def attempts(conn: Any) -> list[Any]:
            return list(
                conn.execute(
                    sa.select(
                        webhook_deliveries.c.event_type,
                        webhook_deliveries.c.state,
                        webhook_deliveries.c.error,
                    ).where(webhook_deliveries.c.webhook_id == created["id"])
                )
            )

        async def task_event_failed() -> bool:
            rows = await h.rt.db.read(attempts)
            return ("task.created", "failed", NOT_OPENED) in [tuple(r) for r in rows]

        await wait_for(task_event_failed)
        # Every attempt made (the sign-in's own events too) failed the same way.
        settled = [r for r in await h.rt.db.read(attempts) if r.state not in ("pending", "sending")]
        assert {(r.state, r.error) for r in settled} == {("failed", NOT_OPENED)}
        assert receiver.requests == []  # nothing went out unsigned
        # Regenerating the secret under the new key mends it.
        regenerated = await admin.put(
            "/api/webhooks", json={"id": created["id"], "regenerate_secret": True}
        )
        assert regenerated.status_code == 200
        listed = (await admin.get("/api/webhooks")).json()["webhooks"][0]
        assert listed["secret"] == "••••••" + regenerated.json()["secret"][-4:]
        await admin.aclose()


def test_the_webhook_key_is_derived_for_its_purpose(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="one-secret-key-0123456789", _env_file=None)
    other = Settings(data_dir=tmp_path, secret_key="two-secret-key-0123456789", _env_file=None)
    key = purpose_key(settings, PURPOSE)
    assert key == purpose_key(settings, PURPOSE)  # stable across calls and processes
    assert key != purpose_key(settings, "another purpose")
    assert key != purpose_key(other, PURPOSE)
