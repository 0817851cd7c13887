"""`proficio progress show|explain|team|cohort|rebuild|refresh` and `proficio frameworks
load|import-case|list|show`, `proficio plans load|show`.

The reading commands run as an administrator of this database (whoever can run the CLI can
read the database file); they print what the JSON API returns, or a short table.
"""

from __future__ import annotations

import getpass
import json
import time
from pathlib import Path
from typing import Any

import click
import yaml

from proficio.auth.permissions import Actor, Role
from proficio.capture.profile import Profile
from proficio.clitools import DB_OPTION, CLIGroup, open_database, settings_from
from proficio.errors import BadRequest
from proficio.lrs.timestamps import iso_from_us
from proficio.progress import views
from proficio.progress.case import framework_from_case, read_case_file
from proficio.progress.judging import drain
from proficio.progress.loading import load_and_audit
from proficio.progress.plans import load_plans
from proficio.progress.service import Frameworks, now_us, rebuild
from proficio.runtime import tune_runtime
from proficio.storage import progress as store
from proficio.storage.database import Database

CLI_ACTOR = Actor(
    account_id=0, email="cli", person_id=None, roles=frozenset({Role.ADMIN}), grants=frozenset()
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _profile(db: str | None) -> Profile:
    return Profile(settings_from(database_url=db).profile_namespace)


def _read(database: Database, profile: Profile, fn: Any) -> Any:
    frameworks = Frameworks(profile)
    return database.read_sync(lambda c: fn(c, frameworks.current(c)))


def _by() -> str:
    return f"cli:{getpass.getuser()}"


@click.group(cls=CLIGroup)
def progress() -> None:
    """Learners' levels per competency: show, explain, team and cohort views, rebuild."""


@progress.command("show")
@click.argument("person")
@JSON_OPTION
@DB_OPTION
def progress_show(person: str, as_json: bool, db: str | None = None) -> None:
    """A person's level in every competency, and what is missing for the next."""
    with open_database(db) as database:
        view = _read(
            database,
            _profile(db),
            lambda c, fws: views.person_progress(
                c, actor=CLI_ACTOR, person_id=person, frameworks=fws, at_us=now_us()
            ),
        )
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    click.echo(f"{view['person']['name']} ({person}): {view['summary']}")
    for framework in view["frameworks"]:
        click.echo(f"\n{framework['name']}")
        for c in framework["competencies"]:
            missing = "; ".join(c["missing"]) or "top level reached"
            click.echo(f"  {c['name']:<36} {c['level']['name']:<12} next: {missing}")


@progress.command("explain")
@click.argument("person")
@click.argument("competency")
@JSON_OPTION
@DB_OPTION
def progress_explain(person: str, competency: str, as_json: bool, db: str | None = None) -> None:
    """Why a person is at their level in one competency: each level's rule, branch by branch,
    with the statements behind it, and the history of changes."""
    with open_database(db) as database:
        view = _read(
            database,
            _profile(db),
            lambda c, fws: views.person_progress(
                c,
                actor=CLI_ACTOR,
                person_id=person,
                frameworks=fws,
                at_us=now_us(),
                competency_id=competency,
            ),
        )
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    c = view["frameworks"][0]["competencies"][0]
    click.echo(f"{view['person']['name']}, {c['name']}: {c['level']['name']}")
    for level in c["levels"]:
        mark = "held" if level["held"] else "not yet"
        click.echo(f"  {level['name']} ({mark})")
        _print_branch(level, indent=4)
    click.echo("History:")
    for change in c["history"] or [{"at": "-", "from": "-", "to": "-", "cause": "no changes"}]:
        gap = f", back after {change['gap_days']} days" if change.get("gap_days") else ""
        click.echo(f"  {change['at']}  {change['from']} -> {change['to']} ({change['cause']}{gap})")


def _print_branch(outcome: dict[str, Any], *, indent: int) -> None:
    children = outcome.get("children")
    if children is None:
        mark = "✓" if outcome["held"] else "✗"
        click.echo(" " * indent + f"{mark} {outcome['label']}")
        return
    for child in children:
        _print_branch(child, indent=indent)


def _group_command(kind: str, argument: str, help_text: str) -> click.Command:
    @click.argument(argument)
    @click.option("--stalled-days", default=21, show_default=True, help="Days without change.")
    @JSON_OPTION
    @DB_OPTION
    def command(stalled_days: int, as_json: bool, db: str | None = None, **kwargs: str) -> None:
        with open_database(db) as database:
            view = _read(
                database,
                _profile(db),
                lambda c, fws: views.group_progress(
                    c,
                    actor=CLI_ACTOR,
                    kind=kind,
                    group_id=kwargs[argument],
                    frameworks=fws,
                    at_us=now_us(),
                    stalled_days=stalled_days,
                ),
            )
        if as_json:
            click.echo(json.dumps(view, indent=2))
            return
        group = view["group"]
        click.echo(f"{group['name']}: {group['size']} people, as of {view['as_of']}")
        for c in view["competencies"]:
            counts = " ".join(f"{d['level'][:4]}={d['people']}" for d in c["distribution"])
            share = f"{c['completion']:.0%}" if c["completion"] is not None else "-"
            click.echo(f"  {c['name']:<36} {counts}  at {c['target']['level']}+: {share}")
        click.echo(f"  stalled {view['stalled_days']}+ days: {view['stalled']['count']} people")

    command.__doc__ = help_text
    return click.command(kind)(command)


for _kind, _argument, _help in (
    ("team", "manager", "Level distribution of a manager's reporting line, per competency."),
    ("cohort", "cohort", "Level distribution of a cohort, movement since its start, stalls."),
    ("role", "role", "Level distribution of the active people in a role."),
    ("department", "department", "Level distribution of the active people in a department."),
    ("workflow", "workflow", "Level distribution of the people who applied AI to a workflow."),
):
    progress.add_command(_group_command(_kind, _argument, _help))


@progress.command("rebuild")
@click.option(
    "--from-statements", is_flag=True, help="Extract the evidence from the statements afresh too."
)
@DB_OPTION
def progress_rebuild(from_statements: bool, db: str | None = None) -> None:
    """Judge everyone's levels and history from scratch (the same result as the incremental
    path gives)."""
    profile = _profile(db)
    started = time.perf_counter()
    with open_database(db) as database, database.transaction() as tx:
        tune_runtime()  # judging allocates millions of short-lived objects (`runtime`)
        frameworks = Frameworks(profile).current(tx.conn)
        people = rebuild(
            tx.conn, frameworks=frameworks, at_us=now_us(), from_statements=from_statements
        )
    click.echo(f"judged {people:,} people in {time.perf_counter() - started:.1f} s")


@progress.command("refresh")
@DB_OPTION
def progress_refresh(db: str | None = None) -> None:
    """Judge now everyone queued, or whose evidence aged out (the server does it by itself)."""
    with open_database(db) as database:
        done = drain(database, profile=_profile(db))
    click.echo(f"judged {done:,} people")


@click.group(cls=CLIGroup)
def frameworks() -> None:
    """Competency frameworks: load (YAML or JSON), import from CASE 1.1, list, show."""


@frameworks.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@DB_OPTION
def frameworks_load(file: Path, db: str | None = None) -> None:
    """Check and store a framework file; a wrong file changes nothing."""
    _load(db, _document(file), source=str(file))


@frameworks.command("import-case")
@click.argument("file", type=click.Path(path_type=Path))
@DB_OPTION
def frameworks_import_case(file: Path, db: str | None = None) -> None:
    """Import a 1EdTech CASE 1.1 package (CFDocument, CFItems, CFAssociations) as a framework;
    its competencies are listed, not assessed, until rules are added."""
    _load(db, framework_from_case(read_case_file(file)), source=f"CASE 1.1 {file}")


def _document(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadRequest(f"cannot be read ({exc.strerror})", field=str(file)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadRequest(f"is not valid YAML or JSON ({exc})", field=str(file)) from None
    except RecursionError:
        raise BadRequest("nests too deeply", field=str(file)) from None


def _load(db: str | None, document: Any, *, source: str) -> None:
    profile = _profile(db)
    with open_database(db) as database:
        framework, replaced = load_and_audit(
            database, document=document, profile=profile, actor=_by(), source=source
        )
        judged = drain(database, profile=profile)
    verb = "replaced" if replaced else "loaded"
    assessed = len(framework.assessed)
    click.echo(
        f"{verb} {framework.id} version {framework.version}: {len(framework.competencies)} "
        f"competencies ({assessed} assessed); levels judged for {judged:,} people"
    )


@frameworks.command("list")
@JSON_OPTION
@DB_OPTION
def frameworks_list(as_json: bool, db: str | None = None) -> None:
    """The frameworks stored."""
    with open_database(db) as database:
        rows = database.read_sync(store.framework_rows)
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['framework_id']}  v{row['version']}  {row['name']}  ({row['loaded_at']})")


@frameworks.command("show")
@click.argument("framework_id")
@DB_OPTION
def frameworks_show(framework_id: str, db: str | None = None) -> None:
    """A stored framework's document, as YAML."""
    with open_database(db) as database:
        document = database.read_sync(lambda c: store.framework_document(c, framework_id))
    if document is None:
        raise BadRequest(f"no framework {framework_id!r} is stored", field="framework_id")
    click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


@click.group(cls=CLIGroup)
def plans() -> None:
    """Target levels per role or cohort, and by when."""


@plans.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@DB_OPTION
def plans_load(file: Path, db: str | None = None) -> None:
    """Replace the plans with a plans file (docs/frameworks.md); a wrong file changes nothing."""
    document = _document(file)
    profile = _profile(db)
    with open_database(db) as database, database.transaction() as tx:
        found = load_plans(
            tx.conn,
            document=document,
            frameworks=Frameworks(profile).current(tx.conn),
            at=iso_from_us(now_us()),
        )
    click.echo(f"{len(found)} plans loaded")
