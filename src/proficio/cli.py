"""The `proficio` command: serve (the default), db upgrade, credentials create/list/revoke,
accounts create/list/set-roles/disable, tokens create/list/revoke, import (hris, cohorts,
sensitive, and one command per statement source), identities
list-unlinked/resolve/show/link/merge/split, and the progress engine's groups (`progress`,
`frameworks`, `plans`, in `proficio.progress.commands`).

Domain errors become one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from proficio.auth import accounts as account_service
from proficio.auth import credentials as credential_service
from proficio.auth import tokens as token_service
from proficio.clitools import DB_OPTION, CLIGroup, open_database, settings_from
from proficio.errors import ConfigError, ProficioError
from proficio.settings import Settings


@click.group(cls=CLIGroup, invoke_without_command=True)
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
    _run_server(settings_from(database_url=db, host=host, port=port))


def _run_server(settings: Settings, *, before: Callable[[], None] | None = None) -> None:
    import uvicorn

    from proficio.app import create_app
    from proficio.runtime import tune_runtime

    with open_database(settings.database_url):
        pass  # migrations applied before the server accepts a request
    app = create_app(
        settings.model_copy(update={"migrate_on_start": False}), writer_start_method="spawn"
    )
    tune_runtime()
    if before is not None:
        before()
    click.echo(f"Proficio on http://{settings.host}:{settings.port} ({settings.database_url})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


DEMO_DB = "proficio-demo.db"


@main.command()
@DB_OPTION
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same company.")
@click.option(
    "--people",
    type=click.IntRange(100, 100_000),
    default=1500,
    show_default=True,
    help="Headcount of the company.",
)
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8000).")
@click.option("--no-serve", is_flag=True, help="Load the demo and print its sign-ins, then stop.")
def demo(
    db: str | None,
    seed: int,
    people: int,
    host: str | None,
    port: int | None,
    no_serve: bool,
) -> None:
    """Start Proficio on the demo organisation (loaded on the first run; default database
    proficio-demo.db), printing one sign-in per role with a fresh password."""
    from proficio.demo.build import build_demo, demo_sign_ins, has_people, is_demo

    url = db or os.environ.get("PROFICIO_DATABASE_URL") or DEMO_DB
    settings = settings_from(database_url=url, host=host, port=port)
    with open_database(settings.database_url) as database:
        if not has_people(database):
            click.echo(f"loading the demo organisation (seed {seed}); this takes a minute...")
            build_demo(
                database,
                settings=settings,
                seed=seed,
                people=people,
                today=datetime.now(UTC).date(),
                say=lambda line: click.echo(f"  {line}"),
            )
        elif not is_demo(database):
            raise ConfigError(
                "holds an organisation that is not the demo's: start it with `proficio serve`",
                field="--db",
            )
        sign_ins = demo_sign_ins(database)

    def show() -> None:
        click.echo("Sign in at /sign-in as any of these (new passwords at every start):")
        for s in sign_ins:
            who = f"person {s.person_id}" if s.person_id else "no person"
            click.echo(f"  {s.role:<11} {s.email:<42} {s.password}  ({', '.join(s.roles)}; {who})")

    if no_serve:
        show()
        return
    _run_server(settings, before=show)


@main.group(cls=CLIGroup)
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@DB_OPTION
def db_upgrade(db: str | None = None) -> None:
    """Apply every pending migration."""
    with open_database(db) as database:
        click.echo(f"database at the latest schema ({database.dialect})")


@main.group(cls=CLIGroup)
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
    settings = settings_from(database_url=db)
    with open_database(db) as database, database.transaction() as tx:
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
    with open_database(db) as database, database.transaction() as tx:
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
    with open_database(db) as database, database.transaction() as tx:
        credential_service.revoke_credential(tx.conn, key=key)
    click.echo(f"revoked {key}")


def _split(values: str) -> list[str]:
    return [v for v in values.replace(",", " ").split() if v]


ROLES_HELP = "Comma-separated roles: learner, manager, enablement, compliance, admin."


@main.group(cls=CLIGroup)
def accounts() -> None:
    """Accounts people sign in with, and their roles (docs/accounts.md)."""


@accounts.command("create")
@click.option("--email", required=True, help="The login; one account per email.")
@click.option("--roles", required=True, help=ROLES_HELP)
@click.option("--person-id", help="The person in the directory (needed by learner and manager).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input; otherwise one is generated and printed once.",
)
@click.option(
    "--grant",
    "grants",
    multiple=True,
    help="An explicit grant no role implies: people:read_sensitive. Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the account as JSON.")
@DB_OPTION
def accounts_create(
    email: str,
    roles: str,
    person_id: str | None,
    password_stdin: bool,
    grants: tuple[str, ...],
    as_json: bool,
    db: str | None = None,
) -> None:
    """Create an account; prints a generated password once unless --password-stdin."""
    from proficio.auth.passwords import generate_password

    if password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
        if not password:
            raise ConfigError("no password on standard input", field="--password-stdin")
    else:
        password = generate_password()
    with open_database(db) as database, database.transaction() as tx:
        account = account_service.create_account(
            tx.conn,
            email=email,
            password=password,
            roles=_split(roles),
            person_id=person_id,
            grants=list(grants),
        )
    shown = None if password_stdin else password
    if as_json:
        click.echo(json.dumps({**account.to_dict(), "password": shown}))
        return
    click.echo(f"account {account.email}: {', '.join(account.roles)}")
    if shown:
        click.echo(f"password: {shown}\n(the password is not shown again)")


@accounts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@DB_OPTION
def accounts_list(as_json: bool, db: str | None = None) -> None:
    """List accounts with their roles and grants (never their passwords)."""
    with open_database(db) as database, database.transaction() as tx:
        rows = account_service.list_accounts(tx.conn)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows]))
        return
    for r in rows:
        state = f"disabled {r.disabled_at}" if r.disabled_at else "active"
        extra = f"  grants {','.join(r.grants)}" if r.grants else ""
        person = r.person_id or "-"
        click.echo(f"{r.email}  {','.join(r.roles)}  person {person}  {state}{extra}")


@accounts.command("set-roles")
@click.option("--email", required=True, help="The account's email.")
@click.option("--roles", required=True, help=ROLES_HELP + " Replaces the current roles.")
@DB_OPTION
def accounts_set_roles(email: str, roles: str, db: str | None = None) -> None:
    """Replace an account's roles."""
    with open_database(db) as database, database.transaction() as tx:
        account = account_service.set_roles(tx.conn, email=email, roles=_split(roles))
    click.echo(f"account {account.email}: {', '.join(account.roles)}")


