"""The server's judging: rounds judged on a read snapshot in a worker process and written by
the writer. Evidence that arrives between a round's snapshot and its write is judged in a later
round, and the worker runs only while someone is due. Both databases."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal

import pytest
from sqlalchemy import select

from proficio.children import ChildGone
from proficio.lrs.handlers import statement_subscribers, writer_handlers
from proficio.lrs.statements import prepare_statements, statement_handler
from proficio.progress import judging
from proficio.progress.judging import Judges, judge_continuously
from proficio.progress.service import (
    Frameworks,
    judge_due,
    now_us,
    progress_handler,
    rebuild,
    refresh_due,
)
from proficio.storage import progress as progress_store
from proficio.storage.database import Database
from proficio.storage.schema import (
    person_identities,
    progress_evidence,
    progress_queue,
    statements,
)
from proficio.storage.writer import Writer
from tests.test_progress_rebuild import AUTHORITY, DAY_US, HOME, PROFILE, T_US, _reset, _state
from tests.test_progress_rebuild import _statement as make_statement

COMPETENCY = "approved-tools"


def _store(database: Database, *bodies: dict[str, Any]) -> None:
    handler = statement_handler(
        skip_stored=True, subscribers=statement_subscribers(account_home_pages=(HOME,))
    )
    prepared = prepare_statements(
        list(bodies), authority=AUTHORITY, version="1.0.3", batch=True, may_define=False
    )
    with database.transaction() as tx:
        (outcome,) = handler(tx, [prepared])
        assert isinstance(outcome, list), outcome


def _level(database: Database, person: str) -> int | None:
    with database.engine.connect() as conn:
        rows = progress_store.levels_of_people(conn, [person])
    return next((row.level for row in rows if row.competency_id == COMPETENCY), None)


def _queued(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return sorted(row[0] for row in conn.execute(select(progress_queue.c.person_id)))


def _drain(database: Database, at_us: int) -> None:
    frameworks = Frameworks(PROFILE)
    with database.transaction() as tx:
        while refresh_due(tx.conn, frameworks=frameworks.current(tx.conn), at_us=at_us):
            pass


def _round(database: Database, at_us: int) -> Any:
    frameworks = Frameworks(PROFILE)
    with database.engine.connect() as conn, conn.begin():
        return judge_due(conn, frameworks=frameworks.current(conn), at_us=at_us, limit=10)


def _write(database: Database, judgement: Any) -> None:
    with database.transaction() as tx:
        progress_handler()(tx, [judgement])


def test_evidence_stored_after_a_rounds_snapshot_is_judged_in_the_next_round(
    db: Database,
) -> None:
    _reset(db)
    _drain(db, T_US)
    _store(db, make_statement("module", "E1", 5, 0))
    judgement = _round(db, T_US)
    assert judgement.diff.person_ids == ["E1"]
    _store(db, make_statement("quiz", "E1", 5, 1))  # after the snapshot, before the write
    _write(db, judgement)
    # Written as the snapshot saw it (the module alone), and still queued for the quiz.
    assert _level(db, "E1") == 0
    assert _queued(db) == ["E1"]
    _write(db, _round(db, T_US))
    assert _level(db, "E1") == 1
    assert _queued(db) == []
    judged = _state(db)
    with db.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=T_US, from_statements=True)
    assert _state(db) == judged


def test_people_judged_elsewhere_meanwhile_are_left_as_judged_and_queued_again(
    db: Database,
) -> None:
    _reset(db)
    _drain(db, T_US)
    _store(db, make_statement("module", "E1", 5, 0), make_statement("quiz", "E1", 5, 1))
    judgement = _round(db, T_US)
    _drain(db, T_US + DAY_US)  # a CLI import's drain judges E1 after the snapshot
    judged = _state(db)
    _write(db, judgement)
    assert _state(db) == judged
    assert _queued(db) == ["E1"]


def test_a_judgement_that_reads_no_recent_evidence_keeps_what_older_evidence_proved(
    db: Database,
) -> None:
    """Judged from a moment on, a person whose evidence is all older than the rules' windows
    reads none of it, and still has the levels and history it proved."""
    _reset(db)
    _store(db, *(make_statement("use", "E1", day, 0) for day in (100, 99, 98)))
    _drain(db, T_US - 2 * DAY_US)
    other = make_statement("use", "E1", 1, 0)
    other["verb"] = {"id": "http://adlnet.gov/expapi/verbs/experienced"}  # no rule counts it
    _store(db, other)
    _drain(db, T_US)
    assert _level(db, "E1") == 0
    judged = _state(db)
    with db.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=T_US, from_statements=True)
    assert _state(db) == judged


def _aware(db: Database) -> None:
    """E1 at Awareness on approved tools, and confident enough for the next level (but for
    the uses it needs): evidence twenty days before T."""
    _reset(db)
    kinds = (("module", 0), ("quiz", 1), ("survey", 3))
    _store(db, *(make_statement(kind, "E1", 20, value) for kind, value in kinds))


def _use(day: int = 0, seconds: int = 0) -> dict[str, Any]:
    return make_statement("use", "E1", day, 0, seconds=seconds)  # before T


def _equals_a_rebuild(db: Database, at_us: int) -> bool:
    judged = _state(db)
    with db.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=at_us, from_statements=True)
    return _state(db) == judged


def _changes(db: Database) -> list[tuple[int, int, int, int]]:
    """E1's changes on approved tools: (seconds before T, from, to, statements cited)."""
    with db.engine.connect() as conn:
        changes = progress_store.changes_of(conn, ["E1"], competency_id=COMPETENCY)
    return [
        ((T_US - c.at_us) // 1_000_000, c.from_level, c.to_level, len(json.loads(c.statement_ids)))
        for c in changes
    ]


def test_a_statement_in_flight_while_a_round_judges_is_judged_from_the_tally(
    db: Database,
) -> None:
    """Stored after a round read, dated seconds before it: the next round judges it from the
    tally, without counting again what the round saw (on SQLite, where seqs follow commit
    order; on PostgreSQL the engine judges it)."""
    _aware(db)
    _store(db, _use(10), _use(9))
    _drain(db, T_US - 60_000_000)
    _store(db, _use(seconds=5))  # the third use in fourteen days: Confidence
    judgement = _round(db, T_US)
    _store(db, _use(seconds=2))  # after the round read: in flight
    _write(db, judgement)
    assert _queued(db) == ["E1"]
    again = _round(db, T_US + 1_000_000)
    assert again.diff.from_tallies == (1 if db.engine.dialect.name == "sqlite" else 0)
    _write(db, again)
    assert _queued(db) == []
    assert _changes(db)[-1] == (5, 1, 2, 1)
    with db.engine.connect() as conn:
        (schedule,) = progress_store.judged_people(conn, ["E1"]).values()
    assert schedule[1] == T_US - 9 * DAY_US + 14 * DAY_US  # the second use leaves first
    assert _equals_a_rebuild(db, T_US + 1_000_000)


def test_a_statement_in_flight_that_moves_a_level_and_back_is_judged_by_the_engine(
    db: Database,
) -> None:
    """Dated just before the last judgement, it makes three uses until the oldest leaves the
    window a moment later: levels rose and fell before that judgement, which only judging
    from the earliest new evidence on (not from the judgement) can see."""
    _aware(db)
    _store(db, _use(14, seconds=1), _use(seconds=20))  # the first leaves a second before T
    _drain(db, T_US)
    _store(db, _use(seconds=4))
    again = _round(db, T_US + 1_000_000)
    assert again.diff.from_tallies == 0
    _write(db, again)
    assert _changes(db)[-2:] == [(4, 1, 2, 1), (1, 2, 1, 1)]
    assert _equals_a_rebuild(db, T_US + 1_000_000)


def test_a_statement_dated_further_back_than_the_tally_reaches_is_judged_by_the_engine(
    db: Database,
) -> None:
    """Dated days before the last judgement: the tally keeps only the latest uses before its
    reach, too few to judge what happened back then (here, three uses in fourteen days for
    half a day, which the engine records)."""
    _aware(db)
    _store(db, _use(16), _use(15))  # out of the window by T: the tally keeps neither
    _drain(db, T_US)
    assert _level(db, "E1") == 1
    _store(db, _use(2, seconds=43_200))  # with those, three in fourteen days until T - 2 d
    again = _round(db, T_US + 1_000_000)
    assert again.diff.from_tallies == 0
    _write(db, again)
    assert [(up, down) for _, up, down, _ in _changes(db)[-2:]] == [(1, 2), (2, 1)]
    assert _equals_a_rebuild(db, T_US + 1_000_000)


def test_a_judgement_by_the_engine_leaves_a_tally_that_reaches_back(db: Database) -> None:
    """A judgement from just after the last one (an answer to judge again) still reads, and
    tallies, the evidence its tally must reach back to: here a use that leaves the window
    five seconds before T, which with one in flight makes three in fourteen days until then."""
    _aware(db)
    _store(db, _use(14, seconds=5), _use(3))
    _drain(db, T_US - 4_000_000)
    _store(db, make_statement("survey", "E1", 0, 0, seconds=3))  # an answer: the engine's
    again = _round(db, T_US - 2_000_000)
    assert again.diff.from_tallies == 0
    _write(db, again)
    _store(db, _use(seconds=7))
    last = _round(db, T_US)
    assert last.diff.from_tallies == 0
    _write(db, last)
    assert _changes(db)[-2:] == [(7, 1, 2, 1), (5, 2, 1, 1)]
    assert _equals_a_rebuild(db, T_US)


def test_a_statement_dated_as_the_last_level_change_is_judged_by_the_engine(
    db: Database,
) -> None:
    """Dated the moment a level rose (in the same batch as the use that raised it, say): the
    engine cites both statements for the rise, which a tally cannot."""
    _aware(db)
    _store(db, _use(10), _use(9), _use(seconds=3))
    _drain(db, T_US)
    _store(db, _use(seconds=3))
    again = _round(db, T_US + 1_000_000)
    assert again.diff.from_tallies == 0
    _write(db, again)
    assert _changes(db)[-1] == (3, 1, 2, 2)
    assert _equals_a_rebuild(db, T_US + 1_000_000)


def test_nobody_due_gives_no_round(db: Database) -> None:
    _reset(db)
    _drain(db, T_US)
    assert _round(db, T_US) is None


async def _until(check: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return False


# "spawn" is `proficio serve`'s: fresh interpreters (`proficio.children`).
START_METHODS = pytest.mark.parametrize("start_method", ["forkserver", "spawn"])


@START_METHODS
def test_the_worker_runs_while_someone_is_due_and_stops_when_idle(
    db: Database, monkeypatch: pytest.MonkeyPatch, start_method: Literal["forkserver", "spawn"]
) -> None:
    monkeypatch.setattr(judging, "IDLE_STOP_SECONDS", 0.3)
    _reset(db)
    _drain(db, now_us())
    days_ahead = (T_US - now_us()) // DAY_US + 1  # the helper counts days back from T
    writer = Writer(db.url, handlers=writer_handlers, start_method=start_method)
    judges = Judges(db.url, profile_namespace=None, start_method=start_method)

    async def scenario() -> None:
        task = asyncio.create_task(judge_continuously(db, writer, judges, interval=0.05))
        try:
            assert not judges.running  # nobody due: no worker
            _store(db, make_statement("module", "E2", days_ahead, 0))
            assert await _until(lambda: judges.running)
            assert await _until(lambda: not _queued(db))
            assert await _until(lambda: not judges.running)  # idle: stopped
            _store(db, make_statement("quiz", "E2", days_ahead, 1))
            assert await _until(lambda: _level(db, "E2") == 1)  # a new worker judged it
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        judges.stop()
        writer.close()


@START_METHODS
def test_a_judging_worker_that_died_is_replaced(
    db: Database, start_method: Literal["forkserver", "spawn"]
) -> None:
    _reset(db)  # loading the framework queued everyone
    judges = Judges(db.url, profile_namespace=None, start_method=start_method)

    async def scenario() -> None:
        assert await judges.round(exclude=["E1", "E2", "E3"]) is None
        # Fault injection: the worker is killed.
        if start_method == "spawn":
            assert judges._child is not None and judges._child._child is not None
            judges._child._child.kill()
            died: type[Exception] = ChildGone
        else:
            assert judges._pool is not None
            for process in list(judges._pool._processes.values()):
                process.kill()
            died = BrokenProcessPool
        with pytest.raises(died):
            await judges.round()
        assert not judges.running
        judged = await judges.round()  # by a new worker
        assert judged is not None and judged.diff.person_ids == ["E1", "E2", "E3"]

    try:
        asyncio.run(scenario())
    finally:
        judges.stop()


def test_a_persons_evidence_is_found_through_their_statements_and_is_theirs_alone(
    db: Database,
) -> None:
    """Evidence is kept in statement order and found through the statements' actor refs
    (migration 0010): a Group actor's members each own their row once, and a statement that
    is only about someone (its object) or refers to their statement is not their evidence."""
    _reset(db)
    own = make_statement("use", "E1", 1, 0)
    group = make_statement("use", "E1", 2, 0)
    group["actor"] = {
        "objectType": "Group",
        "member": [
            {"account": {"homePage": HOME, "name": "E1"}},
            {"mbox": "mailto:e1@example.com"},
            {"account": {"homePage": HOME, "name": "E3"}},
        ],
    }
    about = make_statement("use", "E2", 3, 0)
    about["object"] = {"objectType": "Agent", "account": {"homePage": HOME, "name": "E1"}}
    referring = make_statement("use", "E2", 4, 0)
    referring["object"] = {"objectType": "StatementRef", "id": own["id"]}
    _store(db, own, group, about, referring)
    with db.engine.connect() as conn:
        stored = conn.execute(
            select(progress_evidence.c.actor_key, progress_evidence.c.statement_id)
        ).all()
        held = dict(
            conn.execute(
                select(person_identities.c.identifier, person_identities.c.person_id)
            ).all()
        )
        found = progress_store.evidence_of_people(conn, ["E1", "E2", "E3"])
        everyone = dict(progress_store.all_evidence(conn))
        group_seq = conn.execute(
            select(statements.c.seq).where(statements.c.statement_id == group["id"])
        ).scalar_one()
        # From a statement seq on (the tallies' read): E1's from the Group statement's.
        fresh = progress_store.new_evidence_of_people(conn, {"E1": group_seq, "E2": 1, "E3": 1})
    expected: dict[str, set[tuple[str, str]]] = {}
    for key, statement_id in stored:
        expected.setdefault(held[key], set()).add((key, statement_id))
    e1, e3 = "account:" + HOME + "|E1", "account:" + HOME + "|E3"
    assert expected["E1"] == {
        (e1, own["id"]),
        (e1, group["id"]),
        ("mbox:mailto:e1@example.com", group["id"]),
    }
    assert expected["E3"] == {(e3, group["id"])}
    assert {row[1] for row in expected["E2"]} == {about["id"], referring["id"]}
    for person in ("E1", "E2", "E3"):
        rows = found[person]
        assert len(rows) == len(expected[person])  # nothing twice
        assert {(key, statement_id) for key, statement_id, _, _ in rows} == expected[person]
        assert sorted(everyone[person]) == sorted(rows)
        newer = [row for row in rows if person != "E1" or row[1] != own["id"]]
        assert sorted(fresh[person]) == sorted(newer)


def _three_at_awareness(database: Database) -> None:
    """E1, E2 and E3 queued, with the evidence of the first level, all of it before now."""
    _reset(database)
    back = (T_US - now_us()) // DAY_US + 1  # the helper counts days back from T
    kinds = (("module", 9), ("quiz", 8), ("use", 3), ("use", 2), ("use", 1))
    _store(
        database,
        *(
            make_statement(kind, person, back + day, n)
            for n, person in enumerate(("E1", "E2", "E3"))
            for kind, day in kinds
        ),
    )


def test_a_cli_drain_shares_its_rounds_with_helper_processes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drain of more than one round's worth of people judges part of each round in helper
    processes, on their own snapshots; the levels are those a rebuild gives."""
    monkeypatch.setattr(judging, "REFRESH_BATCH", 1)
    asked: list[Future[Any]] = []

    class Watched(ProcessPoolExecutor):  # what the helpers were asked to judge
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            asked.append(future)
            return future

    monkeypatch.setattr(judging, "ProcessPoolExecutor", Watched)
    _three_at_awareness(db)
    assert judging.drain(db, profile=PROFILE, helpers=1) == 3
    by_helpers = [person for future in asked for person in future.result().diff.person_ids]
    assert len(by_helpers) == 1  # of the first round's two people; the second has one
    assert _queued(db) == []
    assert {_level(db, person) for person in ("E1", "E2", "E3")} == {1}
    judged = _state(db)
    with db.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=now_us(), from_statements=True)
    assert _state(db) == judged


def test_a_cli_drain_of_one_rounds_worth_judges_everyone_itself(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(judging, "ProcessPoolExecutor", lambda **kw: started.append(kw))
    _three_at_awareness(db)
    assert judging.drain(db, profile=PROFILE, helpers=1) == 3
    assert started == []  # no helper for one round
    assert _queued(db) == []
    assert {_level(db, person) for person in ("E1", "E2", "E3")} == {1}


def test_a_cli_drain_whose_helper_died_judges_its_part_itself(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(judging, "REFRESH_BATCH", 1)

    class Dying(ProcessPoolExecutor):  # fault injection: the helper is killed once asked
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            for process in list(self._processes.values()):
                process.kill()
            return future

    monkeypatch.setattr(judging, "ProcessPoolExecutor", Dying)
    _three_at_awareness(db)
    assert judging.drain(db, profile=PROFILE, helpers=1) == 3
    assert _queued(db) == []
    assert {_level(db, person) for person in ("E1", "E2", "E3")} == {1}
