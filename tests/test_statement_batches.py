"""Group commit: concurrent batches stored in one transaction behave as if stored one after
the other, and a refused batch leaves nothing behind (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from proficio.errors import Conflict, InvalidStatement
from proficio.lrs.activities import DefinitionCache
from proficio.lrs.statements import prepare_statements, store_statement_batches
from proficio.lrs.timestamps import StoredClock
from proficio.storage import statements as store
from proficio.storage.database import Database
from proficio.storage.keys import KeyCache
from tests.factories import statement, with_id

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example.com", "name": "t"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def run_group(db: Database, *batches: list[dict[str, Any]]) -> list[Any]:
    prepared = [
        prepare_statements(b, authority=AUTHORITY, version="1.0.3", batch=True, may_define=True)
        for b in batches
    ]
    with db.transaction() as tx:
        return list(
            store_statement_batches(
                tx, prepared, keys=KeyCache(), clock=StoredClock(), definitions=DefinitionCache()
            )
        )


def stored(db: Database, ids: list[str]) -> dict[str, store.StoredStatement]:
    return db.read_sync(lambda conn: store.get_statements(conn, ids))


def test_same_new_id_in_two_batches_conflicts_only_the_second(db: Database) -> None:
    first = with_id(statement())
    different = {**first, "object": {"id": "https://example.com/other"}}
    bystander = with_id(statement(slug="bystander"))
    outcomes = run_group(db, [first], [different, bystander], [first])
    assert outcomes[0] == [first["id"]]
    assert isinstance(outcomes[1], Conflict)
    assert outcomes[2] == [first["id"]]  # the same statement again is accepted
    rows = stored(db, [first["id"], bystander["id"]])
    assert set(rows) == {first["id"]}  # the refused batch left nothing behind


def test_voiding_across_batches_of_one_group(db: Database) -> None:
    target = with_id(statement())
    voider = with_id(
        {
            "actor": statement()["actor"],
            "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": target["id"]},
        }
    )
    void_the_voider = {
        "actor": statement()["actor"],
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": voider["id"]},
    }
    outcomes = run_group(db, [target], [voider], [void_the_voider])
    assert isinstance(outcomes[2], InvalidStatement)
    rows = stored(db, [target["id"], voider["id"]])
    assert rows[target["id"]].voided and not rows[voider["id"]].voided


def test_stored_grows_with_insertion_order(db: Database) -> None:
    batches = [[with_id(statement(slug=f"s{i}")) for i in range(3)] for _ in range(3)]
    run_group(db, *batches)
    ids = [s["id"] for b in batches for s in b]
    rows = stored(db, ids)
    by_seq = sorted(rows.values(), key=lambda r: r.seq)
    assert [r.statement_id for r in by_seq] == ids
    assert [r.stored_us for r in by_seq] == sorted({r.stored_us for r in by_seq})


def test_a_new_writer_clock_continues_after_what_is_stored(db: Database) -> None:
    """A restarted writer must not hand out a `stored` older than one already stored."""
    future_us = 4_102_444_800_000_000  # 2100-01-01: a clock that once ran ahead
    prepared = prepare_statements(
        [statement()], authority=AUTHORITY, version="1.0.3", batch=True, may_define=True
    )
    with db.transaction() as tx:
        clock = StoredClock()
        clock.advance_to(future_us)
        store_statement_batches(
            tx, [prepared], keys=KeyCache(), clock=clock, definitions=DefinitionCache()
        )
    later = prepare_statements(
        [statement()], authority=AUTHORITY, version="1.0.3", batch=True, may_define=True
    )
    with db.transaction() as tx:
        store_statement_batches(
            tx, [later], keys=KeyCache(), clock=StoredClock(), definitions=DefinitionCache()
        )
    rows = stored(db, [prepared[0].statement_id, later[0].statement_id])
    assert rows[later[0].statement_id].stored_us > rows[prepared[0].statement_id].stored_us
