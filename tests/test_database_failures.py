"""A database that goes away answers 503 with a reason, acknowledges nothing, and recovers."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from proficio.settings import Settings
from tests.factories import XAPIClient, statement, with_id


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_lost_connections_give_503_then_recover(lrs: XAPIClient, settings: Settings) -> None:
    first = with_id(statement())
    assert lrs.post(first).status_code == 200
    admin = create_engine(settings.database_url.split("?")[0])
    with admin.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
    lost = with_id(statement(slug="during-outage"))
    response = lrs.post(lost)
    assert response.status_code == 503
    assert "database" in response.json()["message"]
    # The next requests reconnect; the refused statement was not stored.
    assert lrs.post(with_id(statement(slug="after"))).status_code == 200
    assert lrs.get(statementId=lost["id"]).status_code == 404
    assert lrs.get(statementId=first["id"]).status_code == 200
