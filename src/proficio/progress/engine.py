"""The engine: a learner's evidence in, their level per competency out, with the history of
every change and the rule branches (and statements) behind the current level.

Pure and deterministic: the incremental path (`service.judge_people`, run as statements
arrive) and `proficio progress rebuild` both call `progress_of`, so they cannot disagree.
A level is judged at each moment it could change: when a matching statement happened, and when
one leaves a rule's time window. History is therefore in the time the evidence happened, not
the time it was imported, and a learner whose practice lapses shows the drop on the day the
evidence aged out.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from proficio.progress.evidence import Evidence
from proficio.progress.frameworks import Competency, Framework
from proficio.progress.rules import DAY_US, Facts, Outcome, evaluate, holds
from proficio.progress.tallies import Entry, entry_of

# A rise after a stretch this long without evidence for the competency (since the level last
# rose) is a re-engagement.
GAP_DAYS = 30


@dataclass(frozen=True, slots=True)
class Change:
    competency_id: str
    at_us: int
    from_level: int
    to_level: int
    cause: str  # "evidence" (statements that happened then) or "aged-out" (left a window)
    statement_ids: tuple[str, ...]
    gap_days: int | None = None  # set on a re-engagement


@dataclass(frozen=True, slots=True)
class State:
    competency_id: str
    level: int  # 0: no level yet
    since_us: int | None  # when the current level was reached (or lost to)
    levels: tuple[Outcome, ...]  # each level's rule, judged now (when asked to explain)
    last_evidence_us: int | None
    baseline_level: int | None  # the level at the baseline (a cohort's start), if one is given
    regressed: bool  # the level ever went down
    reached_us: tuple[int | None, ...]  # when each level (1, 2, ...) was first reached


@dataclass(frozen=True, slots=True)
class Progress:
    states: tuple[State, ...]
    changes: tuple[Change, ...]
    next_check_us: int | None  # when a level may change without new evidence
    tally: Entry  # what the next judgement may start from (`tallies`)


@dataclass(frozen=True, slots=True)
class Horizon:
    """The evidence a judgement from a moment on needs: for each verb that facts name, what
    happened from `windows[verb]` before that moment (None: all of it, for a fact without a
    time window); nothing of other verbs, which no fact counts."""

    windows: dict[str, int | None]

    def complete_from(self, start_us: int) -> int:
        """From when all evidence that facts count is there, for a judgement from `start_us`."""
        return start_us - min((w for w in self.windows.values() if w is not None), default=0)


def horizon(frameworks: list[Framework]) -> Horizon | None:
    """What a judgement needs (`Horizon`), or None when some fact counts any verb."""
    windows: dict[str, int | None] = {}
    for framework in frameworks:
        for competency in framework.assessed:
            for fact in competency.facts:
                if not fact.where.verbs:
                    return None
                width = None if fact.within_days is None else fact.within_days * DAY_US
                for verb in fact.where.verbs:
                    if verb not in windows:
                        windows[verb] = width
                    elif width is None or windows[verb] is None:
                        windows[verb] = None
                    else:
                        windows[verb] = max(width, windows[verb] or 0)
    return Horizon(windows)


@dataclass(frozen=True, slots=True)
class Partial:
    """What a judgement knows when it is given only what a `Horizon` names of the learner's
    evidence: all that facts count from `complete_from_us` on, and each competency's latest
    evidence as last judged (`last_evidence_us`)."""

    complete_from_us: int
    last_evidence_us: dict[str, int | None]


class EvidenceIncomplete(Exception):
    """A partial judgement needs older evidence (how long a learner was silent before a rise
    that reaches before `Partial.complete_from_us`): judge them again with all of it."""


def progress_of(
    framework: Framework,
    evidence: list[Evidence],
    *,
    now_us: int,
    baseline_us: int | None = None,
    explain: bool = False,
    start_us: int | None = None,
    prior: dict[str, list[Change]] | None = None,
    partial: Partial | None = None,
) -> Progress:
    """`baseline_us`: when the learner's program started, for the level they started at;
    `explain`: judge every level's rule now, branch by branch (for a person's own view).

    With `start_us`, only the moments from then on are judged, continuing the history in
    `prior` (each competency's changes before `start_us`, as a whole judgement gave them):
    the same result as judging everything, for a fraction of the work when only recent
    evidence is new. With `partial` too, `evidence` may be only what `horizon` says such a
    judgement needs; raises EvidenceIncomplete when that is not enough."""
    facts = Facts(evidence, start_us=start_us)
    prior = prior or {}
    states, changes, upcoming = [], [], []
    for competency in framework.competencies:
        if not competency.rules:
            continue
        state, history, next_us = _competency(
            framework,
            competency,
            facts,
            now_us,
            baseline_us,
            explain,
            prior.get(competency.id, []),
            partial,
        )
        states.append(state)
        changes += history
        if next_us is not None:
            upcoming.append(next_us)
    tally = entry_of(framework, facts, now_us)
    return Progress(tuple(states), tuple(changes), min(upcoming, default=None), tally)


def _competency(
    framework: Framework,
    competency: Competency,
    facts: Facts,
    now_us: int,
    baseline_us: int | None,
    explain: bool,
    prior: list[Change],
    partial: Partial | None,
) -> tuple[State, list[Change], int | None]:
    leaves = list(competency.facts)
    # The level can change only when one of its facts turns true or false.
    moments = sorted({t for fact in leaves for t in facts.truth(fact)[0]})
    history: list[Change] = list(prior)
    level = history[-1].to_level if history else 0
    since = history[-1].at_us if history else None
    last_up = next((c.at_us for c in reversed(history) if c.to_level > c.from_level), None)
    next_us = None
    arrivals: list[int] | None = None
    for at_us in moments:
        if at_us > now_us:
            next_us = at_us
            break
        new_level = level_at(framework, competency, facts, at_us)
        if new_level == level:
            continue
        up = new_level > level
        arrived = facts.arrived_at(leaves, at_us)
        gap = None
        if up:
            arrivals = arrivals if arrivals is not None else facts.arrivals(leaves)
            if partial is not None and not _known_since(arrivals, partial, last_up):
                raise EvidenceIncomplete(competency.id)
            silence = _longest_silence(arrivals, after=last_up, until=at_us)
            gap = silence // DAY_US if silence >= GAP_DAYS * DAY_US else None
            last_up = at_us
        history.append(
            Change(
                competency_id=competency.id,
                at_us=at_us,
                from_level=level,
                to_level=new_level,
                cause="evidence" if arrived else "aged-out",
                statement_ids=tuple(sorted(arrived or facts.expired_at(leaves, at_us))),
                gap_days=gap,
            )
        )
        level, since = new_level, at_us
    last_seen, coming = facts.around(leaves, now_us)
    if partial is not None:  # evidence is only added: the latest is this or what it was
        known = partial.last_evidence_us.get(competency.id)
        if known is not None and (last_seen is None or known > last_seen):
            last_seen = known
    if coming is not None:  # evidence dated later than now counts once its time comes
        next_us = min(next_us or coming, coming)
    outcomes = tuple(evaluate(rule, facts, now_us) for rule in competency.rules) if explain else ()
    reached: list[int | None] = [None] * len(competency.rules)
    for change in history:
        for rank in range(change.to_level):
            if reached[rank] is None:
                reached[rank] = change.at_us
    baseline = None
    if baseline_us is not None:
        baseline = next((c.to_level for c in reversed(history) if c.at_us <= baseline_us), 0)
    state = State(
        competency_id=competency.id,
        level=level,
        since_us=since,
        levels=outcomes,
        last_evidence_us=last_seen,
        baseline_level=baseline,
        regressed=any(c.to_level < c.from_level for c in history),
        reached_us=tuple(reached),
    )
    return state, history, next_us


def _known_since(arrivals: list[int], partial: Partial, last_up: int | None) -> bool:
    """Whether the silences after `last_up` can be measured from partial evidence: some of it
    arrived between where it is complete and `last_up`, so the arrival before each silence
    is known."""
    if last_up is None:
        return False
    return bisect_right(arrivals, last_up) > bisect_left(arrivals, partial.complete_from_us)


def _longest_silence(arrivals: list[int], *, after: int | None, until: int) -> int:
    """The longest stretch between consecutive pieces of evidence, among those that arrived
    after `after` (the last rise) and by `until`."""
    start = bisect_right(arrivals, after) if after is not None else 0
    end = bisect_right(arrivals, until)
    return max((arrivals[i] - arrivals[i - 1] for i in range(max(start, 1), end)), default=0)


def level_at(framework: Framework, competency: Competency, facts: Facts, at_us: int) -> int:
    """The level the evidence up to `at_us` proves: with a cumulative scale, the highest level
    whose rule holds along with every rule below it; otherwise the highest that holds."""
    if framework.cumulative:
        for rank, rule in enumerate(competency.rules):
            if not holds(rule, facts, at_us):
                return rank
        return len(competency.rules)
    held = [rank for rank, rule in enumerate(competency.rules, 1) if holds(rule, facts, at_us)]
    return max(held, default=0)


def missing_for_next(state: State) -> list[str]:
    """What is still missing for the next level, in plain words."""
    if state.level >= len(state.levels):
        return []
    return [o.label for o in _failing(state.levels[state.level])]


def _failing(outcome: Outcome) -> list[Outcome]:
    if outcome.held:
        return []
    if not outcome.children:
        return [outcome]
    if outcome.kind == "any":  # the closest alternative is enough to name
        return _failing(min(outcome.children, key=lambda c: len(_failing(c))))
    return [leaf for child in outcome.children for leaf in _failing(child)]


def explanation(state: State) -> list[dict[str, Any]]:
    return [outcome.to_json() for outcome in state.levels]
