"""Tallies: what a judgement leaves for the next one, so that a learner whose only news is
new evidence, dated no earlier than `REACH_BACK_US` before their last judgement, can be judged
without reading their history again.

Per framework, a tally keeps, as of the judgement at `then`:
- for each fact that counts statements (`count`, not per activity), the times of its matching
  evidence dated in the last `REACH_BACK_US` before `then`, and of the latest before those
  still in its window, as many as it needs (`at_least`; without a window, the latest that
  many). Whether it holds at any moment from `then - REACH_BACK_US` on, and when it next
  turns, follow from these;
- `rest`: the earliest moment after the judgement at which another kind of fact turns true or
  false, or evidence dated later than the judgement comes due.

Why reach back: a statement dated a moment before a judgement may be stored just after that
judgement read (in flight, under load), and would otherwise send its learner to the engine.

`advance` judges from a tally and the new evidence: if no fact the new evidence matches turns
true or false differently with it than without it, from the earliest new evidence to now, no
level moves (nothing else could have: the schedule would have called for a judgement first),
so the only news is each touched competency's latest evidence and the next moment to look
again. Otherwise, or when the new evidence matches another kind of fact, it returns None and
the engine judges. Both give the same rows: the incremental == rebuild property test runs
streams that take this path.

A person's tally (`Tally`) also keeps the largest evidence `seq` its judgement could see, so
the next one knows which evidence is new, and when their levels last changed: a change after
the earliest new evidence may cite it, so the engine judges then.
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
REACH_BACK_US = 10_000_000  # how long before a judgement new evidence may be dated


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
    window reaching back from `now_us - REACH_BACK_US`: `service` reads that far)."""
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
        else:
            items.append(_kept(times[:end], need, _width(fact), now_us))
    return [shape.digest, items, rest]


def _width(fact: Fact) -> int | None:
    return None if fact.within_days is None else fact.within_days * DAY_US


def _kept(times: list[int], need: int, width: int | None, now_us: int) -> list[int]:
    """Of a counted fact's evidence times up to `now_us` (sorted), what its tally keeps: all
    from `REACH_BACK_US` before `now_us` on, and the latest `need` of those before still in
    the window (`width`; None: no window)."""
    if not need:
        return []
    lower = now_us - REACH_BACK_US
    cut = bisect_right(times, lower)
    first = 0 if width is None else bisect_right(times, lower - width)
    return times[max(first, cut - need) :]


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
    """Judge at `now_us` from the tally of a judgement at `then_us` and the evidence it did
    not see (`new`, dated after `then_us - REACH_BACK_US` and no later than `now_us`); None
    when the engine must judge."""
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
    from_us = min((e.at_us for e in new), default=then_us)
    next_us: int | None = entry[2]
    for i, (fact, need) in enumerate(zip(shape.facts, shape.needs, strict=True)):
        if not need:
            continue
        width = _width(fact)
        times: list[int] = items[i]
        if i in touched:
            before, times = times, sorted(times + touched[i])
            if not _steady(before, times, need, width, from_us, now_us):
                return None
        kept = items[i] = _kept(times, need, width, now_us)
        if width is not None and _holds(kept, now_us, need, width):  # until the oldest leaves
            next_us = _earliest(next_us, kept[-need] + width)
    latest: dict[str, int] = {}
    for competency_id, indexes in shape.competencies:
        seen = [max(touched[i]) for i in indexes if i in touched]
        if seen:
            latest[competency_id] = max(seen)
    return Advanced([shape.digest, items, entry[2]], latest, next_us)


def _steady(
    before: list[int], after: list[int], need: int, width: int | None, from_us: int, now_us: int
) -> bool:
    """Whether a counted fact holds at every moment from `from_us` to `now_us` just as it did
    without the new evidence: `before` is its tally's times, `after` those with the new
    evidence's (both sorted). Either only turns when evidence arrives or leaves the window,
    so those moments are the ones checked. The tally's times give the count in the window,
    up to `need`, at any moment from `REACH_BACK_US` before its judgement on."""
    moments = {t for t in after if from_us <= t <= now_us}
    if width is not None:
        moments |= {t + width for t in after if from_us <= t + width <= now_us}
    return all(
        _holds(after, at_us, need, width) == _holds(before, at_us, need, width) for at_us in moments
    )


def _holds(times: list[int], at_us: int, need: int, width: int | None) -> bool:
    """Whether at least `need` of these sorted times lie in the window ending at `at_us`."""
    left = 0 if width is None else bisect_right(times, at_us - width)
    return bisect_right(times, at_us) - left >= need


@dataclass(frozen=True, slots=True)
class Tally:
    """What a person's judgement at `at_us` left for the next one."""

    at_us: int
    seen_seq: int  # the largest evidence seq the judgement could see
    changed_us: int | None  # when their levels last changed, in any framework
    entries: dict[str, Entry]  # by framework id


def encode(tally: Tally) -> str:
    return orjson.dumps(
        {"at": tally.at_us, "seq": tally.seen_seq, "changed": tally.changed_us, "f": tally.entries}
    ).decode()


def decode(text: str | None, *, at_us: int) -> Tally | None:
    """A stored tally, if it was left by the judgement at `at_us` (and written by this
    version: an older one has no `seq`)."""
    if text is None:
        return None
    data = orjson.loads(text)
    if data.get("at") != at_us or "seq" not in data:
        return None
    return Tally(at_us, data["seq"], data["changed"], data["f"])
