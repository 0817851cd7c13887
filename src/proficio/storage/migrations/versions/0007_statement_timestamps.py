"""Statements keep their timestamp as microseconds (`timestamp_us`), so a person's timeline
and the progress engine's time windows order and filter by when things happened, not by when
Proficio stored them. Existing rows are filled in from their bodies.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

from proficio.lrs.timestamps import us_from_datetime
from proficio.lrs.validation_formats import parse_timestamp

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding `statements` would copy the whole LRS.
    op.add_column("statements", sa.Column("timestamp_us", sa.BigInteger, nullable=True))
    conn = op.get_bind()
    body = "CAST(body AS TEXT)" if conn.dialect.name == "postgresql" else "body"
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT seq, {body}, stored_us FROM statements WHERE seq > :last "
                "ORDER BY seq LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        updates = []
        for seq, text, stored_us in rows:
            stamp = orjson.loads(text).get("timestamp")
            moment = us_from_datetime(parse_timestamp(stamp)) if stamp else stored_us
            updates.append({"seq": seq, "t": moment})
        conn.execute(sa.text("UPDATE statements SET timestamp_us = :t WHERE seq = :seq"), updates)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_column("statements", "timestamp_us")
