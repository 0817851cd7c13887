"""Manager observations: a manager saw a person show (or not yet show) a behaviour."""

from __future__ import annotations

from typing import Any

from proficio.capture import fields as f
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

FIELDS = (
    f.Field("person", f.text, "who was observed", layout="person"),
    f.Field("observer", f.text, "who observed (usually their manager)", layout="person"),
    f.Field("behaviour", f.text, "the behaviour, e.g. reviews-outputs"),
    f.Field("rating", f.integer(1, 5), "how well it was shown", layout="1-5"),
    f.optional("note", f.text, "what the observer noted"),
    f.Field("date", f.timestamp, "when", layout="date-time or date"),
)


def check(row: Row) -> None:
    if row["observer"] == row["person"]:
        raise f.Invalid("observer", "a person cannot observe themself")


def build(row: Row, b: StatementBuilder) -> list[Statement]:
    result: dict[str, Any] = {"score": {"raw": row["rating"], "min": 1, "max": 5}}
    if row.get("note"):
        result["response"] = row["note"]
    return [
        b.statement(
            row,
            actor=b.agent(row["person"]),
            verb="demonstrated",
            object=b.activity("behaviour", row["behaviour"], name=row["behaviour"]),
            timestamp=row["date"],
            result=result,
            context={"instructor": b.agent(row["observer"])},
        )
    ]


SOURCE = Source(
    kind="observation",
    about=(
        "One row per observation: a manager (the `observer`, who must be in the "
        "directory) saw a person show a behaviour, rated 1 to 5. The observer is "
        "`context.instructor`."
    ),
    title="Manager observations",
    fields=FIELDS,
    build=build,
    check=check,
    person_fields=("person", "observer"),
)
