"""A device identity that cannot be used is a clear gateway error, not a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gateways.fake_gateway import FakeGateway

pytestmark = pytest.mark.anyio


def _damage_key_file(data_dir: Path) -> None:
    folder = data_dir / "identity"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / "device.json").write_text('{"privateKey": "not-a-key"}\n')
    (folder / "device.json").chmod(0o600)


def _make_identity_dir_a_file(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (data_dir / "identity").write_text("in the way\n")


@pytest.mark.parametrize(
    ("damage", "hint"),
    [(_damage_key_file, "is damaged; move it away"), (_make_identity_dir_a_file, "cannot be")],
)
async def test_unusable_identity_is_reported_per_gateway(
    damage: Any, hint: str, fake_gateway: FakeGateway, harness_factory: Any
) -> None:
    async with harness_factory(
        openclaw_gateway_url=fake_gateway.url, openclaw_gateway_token=fake_gateway.token
    ) as harness:
        damage(harness.rt.settings.data_dir)
        admin = await harness.login_client("gw-admin", "admin")
        created = await admin.post(
            "/api/gateways",
            json={"name": "lab", "url": fake_gateway.url, "token": fake_gateway.token},
        )
        assert created.status_code == 201

        health = await admin.post("/api/gateways/health")
        assert health.status_code == 200, health.text
        results = health.json()["results"]
        assert [r["name"] for r in results] == ["lab", "environment"]
        for result in results:
            assert result["status"] == "error"
            assert result["code"] == "DEVICE_IDENTITY_UNUSABLE"
            assert hint in result["guidance"]
        assert health.json()["summary"] == {"online": 0, "offline": 0, "error": 2}

        for path in (
            "/api/gateways/env/sessions",
            f"/api/gateways/{created.json()['gateway']['id']}/agents",
        ):
            answer = await admin.get(path)
            assert answer.status_code == 503, answer.text
            assert answer.json()["code"] == "DEVICE_IDENTITY_UNUSABLE"
            assert hint in answer.json()["guidance"]
        verified = await admin.post(
            "/api/gateways",
            json={"name": "new", "url": fake_gateway.url, "token": "x", "verify": True},
        )
        assert verified.status_code == 503 and verified.json()["code"] == "DEVICE_IDENTITY_UNUSABLE"
        assert fake_gateway.token not in health.text + answer.text + verified.text
        assert fake_gateway.connects == 0
        await admin.aclose()
