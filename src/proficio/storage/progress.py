"""Persistence of the progress engine: evidence, levels, history, the queue of people to judge
again, frameworks and plans. No rules here (`proficio.progress` has them)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Select, Table, delete, insert, select, text, update

from proficio.lrs.refs import RefKind
from proficio.storage import rawsql
from proficio.storage.schema import (
    REF_TABLE_NAMES,
    frameworks,
    lrs_keys,
    person_identities,
    progress_changes,
    progress_evidence,
    progress_levels,
    progress_people,
    progress_plans,
    progress_queue,
    progress_summaries,
    statements,
)
from proficio.storage.schema import people as people_table

_PROGRESS = (progress_levels, progress_changes, progress_summaries, progress_people)

_CHUNK = 500
_ALL_EVIDENCE_PEOPLE = 200  # people whose evidence a rebuild holds at once
EvidenceRow = tuple[str, str, int, str]  # actor_key, statement_id, at_us, facts
NewEvidenceRow = tuple[str, str, int, str, int]  # and the statement's seq
# person, framework, signature, levels, baselines, regressed, reached, changed_us
SummaryRow = tuple[str, str, str, str, str, str, str, int | None]
# person, framework, competency, the newest evidence judged from a tally (`tally_diff`)
LatestRow = tuple[str, str, str, int]
# person, evaluated_us, next_check_us, tally (`progress.tallies`)
ScheduleRow = tuple[str, int, int | None, str | None]


@dataclass(frozen=True, slots=True)
class LevelRow:
    person_id: str
    framework_id: str
    competency_id: str
    level: int
    since_us: int | None
    last_evidence_us: int | None
    baseline_level: int | None
    regressed: bool


@dataclass(frozen=True, slots=True)
class ChangeRow:
    person_id: str
    framework_id: str
    competency_id: str
    at_us: int
    from_level: int
    to_level: int
    cause: str
    statement_ids: str
    gap_days: int | None


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# Evidence


def insert_evidence(conn: Connection, rows: Sequence[NewEvidenceRow]) -> None:
    rawsql.insert_rows(
        conn,
        "progress_evidence",
        (
            ("actor_key", "text"),
            ("statement_id", "varchar"),
            ("at_us", "int8"),
            ("facts", "text"),
            ("seq", "int8"),
        ),
        rows,
        on_conflict_do_nothing=True,
    )


def delete_evidence(conn: Connection, statement_ids: Sequence[str]) -> list[tuple[str, int]]:
    """Drop the evidence of these statements; returns (identifier, when) of what was dropped."""
    c, s = progress_evidence.c, statements.c
    dropped: list[tuple[str, int]] = []
    for chunk in _chunks(list(statement_ids)):
        seqs = select(s.seq).where(s.statement_id.in_(chunk)).scalar_subquery()
        found = conn.execute(select(c.actor_key, c.at_us).where(c.seq.in_(seqs)))
        dropped += [(key, at_us) for key, at_us in found]
        conn.execute(delete(progress_evidence).where(c.seq.in_(seqs)))
    return dropped


def evidence_of_people(conn: Connection, person_ids: Sequence[str]) -> dict[str, list[EvidenceRow]]:
    """Each person's evidence, through the identifiers they hold now. On the DBAPI cursor: the
    engine reads thousands of rows a second here."""
    found: dict[str, list[EvidenceRow]] = {p: [] for p in person_ids}
    for chunk in _chunks(list(person_ids)):
        _read_evidence(conn, found, chunk)
    return found


def recent_evidence_of_people(
    conn: Connection, starts: dict[str, int], *, windows: dict[str, int | None]
) -> dict[str, list[EvidenceRow]]:
    """Each person's evidence with one of the verbs in `windows`, from that verb's window
    before their start on (None: all of it). May give more (people whose starts are close
    share the earliest, and SQLite's LIKE ignores case), never less. A row's verb is the start
    of its facts (`evidence.facts_of` writes `["<verb>",...`), so no row is decoded to be
    left out."""
    found: dict[str, list[EvidenceRow]] = {p: [] for p in starts}
    verbs = sorted(windows)
    which = " OR ".join(
        "(e.facts LIKE ? ESCAPE '!'" + ("" if windows[verb] is None else " AND e.at_us >= ?") + ")"
        for verb in verbs
    )
    for chunk in _chunks(sorted(starts, key=starts.__getitem__)):
        start = starts[chunk[0]]  # the earliest of the chunk
        params: list[Any] = []
        for verb in verbs:
            window = windows[verb]
            params.append(_verb_pattern(verb))
            if window is not None:
                params.append(start - window)
        _read_evidence(conn, found, chunk, f" AND ({which or 'FALSE'})", params)
    return found


def _read_evidence(
    conn: Connection,
    found: dict[str, list[EvidenceRow]],
    people: Sequence[str],
    condition: str = "",
    params: Sequence[Any] = (),
) -> None:
    """The evidence table has no index by actor (it is kept in statement order, migration
    0010): a person's evidence is found through their identifiers' keys and the statements
    indexed under those as their actor. In two queries, so neither database's planner can
    start from the refs of every actor."""
    held = _held_keys(conn, people)
    if not held:
        return
    rows = [
        row
        for table in REF_TABLE_NAMES
        for row in rawsql.execute(
            conn,
            "SELECT r.key_id, e.actor_key, e.statement_id, e.at_us, e.facts "
            f"FROM {table} r JOIN progress_evidence e ON e.seq = r.seq "
            f"WHERE r.kind = ? AND r.key_id IN ({rawsql.placeholders(len(held))}){condition}",
            [RefKind.AGENT, *held, *params],
        )
    ]
    _own_rows(found, held, rows)


def max_evidence_seq(conn: Connection) -> int:
    """The largest evidence `seq` this transaction sees (0 when there is none)."""
    return int(rawsql.execute(conn, "SELECT COALESCE(MAX(seq), 0) FROM progress_evidence")[0][0])


def seq_in_commit_order(conn: Connection) -> bool:
    """Whether statements (and their evidence) are numbered in the order they are committed,
    so a transaction that sees one `seq` sees every smaller one. SQLite: one writer at a
    time numbers them (`statements.insert_statements`). PostgreSQL: a sequence hands out
    numbers to concurrent transactions (the server's writer and a CLI import) that may commit
    in another order."""
    return conn.dialect.name == "sqlite"


def new_evidence_of_people(
    conn: Connection, from_seq: dict[str, int]
) -> dict[str, list[EvidenceRow]]:
    """Each person's evidence from the statement `seq` given on (`progress_queue.since_seq`):
    a range of the actor index per identifier, however much evidence came before."""
    found: dict[str, list[EvidenceRow]] = {p: [] for p in from_seq}
    for chunk in _chunks(sorted(from_seq)):
        held = _held_keys(conn, chunk)
        if not held:
            continue
        bounds = [(key_id, from_seq[person]) for key_id, (person, _) in held.items()]
        values = ", ".join(["(CAST(? AS BIGINT), CAST(? AS BIGINT))"] * len(bounds))
        params = [value for bound in bounds for value in bound]
        rows = [
            row
            for table in REF_TABLE_NAMES
            for row in rawsql.execute(
                conn,
                # CROSS JOIN: SQLite then starts from the wanted keys (joined otherwise, it
                # may read every actor ref and look each up among them).
                f"WITH wanted (key_id, from_seq) AS (VALUES {values}) "
                "SELECT r.key_id, e.actor_key, e.statement_id, e.at_us, e.facts FROM wanted w "
                f"CROSS JOIN {table} r JOIN progress_evidence e ON e.seq = r.seq "
                "WHERE r.kind = ? AND r.key_id = w.key_id AND r.seq >= w.from_seq",
                [*params, RefKind.AGENT],
            )
        ]
        _own_rows(found, held, rows)
    return found


def _held_keys(conn: Connection, people: Sequence[str]) -> dict[int, tuple[str, str]]:
    """The key id of each identifier these people hold: key id -> (person, identifier)."""
    held = rawsql.execute(
        conn,
        "SELECT i.identifier, i.person_id, k.id FROM person_identities i "
        "JOIN lrs_keys k ON k.value = i.identifier "
        f"WHERE i.person_id IN ({rawsql.placeholders(len(people))})",
        people,
    )
    return {int(key_id): (person_id, identifier) for identifier, person_id, key_id in held}


def _own_rows(
    found: dict[str, list[EvidenceRow]],
    held: dict[int, tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> None:
    for key_id, key, statement_id, at_us, facts in rows:
        # The statement is under this key as its actor; the row must be that actor's too
        # (not another member of a Group actor, or the Agent it was about).
        person_id, identifier = held.get(key_id, ("", None))
        if identifier == key:
            found[person_id].append((key, statement_id, at_us, facts))


def _verb_pattern(verb: str) -> str:
    """A LIKE pattern for the facts of evidence with this verb."""
    start = "[" + orjson.dumps(verb).decode() + ","
    return "".join("!" + c if c in "!%_" else c for c in start) + "%"


def evidence_by_verb(
    conn: Connection, verbs: Sequence[str]
) -> list[tuple[str, str, int, int, str | bytes]]:
    """Everyone's evidence with one of `verbs` (IRIs), found through the statements' verb index
    rather than by reading all evidence: (person_id, statement_id, at_us, stored_us, facts)."""
    if not verbs:
        return []
    # The verbs' key ids first: joined in one query, SQLite may walk every verb ref instead.
    keys = [
        row[0] for row in conn.execute(select(lrs_keys.c.id).where(lrs_keys.c.value.in_(verbs)))
    ]
    if not keys:
        return []
    return [
        row
        for table in REF_TABLE_NAMES
        for row in rawsql.execute(
            conn,
            "SELECT i.person_id, e.statement_id, e.at_us, s.stored_us, e.facts "
            f"FROM {table} r JOIN statements s ON s.seq = r.seq "
            "JOIN progress_evidence e ON e.seq = s.seq "
            "JOIN person_identities i ON i.identifier = e.actor_key "
            f"WHERE r.kind = ? AND r.key_id IN ({rawsql.placeholders(len(keys))}) "
            # A statement about another statement inherits its verb ref: not evidence of it.
            "AND s.voided = ? AND s.target_id IS NULL",
            [RefKind.VERB, *keys, False],
        )
    ]


def all_evidence(conn: Connection) -> Iterator[tuple[str, list[EvidenceRow]]]:
    """Every person's evidence, one person at a time, in person order (for a rebuild)."""
    i = person_identities.c
    people = conn.execute(select(i.person_id).distinct().order_by(i.person_id)).scalars().all()
    for start in range(0, len(people), _ALL_EVIDENCE_PEOPLE):
        chunk = people[start : start + _ALL_EVIDENCE_PEOPLE]
        found: dict[str, list[EvidenceRow]] = {p: [] for p in chunk}
        _read_evidence(conn, found, chunk)
        yield from ((person_id, rows) for person_id, rows in found.items() if rows)


def clear_evidence(conn: Connection) -> None:
    conn.execute(delete(progress_evidence))


# The queue and the schedule


def queue_people(
    conn: Connection,
    person_ids: Sequence[str],
    *,
    now_us: int,
    since: dict[str, int] | None = None,
    since_seq: dict[str, int] | None = None,
) -> None:
    """Queue people to be judged again: from the moment in `since` (the earliest evidence that
    changed), or their whole history when `since` does not name them. Queued twice, the
    earlier moment (or the whole history) wins. `since_seq`: the smallest statement `seq` of
    the evidence added, for those in `since` (kept while every queueing gives one)."""
    since, since_seq = since or {}, since_seq or {}
    rows = [
        (p, now_us, since.get(p), now_us, since_seq.get(p) if p in since else None)
        for p in sorted(set(person_ids))
    ]
    if not rows:
        return
    rawsql.executemany(
        conn,
        "INSERT INTO progress_queue (person_id, queued_us, since_us, rev, since_seq) "
        "VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (person_id) DO UPDATE SET rev = excluded.rev, since_us = CASE "
        "WHEN progress_queue.since_us IS NULL OR excluded.since_us IS NULL THEN NULL "
        "WHEN excluded.since_us < progress_queue.since_us THEN excluded.since_us "
        "ELSE progress_queue.since_us END, since_seq = CASE "
        "WHEN progress_queue.since_us IS NULL OR excluded.since_us IS NULL "
        "OR progress_queue.since_seq IS NULL OR excluded.since_seq IS NULL THEN NULL "
        "WHEN excluded.since_seq < progress_queue.since_seq THEN excluded.since_seq "
        "ELSE progress_queue.since_seq END",
        rows,
    )


def queue_everyone(conn: Connection, *, now_us: int) -> None:
    """Queue every person who holds an identifier, for their whole history (after a framework
    changed)."""
    conn.execute(
        text("UPDATE progress_queue SET since_us = NULL, since_seq = NULL, rev = :now"),
        {"now": now_us},
    )
    conn.execute(
        text(
            "INSERT INTO progress_queue (person_id, queued_us, rev) "
            "SELECT DISTINCT person_id, :now, :now FROM person_identities "
            "WHERE person_id NOT IN (SELECT person_id FROM progress_queue)"
        ),
        {"now": now_us},
    )


def anything_due(conn: Connection, *, now_us: int) -> bool:
    """Whether anyone is queued, or may have evidence aging out by now."""
    if conn.execute(select(progress_queue.c.person_id).limit(1)).first() is not None:
        return True
    p = progress_people.c
    return (
        conn.execute(select(p.person_id).where(p.next_check_us <= now_us).limit(1)).first()
        is not None
    )


@dataclass(frozen=True, slots=True)
class Due:
    starts: dict[str, int | None]  # person -> judge from (None: the whole history)
    queued: dict[str, int]  # person -> the queue row's rev, as read
    # person -> the smallest statement seq of their new evidence, when queued for that only
    from_seq: dict[str, int] = field(default_factory=dict)


def lock_judging(conn: Connection) -> None:
    """One judge at a time (the server's writer, a CLI import's drain): on SQLite the write
    transaction already is; on PostgreSQL, a transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7310)"))


def due_people(conn: Connection, *, now_us: int, limit: int, exclude: Collection[str] = ()) -> Due:
    """People to judge again, and from when (None: their whole history): those queued, then
    those whose levels may have changed with time since they were last judged; none of
    `exclude` (people whose judgement is being written)."""
    q, p = progress_queue.c, progress_people.c
    query = select(q.person_id, q.since_us, q.rev, q.since_seq).order_by(q.queued_us)
    rows = conn.execute(query.limit(limit + len(exclude))).all()
    queued = [row for row in rows if row[0] not in exclude][:limit]
    due: dict[str, int | None] = {person: since for person, since, _, _ in queued}
    if len(due) < limit:
        timed = select(p.person_id).where(p.next_check_us <= now_us).order_by(p.next_check_us)
        for (person_id,) in conn.execute(timed.limit(limit + len(exclude))):
            if len(due) < limit and person_id not in exclude:
                due.setdefault(person_id, now_us)
    # What was judged last time stands up to then: start after it, at the latest.
    judged = evaluated_at(conn, sorted(due))
    starts = {
        person: None if since is None or person not in judged else min(since, judged[person] + 1)
        for person, since in due.items()
    }
    return Due(
        starts=starts,
        queued={person: rev for person, _, rev, _ in queued},
        from_seq={
            person: seq for person, since, _, seq in queued if since is not None and seq is not None
        },
    )


@dataclass(frozen=True, slots=True)
class ProgressDiff:
    """What turns some people's stored levels, history, summaries and schedule into newly
    judged ones: rows to delete (by primary key) and rows to put, per table, and levels whose
    latest evidence moves (judged from tallies), as read at `evaluated` (each person's
    `progress_people.evaluated_us` then, None if never judged)."""

    person_ids: list[str]
    gone: dict[str, list[tuple[Any, ...]]]
    put: dict[str, list[tuple[Any, ...]]]
    evaluated: dict[str, int | None]
    from_tallies: int = 0  # of the people, how many were judged from their tallies
    latest: list[LatestRow] = field(default_factory=list)  # levels' newest evidence, if newer


_JUDGED = (progress_levels, progress_changes, progress_summaries, progress_people)


@dataclass(frozen=True, slots=True)
class StoredProgress:
    """What is stored of some people's progress, read once for a round of judging: the
    rows of each table a judgement writes, by table name."""

    rows: dict[str, set[tuple[Any, ...]]]

    def levels(self) -> list[LevelRow]:
        return [LevelRow(*row) for row in self.rows[progress_levels.name]]

    def changes(self) -> list[ChangeRow]:
        """In time order."""
        return sorted(
            (ChangeRow(*row) for row in self.rows[progress_changes.name]),
            key=lambda change: change.at_us,
        )

    def evaluated(self) -> dict[str, int]:
        return {row[0]: int(row[1]) for row in self.rows[progress_people.name]}


def stored_progress(conn: Connection, person_ids: Sequence[str]) -> StoredProgress:
    rows: dict[str, set[tuple[Any, ...]]] = {table.name: set() for table in _JUDGED}
    for chunk in _chunks(sorted(person_ids)):
        for table in _JUDGED:
            query = select(*table.c).where(table.c.person_id.in_(chunk))
            rows[table.name].update(rawsql.execute_query(conn, query))
    return StoredProgress(rows)


def progress_diff(
    stored: StoredProgress,
    person_ids: Sequence[str],
    *,
    levels: Sequence[LevelRow],
    changes: Sequence[ChangeRow],
    summaries: Sequence[SummaryRow],
    schedule: Sequence[ScheduleRow],
) -> ProgressDiff:
    """Only the rows that differ from `stored` (read for these people): judged again after
    one more statement, a learner's history is mostly what it was."""
    new: dict[Table, list[tuple[Any, ...]]] = {
        progress_levels: [_values(row) for row in levels],
        progress_changes: [_values(row) for row in changes],
        progress_summaries: [tuple(row) for row in summaries],
        progress_people: [tuple(row) for row in schedule],
    }
    wanted = set(person_ids)
    gone: dict[str, list[tuple[Any, ...]]] = {}
    put: dict[str, list[tuple[Any, ...]]] = {}
    for table, rows in new.items():
        old = {row for row in stored.rows[table.name] if row[0] in wanted}
        fresh = {row for row in rows if row[0] in wanted}
        keys = _key_indexes(table)
        put[table.name] = sorted(fresh - old)
        kept = {tuple(row[i] for i in keys) for row in fresh}
        gone[table.name] = sorted(
            key for row in old - fresh if (key := tuple(row[i] for i in keys)) not in kept
        )
    evaluated: dict[str, int | None] = dict.fromkeys(person_ids)
    evaluated.update(stored.evaluated())
    return ProgressDiff(list(person_ids), gone, put, evaluated)


def tally_diff(
    latest: list[LatestRow], schedule: Sequence[ScheduleRow], *, evaluated: dict[str, int]
) -> ProgressDiff:
    """A diff that puts these schedule rows, moves these levels' latest evidence and removes
    nothing, for the people `evaluated` names (as judged then): what judging from tallies
    changes (`progress.tallies`)."""
    put: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in _JUDGED}
    put[progress_people.name] = sorted(tuple(row) for row in schedule)
    gone: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in _JUDGED}
    people = sorted(evaluated)
    return ProgressDiff(people, gone, put, dict(evaluated), len(people), sorted(latest))


