"""Keeping levels current: evidence recorded as statements are stored, people queued when their
evidence changes, and their levels judged again round by round (`judge_due` on a snapshot, then
`write_judgement`: the server's judging loop and the CLI's drain, `progress.judging`; or both
in one transaction, `refresh_due`), or all at once by `rebuild`.

Both paths call `engine.progress_of`. A rebuild gives it a person's whole evidence; the
incremental path judges only the moments from the earliest evidence that changed, continuing
the stored history, and reads only the evidence those moments need (`engine.horizon`). Both
give the same result (a property test checks it on random streams, on both databases).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson
import yaml
from sqlalchemy import Connection

from proficio.capture.profile import Profile
from proficio.events import StatementsStored
from proficio.lrs.timestamps import iso_from_us
from proficio.people.linking import holders_of
from proficio.progress import tallies
from proficio.progress.engine import Change, EvidenceIncomplete, Partial, horizon, progress_of
from proficio.progress.evidence import Evidence, facts_of, owners_of
from proficio.progress.frameworks import Framework, compile_framework
from proficio.progress.packing import pack, signature
from proficio.storage import cohorts as cohort_store
from proficio.storage import progress as store
from proficio.storage import statements as statement_store
from proficio.storage.progress import (
    ChangeRow,
    EvidenceRow,
    LevelRow,
    NewEvidenceRow,
    ScheduleRow,
    SummaryRow,
)
from proficio.storage.writer import Handler, Tx

log = logging.getLogger(__name__)

REFRESH_BATCH = 200  # people judged per transaction (their evidence is in memory at once)


def now_us() -> int:
    return time.time_ns() // 1000


class Frameworks:
    """The stored frameworks, compiled, read again only when one was loaded or removed."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._stamp: tuple[Any, ...] | None = None
        self._compiled: list[Framework] = []

    def current(self, conn: Connection) -> list[Framework]:
        stamp = store.framework_stamp(conn)
        if stamp != self._stamp:
            self._compiled = [
                compile_framework(document, profile=self.profile)
                for document in store.framework_documents(conn)
            ]
            self._stamp = stamp
        return self._compiled


class EvidenceRecorder:
    """Subscribes to `StatementsStored`: keeps each statement's evidence, drops the evidence of
    voided ones, and queues the people whose evidence changed, in the same transaction."""

    def __call__(self, event: StatementsStored) -> None:
        conn = event.tx.conn
        rows: list[NewEvidenceRow] = []
        voided = event.voided  # a voiding statement may have arrived before what it voids
        for p in event.statements:
            if p.is_voiding or p.statement_id in voided:
                continue
            assert p.seq is not None, "the statements handler numbers what it stores"
            at_us = now_us() if p.timestamp_us is None else p.timestamp_us  # set once stored
            facts = p.evidence_facts if p.evidence_facts is not None else facts_of(p.body())
            rows += [(key, p.statement_id, at_us, facts, p.seq) for key in p.actor_keys]
        store.insert_evidence(conn, rows)
        dropped = store.delete_evidence(conn, sorted(voided)) if voided else []
        # Whose evidence changed, and from when: their history before that stands. Whose
        # evidence was dropped are judged whole (a partial judgement assumes evidence is only
        # ever added: `engine.Partial`).
        owners = holders_of(event, {row[0] for row in rows} | {key for key, _ in dropped})
        since: dict[str, int] = {}
        since_seq: dict[str, int] = {}
        for key, _, at_us, _, seq in rows:
            person = owners.get(key)
            if person is not None:
                since[person] = min(at_us, since.get(person, at_us))
                since_seq[person] = min(seq, since_seq.get(person, seq))
        whole = {owners[key] for key, _ in dropped if key in owners}
        people = sorted(since.keys() | whole)
        if people:
            since = {person: at_us for person, at_us in since.items() if person not in whole}
            store.queue_people(conn, people, now_us=now_us(), since=since, since_seq=since_seq)


class _Judged:
    """Rows to write for the people judged so far."""

    def __init__(self) -> None:
        self.levels: list[LevelRow] = []
        self.changes: list[ChangeRow] = []
        self.summaries: list[SummaryRow] = []
        self.schedule: list[ScheduleRow] = []

    def extend(self, other: _Judged) -> None:
        self.levels += other.levels
        self.changes += other.changes
        self.summaries += other.summaries
        self.schedule += other.schedule

    def rows(self) -> dict[str, Any]:
        return {
            "levels": self.levels,
            "changes": self.changes,
            "summaries": self.summaries,
            "schedule": self.schedule,
        }


