"""Baseline and pulse surveys: one row per person per wave, every answer in one statement."""

from __future__ import annotations

import re

from proficio.capture import fields as f
from proficio.capture.sources import Row, Source, Statement, StatementBuilder

_WAVE = re.compile(r"^(baseline|pulse)(?:[\s_-]*(\d{1,3}))?$", re.IGNORECASE)


def wave(value: str, _: f.Formats) -> str:
    """`baseline`, or `pulse N` (also written pulse-N, Pulse_N)."""
    match = _WAVE.match(value.strip())
    if not match or (match[1].lower() == "pulse") != (match[2] is not None):
        raise ValueError(f"{value!r} is not a wave (baseline, or pulse followed by its number)")
    return "baseline" if match[2] is None else f"pulse {int(match[2])}"


_SCALE = f.integer(1, 5)
FIELDS = (
    f.Field("person", f.text, "who answered", layout="person"),
    f.Field("wave", wave, "which survey", layout="baseline or pulse N"),
    f.Field("submitted_on", f.timestamp, "when it was answered", layout="date-time or date"),
    f.optional("tool_access", f.boolean, "has access to an approved AI tool", layout="yes or no"),
    f.optional(
        "usage_frequency",
        f.choice("never", "monthly", "weekly", "daily"),
        "how often they use AI at work",
        layout="never, monthly, weekly or daily",
    ),
    f.optional("confidence", _SCALE, "confidence using AI at work", layout="1-5"),
    f.optional(
        "understands_approved_tools", _SCALE, "knows which tools are approved", layout="1-5"
    ),
    f.optional("aware_of_data_rules", _SCALE, "knows what data may not go in", layout="1-5"),
    f.optional("pain_points", f.text, "workflow pain points, in their words"),
    f.optional("manager_expectations", f.text, "what their manager expects, in their words"),
    f.optional("priority_use_cases", f.items, "use cases they want first", layout="list"),
)
# Field -> the profile's result extension holding the answer.
ANSWERS = {
    "tool_access": "tool-access",
    "usage_frequency": "usage-frequency",
    "confidence": "confidence",
    "understands_approved_tools": "understands-approved-tools",
    "aware_of_data_rules": "aware-of-data-rules",
    "pain_points": "pain-points",
    "manager_expectations": "manager-expectations",
    "priority_use_cases": "priority-use-cases",
}


def build(row: Row, b: StatementBuilder) -> list[Statement]:
    name = row["wave"]
    answers = b.extensions({ext: row.get(field) for field, ext in ANSWERS.items()})
    return [
        b.statement(
            row,
            actor=b.agent(row["person"]),
            verb="responded",
            object=b.activity("survey", name.replace(" ", "-"), name=f"AI at work survey, {name}"),
            timestamp=row["submitted_on"],
            result={"completion": True, **({"extensions": answers} if answers else {})},
            context={"extensions": b.extensions({"survey-wave": name})},
        )
    ]


SOURCE = Source(
    kind="survey",
    about=(
        "One row per person per wave (`baseline`, `pulse 1`, `pulse 2`...). All the "
        "answers of a row go into one `responded` statement, each as a result extension, "
        "so an evidence rule can ask for `confidence >= 4` at the latest wave."
    ),
    title="Baseline and pulse surveys",
    fields=FIELDS,
    build=build,
)
