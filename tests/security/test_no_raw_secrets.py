"""The database never holds a raw secret: passwords, session tokens and API keys are stored
only as hashes or digests, webhook signing secrets sealed, whatever path made them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from mission_control.db.tables import metadata
from tests.conftest import TEST_API_KEY, AppHarness

SETUP_PASSWORD = "first-admin-Passphrase-41"
NEW_PASSWORD = "second-admin-Passphrase-73"
WRONG_PASSWORD = "almost-the-Passphrase-41!"


def _session_token(response: Any) -> str:
    token = response.cookies.get("mc-session")
    assert token, response.headers
    return str(token)


def _found_in_rows(engine: sa.Engine, secrets: dict[str, str]) -> list[str]:
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).mappings():
                text = " ".join(
                    v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row.values()
                )
                found += [f"{what} in {table.name}" for what, raw in secrets.items() if raw in text]
    return found


def _found_in_files(database_url: str, secrets: dict[str, str]) -> list[str]:
    path = Path(make_url(database_url).database or "")
    found = []
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            data = file.read_bytes()
            found += [
                f"{what} in {file.name}" for what, raw in secrets.items() if raw.encode() in data
            ]
    return found


async def test_no_password_token_or_key_is_stored_raw(harness: AppHarness) -> None:
    secrets: dict[str, str] = {"env API key": TEST_API_KEY}
    client = harness.client

    setup = await client.post("/api/setup", json={"username": "boss", "password": SETUP_PASSWORD})
    assert setup.status_code == 201, setup.text
    secrets["setup password"] = SETUP_PASSWORD
    secrets["setup session"] = _session_token(setup)

    login = await client.post(
        "/api/auth/login", json={"username": "boss", "password": SETUP_PASSWORD}
    )
    assert login.status_code == 200, login.text
    secrets["login session"] = _session_token(login)

    changed = await client.patch(
        "/api/auth/me", json={"current_password": SETUP_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    secrets["new password"] = NEW_PASSWORD
    secrets["session after the change"] = _session_token(changed)

    rotated = await client.post("/api/tokens/rotate")
    assert rotated.status_code == 200, rotated.text
    secrets["rotated global key"] = rotated.json()["api_key"]

    personal = await client.post("/api/auth/keys", json={"name": "laptop"})
    assert personal.status_code == 201, personal.text
    secrets["personal key"] = personal.json()["api_key"]

    agent = await client.post("/api/agents", json={"name": "scribe", "role": "writer"})
    assert agent.status_code == 201, agent.text
    agent_key = await client.post("/api/agents/scribe/keys", json={"name": "ci"})
    assert agent_key.status_code == 201, agent_key.text
    secrets["agent key"] = agent_key.json()["api_key"]

    webhook = await client.post(
        "/api/webhooks", json={"name": "hook", "url": "https://hooks.example.com/in"}
    )
    assert webhook.status_code == 200, webhook.text
    secrets["webhook signing secret"] = webhook.json()["secret"]

    failed = await harness.new_client().post(
        "/api/auth/login", json={"username": "boss", "password": WRONG_PASSWORD}
    )
    assert failed.status_code == 401
    secrets["mistyped password"] = WRONG_PASSWORD

    # Every secret works, so each was really made and is what the database would have to keep.
    for what in ("rotated global key", "personal key", "agent key"):
        assert (await harness.key_client(secrets[what]).get("/api/agents")).status_code == 200

    url = harness.rt.settings.database_url_resolved
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        assert _found_in_rows(engine, secrets) == []
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        assert _found_in_files(url, secrets) == []