def merge_diffs(first: ProgressDiff, second: ProgressDiff) -> ProgressDiff:
    """Two diffs for different people as one."""
    return ProgressDiff(
        sorted(first.person_ids + second.person_ids),
        {name: sorted(rows + second.gone[name]) for name, rows in first.gone.items()},
        {name: sorted(rows + second.put[name]) for name, rows in first.put.items()},
        {**first.evaluated, **second.evaluated},
        from_tallies=first.from_tallies + second.from_tallies,
        latest=sorted(first.latest + second.latest),
    )


def apply_progress_diff(
    conn: Connection, diff: ProgressDiff, *, now_us: int, queued: dict[str, int] | None = None
) -> list[str]:
    """Write a diff and take its people off the queue: each queue row in `queued` only if it
    is still the one read (queued again meanwhile, it stays for the next round); without
    `queued`, every row of theirs. People judged by someone else since the diff was read are
    left as that judgement wrote them and queued to be judged again, whole; returns them."""
    now = evaluated_at(conn, diff.person_ids)
    moved = sorted(p for p in diff.person_ids if now.get(p) != diff.evaluated[p])
    skip = set(moved)
    for table in _JUDGED:
        columns = [column.name for column in table.c]
        keys = [columns[i] for i in _key_indexes(table)]
        gone = [key for key in diff.gone[table.name] if key[0] not in skip]
        if gone:
            where = " AND ".join(f"{name} = ?" for name in keys)
            rawsql.executemany(conn, f"DELETE FROM {table.name} WHERE {where}", gone)
        put = [row for row in diff.put[table.name] if row[0] not in skip]
        if put:
            others = [name for name in columns if name not in keys]
            rawsql.executemany(
                conn,
                f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"VALUES ({rawsql.placeholders(len(columns))}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{name} = excluded.{name}" for name in others),
                put,
            )
    latest = [(at, *key, at) for *key, at in diff.latest if key[0] not in skip]
    if latest:  # each row is there: judged with this tally's framework, by the engine
        rawsql.executemany(
            conn,
            "UPDATE progress_levels SET last_evidence_us = ? WHERE person_id = ? "
            "AND framework_id = ? AND competency_id = ? "
            "AND (last_evidence_us IS NULL OR last_evidence_us < ?)",
            latest,
        )
    done = [p for p in diff.person_ids if p not in skip]
    if queued is None:
        for chunk in _chunks(done):
            conn.execute(delete(progress_queue).where(progress_queue.c.person_id.in_(chunk)))
    else:
        rawsql.executemany(
            conn,
            "DELETE FROM progress_queue WHERE person_id = ? AND rev = ?",
            sorted((p, rev) for p, rev in queued.items() if p not in skip),
        )
    if moved:
        queue_people(conn, moved, now_us=now_us)
    return moved


