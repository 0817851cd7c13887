"""Statement persistence: rows, their reference index, voided flags. No xAPI rules here.

The LRS service (`proficio.lrs.statements`) decides what to store; this module only reads and
writes it, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import ColumnElement, FromClause

from proficio.lrs.refs import RefKind
from proficio.storage import rawsql
from proficio.storage.keys import KeyCache, intern_keys, lookup_keys
from proficio.storage.schema import (
    REF_TABLES,
    lrs_keys,
    person_identities,
    statement_refs_recent,
    statements,
)
from proficio.storage.writer import Tx

RefRow = tuple[int, str]  # (kind, key value)

# New refs stay in `statement_refs_recent` until about this many are there, then all move into
# `statement_refs` (migration 0011 says why).
FOLD_ROWS = 100_000
_REF_COLUMNS = (("kind", "smallint"), ("key_id", "bigint"), ("seq", "bigint"))


@dataclass(frozen=True, slots=True)
class NewStatement:
    statement_id: str
    stored_us: int
    is_voiding: bool
    target_id: str | None
    body: str
    refs: Set[RefRow]
    timestamp_us: int


@dataclass(frozen=True, slots=True)
class StoredStatement:
    seq: int
    statement_id: str
    stored_us: int
    voided: bool
    is_voiding: bool
    target_id: str | None
    body: str


_COLUMNS = (
    statements.c.seq,
    statements.c.statement_id,
    statements.c.stored_us,
    statements.c.voided,
    statements.c.is_voiding,
    statements.c.target_id,
    statements.c.body,
)


def _rows(result: Iterable[Sequence[object]]) -> list[StoredStatement]:
    return [StoredStatement(*row) for row in result]  # type: ignore[arg-type]


_STATEMENT_COLUMNS = (
    ("statement_id", "varchar"),
    ("stored_us", "bigint"),
    ("voided", "boolean"),
    ("is_voiding", "boolean"),
    ("target_id", "varchar"),
    ("body", "jsonb"),
    ("timestamp_us", "bigint"),
)
_SELECT = (
    "SELECT seq, statement_id, stored_us, voided, is_voiding, target_id, {body} FROM statements"
)
_CHUNK = 500


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _select(conn: Connection, where: str, params: Sequence[Any]) -> list[StoredStatement]:
    body = "CAST(body AS TEXT)" if conn.dialect.name == "postgresql" else "body"
    sql = _SELECT.format(body=body) + f" WHERE {where}"
    return [
        StoredStatement(seq, sid, stored, bool(voided), bool(voiding), target, text)
        for seq, sid, stored, voided, voiding, target, text in rawsql.execute(conn, sql, params)
    ]


def _select_where(conn: Connection, column: str, values: Sequence[str]) -> list[StoredStatement]:
    found: list[StoredStatement] = []
    for chunk in _chunks(values):
        condition, params = rawsql.one_of(conn, column, chunk)
        found += _select(conn, condition, params)
    return found


def get_statements(conn: Connection, statement_ids: Sequence[str]) -> dict[str, StoredStatement]:
    return {row.statement_id: row for row in _select_where(conn, "statement_id", statement_ids)}


@dataclass(frozen=True, slots=True)
class Surroundings:
    """What storing new statements must know of the stored ones, read in one query."""

    stored: dict[str, StoredStatement]  # statement id -> the statement stored under it
    referrers: list[StoredStatement]  # statements whose object is a StatementRef to one of them


def surroundings(
    conn: Connection, statement_ids: Sequence[str], target_ids: Sequence[str]
) -> Surroundings:
    """The stored statements among `statement_ids` and `target_ids` (what new statements
    target), and the stored statements that target one of `statement_ids`."""
    wanted = list(dict.fromkeys([*statement_ids, *target_ids]))
    if len(wanted) > _CHUNK or len(statement_ids) > _CHUNK:
        stored = get_statements(conn, wanted)
        return Surroundings(stored, referring_statements(conn, statement_ids))
    by_id, by_id_params = rawsql.one_of(conn, "statement_id", wanted)
    by_target, by_target_params = rawsql.one_of(conn, "target_id", statement_ids)
    rows = _select(conn, f"{by_id} OR {by_target}", [*by_id_params, *by_target_params])
    found = set(wanted)
    referred = set(statement_ids)
    return Surroundings(
        stored={row.statement_id: row for row in rows if row.statement_id in found},
        referrers=[row for row in rows if row.target_id in referred],
    )


def existing_ids(conn: Connection, statement_ids: Sequence[str]) -> set[str]:
    """Which of `statement_ids` are stored (voided or not)."""
    found: set[str] = set()
    for chunk in _chunks(statement_ids):
        condition, params = rawsql.one_of(conn, "statement_id", chunk)
        sql = f"SELECT statement_id FROM statements WHERE {condition}"
        found.update(row[0] for row in rawsql.execute(conn, sql, params))
    return found


def referring_statements(conn: Connection, target_ids: Sequence[str]) -> list[StoredStatement]:
    """Statements whose object is a StatementRef to one of `target_ids`."""
    return _select_where(conn, "target_id", target_ids)


def insert_statements(tx: Tx, cache: KeyCache, rows: Sequence[NewStatement]) -> list[int]:
    """Insert statements and their references; returns their seq numbers in order."""
    conn = tx.conn
    values = [
        (r.statement_id, r.stored_us, False, r.is_voiding, r.target_id, r.body, r.timestamp_us)
        for r in rows
    ]
    if conn.dialect.name == "sqlite":
        # Numbered here, saving a query for the numbers SQLite would pick: SQLite has one
        # writer at a time, and a clash would hit the primary key, never pass silently.
        first = rawsql.execute(conn, "SELECT COALESCE(MAX(seq), 0) + 1 FROM statements")[0][0]
        seqs = list(range(first, first + len(rows)))
        rawsql.insert_rows(
            conn,
            "statements",
            (("seq", "bigint"), *_STATEMENT_COLUMNS),
            [(seq, *row) for seq, row in zip(seqs, values, strict=True)],
        )
        add_refs(tx, cache, [(seq, r.refs) for seq, r in zip(seqs, rows, strict=True)], new=True)
        return seqs
    ids = intern_keys(tx, cache, (key for r in rows for _, key in r.refs))
    refs = sorted({(kind, ids[key], r.statement_id) for r in rows for kind, key in r.refs})
    params = [*rawsql.arrays(values, len(_STATEMENT_COLUMNS)), *rawsql.arrays(refs, 3)]
    numbered = dict(rawsql.execute_native(conn, _PG_INSERT_WITH_REFS, params))
    return [numbered[r.statement_id] for r in rows]


# PostgreSQL: statements and their references in one statement (one round trip); each
# reference (kind, key id, statement id) finds its statement's new seq by the id.
_PG_INSERT_WITH_REFS = (
    "WITH new AS (INSERT INTO statements ({names}) SELECT * FROM {rows} "
    "RETURNING statement_id, seq), "
    "refs AS (INSERT INTO statement_refs (kind, key_id, seq) "
    "SELECT r.kind, r.key_id, new.seq FROM {refs} AS r(kind, key_id, statement_id) "
    "JOIN new USING (statement_id)) "
    "SELECT statement_id, seq FROM new"
).format(
    names=", ".join(name for name, _ in _STATEMENT_COLUMNS),
    rows=rawsql.unnest(_STATEMENT_COLUMNS),
    refs=rawsql.unnest((("kind", "smallint"), ("key_id", "bigint"), ("statement_id", "varchar"))),
)


def add_refs(
    tx: Tx, cache: KeyCache, items: Sequence[tuple[int, Iterable[RefRow]]], *, new: bool = False
) -> None:
    """Index statements under their refs. `new`: the statements were inserted in this
    transaction, so none of their refs can be stored yet and the database need not look for a
    conflict before each insert (PostgreSQL's speculative insertion costs most of an insert).

    On SQLite the refs wait in `statement_refs_recent` until enough are there to move at once
    (migration 0011 says why). PostgreSQL writes a change to its log, not the pages it
    touched, so it gains nothing from that: they go straight into `statement_refs`."""
    conn = tx.conn
    materialised = [(seq, list(refs)) for seq, refs in items]
    ids = intern_keys(tx, cache, (key for _, refs in materialised for _, key in refs))
    # In index order: each insert lands next to the previous one's page.
    rows = sorted({(kind, ids[key], seq) for seq, refs in materialised for kind, key in refs})
    if conn.dialect.name != "sqlite":
        rawsql.insert_rows(
            conn, "statement_refs", _REF_COLUMNS, rows, on_conflict_do_nothing=not new
        )
        return
    if not new:  # statements stored earlier: a ref may have moved already
        rows = [row for row in rows if not _folded(conn, row)]
    rawsql.insert_rows(
        conn, "statement_refs_recent", _REF_COLUMNS, rows, on_conflict_do_nothing=not new
    )
    if cache.recent_refs is None:
        counted = select(func.count()).select_from(statement_refs_recent)
        cache.recent_refs = int(conn.execute(counted).scalar_one())
    else:
        cache.recent_refs += len(rows)
    if cache.recent_refs >= FOLD_ROWS:
        fold_recent_refs(conn)
        cache.recent_refs = 0


def _folded(conn: Connection, row: tuple[int, int, int]) -> bool:
    sql = "SELECT 1 FROM statement_refs WHERE kind = ? AND key_id = ? AND seq = ?"
    return bool(rawsql.execute(conn, sql, row))


def fold_recent_refs(conn: Connection) -> None:
    """Move every ref in `statement_refs_recent` into `statement_refs`, in key order, inside
    the caller's transaction: readers see each ref in one table or the other, never neither."""
    rawsql.execute(
        conn,
        "INSERT INTO statement_refs (kind, key_id, seq) "
        "SELECT kind, key_id, seq FROM statement_refs_recent WHERE true "
        "ORDER BY kind, key_id, seq ON CONFLICT DO NOTHING",
    )
    rawsql.execute(conn, "DELETE FROM statement_refs_recent")


def mark_voided(conn: Connection, statement_ids: Sequence[str]) -> None:
    """Flag statements as voided, except voiding statements, which can never be voided."""
    for chunk in _chunks(statement_ids):
        condition, params = rawsql.one_of(conn, "statement_id", chunk)
        rawsql.execute(
            conn,
            f"UPDATE statements SET voided = ? WHERE {condition} AND is_voiding = ?",
            [True, *params, False],
        )


@dataclass(frozen=True, slots=True)
class RefFilter:
    """Statements indexed under `key` with any of `kinds`."""

    kinds: tuple[int, ...]
    key: str


@dataclass(frozen=True, slots=True)
class StatementFilter:
    """A query over stored statements; `refs` are ANDed."""

    refs: tuple[RefFilter, ...] = ()
    since_us: int | None = None
    until_us: int | None = None
    after_seq: int | None = None  # exclusive bound in the direction of travel (paging)
    max_seq: int | None = None  # the newest statement a paged query may return
    ascending: bool = False
    limit: int = 100


def max_stored_us(conn: Connection) -> int:
    found = conn.execute(select(func.max(statements.c.stored_us))).scalar()
    return int(found or 0)


def max_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(statements.c.seq), 0))).scalar_one())