def judge_people(
    conn: Connection,
    *,
    person_ids: Sequence[str],
    frameworks: list[Framework],
    at_us: int,
    starts: dict[str, int | None] | None = None,
    from_seq: dict[str, int] | None = None,
) -> store.ProgressDiff:
    """Judge these people's levels again from their evidence now, from the moment in `starts`
    on when it names one (the history before it stands), else all of it; returns what to
    write, without writing. Those whose only news is evidence from the statement seq in
    `from_seq` on, dated no earlier than `tallies.REACH_BACK_US` before their last judgement,
    are judged from their tallies when that settles it (`tallies.advance`); the others by the
    engine, reading only the evidence that `engine.horizon` says a judgement from their start
    needs (and a tally from `REACH_BACK_US` before now)."""
    starts = starts or {}
    seen_seq = store.max_evidence_seq(conn)  # all this judgement sees: its tallies keep it
    quick = _judge_from_tallies(conn, person_ids, frameworks, at_us, from_seq or {}, seen_seq)
    rest = [person for person in person_ids if person not in quick.evaluated]
    if not rest:
        return quick
    by_engine = _judge_by_engine(conn, rest, frameworks, at_us, starts, seen_seq)
    return store.merge_diffs(quick, by_engine)


def _judge_by_engine(
    conn: Connection,
    person_ids: Sequence[str],
    frameworks: list[Framework],
    at_us: int,
    starts: dict[str, int | None],
    seen_seq: int,
) -> store.ProgressDiff:
    stored = store.stored_progress(conn, person_ids)
    partial = {p: start for p in person_ids if (start := starts.get(p)) is not None}
    reach = horizon(frameworks)
    if reach is None:
        bounds: dict[str, int] = {}
        evidence = store.evidence_of_people(conn, person_ids)
    else:
        # Read from the start, or from as far back as the tally keeps, if that is earlier.
        reads = {p: min(start, at_us - tallies.REACH_BACK_US) for p, start in partial.items()}
        bounds = {person: reach.complete_from(read) for person, read in reads.items()}
        whole = [person for person in person_ids if person not in partial]
        evidence = store.evidence_of_people(conn, whole)
        evidence |= store.recent_evidence_of_people(conn, reads, windows=reach.windows)
    latest = _latest_evidence(stored)
    baseline = baselines(conn, person_ids, at_us=at_us)
    upcoming = baselines(conn, person_ids, at_us=at_us, upcoming=True)
    prior: dict[str, list[ChangeRow]] = {}
    for change in stored.changes():  # the history before each person's start stands
        start = partial.get(change.person_id)
        if start is not None and change.at_us < start:
            prior.setdefault(change.person_id, []).append(change)
    judged = _Judged()
    for person_id in person_ids:
        rows = evidence[person_id]
        judge = functools.partial(
            _judge,
            person_id,
            frameworks=frameworks,
            at_us=at_us,
            seen_seq=seen_seq,
            baseline_us=baseline.get(person_id),
            next_start_us=upcoming.get(person_id),
            start_us=partial.get(person_id),
            prior=prior.get(person_id, []),
        )
        bound = bounds.get(person_id)
        try:
            judge(rows, judged, partial=bound, latest=latest.get(person_id, {}))
        except EvidenceIncomplete:  # a rise needs to know how long they were silent before
            judge(store.evidence_of_people(conn, [person_id])[person_id], judged)
    return store.progress_diff(stored, person_ids, **judged.rows())