@accounts.command("disable")
@click.option("--email", required=True, help="The account's email.")
@DB_OPTION
def accounts_disable(email: str, db: str | None = None) -> None:
    """Disable an account: it can no longer sign in and its sessions and tokens stop working."""
    with open_database(db) as database, database.transaction() as tx:
        account = account_service.disable_account(tx.conn, email=email)
    click.echo(f"disabled {account.email}")


@accounts.command("enable")
@click.option("--email", required=True, help="The account's email.")
@DB_OPTION
def accounts_enable(email: str, db: str | None = None) -> None:
    """Let a disabled account sign in again (e.g. a leaver who rejoined)."""
    with open_database(db) as database, database.transaction() as tx:
        account = account_service.enable_account(tx.conn, email=email)
    click.echo(f"enabled {account.email}")


@main.group(cls=CLIGroup)
def tokens() -> None:
    """API tokens for scripts: `Authorization: Bearer <token>` on Proficio's own APIs."""


@tokens.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="Who or what uses the token.")
@click.option("--expires-days", type=float, help="Days until the token expires (default: never).")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ..., "token": ...}.')
@DB_OPTION
def tokens_create(
    email: str, name: str, expires_days: float | None, as_json: bool, db: str | None = None
) -> None:
    """Create an API token and print it (shown only once)."""
    with open_database(db) as database, database.transaction() as tx:
        new = token_service.create_token(tx.conn, email=email, name=name, expires_days=expires_days)
    if as_json:
        click.echo(json.dumps({"id": new.id, "token": new.token}))
    else:
        click.echo(f"id:    {new.id}\ntoken: {new.token}\n(the token is not shown again)")


