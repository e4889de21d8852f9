"""Small start-up questions about the database, answered without starting the app."""

from __future__ import annotations

import sqlalchemy as sa

from mission_control.db.tables import users
from mission_control.settings import Settings


def needs_setup_url(settings: Settings) -> bool:
    """True when nobody exists yet and AUTH_PASS will not seed an admin."""
    if settings.admin_password:
        return False
    engine = sa.create_engine(settings.database_url_resolved)
    try:
        with engine.connect() as conn:
            return not conn.execute(sa.select(sa.func.count()).select_from(users)).scalar()
    finally:
        engine.dispose()