def _judge_from_tallies(
    conn: Connection,
    person_ids: Sequence[str],
    frameworks: list[Framework],
    at_us: int,
    from_seq: dict[str, int],
    seen_seq: int,
) -> store.ProgressDiff:
    """Those of `person_ids` whose new evidence leaves every level where it was, judged from
    the tallies their last judgement left (`tallies.advance`): the diff names only them.

    Taken only when nothing but evidence could have changed since that judgement at `then`:
    they were queued for evidence alone (`from_seq`), and nothing was due in between
    (`next_check_us`). Their new evidence is what that judgement could not see (its seq is
    above the tally's `seen_seq`); it must be dated after `then - REACH_BACK_US` and after
    their levels last changed, and not later than now."""
    assessed = [framework for framework in frameworks if framework.assessed]
    ids = {framework.id for framework in assessed}
    in_order = store.seq_in_commit_order(conn)
    candidates: dict[str, tallies.Tally] = {}
    reads: dict[str, int] = {}
    for person, (then, next_check, text) in store.judged_people(
        conn, [p for p in person_ids if p in from_seq]
    ).items():
        if next_check is not None and next_check <= at_us:
            continue
        tally = tallies.decode(text, at_us=then)
        if tally is None or tally.entries.keys() != ids:
            continue
        first = from_seq[person]
        if first <= tally.seen_seq:
            # Queued again while that judgement was made: what it saw is not new. Only where
            # seqs follow commit order is all it saw known to be what lies up to `seen_seq`.
            if not in_order:
                continue
            first = tally.seen_seq + 1
        candidates[person], reads[person] = tally, first
    advanced: dict[str, list[tuple[str, tallies.Advanced]]] = {}
    fresh = store.new_evidence_of_people(conn, reads)
    for person, tally in candidates.items():
        new = person_evidence(fresh[person])
        if not _advances(tally, [e.at_us for e in new], at_us):
            continue
        results = []
        for framework in assessed:
            result = tallies.advance(
                framework, tally.entries[framework.id], new, then_us=tally.at_us, now_us=at_us
            )
            if result is None:
                break
            results.append((framework.id, result))
        else:
            advanced[person] = results
    return _tally_diff(conn, advanced, {p: candidates[p] for p in advanced}, at_us, seen_seq)


def _advances(tally: tallies.Tally, dated: list[int], at_us: int) -> bool:
    """Whether new evidence with these dates may be judged from `tally`: none older than it
    reaches, or than their last level change (that change may cite it), or later than now
    (the engine schedules that)."""
    if not dated:
        return True
    earliest = min(dated)
    if earliest <= tally.at_us - tallies.REACH_BACK_US or max(dated) > at_us:
        return False
    return tally.changed_us is None or tally.changed_us < earliest


def _tally_diff(
    conn: Connection,
    advanced: dict[str, list[tuple[str, tallies.Advanced]]],
    before: dict[str, tallies.Tally],
    at_us: int,
    seen_seq: int,
) -> store.ProgressDiff:
    """What judging `advanced` from their tallies writes: the newest evidence of the
    competencies touched (each level row's `last_evidence_us` moves to it if it is newer),
    and the schedule and tally."""
    upcoming = baselines(conn, sorted(advanced), at_us=at_us, upcoming=True) if advanced else {}
    latest: list[store.LatestRow] = []
    schedule: list[ScheduleRow] = []
    judged: dict[str, int] = {}
    for person, results in advanced.items():
        for framework_id, result in results:
            latest += [(person, framework_id, cid, at) for cid, at in result.latest.items()]
        moments = [r.next_us for _, r in results if r.next_us is not None]
        if person in upcoming:
            moments.append(upcoming[person])
        entries = {framework_id: r.entry for framework_id, r in results}
        tally = tallies.Tally(at_us, seen_seq, before[person].changed_us, entries)
        schedule.append((person, at_us, min(moments, default=None), tallies.encode(tally)))
        judged[person] = before[person].at_us
    return store.tally_diff(latest, schedule, evaluated=judged)


def _latest_evidence(stored: store.StoredProgress) -> dict[str, dict[str, Any]]:
    """Each person's latest evidence per framework and competency, as last judged."""
    found: dict[str, dict[str, Any]] = {}
    for row in stored.levels():
        found.setdefault(row.person_id, {}).setdefault(row.framework_id, {})[row.competency_id] = (
            row.last_evidence_us
        )
    return found


def refresh_due(
    conn: Connection, *, frameworks: list[Framework], at_us: int, limit: int = REFRESH_BATCH
) -> int:
    """Judge the people queued, and those whose evidence may have aged out by now, and write
    their levels; returns how many (the caller repeats while it is `limit`)."""
    store.lock_judging(conn)
    judgement = judge_due(conn, frameworks=frameworks, at_us=at_us, limit=limit)
    if judgement is None:
        return 0
    write_judgement(conn, judgement, now_us=at_us)
    return len(judgement.diff.person_ids)