def _values(row: LevelRow | ChangeRow) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in row.__slots__)


def _key_indexes(table: Table) -> list[int]:
    return [i for i, column in enumerate(table.c) if column.primary_key]


def write_progress(
    conn: Connection,
    *,
    levels: Sequence[LevelRow],
    changes: Sequence[ChangeRow],
    summaries: Sequence[SummaryRow],
    schedule: Sequence[ScheduleRow],
) -> None:
    rawsql.insert_rows(
        conn,
        "progress_levels",
        (
            ("person_id", "text"),
            ("framework_id", "text"),
            ("competency_id", "text"),
            ("level", "int2"),
            ("since_us", "int8"),
            ("last_evidence_us", "int8"),
            ("baseline_level", "int2"),
            ("regressed", "bool"),
        ),
        [tuple(getattr(row, name) for name in LevelRow.__slots__) for row in levels],
    )
    rawsql.insert_rows(
        conn,
        "progress_changes",
        (
            ("person_id", "text"),
            ("framework_id", "text"),
            ("competency_id", "text"),
            ("at_us", "int8"),
            ("from_level", "int2"),
            ("to_level", "int2"),
            ("cause", "varchar"),
            ("statement_ids", "text"),
            ("gap_days", "int4"),
        ),
        [tuple(getattr(row, name) for name in ChangeRow.__slots__) for row in changes],
    )
    rawsql.insert_rows(
        conn,
        "progress_summaries",
        (
            ("person_id", "text"),
            ("framework_id", "text"),
            ("signature", "varchar"),
            ("levels", "text"),
            ("baselines", "text"),
            ("regressed", "text"),
            ("reached", "text"),
            ("changed_us", "int8"),
        ),
        summaries,
    )
    rawsql.insert_rows(
        conn,
        "progress_people",
        (
            ("person_id", "text"),
            ("evaluated_us", "int8"),
            ("next_check_us", "int8"),
            ("tally", "text"),
        ),
        schedule,
    )


