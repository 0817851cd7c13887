"""The compliance page (`/compliance`): who completed which required training when, with the
statements that prove it (ids, timestamps, stored times), filterable by department, cohort,
status and date range; exported as CSV and as a paginated PDF stamped with when it was made
and the filter used.

The date range selects by the completion date, or, for what is not completed, by the due
date: "what was done or due in Q3".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Connection

from proficio.auth.permissions import ORGANISATION, Action, ensure_permission, visible_people
from proficio.errors import BadRequest
from proficio.lrs.timestamps import iso_from_us
from proficio.progress import training
from proficio.storage import cohorts as cohort_store
from proficio.web.pages import Ask, Page, Table, paginate

PAGE_SIZE = 100
FILTERS = ("department", "cohort", "status", "from", "to", "page")


def _date(params: dict[str, str], key: str) -> str | None:
    raw = params.get(key) or ""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadRequest(f"{raw!r} is not a date (YYYY-MM-DD)", field=key) from None


def compliance_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    ensure_permission(conn, ask.actor, Action.TRAINING_RECORDS_READ, ORGANISATION)
    start, end = _date(ask.params, "from"), _date(ask.params, "to")
    if start and end and start > end:
        raise BadRequest(f"{end} is before from ({start})", field="to")
    status = ask.params.get("status", "")
    if status and status not in training.STATUSES:
        raise BadRequest(f"must be one of {', '.join(training.STATUSES)}", field="status")
    department, cohort = ask.params.get("department", ""), ask.params.get("cohort", "")
    among = visible_people(conn, ask.actor, Action.PROGRESS_READ)
    every = ask.training(conn, among)
    departments = sorted({r.department for r in every})
    cohorts = {c.cohort_id: c.name for c in cohort_store.find_cohorts(conn)}
    if department and department not in departments:
        raise BadRequest(
            f"{department!r} is not a department with required training", field="department"
        )
    if cohort and cohort not in cohorts:
        raise BadRequest(f"{cohort!r} is not a cohort", field="cohort")

    def keep(r: training.Record) -> bool:
        return (
            (not department or r.department == department)
            and (not cohort or r.cohort_id == cohort)
            and (not status or r.status == status)
            and (not start or r.day >= start)
            and (not end or r.day <= end)
        )

    rows = list(filter(keep, every))  # in the records' order: department, name, due
    on_page, pagination = paginate(rows, ask, PAGE_SIZE)
    tally = Counter(r.status for r in rows)
    counts = {s: tally[s] for s in training.STATUSES}
    used = {
        "department": department or "all",
        "cohort": cohorts.get(cohort, "all"),
        "status": status or "all",
        "from": start or "any",
        "to": end or "any",
    }
    return {
        "title": "Required training records",
        "generated_at": iso_from_us(ask.at_us),
        "filters": {k: ask.params.get(k, "") for k in FILTERS if k != "page"},
        "filter_used": used,
        "filter_text": "; ".join(f"{k}: {v}" for k, v in used.items()),
        "filter_options": {
            "department": [("", "All departments")] + [(d, d) for d in departments],
            "cohort": [("", "All cohorts"), *sorted(cohorts.items(), key=lambda c: c[1])],
            "status": [("", "Any status")] + [(s, s.capitalize()) for s in training.STATUSES],
        },
        "counts": counts,
        "records": [r.to_json() for r in on_page],
        "pagination": pagination,
        "exports": {
            "csv": ask.link(".csv", page=None),
            "pdf": ask.link(".pdf", page=None),
            "json": ask.link(".json"),
        },
    }


def _table(context: dict[str, Any], _params: dict[str, str]) -> Table:
    header = [
        "person_id",
        "name",
        "department",
        "cohort_id",
        "item",
        "title",
        "due",
        "status",
        "completed_at",
        "statement_ids",
        "statement_timestamps",
        "stored",
    ]
    rows = [
        [
            r["person_id"],
            r["name"],
            r["department"],
            r["cohort_id"],
            r["item"],
            r["title"],
            r["due"],
            r["status"],
            r["completed_at"],
            " ".join(e["statement_id"] for e in r["evidence"]),
            " ".join(e["timestamp"] for e in r["evidence"]),
            " ".join(e["stored"] for e in r["evidence"]),
        ]
        for r in context["records"]
    ]
    return Table("required-training", header, rows)


PAGES = (
    Page(
        "/compliance",
        "compliance.html",
        compliance_page,
        filters=FILTERS,
        view_name="compliance",
        tables=_table,
        pdf="compliance_print.html",
    ),
)