def rebuild(
    conn: Connection, *, frameworks: list[Framework], at_us: int, from_statements: bool = False
) -> int:
    """Everyone's levels and history from scratch (and, with `from_statements`, the evidence
    itself from the stored statements first); returns the number of people judged."""
    if from_statements:
        extract_evidence(conn)
    store.clear_progress(conn)
    seen_seq = store.max_evidence_seq(conn)
    starts = baselines(conn, None, at_us=at_us)
    upcoming = baselines(conn, None, at_us=at_us, upcoming=True)
    people = 0
    judged = _Judged()
    for person_id, rows in store.all_evidence(conn):
        _judge(
            person_id,
            rows,
            judged,
            frameworks=frameworks,
            at_us=at_us,
            seen_seq=seen_seq,
            baseline_us=starts.get(person_id),
            next_start_us=upcoming.get(person_id),
        )
        people += 1
        if len(judged.levels) >= 20_000:
            store.write_progress(conn, **judged.rows())
            judged = _Judged()
    store.write_progress(conn, **judged.rows())
    return people


def baselines(
    conn: Connection, person_ids: Sequence[str] | None, *, at_us: int, upcoming: bool = False
) -> dict[str, int]:
    """When each person's latest cohort started (the baseline of their progress), by now; or,
    `upcoming`, when their next cohort starts (their baseline moves then)."""
    today = iso_from_us(at_us)[:10]
    if upcoming:
        starts = cohort_store.next_starts(conn, person_ids, after=today)
    else:
        starts = cohort_store.latest_starts(conn, person_ids, on_or_before=today)
    return {person: _day_us(start) for person, start in starts.items()}


def _day_us(date: str) -> int:
    day = dt.date.fromisoformat(date)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * 1_000_000


def extract_evidence(conn: Connection) -> None:
    """The evidence of every stored statement that is not voided, afresh."""
    store.clear_evidence(conn)
    batch: list[NewEvidenceRow] = []
    for seq, statement_id, body, at_us in statement_store.evidence_source(conn):
        statement = orjson.loads(body)
        facts = facts_of(statement)
        batch += [(key, statement_id, at_us, facts, seq) for key in owners_of(statement)]
        if len(batch) >= 10_000:
            store.insert_evidence(conn, batch)
            batch = []
    store.insert_evidence(conn, batch)


def _judge(
    person_id: str,
    rows: list[EvidenceRow],
    judged: _Judged,
    *,
    frameworks: list[Framework],
    at_us: int,
    seen_seq: int,
    baseline_us: int | None,
    next_start_us: int | None = None,
    start_us: int | None = None,
    prior: Sequence[ChangeRow] = (),
    partial: int | None = None,
    latest: dict[str, dict[str, int | None]] | None = None,
) -> None:
    """Judge one person and add their rows to `judged`, or add nothing and raise
    EvidenceIncomplete. `partial`: `rows` are complete from then on only (`engine.Partial`),
    with `latest` their latest evidence per framework and competency as last judged."""
    if not rows and partial is None:
        return  # no evidence: no level anywhere, and nothing to look at again
    evidence = person_evidence(rows)
    upcoming = [next_start_us] if next_start_us is not None else []
    entries: dict[str, tallies.Entry] = {}
    mine = _Judged()
    for framework in frameworks:
        if not framework.assessed:
            continue  # listed, not assessed (a CASE import): nothing to judge
        before: dict[str, list[Change]] = {}
        for row in prior:
            if row.framework_id == framework.id:
                before.setdefault(row.competency_id, []).append(_change(row))
        known = None
        if partial is not None:
            known = Partial(partial, (latest or {}).get(framework.id, {}))
        progress = progress_of(
            framework,
            evidence,
            now_us=at_us,
            baseline_us=baseline_us,
            start_us=start_us,
            prior=before,
            partial=known,
        )
        for s in progress.states:
            mine.levels.append(
                LevelRow(
                    person_id,
                    framework.id,
                    s.competency_id,
                    s.level,
                    s.since_us,
                    s.last_evidence_us,
                    s.baseline_level,
                    s.regressed,
                )
            )
        changed = max((s.since_us for s in progress.states if s.since_us is not None), default=None)
        mine.summaries.append(
            (
                person_id,
                framework.id,
                signature(framework),
                *pack(progress.states, baseline_us),
                changed,
            )
        )
        mine.changes += [
            ChangeRow(
                person_id,
                framework.id,
                c.competency_id,
                c.at_us,
                c.from_level,
                c.to_level,
                c.cause,
                orjson.dumps(c.statement_ids).decode(),
                c.gap_days,
            )
            for c in progress.changes
        ]
        if progress.next_check_us is not None:
            upcoming.append(progress.next_check_us)
        entries[framework.id] = progress.tally
    changed = max((row.since_us for row in mine.levels if row.since_us is not None), default=None)
    tally = tallies.Tally(at_us, seen_seq, changed, entries)
    mine.schedule.append((person_id, at_us, min(upcoming, default=None), tallies.encode(tally)))
    judged.extend(mine)


