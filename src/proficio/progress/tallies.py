"""Tallies: what a judgement leaves for the next one, so that a learner whose only news is
evidence dated after their last judgement can be judged without reading their history again.

Per framework, a tally keeps, as of the judgement:
- for each fact that counts statements (`count`, not per activity), the times of its latest
  matching evidence still in its window, as many as it needs (`at_least`); without a window,
  how many matched, up to that many. Whether it holds, and when it next turns, follow from
  these;
- `rest`: the earliest moment after the judgement at which another kind of fact turns true or
  false, or evidence dated later than the judgement comes due.

`advance` judges from a tally and the evidence since: if no fact the new evidence matches
turns true or false between the last judgement and now, no level moves (nothing else could
have: the schedule would have called for a judgement first), so the only news is each touched
competency's latest evidence and the next moment to look again. Otherwise, or when the new
evidence matches another kind of fact, it returns None and the engine judges. Both give the
same rows: the incremental == rebuild property test runs streams that take this path.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from math import ceil
from typing import Any

import orjson

from proficio.progress.evidence import Evidence
from proficio.progress.frameworks import Framework
from proficio.progress.rules import DAY_US, Fact, Facts

Entry = list[Any]  # [digest, one item per fact, rest]


@dataclass(frozen=True, slots=True)
class Shape:
    """A framework's facts as tallies see them, worked out once per compiled framework."""

    framework: Framework
    digest: str  # of the framework's document: a tally of other rules is not used
    facts: tuple[Fact, ...]  # every distinct fact of its assessed competencies
    needs: tuple[int | None, ...]  # per fact: matches needed, for counted facts; else None
    by_verb: dict[str, tuple[int, ...]]  # facts that may match evidence with this verb
    any_verb: tuple[int, ...]  # facts whose condition names no verb
    competencies: tuple[tuple[str, frozenset[int]], ...]  # each one's facts


_shapes: dict[int, Shape] = {}


def shape_of(framework: Framework) -> Shape:
    found = _shapes.get(id(framework))
    if found is not None and found.framework is framework:
        return found
    facts: dict[int, Fact] = {}
    competencies = []
    for competency in framework.assessed:
        for fact in competency.facts:
            facts.setdefault(id(fact), fact)
        competencies.append((competency.id, frozenset(id(f) for f in competency.facts)))
    ordered = tuple(facts.values())
    index = {id(fact): i for i, fact in enumerate(ordered)}
    by_verb: dict[str, list[int]] = {}
    for i, fact in enumerate(ordered):
        for verb in fact.where.verbs:
            by_verb.setdefault(verb, []).append(i)
    document = orjson.dumps(framework.document, option=orjson.OPT_SORT_KEYS)
    shape = Shape(
        framework=framework,
        digest=hashlib.sha256(document).hexdigest()[:16],
        facts=ordered,
        needs=tuple(_needs(fact) for fact in ordered),
        by_verb={verb: tuple(found) for verb, found in by_verb.items()},
        any_verb=tuple(i for i, fact in enumerate(ordered) if not fact.where.verbs),
        competencies=tuple((cid, frozenset(index[f] for f in ids)) for cid, ids in competencies),
    )
    if len(_shapes) > 64:  # frameworks compiled again and again (tests): keep it small
        _shapes.clear()
    _shapes[id(framework)] = shape
    return shape


def _needs(fact: Fact) -> int | None:
    if fact.kind != "count" or fact.per is not None:
        return None
    return max(0, ceil(fact.at_least or 0))