def clear_progress(conn: Connection) -> None:
    for table in (*_PROGRESS, progress_queue):
        conn.execute(delete(table))


def changes_of(
    conn: Connection, person_ids: Sequence[str], *, competency_id: str | None = None
) -> list[ChangeRow]:
    c = progress_changes.c
    found: list[ChangeRow] = []
    for chunk in _chunks(list(person_ids)):
        query = select(*(c[name] for name in ChangeRow.__slots__)).where(c.person_id.in_(chunk))
        if competency_id is not None:
            query = query.where(c.competency_id == competency_id)
        found += [ChangeRow(*row) for row in rawsql.execute_query(conn, query.order_by(c.at_us))]
    return found


def levels_of_people(conn: Connection, person_ids: Sequence[str]) -> list[LevelRow]:
    c = progress_levels.c
    found: list[LevelRow] = []
    for chunk in _chunks(list(person_ids)):
        query = select(*(c[name] for name in LevelRow.__slots__)).where(c.person_id.in_(chunk))
        found += [LevelRow(*row) for row in conn.execute(query)]
    return found


def level_of_people(
    conn: Connection, *, people: Select[Any], framework_id: str, competency_id: str
) -> list[tuple[Any, ...]]:
    """(person_id, name, department, role, level, since_us, baseline_level) of each of
    `people` (a select of person ids), by name; level None for those never judged."""
    p, lv = people_table.c, progress_levels.c
    query = (
        select(p.person_id, p.name, p.department, p.role, lv.level, lv.since_us, lv.baseline_level)
        .select_from(people_table)
        .outerjoin(
            progress_levels,
            (lv.person_id == p.person_id)
            & (lv.framework_id == framework_id)
            & (lv.competency_id == competency_id),
        )
        .where(p.person_id.in_(people))
        .order_by(p.name, p.person_id)
    )
    return [tuple(row) for row in conn.execute(query)]