def query_statements(
    conn: Connection, cache: KeyCache, flt: StatementFilter
) -> list[StoredStatement]:
    """Statements matching `flt` that are not voided, in stored order, at most `limit` of them.

    The most selective single-kind filter drives the query through the reference index in seq
    order; the other filters are point lookups in the same index. A filter over several kinds
    (related_agents, related_activities) that has to drive runs once per kind, and the pages
    are merged.
    """
    key_ids = lookup_keys(conn, cache, (f.key for f in flt.refs))
    if len(key_ids) < len({f.key for f in flt.refs}):
        return []  # a filter value nothing was ever stored under
    seq_bounds = _seq_bounds(conn, flt)
    if seq_bounds is None:
        return []
    order = sorted(flt.refs, key=lambda f: len(f.kinds))
    driver, others = (order[0], order[1:]) if order else (None, [])
    if driver is None or len(driver.kinds) == 1:
        kind = driver.kinds[0] if driver else None
        rows = _page(conn, flt, key_ids, seq_bounds, (driver, kind), others)
    else:
        merged: dict[int, StoredStatement] = {}
        for kind in driver.kinds:
            for row in _page(conn, flt, key_ids, seq_bounds, (driver, kind), others):
                merged[row.seq] = row
        rows = sorted(merged.values(), key=lambda r: r.seq, reverse=not flt.ascending)
    return rows[: flt.limit]