@tokens.command("list")
@click.option("--email", help="Only the tokens of this account.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@DB_OPTION
def tokens_list(email: str | None, as_json: bool, db: str | None = None) -> None:
    """List API tokens (never the tokens themselves)."""
    with open_database(db) as database, database.transaction() as tx:
        rows = token_service.list_tokens(tx.conn, email=email)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in rows]))
        return
    for r in rows:
        if r.revoked_at:
            state = f"revoked {r.revoked_at}"
        else:
            state = f"expires {r.expires_at}" if r.expires_at else "active"
        click.echo(f"{r.id}  {r.email}  {r.name}  {state}")


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@DB_OPTION
def tokens_revoke(token_id: int, db: str | None = None) -> None:
    """Revoke an API token by the id `tokens list` shows; it gets 401 from then on."""
    with open_database(db) as database, database.transaction() as tx:
        token_service.revoke_token(tx.conn, token_id=token_id)
    click.echo(f"revoked token {token_id}")


F = TypeVar("F", bound=Callable[..., None])


def _audited(kind: str) -> Callable[[F], F]:
    """Put each run of an import command, done or refused, in the audit log (the statement
    sources do it in `capture.commands`)."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:
            from proficio.audit.log import Outcome
            from proficio.capture.importer import audit_import

            detail: dict[str, Any] = {"file": str(kwargs.get("file"))}
            outcome: Outcome | None = None
            try:
                command(*args, **kwargs)
            except ProficioError as exc:
                outcome, detail = Outcome.FAILED, {**detail, "reason": exc.message[:500]}
                raise
            else:
                outcome = Outcome.SUCCEEDED
            finally:
                if outcome is not None:
                    with open_database(kwargs.get("db")) as database:
                        actor = f"cli:{getpass.getuser()}"
                        audit_import(
                            database.engine, actor=actor, kind=kind, outcome=outcome, detail=detail
                        )

        return cast(F, run)

    return decorate


@main.group("import", cls=CLIGroup)
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
@_audited("hris")
def import_hris(file: Path, mapping: Path | None, as_json: bool, db: str | None = None) -> None:
    """Load an HRIS roster (CSV): add, update and mark leavers; all or nothing."""
    from proficio.people.directory import apply_roster
    from proficio.people.roster import RosterMapping, read_roster

    rows = read_roster(file, RosterMapping.load(mapping) if mapping else RosterMapping())
    settings = settings_from(database_url=db)
    with open_database(db) as database, database.transaction() as tx:
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
    if report.accounts_disabled:
        click.echo(f"  accounts disabled (leavers): {', '.join(report.accounts_disabled)}")


def _import_command(kind: str, title: str) -> click.Command:
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option(
        "--mapping",
        type=click.Path(path_type=Path),
        help="YAML file naming the export's columns (docs/imports.md).",
    )
    @click.option(
        "--skip-invalid",
        is_flag=True,
        help="Store the good rows and write the bad ones to the reject file.",
    )
    @click.option(
        "--reject-file",
        type=click.Path(path_type=Path),
        help="Where refused rows go, with their problems (default: FILE.rejected.csv/.jsonl "
        "with --skip-invalid).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @DB_OPTION
    def command(
        file: Path,
        mapping: Path | None,
        skip_invalid: bool,
        reject_file: Path | None,
        as_json: bool,
        db: str | None = None,
    ) -> None:
        from proficio.capture.commands import run_import

        report = run_import(
            settings=settings_from(database_url=db),
            kind=kind,
            path=file,
            mapping_path=mapping,
            skip_invalid=skip_invalid,
            reject_file=reject_file,
            show_progress=not as_json,
        )
        if as_json:
            click.echo(json.dumps(report.to_dict()))
            return
        click.echo(
            f"{file.name}: {report.rows:,} rows, {report.rejected_rows:,} refused; "
            f"{report.statements:,} statements: {report.stored:,} stored, "
            f"{report.already_stored:,} already stored"
        )
        if report.reject_file:
            click.echo(f"refused rows, with their problems: {report.reject_file}")

    command.__doc__ = f"Import {title} as statements; all or nothing unless --skip-invalid."
    return click.command(kind)(command)


def _add_import_commands() -> None:
    from proficio.capture.sources import all_sources

    titles: dict[str, str] = {}
    for source in all_sources():
        titles.setdefault(source.kind, source.title.split(",")[0])
    for kind, title in titles.items():
        import_.add_command(_import_command(kind, title[0].lower() + title[1:]))


_add_import_commands()


@import_.command("cohorts")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@DB_OPTION
@_audited("cohorts")
def import_cohorts(file: Path, as_json: bool, db: str | None = None) -> None:
    """Load cohorts (YAML or JSON, docs/import-cohorts.md): add or update them and their
    members; all or nothing."""
    from proficio.capture.commands import cli_authority
    from proficio.capture.enrolments import record_enrolments
    from proficio.capture.profile import Profile
    from proficio.people.cohort_file import read_cohort_file
    from proficio.people.cohorts import apply_cohorts

    settings = settings_from(database_url=db)
    cohorts = read_cohort_file(file)
    with open_database(db) as database, database.transaction() as tx:
        report = apply_cohorts(tx.conn, cohorts=cohorts, today=datetime.now(UTC).date())
        registered = record_enrolments(
            tx,
            cohorts=cohorts,
            path=file,
            profile=Profile(settings.profile_namespace),
            home_page=settings.public_url,
            authority=cli_authority(settings),
        )
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "registered": registered}))
        return
    click.echo(
        f"{len(cohorts)} cohorts in the file: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged; "
        f"{registered} new enrolment statements"
    )
    for cohort_id, change in report.updated.items():
        listed = [f"{name} {old!r} → {new!r}" for name, (old, new) in change.changes.items()]
        listed += [f"+{p}" for p in change.members_added]
        listed += [f"-{p}" for p in change.members_removed]
        click.echo(f"  {cohort_id}: {', '.join(listed)}")


@import_.command("sensitive")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="YAML file naming the person, consent and attribute columns (docs/import-sensitive.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@DB_OPTION
@_audited("sensitive")
def import_sensitive(
    file: Path, mapping: Path | None, as_json: bool, db: str | None = None
) -> None:
    """Load sensitive attributes given with consent (CSV); a row without consent refuses the
    whole file. Replaces the attributes of each listed person."""
    from proficio.people.sensitive import SensitiveMapping, apply_sensitive, read_sensitive

    loaded = SensitiveMapping.load(mapping) if mapping else SensitiveMapping()
    records = read_sensitive(file, loaded)
    with open_database(db) as database, database.transaction() as tx:
        report = apply_sensitive(
            tx.conn,
            records=records,
            mapping=loaded,
            source=loaded.source or file.name,
            now=datetime.now(UTC),
        )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    click.echo(
        f"{report.people} people, {report.attributes} attributes stored "
        f"({len(report.replaced)} people's earlier attributes replaced)"
    )


@main.group(cls=CLIGroup)
def identities() -> None:
    """Which person each xAPI actor is: links, merges and splits (docs/identities.md)."""


IDENTIFIER_HELP = (
    "An actor identifier: mbox:mailto:EMAIL, mbox_sha1sum:HEX, openid:URL or account:HOMEPAGE|NAME."
)
BY_OPTION = click.option("--by", required=True, help="Who does it (recorded).")
REASON_OPTION = click.option("--reason", required=True, help="Why (recorded).")


@identities.command("list-unlinked")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@DB_OPTION
def identities_list_unlinked(as_json: bool, db: str | None = None) -> None:
    """List the actor identifiers seen in statements that no person holds."""
    from proficio.people.identities import unlinked_identifiers

    with open_database(db) as database:
        found = database.read_sync(unlinked_identifiers)
    click.echo(json.dumps(found) if as_json else "\n".join(found) or "every actor is linked")


@identities.command("resolve")
@click.option(
    "--account-home-page",
    "home_pages",
    multiple=True,
    help="Match accounts on this homePage whose name is a person id or email (repeatable).",
)
@click.option("--no-email", is_flag=True, help="Do not match mbox and mbox_sha1sum by email.")
@click.option("--by", default="rules", show_default=True, help="Recorded as who linked.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@DB_OPTION
def identities_resolve(
    home_pages: tuple[str, ...], no_email: bool, by: str, as_json: bool, db: str | None = None
) -> None:
    """Link the unlinked identifiers that a rule matches to exactly one person."""
    from proficio.people.identities import (
        ResolutionRules,
        resolve_identifiers,
        unlinked_identifiers,
    )

    rules = ResolutionRules(by_email=not no_email, account_home_pages=frozenset(home_pages))
    with open_database(db) as database, database.transaction() as tx:
        report = resolve_identifiers(
            tx.conn, identifiers=unlinked_identifiers(tx.conn), rules=rules, by=by
        )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    click.echo(f"{len(report.linked)} linked, {len(report.ambiguous)} matching several people")
    for identifier, person in report.linked.items():
        click.echo(f"  {identifier} → {person}")


@identities.command("show")
@click.option("--person", required=True, help="The person's id.")
@click.option("--json", "as_json", is_flag=True, help="Print identifiers and events as JSON.")
@DB_OPTION
def identities_show(person: str, as_json: bool, db: str | None = None) -> None:
    """List a person's identifiers and the merges, splits and links that involved them."""
    from proficio.people.identities import ensure_person, identifiers_of, identity_events

    with open_database(db) as database:
        database.read_sync(lambda conn: ensure_person(conn, person_id=person))
        held = database.read_sync(lambda conn: identifiers_of(conn, person))
        events = database.read_sync(lambda conn: identity_events(conn, person))
    if as_json:
        body = {
            "identifiers": [{s: getattr(r, s) for s in r.__slots__} for r in held],
            "events": [{s: getattr(e, s) for s in e.__slots__} for e in events],
        }
        click.echo(json.dumps(body))
        return
    for r in held:
        click.echo(f"{r.identifier}  ({r.linked_how} by {r.linked_by}, {r.linked_at})")
    for e in events:
        click.echo(
            f"{e.at} {e.kind} {e.from_person or ''} → {e.to_person} by {e.by}: "
            f"{', '.join(e.identifiers)} {e.reason}"
        )


