"""Webhook signing secrets at rest: sealed with a key of their own, opened only to sign.

A stored secret is `sealed:` followed by its Fernet token. The key is derived from the
secret key for this purpose alone, so the delivery process, which must sign, is handed a
key that opens webhook secrets and nothing else. A secret written before sealing existed
(or copied in by an importer) is plain text until the next start seals it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mission_control.db.tables import webhooks
from mission_control.security.secretbox import SecretBox, purpose_key
from mission_control.settings import Settings

SEALED = "sealed:"
PURPOSE = "webhook signing secrets"


def webhook_box(settings: Settings) -> SecretBox:
    return SecretBox(purpose_key(settings, PURPOSE))


def seal(box: SecretBox, secret: str | None) -> str | None:
    if secret is None or secret.startswith(SEALED):
        return secret
    return SEALED + box.encrypt(secret)


def open_secret(box: SecretBox, stored: str | None) -> str | None:
    """The secret to sign with; raises `SecretBoxError` when the key no longer opens it."""
    if stored is None or not stored.startswith(SEALED):
        return stored
    return box.decrypt(stored.removeprefix(SEALED))


def seal_plain_secrets(conn: Connection, box: SecretBox) -> int:
    """Seal every secret still stored in clear; returns how many were."""
    rows = conn.execute(
        sa.select(webhooks.c.id, webhooks.c.secret).where(
            webhooks.c.secret.is_not(None), sa.not_(webhooks.c.secret.startswith(SEALED))
        )
    ).all()
    for row in rows:
        conn.execute(
            sa.update(webhooks)
            .where(webhooks.c.id == row.id, webhooks.c.secret == row.secret)
            .values(secret=seal(box, row.secret))
        )
    return len(rows)
