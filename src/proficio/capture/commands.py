"""`proficio import KIND FILE`: one import from the command line, with a progress bar."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click

from proficio.audit.log import Outcome
from proficio.capture.importer import (
    ImportJob,
    ImportReport,
    Progress,
    audit_import,
    import_file,
)
from proficio.capture.mapping import Mapping
from proficio.capture.profile import Profile
from proficio.capture.reading import is_json_lines
from proficio.capture.rows import People
from proficio.capture.sinks import DatabaseSink
from proficio.capture.sources import source_for
from proficio.errors import ProficioError
from proficio.lrs.handlers import statement_subscribers
from proficio.progress.judging import drain
from proficio.progress.service import ensure_default_framework
from proficio.runtime import tune_runtime
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade


def cli_authority(settings: Settings) -> dict[str, object]:
    """Who imported statements from the command line (their `authority`)."""
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.public_url, "name": "proficio-import"},
    }


def default_reject_file(path: Path) -> Path:
    return path.with_name(
        path.name + (".rejected.jsonl" if is_json_lines(path) else ".rejected.csv")
    )


def run_import(
    *,
    settings: Settings,
    kind: str,
    path: Path,
    mapping_path: Path | None,
    skip_invalid: bool,
    reject_file: Path | None,
    show_progress: bool,
) -> ImportReport:
    mapping = Mapping.load(mapping_path, kind=kind) if mapping_path else Mapping(kind=kind)
    if skip_invalid and reject_file is None:
        reject_file = default_reject_file(path)
    job = ImportJob(
        path=path,
        mapping=mapping,
        profile=Profile(settings.profile_namespace),
        home_page=settings.public_url,
        authority=cli_authority(settings),
        skip_invalid=skip_invalid,
        reject_file=reject_file,
    )
    source_for(kind, mapping.shape)  # an unknown shape fails before anything is opened
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        upgrade(database.engine)
        with database.transaction() as tx:
            ensure_default_framework(tx.conn, profile=job.profile)
        people = database.read_sync(People.load)
        tune_runtime()  # storing allocates millions of short-lived objects (`runtime`)
        subscribers = statement_subscribers(account_home_pages=settings.account_home_pages)
        audit = partial(audit_import, database.engine, actor=f"cli:{getpass.getuser()}", kind=kind)
        try:
            with (
                _progress(path, show_progress) as progress,
                DatabaseSink(database, subscribers=subscribers) as sink,
            ):
                report = import_file(
                    job,
                    people=people,
                    sink=sink,
                    progress=progress,
                    # One core reads and stores while the others turn rows into statements.
                    workers=max(1, (os.cpu_count() or 1) - 1),
                )
        except ProficioError as exc:
            audit(outcome=Outcome.FAILED, detail={"file": str(path), "reason": exc.message[:500]})
            raise
        audit(outcome=Outcome.SUCCEEDED, detail={"file": str(path), **report.to_dict()})
        drain(database, profile=job.profile)  # the levels the new evidence changed
        return report
    finally:
        database.close()


@contextmanager
def _progress(path: Path, show: bool) -> Iterator[Progress | None]:
    """A bar on stderr over both passes (check, then store), when stderr is a terminal."""
    if not show or not sys.stderr.isatty() or not path.is_file():
        yield None
        return
    with click.progressbar(
        length=2 * path.stat().st_size, label=f"importing {path.name}", file=sys.stderr
    ) as bar:
        yield bar.update
