"""The storage contract: the same behaviour from SQLite and PostgreSQL, with no xAPI rules.

Each test runs on both databases (the `database_url` fixture)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import orjson
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from proficio.storage import statements as store
from proficio.storage.database import Database, make_engine, refresh_statistics
from proficio.storage.keys import KeyCache, intern_keys, lookup_keys
from proficio.storage.migrate import current_revision, downgrade, head_revision, upgrade
from proficio.storage.schema import metadata
from proficio.storage.writer_process import StatisticsSchedule

AGENT, VERB = 1, 3


def _row(n: int, *, refs: set[tuple[int, str]], target: str | None = None) -> store.NewStatement:
    return store.NewStatement(
        statement_id=f"00000000-0000-4000-8000-{n:012d}",
        stored_us=1_000_000 + n,
        is_voiding=False,
        target_id=target,
        body=f'{{"n": {n}, "text": "caf\\u00e9 \\"quoted\\""}}',
        refs=refs,
        timestamp_us=1_000_000 + n,
    )


def test_migrations_create_exactly_the_declared_schema(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_bodies_come_back_as_the_same_json_text_values(db: Database) -> None:
    with db.transaction() as tx:
        store.insert_statements(tx, KeyCache(), [_row(1, refs={(VERB, "v")})])
    row = db.read_sync(lambda c: store.get_statements(c, [_row(1, refs=set()).statement_id]))
    [stored] = row.values()
    assert json.loads(stored.body) == {"n": 1, "text": 'café "quoted"'}


def test_a_process_that_has_not_cached_a_key_gets_its_stored_id(db: Database) -> None:
    """Another process (an import, a restarted writer) interns keys this one already stored:
    the same ids, new ones for the new values, and no second row for a value."""
    with db.transaction() as tx:
        first = intern_keys(tx, KeyCache(), ["a", "b"])
    with db.transaction() as tx:
        again = intern_keys(tx, KeyCache(), ["b", "c", "a"])
    assert {k: again[k] for k in ("a", "b")} == first
    assert again["c"] not in first.values()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lrs_keys")).scalar_one() == 3


def test_surroundings_of_new_statements(db: Database) -> None:
    """One read tells what is stored under the new ids, what they target and what targets
    them (a voiding statement stored before the statement it voids)."""
    stored_id, target_id, new_id = (_row(n, refs=set()).statement_id for n in (1, 2, 3))
    with db.transaction() as tx:
        store.insert_statements(
            tx,
            KeyCache(),
            [_row(1, refs=set()), _row(2, refs=set()), _row(4, refs=set(), target=new_id)],
        )
    around = db.read_sync(lambda c: store.surroundings(c, [stored_id, new_id], [target_id]))
    assert sorted(around.stored) == sorted([stored_id, target_id])
    assert [r.statement_id for r in around.referrers] == [_row(4, refs=set()).statement_id]
    nothing = db.read_sync(lambda c: store.surroundings(c, [], []))
    assert nothing.stored == {} and nothing.referrers == []


def test_query_by_refs_pages_in_seq_order(db: Database) -> None:
    cache = KeyCache()
    rows = [_row(n, refs={(AGENT, "a" if n % 2 else "b"), (VERB, "v")}) for n in range(1, 8)]
    with db.transaction() as tx:
        seqs = store.insert_statements(tx, cache, rows)
    assert seqs == sorted(seqs)

    def query(**kw: object) -> list[int]:
        flt = store.StatementFilter(**kw)  # type: ignore[arg-type]
        return [r.seq for r in db.read_sync(lambda c: store.query_statements(c, cache, flt))]

    a_and_v = (store.RefFilter((AGENT,), "a"), store.RefFilter((VERB,), "v"))
    odd = [s for n, s in zip(range(1, 8), seqs, strict=True) if n % 2]
    assert query(refs=a_and_v, limit=10) == odd[::-1]
    assert query(refs=a_and_v, limit=2, ascending=True) == odd[:2]
    assert query(refs=a_and_v, limit=10, after_seq=odd[-1]) == odd[-2::-1]
    assert query(refs=(store.RefFilter((AGENT,), "nobody"),), limit=10) == []
    assert query(since_us=1_000_005, limit=10) == seqs[5:][::-1]


def test_seq_numbers_keep_growing_across_transactions(db: Database) -> None:
    # SQLite numbers new rows itself (after the last one); PostgreSQL's sequence does there.
    cache = KeyCache()
    seqs: list[int] = []
    for start in (1, 4, 7):
        with db.transaction() as tx:
            seqs += store.insert_statements(
                tx, cache, [_row(n, refs={(VERB, "v")}) for n in range(start, start + 3)]
            )
    assert seqs == sorted(set(seqs)) and len(seqs) == 9
    ids = [_row(n, refs=set()).statement_id for n in range(1, 10)]
    stored = db.read_sync(lambda c: store.get_statements(c, ids))
    assert [stored[i].seq for i in ids] == seqs


def _ref_rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("statement_refs", "statement_refs_recent")
        }


def _into_recent(db: Database, where: str) -> None:
    """Put refs in the recent table as SQLite's ingest leaves them (PostgreSQL's does not)."""
    with db.engine.begin() as conn:
        moved = f"SELECT kind, key_id, seq FROM statement_refs {where}"
        conn.execute(text(f"INSERT INTO statement_refs_recent {moved}"))
        conn.execute(text(f"DELETE FROM statement_refs {where}"))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_reads_are_planned_for_their_own_values_on_postgres(db: Database) -> None:
    """A prepared query soon runs with PostgreSQL's generic plan, which for a statement
    filter guesses how common its agent and verb are (a wrong guess read every reference to
    a common verb for one GET: 145 ms instead of 1). Reads are never prepared; the writer's
    few inserts and key lookups are."""
    cache = KeyCache()
    with db.transaction() as tx:
        store.insert_statements(tx, cache, [_row(1, refs={(AGENT, "a"), (VERB, "v")})])
    flt = store.StatementFilter(
        refs=(store.RefFilter((AGENT,), "a"), store.RefFilter((VERB,), "v"))
    )

    def run_often(conn: Connection) -> int:
        for _ in range(10):
            assert len(store.query_statements(conn, cache, flt)) == 1
        return int(conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one())

    assert db.read_sync(run_often) == 0
    writer = make_engine(db.url, pool_size=1, prepare=True)
    try:
        with writer.connect() as conn:
            assert run_often(conn) > 0
    finally:
        writer.dispose()


def test_refs_in_both_tables_are_queried_as_one_index(db: Database) -> None:
    """Refs wait in `statement_refs_recent` until they move into `statement_refs`: pages
    driven through either, and a filter met in the other table, come out as from one index."""
    cache = KeyCache()
    rows = [_row(n, refs={(AGENT, "a" if n % 2 else "b"), (VERB, "v")}) for n in range(1, 15)]
    with db.transaction() as tx:
        seqs = store.insert_statements(tx, cache, rows)
        # Refs given to an earlier statement later (a statement it targets arrived).
        store.add_refs(tx, cache, [(seqs[0], [(VERB, "w")])])
        store.fold_recent_refs(tx.conn)
    w = db.read_sync(lambda c: lookup_keys(c, cache, ["w"]))["w"]
    _into_recent(db, f"WHERE seq > {seqs[6]} OR key_id = {w}")
    assert _ref_rows(db) == {"statement_refs": 14, "statement_refs_recent": 15}

    def query(*refs: store.RefFilter, **kw: object) -> list[int]:
        flt = store.StatementFilter(refs=refs, **kw)  # type: ignore[arg-type]
        return [r.seq for r in db.read_sync(lambda c: store.query_statements(c, cache, flt))]

    a, v = store.RefFilter((AGENT,), "a"), store.RefFilter((VERB,), "v")
    odd = [s for n, s in zip(range(1, 15), seqs, strict=True) if n % 2]
    assert query(a, v, limit=20) == odd[::-1]
    assert query(a, v, limit=5) == odd[::-1][:5]  # four recent, then one moved
    assert query(a, v, limit=3, ascending=True, after_seq=odd[1]) == odd[2:5]
    assert query(a, store.RefFilter((VERB,), "w"), limit=20) == [seqs[0]]
    assert query(store.RefFilter((VERB,), "w"), limit=20) == [seqs[0]]


def test_refs_move_once_enough_are_recent(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "FOLD_ROWS", 6)
    sqlite = db.engine.dialect.name == "sqlite"

    def expect(moved: int, recent: int) -> dict[str, int]:
        if sqlite:
            return {"statement_refs": moved, "statement_refs_recent": recent}
        return {"statement_refs": moved + recent, "statement_refs_recent": 0}

    with db.transaction() as tx:
        store.insert_statements(tx, KeyCache(), [_row(1, refs={(VERB, "v")})])
    cache = KeyCache()  # a process that finds refs already waiting counts them first
    with db.transaction() as tx:
        store.insert_statements(tx, cache, [_row(n, refs={(VERB, "v")}) for n in (2, 3)])
    assert _ref_rows(db) == expect(0, 3)
    with db.transaction() as tx:
        store.insert_statements(tx, cache, [_row(n, refs={(VERB, "v")}) for n in (4, 5, 6)])
    assert _ref_rows(db) == expect(6, 0)
    with db.transaction() as tx:
        store.insert_statements(tx, cache, [_row(7, refs={(VERB, "v"), (AGENT, "a")})])
    assert _ref_rows(db) == expect(6, 2)
    flt = store.StatementFilter(refs=(store.RefFilter((VERB,), "v"),), limit=10)
    assert len(db.read_sync(lambda c: store.query_statements(c, cache, flt))) == 7


def test_refs_given_again_to_a_statement_whose_refs_moved_are_not_doubled(db: Database) -> None:
    cache = KeyCache()
    with db.transaction() as tx:
        [seq] = store.insert_statements(tx, cache, [_row(1, refs={(VERB, "v")})])
        store.fold_recent_refs(tx.conn)
    with db.transaction() as tx:
        store.add_refs(tx, cache, [(seq, [(VERB, "v"), (AGENT, "a")])])
        store.add_refs(tx, cache, [(seq, [(AGENT, "a")])])
    assert sum(_ref_rows(db).values()) == 2


def test_voided_rows_leave_queries(db: Database) -> None:
    cache = KeyCache()
    with db.transaction() as tx:
        store.insert_statements(tx, cache, [_row(1, refs={(VERB, "v")})])
        store.mark_voided(tx.conn, [_row(1, refs=set()).statement_id])
    flt = store.StatementFilter(refs=(store.RefFilter((VERB,), "v"),))
    assert db.read_sync(lambda c: store.query_statements(c, cache, flt)) == []


def test_interned_keys_are_stable_and_rolled_back_ones_never_cached(db: Database) -> None:
    cache = KeyCache()
    with pytest.raises(RuntimeError), db.transaction() as tx:
        intern_keys(tx, cache, ["https://example.com/rolled-back"])
        raise RuntimeError("abort")
    assert cache.get("https://example.com/rolled-back") is None
    with db.transaction() as tx:
        first = intern_keys(tx, cache, ["https://example.com/x"])
    fresh = db.read_sync(lambda c: lookup_keys(c, KeyCache(), ["https://example.com/x"]))
    assert fresh == first


def test_statistics_refresh_runs_on_both_databases(db: Database) -> None:
    with db.engine.connect() as conn:
        refresh_statistics(conn)
        if conn.dialect.name == "postgresql":
            # reltuples is -1 until a table has been analyzed (PostgreSQL 14+).
            analyzed = conn.exec_driver_sql(
                "SELECT reltuples >= 0 FROM pg_class WHERE oid = 'statements'::regclass"
            ).scalar()
            assert analyzed


def test_statistics_schedule_grows_then_steps() -> None:
    schedule = StatisticsSchedule()
    assert not schedule.due(999)
    assert schedule.due(1)  # 1,000
    assert not schedule.due(8_999)
    assert schedule.due(1)  # 10,000
    assert schedule.due(90_000)  # 100,000
    assert not schedule.due(StatisticsSchedule.STEP - 1)
    assert schedule.due(1)


def test_migration_0007_fills_in_when_stored_statements_happened(database_url: str) -> None:
    database = Database(database_url)
    try:
        upgrade(database.engine, "0006")
        with database.engine.begin() as conn:
            for seq, body in (
                (1, '{"id": "a", "timestamp": "2026-10-01T10:00:00+02:00"}'),
                (2, '{"id": "b"}'),
            ):
                conn.execute(
                    text(
                        "INSERT INTO statements (seq, statement_id, stored_us, voided, "
                        "is_voiding, body) VALUES (:seq, :id, :stored, false, false, :body)"
                    ),
                    {"seq": seq, "id": f"id-{seq}", "stored": 5_000_000 + seq, "body": body},
                )
        upgrade(database.engine, "0007")  # later steps read whole statements, not these stubs
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT seq, timestamp_us FROM statements ORDER BY seq")).all()
    finally:
        database.close()
    assert [tuple(r) for r in rows] == [(1, 1_790_841_600_000_000), (2, 5_000_002)]


def test_migrations_0008_and_0009_extract_evidence_number_it_and_queue_its_people(
    database_url: str,
) -> None:
    database = Database(database_url)
    body = (
        '{"id": "7a1c0f3e-0000-4000-8000-000000000001", "actor": {"objectType": "Agent",'
        ' "account": {"homePage": "http://localhost:8000", "name": "E1"}},'
        ' "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},'
        ' "object": {"id": "http://localhost:8000/activities/module/a"},'
        ' "timestamp": "2026-10-01T10:00:00Z"}'
    )
    try:
        upgrade(database.engine, "0007")
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO statements (seq, statement_id, stored_us, timestamp_us, voided,"
                    " is_voiding, body) VALUES (1, :id, 5, 1790848800000000, false, false, :body)"
                ),
                {"id": "7a1c0f3e-0000-4000-8000-000000000001", "body": body},
            )
            conn.execute(
                text(
                    "INSERT INTO person_identities VALUES ('account:http://localhost:8000|E1',"
                    " 'account', 'E1', 'roster', 'test', '2026-10-01')"
                )
            )
        upgrade(database.engine)
        with database.engine.connect() as conn:
            evidence = conn.execute(
                text("SELECT actor_key, statement_id, at_us, seq FROM progress_evidence")
            ).all()
            facts = conn.execute(text("SELECT facts FROM progress_evidence")).scalar_one()
            queued = conn.execute(text("SELECT person_id FROM progress_queue")).all()
    finally:
        database.close()
    assert [tuple(r) for r in evidence] == [
        (
            "account:http://localhost:8000|E1",
            "7a1c0f3e-0000-4000-8000-000000000001",
            1790848800000000,
            1,
        )
    ]
    assert [tuple(r) for r in queued] == [("E1",)]
    # The migration's frozen extractor agrees with today's.
    from proficio.progress.evidence import facts_of

    now = facts_of(orjson.loads(body))
    assert facts == now


def test_migration_0010_keeps_evidence_both_ways(database_url: str) -> None:
    """0010 rewrites the evidence table in statement order (and its downgrade back in the
    actor-ordered layout): every row survives both, and the schema is the declared one again."""
    rows = [(3, "k:b", "s3", 30, '["v"]'), (1, "k:b", "s1", 10, "[]"), (1, "k:a", "s1", 10, "[]")]
    insert = text(
        "INSERT INTO progress_evidence (seq, actor_key, statement_id, at_us, facts) "
        "VALUES (:seq, :key, :sid, :at, :facts)"
    )
    query = text("SELECT seq, actor_key, statement_id, at_us, facts FROM progress_evidence")
    database = Database(database_url)
    seen = []
    try:
        upgrade(database.engine, "0009")
        with database.engine.begin() as conn:
            for seq, key, sid, at, facts in rows:
                conn.execute(insert, {"seq": seq, "key": key, "sid": sid, "at": at, "facts": facts})
        for step in ("up", "down", "up"):
            if step == "up":
                upgrade(database.engine)
            else:
                downgrade(database.engine, "0009")
            with database.engine.connect() as conn:
                seen.append(sorted(tuple(r) for r in conn.execute(query)))
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        database.close()
    assert seen == [sorted(rows)] * 3
    assert diff == []


def test_migration_0011_keeps_every_ref_both_ways(database_url: str) -> None:
    """0011 adds the table new refs wait in; its downgrade moves them into the one index."""
    query = text(
        "SELECT kind, key_id, seq FROM statement_refs UNION ALL "
        "SELECT kind, key_id, seq FROM statement_refs_recent"
    )
    database = Database(database_url)
    try:
        upgrade(database.engine)
        with database.engine.begin() as conn:
            conn.execute(text("INSERT INTO statement_refs VALUES (1, 5, 1), (3, 6, 1)"))
            conn.execute(text("INSERT INTO statement_refs_recent VALUES (1, 5, 2), (3, 6, 2)"))
        downgrade(database.engine, "0010")
        with database.engine.connect() as conn:
            down = sorted(tuple(r) for r in conn.execute(text("SELECT * FROM statement_refs")))
        upgrade(database.engine)
        with database.engine.connect() as conn:
            up = sorted(tuple(r) for r in conn.execute(query))
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        database.close()
    assert down == up == [(1, 5, 1), (1, 5, 2), (3, 6, 1), (3, 6, 2)]
    assert diff == []


def test_migration_0012_adds_tallies_and_queue_seqs_both_ways(database_url: str) -> None:
    """0012 adds `progress_people.tally` and `progress_queue.since_seq`; its downgrade drops
    them and keeps the rows."""
    people = text("SELECT person_id, evaluated_us, next_check_us FROM progress_people")
    database = Database(database_url)
    try:
        upgrade(database.engine)
        with database.engine.begin() as conn:
            conn.execute(text("INSERT INTO progress_people VALUES ('p1', 5, 9, '{}')"))
            conn.execute(text("INSERT INTO progress_queue VALUES ('p1', 1, 2, 3, 4)"))
        downgrade(database.engine, "0011")
        with database.engine.connect() as conn:
            down = [tuple(r) for r in conn.execute(people)]
            queued = [tuple(r) for r in conn.execute(text("SELECT * FROM progress_queue"))]
        upgrade(database.engine)
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        database.close()
    assert down == [("p1", 5, 9)]
    assert queued == [("p1", 1, 2, 3)]
    assert diff == []


def test_close_waits_for_a_read_whose_caller_was_cancelled(database_url: str) -> None:
    """A server stopping cancels its background loop while one of its reads still runs in a
    worker thread: closing the database waits for that read to give its connection back
    (disposed of first, the connection would outlive its pool, open)."""
    database = Database(database_url)
    started, finished = threading.Event(), threading.Event()

    def slow(conn: Connection) -> None:
        started.set()
        time.sleep(0.5)
        finished.set()

    async def cancel_mid_read() -> None:
        task = asyncio.ensure_future(database.read(slow))
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(cancel_mid_read())
    finally:
        database.close()
    assert finished.is_set()
