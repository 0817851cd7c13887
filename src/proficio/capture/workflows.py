"""Workflow-transfer reports: a person applied AI to a recurring workflow, and how it went."""

from __future__ import annotations

from proficio.capture import fields as f
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

FIELDS = (
    f.Field("person", f.text, "who applied it", layout="person"),
    f.Field("workflow", f.text, "the recurring workflow, e.g. monthly-close-commentary"),
    f.optional("use_case", f.text, "what AI did in it, e.g. first draft"),
    f.Field("repeatable", f.boolean, "can be repeated as is", layout="yes or no"),
    f.optional("minutes_saved", f.number(0, 525_600), "minutes saved per run", layout="number"),
    f.optional(
        "quality_change",
        f.choice("better", "same", "worse"),
        "how the output's quality changed",
        layout="better, same or worse",
    ),
    f.optional("needs_redesign", f.boolean, "the workflow needs redesign", layout="yes or no"),
    f.Field("date", f.timestamp, "when", layout="date-time or date"),
)


def build(row: Row, b: StatementBuilder) -> list[Statement]:
    outcome = b.extensions(
        {
            "repeatable": row["repeatable"],
            "minutes-saved": row.get("minutes_saved"),
            "quality-change": row.get("quality_change"),
            "needs-redesign": row.get("needs_redesign"),
        }
    )
    return [
        b.statement(
            row,
            actor=b.agent(row["person"]),
            verb="applied",
            object=b.activity("workflow", row["workflow"], name=row["workflow"]),
            timestamp=row["date"],
            result={"extensions": outcome},
            context={"extensions": b.extensions({"use-case": row.get("use_case")})},
        )
    ]


SOURCE = Source(
    kind="workflow",
    about=(
        "One row per report that a person applied AI to a recurring workflow: can it be "
        "repeated, minutes saved per run, how quality changed, whether the workflow needs"
        " redesign."
    ),
    title="Workflow-transfer reports",
    fields=FIELDS,
    build=build,
)