def _page(
    conn: Connection,
    flt: StatementFilter,
    key_ids: dict[str, int],
    seq_bounds: tuple[int | None, int | None],
    driving: tuple[RefFilter | None, int | None],
    others: list[RefFilter],
) -> list[StoredStatement]:
    """A page driven by a ref filter through each reference table in seq order, merged (the
    first `limit` of both are among the first `limit` of each), or by the statements alone."""
    driver, driver_kind = driving
    low, high = seq_bounds
    values = {"since": flt.since_us, "until": flt.until_us, "low": low, "high": high}
    values["after"] = flt.after_seq
    params = {name: value for name, value in values.items() if value is not None}
    params["limit"] = flt.limit
    if driver is not None:
        params["driver_key"] = key_ids[driver.key]
    for i, other in enumerate(others):
        params[f"key{i}"] = key_ids[other.key]
    merged: dict[int, StoredStatement] = {}
    for table in REF_TABLES if driver is not None else (None,):
        shape = _PageShape(
            table=table.name if table is not None else None,
            driver_kind=driver_kind if driver is not None else None,
            other_kinds=tuple(other.kinds for other in others),
            given=frozenset(name for name in values if name in params),
            ascending=flt.ascending,
        )
        merged.update((row.seq, row) for row in _rows(conn.execute(_page_query(shape), params)))
    rows = sorted(merged.values(), key=lambda r: r.seq, reverse=not flt.ascending)
    return rows[: flt.limit]