def judged_people(
    conn: Connection, person_ids: Sequence[str]
) -> dict[str, tuple[int, int | None, str | None]]:
    """evaluated_us, next_check_us and tally of those of these people ever judged."""
    c = progress_people.c
    found: dict[str, tuple[int, int | None, str | None]] = {}
    for chunk in _chunks(list(person_ids)):
        query = select(c.person_id, c.evaluated_us, c.next_check_us, c.tally)
        for person, evaluated, next_check, tally in rawsql.execute_query(
            conn, query.where(c.person_id.in_(chunk))
        ):
            found[person] = (int(evaluated), next_check, tally)
    return found


def evaluated_at(conn: Connection, person_ids: Sequence[str]) -> dict[str, int]:
    c = progress_people.c
    found: dict[str, int] = {}
    for chunk in _chunks(list(person_ids)):
        query = select(c.person_id, c.evaluated_us).where(c.person_id.in_(chunk))
        found.update({person: int(at) for person, at in conn.execute(query)})
    return found


# Frameworks and plans


def framework_document(conn: Connection, framework_id: str) -> dict[str, Any] | None:
    c = frameworks.c
    found = conn.execute(select(c.document).where(c.framework_id == framework_id)).scalar()
    return None if found is None else dict(orjson.loads(found))


def framework_documents(conn: Connection) -> list[dict[str, Any]]:
    c = frameworks.c
    rows = conn.execute(select(c.document).order_by(c.framework_id))
    return [orjson.loads(row[0]) for row in rows]


