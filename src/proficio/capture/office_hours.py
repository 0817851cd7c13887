"""Office-hour questions: who asked (or an anonymous asker), what, about which topics, and who
answered. An answer is also a `helped` statement about the person who gave it (Leadership)."""

from __future__ import annotations

from proficio.capture import fields as f
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

FIELDS = (
    f.Field(
        "person",
        f.text,
        "who asked; empty for an anonymous question",
        value_required=False,
        layout="person",
    ),
    f.Field("question", f.text, "the question, as asked"),
    f.optional("topics", f.items, "topic tags (data-rules; prompting; ...)", layout="list"),
    f.Field("date", f.timestamp, "when", layout="date-time or date"),
    f.optional("answered_by", f.text, "who answered it", layout="person"),
)


def check(row: Row) -> None:
    if row.get("answered_by") is not None and row.get("answered_by") == row.get("person"):
        raise f.Invalid("answered_by", "a person cannot answer their own question")


def build(row: Row, b: StatementBuilder) -> list[Statement]:
    day = row["date"].date().isoformat()
    session = b.activity("meeting", "office-hours", day, name=f"Office hours {day}")
    asker = b.agent(row.get("person"))
    question = b.statement(
        row,
        actor=asker,
        verb="asked",
        object=session,
        timestamp=row["date"],
        result={"response": row["question"]},
        context={"extensions": b.extensions({"topics": row.get("topics")})},
    )
    helper = row.get("answered_by")
    if helper is None:
        return [question]
    answer = b.statement(
        row,
        actor=b.agent(helper),
        verb="helped",
        object=asker,
        timestamp=row["date"],
        result={"response": row["question"]},
        context={
            "contextActivities": {"parent": [session]},
            "extensions": b.extensions({"topics": row.get("topics")}),
        },
    )
    return [question, answer]


SOURCE = Source(
    kind="office-hours",
    about=(
        "One row per question. An empty `person` is an anonymous asker. When "
        "`answered_by` names a colleague, a second statement says they `helped` the "
        "asker: Leadership evidence."
    ),
    title="Office-hour questions",
    fields=FIELDS,
    build=build,
    check=check,
    person_fields=("person", "answered_by"),
)