@dataclass(frozen=True, slots=True)
class _PageShape:
    """What a page's query looks like, apart from its values."""

    table: str | None  # the reference table that drives it, if a ref filter does
    driver_kind: int | None
    other_kinds: tuple[tuple[int, ...], ...]  # each other ref filter's kinds
    given: frozenset[str]  # which of since, until, low, high, after are set
    ascending: bool


@functools.lru_cache(maxsize=256)
def _page_query(shape: _PageShape) -> Select[Any]:
    """Built once per shape: building a query costs more than running this one."""
    conds: list[ColumnElement[bool]] = [statements.c.voided.is_(False)]
    if "since" in shape.given:
        conds.append(statements.c.stored_us > bindparam("since"))
    if "until" in shape.given:
        conds.append(statements.c.stored_us <= bindparam("until"))
    seq_col = statements.c.seq
    source: FromClause = statements
    if shape.table is not None:
        ref = next(t for t in REF_TABLES if t.name == shape.table).alias("r0")
        conds += [ref.c.kind == shape.driver_kind, ref.c.key_id == bindparam("driver_key")]
        source = ref.join(statements, statements.c.seq == ref.c.seq)
        seq_col = ref.c.seq
    for i, kinds in enumerate(shape.other_kinds):
        found = []
        for t, ref_table in enumerate(REF_TABLES):
            alias = ref_table.alias(f"r{i + 1}_{t}")
            kind_cond = alias.c.kind == kinds[0] if len(kinds) == 1 else alias.c.kind.in_(kinds)
            key_cond = alias.c.key_id == bindparam(f"key{i}")
            found.append(exists().where(and_(kind_cond, key_cond, alias.c.seq == seq_col)))
        conds.append(or_(*found))
    if "low" in shape.given:
        conds.append(seq_col >= bindparam("low"))
    if "high" in shape.given:
        conds.append(seq_col <= bindparam("high"))
    if "after" in shape.given:
        after = bindparam("after", type_=seq_col.type)
        conds.append(seq_col > after if shape.ascending else seq_col < after)
    return (
        select(*_COLUMNS)
        .select_from(source)
        .where(*conds)
        .order_by(seq_col.asc() if shape.ascending else seq_col.desc())
        .limit(bindparam("limit"))
    )


