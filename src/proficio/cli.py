"""The `proficio` command: serve (the default), db upgrade, credentials create/list/revoke,
import hris.

Domain errors become one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from proficio.auth import credentials as credential_service
from proficio.errors import ConfigError, ProficioError
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProficioError as exc:
            raise click.ClickException(exc.message) from None


def _settings(**overrides: Any) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(str(first["msg"]), field=field) from None


@contextmanager
def _database(db: str | None) -> Iterator[Database]:
    settings = _settings(database_url=db)
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        upgrade(database.engine)
        yield database
    finally:
        database.close()


DB_OPTION = click.option(
    "--db", help="SQLite file path or postgresql:// URL (default: PROFICIO_DATABASE_URL)."
)


@click.group(cls=_Group, invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Proficio: a learning record store that measures what people can do."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@DB_OPTION
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8000).")
def serve(db: str | None = None, host: str | None = None, port: int | None = None) -> None:
    """Start the server; applies database migrations first."""
    import uvicorn

    from proficio.app import create_app
    from proficio.runtime import tune_gc

    settings = _settings(database_url=db, host=host, port=port)
    with _database(settings.database_url):
        pass  # migrations applied before the server accepts a request
    app = create_app(
        settings.model_copy(update={"migrate_on_start": False}), writer_start_method="spawn"
    )
    tune_gc()
    click.echo(f"Proficio on http://{settings.host}:{settings.port} ({settings.database_url})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


@main.group(cls=_Group)
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@DB_OPTION
def db_upgrade(db: str | None = None) -> None:
    """Apply every pending migration."""
    with _database(db) as database:
        click.echo(f"database at the latest schema ({database.dialect})")


@main.group(cls=_Group)
def credentials() -> None:
    """API credentials for HTTP Basic auth."""


@credentials.command("create")
@click.option("--name", required=True, help="Who or what uses the credential.")
@click.option(
    "--scopes",
    required=True,
    help="Comma- or space-separated xAPI scopes, e.g. statements/write,statements/read.",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"key": ..., "secret": ...}.')
@DB_OPTION
def credentials_create(name: str, scopes: str, as_json: bool, db: str | None = None) -> None:
    """Create a credential and print its key and secret (shown only once)."""
    scope_list = [s for s in scopes.replace(",", " ").split() if s]
    settings = _settings(database_url=db)
    with _database(db) as database, database.transaction() as tx:
        new = credential_service.create_credential(
            tx.conn, name=name, scopes=scope_list, home_page=settings.public_url
        )
    if as_json:
        click.echo(json.dumps({"key": new.key, "secret": new.secret}))
    else:
        click.echo(f"key:    {new.key}\nsecret: {new.secret}\n(the secret is not shown again)")


@credentials.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@DB_OPTION
def credentials_list(as_json: bool, db: str | None = None) -> None:
    """List credentials (never their secrets)."""
    with _database(db) as database, database.transaction() as tx:
        rows = credential_service.list_credentials(tx.conn)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in rows]))
        return
    for r in rows:
        state = f"revoked {r.revoked_at}" if r.revoked_at else "active"
        click.echo(f"{r.key}  {r.name}  {' '.join(r.scopes)}  {state}")


@credentials.command("revoke")
@click.argument("key")
@DB_OPTION
def credentials_revoke(key: str, db: str | None = None) -> None:
    """Revoke a credential; requests using it get 401 from then on."""
    with _database(db) as database, database.transaction() as tx:
        credential_service.revoke_credential(tx.conn, key=key)
    click.echo(f"revoked {key}")


@main.group("import", cls=_Group)
def import_() -> None:
    """Bring data from other systems into Proficio."""


@import_.command("hris")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="YAML file naming the export's columns (docs/import-hris.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@DB_OPTION
def import_hris(file: Path, mapping: Path | None, as_json: bool, db: str | None = None) -> None:
    """Load an HRIS roster (CSV): add, update and mark leavers; all or nothing."""
    from proficio.people.directory import apply_roster
    from proficio.people.roster import RosterMapping, read_roster

    rows = read_roster(file, RosterMapping.load(mapping) if mapping else RosterMapping())
    settings = _settings(database_url=db)
    with _database(db) as database, database.transaction() as tx:
        report = apply_roster(
            tx.conn, rows=rows, today=datetime.now(UTC).date(), home_page=settings.public_url
        )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    click.echo(
        f"{len(rows)} people in the roster: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.rejoined)} rejoined, "
        f"{len(report.left)} marked as leavers, {report.unchanged} unchanged"
    )
    for person, changes in report.updated.items():
        listed = ", ".join(f"{name} {old!r} → {new!r}" for name, (old, new) in changes.items())
        click.echo(f"  {person}: {listed}")