@identities.command("link")
@click.option("--person", required=True, help="The person's id.")
@click.option("--identifier", required=True, help=IDENTIFIER_HELP)
@click.option("--by", help="Who links it (recorded; default: your user name).")
@DB_OPTION
def identities_link(person: str, identifier: str, by: str | None, db: str | None = None) -> None:
    """Link an unlinked identifier to a person by hand."""
    from proficio.people.identities import link_identifier

    with open_database(db) as database, database.transaction() as tx:
        linked = link_identifier(
            tx.conn, person_id=person, identifier=identifier, by=by or getpass.getuser()
        )
    click.echo(f"linked to {person}" if linked else f"{person} holds it already")


@identities.command("merge")
@click.option("--keep", required=True, help="The person who stays.")
@click.option("--absorb", required=True, help="The person merged into --keep (kept, marked).")
@BY_OPTION
@REASON_OPTION
@DB_OPTION
def identities_merge(keep: str, absorb: str, by: str, reason: str, db: str | None = None) -> None:
    """Merge two records of one person: every identifier of --absorb moves to --keep."""
    from proficio.people.identities import merge_people

    with open_database(db) as database, database.transaction() as tx:
        event = merge_people(tx.conn, keep=keep, absorb=absorb, by=by, reason=reason)
    click.echo(f"merged {absorb} into {keep}: {len(event.identifiers)} identifiers moved")


@identities.command("split")
@click.option("--person", required=True, help="The person who holds the identifiers now.")
@click.option("--identifier", "identifiers", required=True, multiple=True, help=IDENTIFIER_HELP)
@click.option("--to", "to_person", help="The person they move to (default: a new person).")
@BY_OPTION
@REASON_OPTION
@DB_OPTION
def identities_split(
    person: str,
    identifiers: tuple[str, ...],
    to_person: str | None,
    by: str,
    reason: str,
    db: str | None = None,
) -> None:
    """Move identifiers (and so their statements, and only theirs) to another person."""
    from proficio.people.identities import split_identifiers

    with open_database(db) as database, database.transaction() as tx:
        event = split_identifiers(
            tx.conn,
            person_id=person,
            identifiers=list(identifiers),
            to_person=to_person,
            by=by,
            reason=reason,
        )
    click.echo(f"moved {len(event.identifiers)} identifiers from {person} to {event.to_person}")


def _add_progress_commands() -> None:
    from proficio.progress.commands import frameworks, plans, progress

    for group in (progress, frameworks, plans):
        main.add_command(group)


_add_progress_commands()
