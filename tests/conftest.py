"""Fixtures: every API test runs against SQLite and PostgreSQL through the whole ASGI stack.

PostgreSQL tests need PROFICIO_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test).
Without it they skip, except under CI=true, where a missing database fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from proficio.app import create_app
from proficio.settings import Settings, database_url_from
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade
from tests.dashboards import DemoOrg, build_demo_org
from tests.factories import (
    APIClient,
    XAPIClient,
    client_as,
    create_test_credential,
    create_test_people,
)

POSTGRES_ENV = "PROFICIO_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"PostgreSQL tests skipped: set {POSTGRES_ENV}=postgresql://USER@HOST:5432/DB to run them"
)

BROWSER_SKIP_REASON = "Browser tests skipped: install Chromium (Debian: apt-get install chromium)"


def _postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url and os.environ.get("CI") == "true":
        pytest.fail(f"{POSTGRES_ENV} must be set when CI=true: PostgreSQL tests may not skip")
    return url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, not per test, why the PostgreSQL tests were skipped and how to run them."""
    if not os.environ.get(POSTGRES_ENV) and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(SKIP_REASON)
    if not shutil.which("chromium") and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(BROWSER_SKIP_REASON)


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'proficio.db'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip(SKIP_REASON)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url_from(base), poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield database_url_from(base) + f"{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database handle, for tests below the HTTP layer."""
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, statements_page_size=50, auth_cache_seconds=0.2)


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


ALL_SCOPES = ["all"]


@pytest.fixture
def lrs(app_client: TestClient, settings: Settings) -> XAPIClient:
    """An xAPI client holding a credential with the `all` scope."""
    key, secret = create_test_credential(settings, ALL_SCOPES)
    return XAPIClient(app_client, key, secret)


@pytest.fixture
def make_client(app_client: TestClient, settings: Settings):  # type: ignore[no-untyped-def]
    """Build more clients with other scopes: `make_client(["statements/read/mine"])`."""

    def build(scopes: list[str], name: str = "test client") -> XAPIClient:
        key, secret = create_test_credential(settings, scopes, name=name)
        return XAPIClient(app_client, key, secret)

    return build


@pytest.fixture
def org(settings: Settings) -> dict[str, str | None]:
    """The directory holds `factories.ORG_CHART`; returns it (person_id -> manager_id)."""
    from tests.factories import ORG_CHART

    create_test_people(settings)
    return ORG_CHART


@pytest.fixture
def as_account(app_client: TestClient, settings: Settings):  # type: ignore[no-untyped-def]
    """Clients signed in as new accounts: `as_account(["manager"], person_id="E2")`, or
    `as_account(["admin"], via="token")` for an API token."""

    def build(roles: list[str], **kw: Any) -> APIClient:
        return client_as(app_client, settings, roles, **kw)

    return build


@pytest.fixture(scope="module", params=BOTH)
def demo_org(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoOrg]:
    """The demo company, small, loaded once per test module on each database."""
    with fresh_database(request.param, tmp_path_factory.mktemp("demo")) as url:
        yield build_demo_org(url)


@pytest.fixture(scope="module")
def demo_client(demo_org: DemoOrg) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_org.url))) as client:
        yield client