def _seq_bounds(conn: Connection, flt: StatementFilter) -> tuple[int | None, int | None] | None:
    """Turn since/until into a seq range so the reference index alone serves the filter.

    `stored` grows with `seq` (both are assigned by the writer), so the first statement stored
    after `since` starts the range; the stored_us conditions are still applied to be exact.
    None means nothing can match.
    """
    low: int | None = None
    high = flt.max_seq
    if flt.since_us is not None:
        low = conn.execute(
            select(statements.c.seq)
            .where(statements.c.stored_us > flt.since_us)
            .order_by(statements.c.stored_us.asc(), statements.c.seq.asc())
            .limit(1)
        ).scalar()
        if low is None:
            return None
    if flt.until_us is not None:
        last = conn.execute(
            select(statements.c.seq)
            .where(statements.c.stored_us <= flt.until_us)
            .order_by(statements.c.stored_us.desc(), statements.c.seq.desc())
            .limit(1)
        ).scalar()
        if last is None:
            return None
        high = last if high is None else min(high, last)
    return low, high


@dataclass(frozen=True, slots=True)
class PersonStatement:
    """A statement about a person, and how: `kind` is RefKind.AGENT (one of their identifiers
    is the actor or the Agent/Group object) or RefKind.RELATED_AGENT (only elsewhere: context
    instructor or team, xAPI 2.0 context agents and groups, inside a SubStatement)."""

    statement: StoredStatement
    kind: int
    timestamp_us: int  # when it happened


def statements_of_person(
    conn: Connection,
    *,
    person_id: str,
    before: tuple[int, int] | None = None,
    limit: int,
) -> list[PersonStatement]:
    """The non-voided statements indexed under any identifier the person holds now, as agent
    or related agent (never as authority), newest first by when they happened (their
    timestamp), then by seq; page on with the last one's (timestamp_us, seq) as `before`.
    A statement found under both kinds is reported as AGENT."""
    ids = person_identities.c
    under = union_all(
        *(
            select(t.c.seq, t.c.kind)
            .select_from(
                t.join(lrs_keys, lrs_keys.c.id == t.c.key_id).join(
                    person_identities, ids.identifier == lrs_keys.c.value
                )
            )
            .where(ids.person_id == person_id, t.c.kind.in_((RefKind.AGENT, RefKind.RELATED_AGENT)))
            for t in REF_TABLES
        )
    ).subquery()
    query = select(under.c.seq, func.min(under.c.kind).label("kind")).group_by(under.c.seq)
    found = query.subquery()
    s = statements.c
    when = func.coalesce(s.timestamp_us, s.stored_us)
    page = (
        select(*_COLUMNS, found.c.kind, when)
        .select_from(found.join(statements, s.seq == found.c.seq))
        .where(s.voided.is_(False))
        .order_by(when.desc(), s.seq.desc())
        .limit(limit)
    )
    if before is not None:
        page = page.where(or_(when < before[0], and_(when == before[0], s.seq < before[1])))
    rows = conn.execute(page)
    return [PersonStatement(StoredStatement(*row[:-2]), row[-2], row[-1]) for row in rows]


def evidence_source(conn: Connection) -> Iterable[tuple[int, str, str, int]]:
    """(seq, statement_id, body, timestamp_us) of every statement that counts as evidence:
    neither voided nor voiding; in storage order, streamed."""
    c = statements.c
    query = (
        select(c.seq, c.statement_id, c.body, c.timestamp_us)
        .where(~c.voided, ~c.is_voiding)
        .order_by(c.seq)
    )
    yield from conn.execute(query.execution_options(yield_per=10_000))