def framework_stamp(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever a framework is loaded or removed: when to read them again."""
    c = frameworks.c
    return tuple(tuple(row) for row in conn.execute(select(c.framework_id, c.loaded_at)))


def save_framework(
    conn: Connection,
    *,
    framework_id: str,
    name: str,
    version: str,
    document: dict[str, Any],
    loaded_at: str,
    loaded_by: str,
) -> bool:
    """Insert or replace; True when it replaced one."""
    c = frameworks.c
    values = {
        "name": name,
        "version": version,
        "document": orjson.dumps(document).decode(),
        "loaded_at": loaded_at,
        "loaded_by": loaded_by,
    }
    updated = conn.execute(update(frameworks).where(c.framework_id == framework_id).values(values))
    if updated.rowcount:
        return True
    conn.execute(insert(frameworks).values(framework_id=framework_id, **values))
    return False


def framework_rows(conn: Connection) -> list[dict[str, Any]]:
    c = frameworks.c
    query = select(c.framework_id, c.name, c.version, c.loaded_at, c.loaded_by)
    rows = conn.execute(query.order_by(c.framework_id))
    # Keys come back as SQLAlchemy quoted_name (a str subclass), which orjson refuses.
    return [{str(k): v for k, v in row._asdict().items()} for row in rows]


def delete_framework_progress(conn: Connection, framework_id: str) -> None:
    for table in (progress_levels, progress_changes, progress_summaries):
        conn.execute(delete(table).where(table.c.framework_id == framework_id))


def plan_documents(conn: Connection) -> list[dict[str, Any]]:
    c = progress_plans.c
    return [orjson.loads(row[0]) for row in conn.execute(select(c.document).order_by(c.plan_id))]


def replace_plans(
    conn: Connection, documents: Sequence[dict[str, Any]], *, updated_at: str
) -> None:
    conn.execute(delete(progress_plans))
    for document in documents:
        conn.execute(
            insert(progress_plans).values(
                plan_id=document["id"],
                document=orjson.dumps(document).decode(),
                updated_at=updated_at,
            )
        )
