"""What every `proficio` command group shares: domain errors as one sentence (exit 1), settings
from the environment and options, and the database a command works on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError

from proficio.capture.profile import Profile
from proficio.errors import ConfigError, ProficioError
from proficio.progress.service import ensure_default_framework
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade


class CLIGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProficioError as exc:
            raise click.ClickException(exc.message) from None


def settings_from(**overrides: Any) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(str(first["msg"]), field=field) from None


@contextmanager
def open_database(db: str | None) -> Iterator[Database]:
    settings = settings_from(database_url=db)
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        upgrade(database.engine)
        with database.transaction() as tx:  # the framework Proficio ships with, if none yet
            ensure_default_framework(tx.conn, profile=Profile(settings.profile_namespace))
        yield database
    finally:
        database.close()


DB_OPTION = click.option(
    "--db", help="SQLite file path or postgresql:// URL (default: PROFICIO_DATABASE_URL)."
)
