"""LMS completions and quiz results: one row per course, module or quiz outcome."""

from __future__ import annotations

from typing import Any

from proficio.capture import fields as f
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

FIELDS = (
    f.Field("person", f.text, "the learner", layout="person"),
    f.Field("course_id", f.text, "the LMS's course id"),
    f.optional("course_name", f.text, "the course's title"),
    f.optional("module_id", f.text, "the module or quiz, empty for the whole course"),
    f.Field(
        "outcome",
        f.choice("completed", "passed", "failed"),
        "what happened",
        layout="completed, passed or failed",
    ),
    f.optional("score", f.number(0), "the score obtained", layout="number"),
    f.optional("max_score", f.number(0), "the highest score possible (100)", layout="number"),
    f.optional("time_spent_minutes", f.number(0, 525_600), "time spent", layout="number"),
    f.Field("timestamp", f.timestamp, "when it happened", layout="date-time or date"),
)


def check(row: Row) -> None:
    if row.get("max_score") == 0:
        raise f.Invalid("max_score", "must be above 0")
    score, top = row.get("score"), row.get("max_score", 100.0)
    if score is not None and score > top:
        raise f.Invalid("score", f"{score:g} is above the maximum score {top:g}")


def build(row: Row, b: StatementBuilder) -> list[Statement]:
    course = b.activity("course", row["course_id"], name=row.get("course_name"))
    outcome = row["outcome"]
    module = row.get("module_id")
    context: dict[str, Any] = {}
    if module is None:
        target = course
    else:
        kind = "module" if outcome == "completed" else "assessment"
        target = b.activity(kind, row["course_id"], module)
        context["contextActivities"] = {"parent": [course]}
    result: dict[str, Any] = {}
    if outcome == "completed":
        result["completion"] = True
    else:
        result["success"] = outcome == "passed"
    score, top = row.get("score"), row.get("max_score", 100.0)
    if score is not None:
        result["score"] = {"raw": score, "min": 0, "max": top}
        if top > 0:
            result["score"]["scaled"] = round(score / top, 4)
    minutes = row.get("time_spent_minutes")
    if minutes is not None:
        seconds = f"{minutes * 60:.2f}".rstrip("0").rstrip(".")
        result["duration"] = f"PT{seconds}S"
    return [
        b.statement(
            row,
            actor=b.agent(row["person"]),
            verb=outcome,
            object=target,
            timestamp=row["timestamp"],
            result=result,
            context=context,
        )
    ]


SOURCE = Source(
    kind="lms",
    about=(
        "One row per course completion, module completion or quiz result. A module or "
        "quiz row names its course as context parent; a score is scaled by `max_score` "
        "(100 unless given)."
    ),
    title="LMS completions and quiz results",
    fields=FIELDS,
    build=build,
    check=check,
)
