"""Evidence rules and their evaluation: `all`/`any` trees over facts about a learner's evidence.

A rule is data (`frameworks.py` reads and checks it); `evaluate` is a pure function of the
learner's evidence and a point in time that returns, for every branch, whether it held, what was
observed against what was needed, and the statements behind it, so every level can be explained
and every missing step named.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Literal

from proficio.progress.evidence import Evidence

DAY_US = 86_400_000_000
_MAX_IDS = 20  # statements named behind one fact: enough to prove it

FactKind = Literal["count", "distinct", "score", "answer", "rating", "rubric"]


@dataclass(frozen=True, slots=True)
class Where:
    """Which statements a fact looks at. Activities are IRIs, or paths under any Proficio
    `.../activities/` base (`module/ai-safe-use/safe-use`), so a rule does not name a host."""

    verbs: frozenset[str] = frozenset()
    activities: tuple[str, ...] = ()
    types: frozenset[str] = frozenset()
    extensions: tuple[tuple[str, Any], ...] = ()
    success: bool | None = None
    completion: bool | None = None

    def select(self, items: list[Evidence]) -> list[Evidence]:
        """The items this matches, in their order: one pass per condition, each a
        comprehension (the engine filters every learner's evidence by every condition)."""
        if self.verbs:
            items = [e for e in items if e.verb in self.verbs]
        if self.types:
            items = [e for e in items if e.activity_type in self.types]
        if self.activities:
            exact = {a for a in self.activities if "://" in a}
            ends = tuple("/activities/" + a for a in self.activities if "://" not in a)
            items = [
                e
                for e in items
                if e.activity is not None and (e.activity in exact or e.activity.endswith(ends))
            ]
        if self.success is not None:
            items = [e for e in items if e.success is self.success]
        if self.completion is not None:
            items = [e for e in items if e.completion is self.completion]
        for key, value in self.extensions:
            items = [e for e in items if e.extensions.get(key) == value]
        return items


@dataclass(frozen=True, slots=True)
class Fact:
    """One condition. `what` names the counted things in plain words ("workflow uses")."""

    # Where it is in the framework file, e.g. competencies[3].levels.review.all[0]; rules equal
    # but for their place are the same rule.
    path: str = field(compare=False)
    kind: FactKind
    where: Where
    what: str
    at_least: float | None = None
    equals: Any = None
    within_days: int | None = None
    per: Literal["activity"] | None = None  # count: the most on any one activity
    of: Literal["activity", "object"] = "activity"  # distinct: what is counted
    pick: Literal["best", "latest"] = "latest"  # score, answer, rating, rubric
    extension: str | None = None  # answer: the question's extension; rubric: the scores'
    criterion: str | None = None  # rubric: which criterion


@dataclass(frozen=True, slots=True)
class Group:
    path: str = field(compare=False)
    kind: Literal["all", "any"]
    children: tuple[Node, ...]


Node = Fact | Group


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a branch fared at one moment."""

    held: bool
    kind: str  # all | any | a fact kind
    label: str
    have: float | str | None = None
    need: float | str | None = None
    statement_ids: tuple[str, ...] = ()
    children: tuple[Outcome, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"held": self.held, "kind": self.kind, "label": self.label}
        if self.children:
            data["children"] = [child.to_json() for child in self.children]
        else:
            data.update(have=self.have, need=self.need, statement_ids=list(self.statement_ids))
        return data


class Facts:
    """A learner's evidence in time order, with the matches of each `Where`, and when each
    fact turns true or false, worked out once."""

    def __init__(self, evidence: list[Evidence], *, start_us: int | None = None) -> None:
        """`start_us`: follow the facts from this moment on only (what happened before is
        known already); None for the whole history."""
        self.evidence = sorted(evidence, key=lambda e: (e.at_us, e.statement_id))
        self.start_us = start_us
        self._by_verb: dict[str, list[Evidence]] = {}
        for e in self.evidence:
            self._by_verb.setdefault(e.verb, []).append(e)
        # By id: a framework's rules are interned, so equal conditions are one object.
        self._matching: dict[int, tuple[list[int], list[Evidence]]] = {}
        self._truth: dict[int, tuple[list[int], list[bool], bool]] = {}

    def matching(self, where: Where) -> tuple[list[int], list[Evidence]]:
        found = self._matching.get(id(where))
        if found is None:
            candidates = self.evidence
            if len(where.verbs) == 1:  # most conditions name one verb: start from its evidence
                (verb,) = where.verbs
                candidates = self._by_verb.get(verb, [])
            items = where.select(candidates)
            found = ([e.at_us for e in items], items)
            self._matching[id(where)] = found
        return found

    def window(self, fact: Fact, at_us: int) -> list[Evidence]:
        """The fact's matching evidence that counts at `at_us`."""
        times, items = self.matching(fact.where)
        end = bisect_right(times, at_us)
        if fact.within_days is None:
            return items[:end]
        return items[bisect_right(times, at_us - fact.within_days * DAY_US) : end]

    def moments(self, fact: Fact) -> list[int]:
        """When the fact may change, in order: a match arriving, or leaving its window (from
        `start_us` on)."""
        times, _ = self.matching(fact.where)
        start = self.start_us
        if fact.within_days is None:
            if start is not None:
                times = times[bisect_left(times, start) :]
            return list(dict.fromkeys(times))
        width = fact.within_days * DAY_US
        if start is None:
            return sorted({*times, *(t + width for t in times)})
        recent = times[bisect_left(times, start - width) :]
        return sorted({*(t for t in recent if t >= start), *(t + width for t in recent)})

    def truth(self, fact: Fact) -> tuple[list[int], list[bool], bool]:
        """When the fact turns true or false from `start_us` on, and whether it held just
        before (false before any evidence), from which `holds` answers any moment with one
        bisection. Facts are interned by the framework, so a fact shared by several
        competencies is followed once."""
        found = self._truth.get(id(fact))
        if found is None:
            times: list[int] = []
            values: list[bool] = []
            moments = self.moments(fact)
            initial = False
            if self.start_us is not None:
                initial = self._holds_now(fact, self.start_us - 1)
            current = initial
            for at_us in moments:
                held = self._holds_now(fact, at_us)
                if held != current:
                    times.append(at_us)
                    values.append(held)
                    current = held
            found = (times, values, initial)
            self._truth[id(fact)] = found
        return found

    def _holds_now(self, fact: Fact, at_us: int) -> bool:
        if fact.kind == "count" and fact.per is None:  # the common case, without copying
            times, _ = self.matching(fact.where)
            end = bisect_right(times, at_us)
            start = 0
            if fact.within_days is not None:
                start = bisect_right(times, at_us - fact.within_days * DAY_US)
            return end - start >= (fact.at_least or 0)
        return _held(fact, _measure(fact, self.window(fact, at_us))[0])

    def fact_holds(self, fact: Fact, at_us: int) -> bool:
        times, values, initial = self.truth(fact)
        index = bisect_right(times, at_us)
        return values[index - 1] if index else initial

    def arrived_at(self, facts: list[Fact], at_us: int) -> set[str]:
        """The statements matching any of `facts` that happened at `at_us`."""
        return {e.statement_id for f in facts for e in self._at(f.where, at_us)}

    def expired_at(self, facts: list[Fact], at_us: int) -> set[str]:
        """The statements that left the window of any of `facts` at `at_us`."""
        return {
            e.statement_id
            for f in facts
            if f.within_days is not None
            for e in self._at(f.where, at_us - f.within_days * DAY_US)
        }

    def _at(self, where: Where, at_us: int) -> list[Evidence]:
        times, items = self.matching(where)
        return items[bisect_left(times, at_us) : bisect_right(times, at_us)]

    def around(self, facts: list[Fact], at_us: int) -> tuple[int | None, int | None]:
        """When evidence for any of `facts` last happened by `at_us`, and next after it."""
        last, coming = None, None
        for where in {id(f.where): f.where for f in facts}.values():
            times, _ = self.matching(where)
            index = bisect_right(times, at_us)
            if index and (last is None or times[index - 1] > last):
                last = times[index - 1]
            if index < len(times) and (coming is None or times[index] < coming):
                coming = times[index]
        return last, coming

    def arrivals(self, facts: list[Fact]) -> list[int]:
        """When evidence for any of `facts` happened, in order."""
        return sorted({t for f in facts for t in self.matching(f.where)[0]})


def evaluate(node: Node, facts: Facts, at_us: int) -> Outcome:
    """Every branch of `node` at `at_us`, explained."""
    if isinstance(node, Group):
        children = tuple(evaluate(child, facts, at_us) for child in node.children)
        held = (
            all(c.held for c in children) if node.kind == "all" else any(c.held for c in children)
        )
        label = "all of these" if node.kind == "all" else "any of these"
        return Outcome(held=held, kind=node.kind, label=label, children=children)
    have, behind = _measure(node, facts.window(node, at_us))
    return Outcome(
        held=_held(node, have),
        kind=node.kind,
        label=describe(node, have),
        have=have if isinstance(have, int | float | str) or have is None else str(have),
        need=node.equals if node.equals is not None else node.at_least,
        statement_ids=tuple(e.statement_id for e in behind[-_MAX_IDS:]),
    )


def holds(node: Node, facts: Facts, at_us: int) -> bool:
    """Whether `node` holds at `at_us`: `evaluate` without the explanation, for the engine's
    many judgements over a learner's history."""
    if isinstance(node, Fact):
        return facts.fact_holds(node, at_us)
    if node.kind == "all":
        return all(holds(child, facts, at_us) for child in node.children)
    return any(holds(child, facts, at_us) for child in node.children)


def _measure(fact: Fact, window: list[Evidence]) -> tuple[Any, list[Evidence]]:
    """What the fact observes in its window, and the evidence behind it."""
    if fact.kind == "count":
        if fact.per != "activity":
            return len(window), window
        groups: dict[str | None, list[Evidence]] = {}
        for e in window:
            groups.setdefault(e.activity, []).append(e)
        counted = max(groups.values(), key=len, default=[])
        return len(counted), counted
    if fact.kind == "distinct":
        first: dict[str | None, Evidence] = {}
        for e in window:
            first.setdefault(e.activity if fact.of == "activity" else e.object_agent, e)
        first.pop(None, None)
        return len(first), list(first.values())
    values = [(value, e) for e in window if (value := _value(fact, e)) is not None]
    if not values:
        return None, []
    if fact.pick == "best" and all(_is_number(v) for v, _ in values):
        value, e = max(values, key=lambda pair: pair[0])
    else:
        value, e = values[-1]
    return value, [e]


def _held(fact: Fact, have: Any) -> bool:
    if fact.equals is not None:
        return bool(have == fact.equals)
    return _is_number(have) and have >= (fact.at_least or 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value(fact: Fact, e: Evidence) -> Any:
    if fact.kind == "score":
        return e.scaled
    if fact.kind == "rating":
        return e.raw
    value = e.extensions.get(fact.extension or "")
    if fact.kind == "rubric":
        return value.get(fact.criterion) if isinstance(value, dict) else None
    return value


def describe(fact: Fact, have: Any) -> str:
    """The fact in plain words, with what was observed: "2 of 3 workflow uses in the last 30
    days", "best quiz score 0.6, needs 0.7"."""
    window = f" in the last {fact.within_days} days" if fact.within_days else ""
    if fact.kind in ("count", "distinct"):
        target = int(fact.at_least or 0)
        per = " on one workflow" if fact.per == "activity" else ""
        return f"{min(int(have or 0), target)} of {target} {fact.what}{per}{window}"
    need = fact.equals if fact.equals is not None else f"at least {_number(fact.at_least)}"
    pick = "best" if fact.pick == "best" else "latest"
    if have is None:
        return f"{pick} {fact.what}{window}: none yet, needs {need}"
    shown = _number(have) if isinstance(have, int | float) else have
    return f"{pick} {fact.what}{window}: {shown}, needs {need}"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def leaves(node: Node) -> list[Fact]:
    if isinstance(node, Fact):
        return [node]
    return [fact for child in node.children for fact in leaves(child)]