def entry_of(framework: Framework, facts: Facts, now_us: int) -> Entry:
    """The tally of a judgement at `now_us`, from the evidence it judged (complete for every
    window reaching back from `now_us`, as `engine.horizon` reads it)."""
    shape = shape_of(framework)
    items: list[Any] = []
    rest: int | None = None
    for fact, need in zip(shape.facts, shape.needs, strict=True):
        times, _ = facts.matching(fact.where)
        end = bisect_right(times, now_us)
        if end < len(times):  # evidence dated later: due then
            rest = _earliest(rest, times[end])
        if need is None:
            flips, _, _ = facts.truth(fact)
            upcoming = bisect_right(flips, now_us)
            if upcoming < len(flips):
                rest = _earliest(rest, flips[upcoming])
            items.append(None)
        elif fact.within_days is None:
            items.append(min(end, need))
        else:
            start = bisect_right(times, now_us - fact.within_days * DAY_US)
            items.append(times[max(start, end - need) : end] if need else [])
    return [shape.digest, items, rest]


def _earliest(a: int | None, b: int) -> int:
    return b if a is None or b < a else a


@dataclass(frozen=True, slots=True)
class Advanced:
    entry: Entry
    latest: dict[str, int]  # competency id -> its newest evidence, for those it touched
    next_us: int | None  # when a level may change next without new evidence


def advance(
    framework: Framework, entry: Entry, new: list[Evidence], *, then_us: int, now_us: int
) -> Advanced | None:
    """Judge at `now_us` from the tally of a judgement at `then_us` and the evidence dated
    after it (`new`, none later than `now_us`); None when the engine must judge."""
    shape = shape_of(framework)
    if entry[0] != shape.digest:
        return None
    items: list[Any] = list(entry[1])
    touched: dict[int, list[int]] = {}
    for e in new:
        for i in shape.by_verb.get(e.verb, ()) + shape.any_verb:
            if shape.facts[i].where.select([e]):
                if shape.needs[i] is None:
                    return None
                touched.setdefault(i, []).append(e.at_us)
    next_us: int | None = entry[2]
    for i, (fact, need) in enumerate(zip(shape.facts, shape.needs, strict=True)):
        if need is None:
            continue
        arrived = sorted(touched.get(i, ()))
        if fact.within_days is None:
            count = items[i] + len(arrived)
            if (count >= need) != (items[i] >= need):
                return None
            items[i] = min(count, need)
            continue
        width = fact.within_days * DAY_US
        kept: list[int] = items[i]
        if not _steady(kept, arrived, need, width, then_us, now_us):
            return None
        times = sorted(kept + arrived)
        times = times[bisect_right(times, now_us - width) :][-need:] if need else []
        items[i] = times
        if need and len(times) >= need:  # holds now: until the oldest of these leaves
            next_us = _earliest(next_us, times[0] + width)
    latest: dict[str, int] = {}
    for competency_id, indexes in shape.competencies:
        seen = [max(touched[i]) for i in indexes if i in touched]
        if seen:
            latest[competency_id] = max(seen)
    return Advanced([shape.digest, items, entry[2]], latest, next_us)


def _steady(
    kept: list[int], arrived: list[int], need: int, width: int, then_us: int, now_us: int
) -> bool:
    """Whether a windowed count holds (or fails) all the way from `then_us` to `now_us`, as
    it did then, with `arrived` added: checked at each arrival and each departure from the
    window in between. `kept` holds the latest `need` times in the window then; counting
    those and the arrivals answers whether at least `need` are in the window at any moment
    after `then_us`."""
    if need == 0:
        return True
    held = len(kept) >= need
    times = sorted(kept + arrived)
    moments = {*arrived, *(t + width for t in times if then_us < t + width <= now_us)}
    for at_us in sorted(moments):
        inside = bisect_right(times, at_us) - bisect_right(times, at_us - width)
        if (inside >= need) != held:
            return False
    return True


def encode(at_us: int, entries: dict[str, Entry]) -> str:
    return orjson.dumps({"at": at_us, "f": entries}).decode()


def decode(tally: str | None, *, at_us: int) -> dict[str, Entry] | None:
    """A stored tally's entries by framework id, if it was left by the judgement at `at_us`."""
    if tally is None:
        return None
    data = orjson.loads(tally)
    if data.get("at") != at_us:
        return None
    entries: dict[str, Entry] = data["f"]
    return entries
