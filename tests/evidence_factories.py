"""Builders of evidence that meets a fact of a rule exactly at its threshold, or just below it,
so every rule of a framework can be tested at its edges without writing each case by hand."""

from __future__ import annotations

import itertools
from typing import Any

from proficio.capture.profile import Profile
from proficio.progress.evidence import Evidence
from proficio.progress.frameworks import Competency, Framework, compile_framework
from proficio.progress.rules import DAY_US, Fact, Group, Node
from proficio.progress.service import default_framework_document

BASE = "http://proficio.test/activities/"
NOW_US = 1_800_000_000_000_000  # 2027-01-15
_ids = itertools.count(1)


def default_framework() -> Framework:
    return compile_framework(default_framework_document(), profile=Profile())


def evidence(
    *,
    verb: str,
    at_us: int,
    activity: str | None = None,
    activity_type: str | None = None,
    scaled: float | None = None,
    raw: float | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    extensions: dict[str, Any] | None = None,
    object_agent: str | None = None,
) -> Evidence:
    return Evidence(
        statement_id=f"00000000-0000-4000-8000-{next(_ids):012d}",
        at_us=at_us,
        verb=verb,
        activity=activity,
        activity_type=activity_type,
        object_agent=object_agent,
        success=success,
        completion=completion,
        scaled=scaled,
        raw=raw,
        extensions=extensions or {},
    )


def _activity(path: str) -> str:
    return path if "://" in path else BASE + path


def _matching(fact: Fact, *, at_us: int, activity: str | None = None, **fields: Any) -> Evidence:
    """One piece of evidence that the fact's `where` matches."""
    where = fact.where
    # Without listed activities, everything happens on one workflow, "W0".
    chosen = activity or (
        _activity(where.activities[0]) if where.activities else BASE + "workflow/W0"
    )
    return evidence(
        verb=sorted(where.verbs)[0] if where.verbs else "http://adlnet.gov/expapi/verbs/responded",
        at_us=at_us,
        activity=chosen,
        activity_type=sorted(where.types)[0] if where.types else None,
        success=where.success,
        completion=where.completion,
        extensions=dict(where.extensions) | fields.pop("extensions", {}),
        **fields,
    )


def meeting(fact: Fact, *, at_us: int = NOW_US, below: bool = False) -> list[Evidence]:
    """Evidence that meets `fact` at `at_us` exactly at its threshold (or one step short)."""
    need = fact.at_least or 0
    # Inside any window, one hour apart, ending an hour before the moment judged.
    times = [at_us - (i + 1) * 3_600_000_000 for i in range(int(need))]
    if fact.kind in ("count", "distinct"):
        count = int(need) - (1 if below else 0)
        if fact.kind == "count":
            return [_matching(fact, at_us=t) for t in times[:count]]
        listed = [_activity(a) for a in fact.where.activities] or [
            f"{BASE}workflow/W{i}" for i in range(count)
        ]
        return [
            _matching(fact, at_us=t, activity=a)
            for t, a in zip(times, listed[:count], strict=False)
        ]
    step = 0.01 if fact.kind == "score" else 1
    value = (fact.equals if fact.equals is not None else need) if not below else need - step
    if fact.kind == "score":
        return [_matching(fact, at_us=times[0] if times else at_us - 1, scaled=value)]
    if fact.kind == "rating":
        return [_matching(fact, at_us=at_us - 1, raw=value)]
    if fact.kind == "answer":
        return [_matching(fact, at_us=at_us - 1, extensions={fact.extension: value})]
    return [_matching(fact, at_us=at_us - 1, extensions={fact.extension: {fact.criterion: value}})]


def chosen_facts(node: Node) -> list[Fact]:
    """The facts that make `node` hold: all of an `all`, the first branch of an `any`."""
    if isinstance(node, Fact):
        return [node]
    if node.kind == "any":
        return chosen_facts(node.children[0])
    return [fact for child in node.children for fact in chosen_facts(child)]


def reaching(competency: Competency, rank: int, *, at_us: int = NOW_US) -> list[Evidence]:
    """Evidence that meets the rules of levels 1..rank of `competency`."""
    found: list[Evidence] = []
    for rule in competency.rules[:rank]:
        for fact in chosen_facts(rule):
            found += meeting(fact, at_us=at_us)
    return found


def short_of(
    competency: Competency, rank: int, fact_index: int, *, at_us: int = NOW_US
) -> list[Evidence]:
    """Levels below `rank` met, and level `rank` met but for its `fact_index`-th fact, which is
    one step short of its threshold."""
    found = reaching(competency, rank - 1, at_us=at_us)
    for index, fact in enumerate(chosen_facts(competency.rules[rank - 1])):
        found += meeting(fact, at_us=at_us, below=index == fact_index)
    return found


def window_days(node: Node | Group) -> int | None:
    windows = [f.within_days for f in chosen_facts(node) if f.within_days]
    return min(windows) if windows else None


__all__ = ["DAY_US", "NOW_US", "default_framework", "evidence", "meeting", "reaching", "short_of"]