def _change(row: ChangeRow) -> Change:
    return Change(
        competency_id=row.competency_id,
        at_us=row.at_us,
        from_level=row.from_level,
        to_level=row.to_level,
        cause=row.cause,
        statement_ids=tuple(orjson.loads(row.statement_ids)),
        gap_days=row.gap_days,
    )


def person_evidence(rows: Iterable[EvidenceRow]) -> list[Evidence]:
    """A person's evidence, once per statement (they may have been several of its actors)."""
    seen: dict[str, Evidence] = {}
    for _, statement_id, at_us, facts in rows:
        if statement_id not in seen:
            seen[statement_id] = Evidence.from_row(statement_id, at_us, facts)
    return list(seen.values())


def default_framework_document() -> dict[str, Any]:
    text = resources.files("proficio.progress").joinpath("defaults/ai-at-work.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def load_framework(
    conn: Connection, *, document: Any, profile: Profile, by: str
) -> tuple[Framework, bool]:
    """Check a framework document and store it (replacing one with its id); everyone's levels
    are judged again. Nothing changes when the document is wrong. Returns the framework and
    whether it replaced one."""
    framework = compile_framework(document, profile=profile)
    replaced = store.save_framework(
        conn,
        framework_id=framework.id,
        name=framework.name,
        version=framework.version,
        document=framework.document,
        loaded_at=_iso_now(),
        loaded_by=by,
    )
    if replaced:  # its competencies may be gone: judged from scratch below
        store.delete_framework_progress(conn, framework.id)
    store.queue_everyone(conn, now_us=now_us())
    return framework, replaced


def ensure_default_framework(conn: Connection, *, profile: Profile) -> bool:
    """Load the framework Proficio ships with when none is stored; True when it did."""
    if store.framework_rows(conn):
        return False
    load_framework(conn, document=default_framework_document(), profile=profile, by="proficio")
    return True


def _iso_now() -> str:
    return iso_from_us(now_us())


@dataclass(frozen=True, slots=True)
class Judgement:
    """A round of judging, done on a read snapshot (`judge_due`), for the writer to write."""

    diff: store.ProgressDiff
    queued: dict[str, int]  # the queue rows read, by person: their rev


def judge_due(
    conn: Connection,
    *,
    frameworks: list[Framework],
    at_us: int,
    limit: int,
    exclude: Sequence[str] = (),
) -> Judgement | None:
    """The people due (as `refresh_due` finds them) but `exclude`, judged, and what to write
    for them, without writing anything; None when nobody is due."""
    due = store.due_people(conn, now_us=at_us, limit=limit, exclude=frozenset(exclude))
    if not due.starts:
        return None
    diff = judge_people(
        conn,
        person_ids=sorted(due.starts),
        frameworks=frameworks,
        at_us=at_us,
        starts=due.starts,
        from_seq=due.from_seq,
    )
    return Judgement(diff, due.queued)


def write_judgement(conn: Connection, judgement: Judgement, *, now_us: int) -> None:
    """A person queued again after their judgement's snapshot stays queued, so evidence that
    arrived meanwhile is judged in a later round; one judged meanwhile by someone else (a CLI
    import's drain) is left as that wrote them and judged again
    (`storage.progress.apply_progress_diff`)."""
    store.apply_progress_diff(conn, judgement.diff, now_us=now_us, queued=judgement.queued)


def progress_handler() -> Handler:
    """The writer process's "progress" job: write judgements (`write_judgement`); rounds run
    one after the other, so none writes over a later one."""

    def run(tx: Tx, payloads: list[Judgement]) -> list[None]:
        store.lock_judging(tx.conn)
        for judgement in payloads:
            write_judgement(tx.conn, judgement, now_us=now_us())
        return [None] * len(payloads)

    return run
