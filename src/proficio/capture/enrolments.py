"""Cohort enrolments as statements: each enrolled member `registered` in their cohort.

Written when a cohort file is imported, in the same transaction, through the statements
handler the xAPI resource uses. The statement's time is the cohort's start and its id comes
from its content, so importing the file again adds nothing; a member removed later keeps the
statement (they were enrolled), and the cohort tables say who is enrolled now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from proficio.capture.mapping import Mapping
from proficio.capture.profile import Profile
from proficio.capture.sources import Row, StatementBuilder
from proficio.errors import ProficioError
from proficio.lrs.statements import prepare_statements, statement_handler
from proficio.people.cohort_file import CohortSpec
from proficio.storage.writer import Tx


def record_enrolments(
    tx: Tx,
    *,
    cohorts: list[CohortSpec],
    path: Path,
    profile: Profile,
    home_page: str,
    authority: dict[str, Any],
) -> int:
    """Store a `registered` statement per member of each cohort; how many were new."""
    builder = StatementBuilder(
        mapping=Mapping(kind="cohorts"),
        profile=profile,
        home_page=home_page,
        file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    statements = []
    for spec in cohorts:
        cohort = builder.activity("cohort", spec.cohort_id, name=spec.name)
        start = dt.date.fromisoformat(spec.start)
        when = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
        row = Row(spec.line or 0, {})
        statements += [
            builder.statement(
                row, actor=builder.agent(member), verb="registered", object=cohort, timestamp=when
            )
            for member in spec.members
        ]
    if not statements:
        return 0
    prepared = prepare_statements(
        statements, authority=authority, version="1.0.3", batch=True, may_define=True
    )
    (outcome,) = statement_handler(skip_stored=True)(tx, [prepared])
    if isinstance(outcome, ProficioError):
        raise outcome
    return len(outcome)
