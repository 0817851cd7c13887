"""AI-tool usage exports, in the two shapes vendors give them.

`daily`: one row per person, tool and day, saying whether they were active and how much.
`last_activity`: one row per person with, for each app, the date they last used it (as
Microsoft 365's Copilot usage report does); each date becomes one `used` statement, so a later
report with a newer date adds a statement and one with the same date adds nothing.
"""

from __future__ import annotations

import datetime as dt

from proficio.capture import fields as f
from proficio.capture.mapping import Mapping
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

DAILY_FIELDS = (
    f.Field("person", f.text, "the user", layout="person"),
    f.Field("date", f.date, "the day", layout="date"),
    f.Field("tool", f.text, "the AI tool's name"),
    f.Field("active", f.boolean, "whether they used it that day", layout="yes or no"),
    f.optional("sessions", f.integer(0), "sessions that day", layout="whole number"),
    f.optional("prompts", f.integer(0), "prompts sent that day", layout="whole number"),
    f.optional("features", f.items, "features used (chat; summarise; ...)", layout="list"),
    f.Field("approved", f.boolean, "whether the tool is approved", layout="yes or no"),
)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _used(
    row: Row, b: StatementBuilder, *, tool: str, approved: bool, day: dt.date, **counts: object
) -> Statement:
    result = b.extensions(counts)
    return b.statement(
        row,
        actor=b.agent(row["person"]),
        verb="used",
        object=b.activity("ai-tool", tool, name=tool),
        timestamp=_midnight(day),
        result={"extensions": result} if result else None,
        context={"extensions": b.extensions({"tool": tool, "approved-tool": approved})},
    )


def build_daily(row: Row, b: StatementBuilder) -> list[Statement]:
    if not row["active"]:
        return []  # an inactive day is the absence of use: nothing to record
    return [
        _used(
            row,
            b,
            tool=row["tool"],
            approved=row["approved"],
            day=row["date"],
            sessions=row.get("sessions"),
            prompts=row.get("prompts"),
            features=row.get("features"),
        )
    ]


LAST_ACTIVITY_FIELDS = (
    f.Field("person", f.text, "the user", layout="person"),
    f.Field("as_of", f.date, "the date the report was produced", layout="date"),
)


def _app_fields(mapping: Mapping) -> tuple[f.Field, ...]:
    return tuple(
        f.Field(
            f"app:{app.name}",
            f.date,
            f"last use of {app.name}",
            column_required=True,
            value_required=False,
            layout="date",
            column=app.column,
        )
        for app in mapping.apps
    )


def check_last_activity(row: Row) -> None:
    for name, day in row.values.items():
        if name.startswith("app:") and day > row["as_of"]:
            raise f.Invalid(name, f"{day} is after the report's date {row['as_of']}")


def build_last_activity(row: Row, b: StatementBuilder) -> list[Statement]:
    statements = []
    for app in b.mapping.apps:
        day = row.get(f"app:{app.name}")
        if day is None:
            continue  # never used
        statements.append(_used(row, b, tool=app.name, approved=app.approved, day=day))
    return statements


DAILY = Source(
    kind="usage",
    shape="daily",
    title="AI-tool usage, one row per person per day",
    about="One row per person, tool and day. Active days become `used` statements with the day's "
    "sessions, prompts and features; an inactive day is the absence of use and stores nothing. "
    "A single-tool export without a tool column sets `values: {tool: ..., approved: yes}`.",
    fields=DAILY_FIELDS,
    build=build_daily,
)
LAST_ACTIVITY = Source(
    kind="usage",
    shape="last_activity",
    title="AI-tool usage, one row per person with a last-activity date per app",
    about="Reports such as Microsoft 365's Copilot usage give one row per person with, for each "
    "app, the date of their last activity. The mapping lists the apps and their columns; each "
    "date becomes a `used` statement on that day, so a weekly report with a newer date adds a "
    "statement and one with the same date adds nothing. A date after the report's is refused.",
    fields=LAST_ACTIVITY_FIELDS,
    build=build_last_activity,
    check=check_last_activity,
    extra_fields=_app_fields,
)
