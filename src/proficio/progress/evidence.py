"""Evidence: the few facts of a statement that evidence rules can match, kept apart from the
statement so the engine never parses whole statements again.

Every stored statement becomes one evidence row per person its actor stands for (an Agent, or
each member of a Group), keyed by the actor's IFI: whoever that identifier belongs to today
(`people.identities`) owns the evidence, so merges and splits need no rewrite. Extensions are
kept whole except the `source` trail, which no rule reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from proficio.lrs.agents import ifi_key, person_keys

_SOURCE_SUFFIX = "/extensions/context/source"


@dataclass(frozen=True, slots=True)
class Evidence:
    statement_id: str
    at_us: int  # when it happened: the statement's timestamp
    verb: str
    activity: str | None  # the object's id when it is an Activity
    activity_type: str | None
    object_agent: str | None  # the object's IFI when it is an Agent (e.g. who was helped)
    success: bool | None
    completion: bool | None
    scaled: float | None
    raw: float | None
    extensions: dict[str, Any]  # result and context extensions by IRI

    @classmethod
    def from_row(cls, statement_id: str, at_us: int, facts: str | bytes) -> Evidence:
        return cls(statement_id, at_us, *orjson.loads(facts))


def evidence_of(statement: dict[str, Any], *, at_us: int) -> Evidence:
    """The evidence in a stored statement (its `timestamp` parsed by the caller as `at_us`)."""
    return Evidence(statement["id"], at_us, *_facts(statement))


def facts_of(statement: dict[str, Any]) -> str:
    """The `facts` column of a statement's evidence: everything but the id and time, which have
    columns of their own (`Evidence.from_row` reads it back). The server works it out where the
    statement is validated (`lrs.statements.prepare_statements`), off the writer's path."""
    return orjson.dumps(_facts(statement)).decode()


def _facts(statement: dict[str, Any]) -> list[Any]:
    """`Evidence`'s fields after `at_us`, in order."""
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    result = statement.get("result") or {}
    score = result.get("score") or {}
    extensions = {
        key: value
        for key, value in (statement.get("context") or {}).get("extensions", {}).items()
        if not key.endswith(_SOURCE_SUFFIX)
    }
    extensions.update(result.get("extensions") or {})
    is_activity = kind == "Activity"
    return [
        statement["verb"]["id"],
        target["id"] if is_activity else None,
        (target.get("definition") or {}).get("type") if is_activity else None,
        ifi_key(target) if kind in ("Agent", "Group") else None,
        result.get("success"),
        result.get("completion"),
        _number(score.get("scaled")),
        _number(score.get("raw")),
        extensions,
    ]


def owners_of(statement: dict[str, Any]) -> tuple[str, ...]:
    """The IFIs the evidence belongs to."""
    return person_keys(statement["actor"])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
