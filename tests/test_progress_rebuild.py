"""Incremental == rebuild, as a property: any stream of statements, voids and identity links,
stored in any batches with levels judged after each, leaves exactly the levels, history and
schedule that `rebuild` (from the statements) gives at the same moment. Both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from proficio.capture.profile import Profile
from proficio.lrs.handlers import statement_subscribers
from proficio.lrs.statements import prepare_statements, statement_handler
from proficio.people.directory import apply_roster
from proficio.people.identities import link_identifier, person_of, split_identifiers
from proficio.people.roster import RosterRow
from proficio.progress import tallies
from proficio.progress.service import (
    REFRESH_BATCH,
    Frameworks,
    default_framework_document,
    judge_due,
    load_framework,
    rebuild,
    refresh_due,
    write_judgement,
)
from proficio.storage import progress as store
from proficio.storage.database import Database
from proficio.storage.schema import (
    metadata,
    progress_changes,
    progress_levels,
    progress_people,
    progress_summaries,
)

HOME = "http://localhost:8000"
ADL = "http://adlnet.gov/expapi/"
PROFILE = Profile()
T_US = 1_800_000_000_000_000  # the moment both paths judge at last
DAY_US = 86_400_000_000
T = dt.datetime.fromtimestamp(T_US / 1e6, tz=dt.UTC)
AUTHORITY = {"objectType": "Agent", "account": {"homePage": HOME, "name": "tests"}}
STRAY = "mailto:stray@example.org"

_KINDS = ("module", "quiz", "use", "unapproved", "survey", "apply", "observe", "exercise", "help")


def _statement(
    kind: str, who: str, day: int, value: int, *, before: dt.datetime = T, seconds: int = 0
) -> dict[str, Any]:
    """`day` days, `value` minutes and `seconds` before `before`."""
    actor: dict[str, Any] = (
        {"mbox": STRAY} if who == "stray" else {"account": {"homePage": HOME, "name": who}}
    )
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", **actor},
        "timestamp": (before - dt.timedelta(days=day, minutes=value, seconds=seconds)).isoformat(),
    }

    def on(verb: str, path: str, type_: str) -> None:
        body["verb"] = {"id": verb}
        body["object"] = {"id": f"{HOME}/activities/{path}", "definition": {"type": type_}}

    ext = PROFILE.extension
    if kind == "module":
        on(f"{ADL}verbs/completed", "module/ai-safe-use/safe-use", f"{ADL}activities/module")
    elif kind in ("quiz", "exercise"):
        path = (
            "assessment/ai-safe-use/safe-use-quiz"
            if kind == "quiz"
            else "assessment/verifying-outputs/verification-exercise"
        )
        on(f"{ADL}verbs/passed", path, f"{ADL}activities/assessment")
        body["result"] = {"success": True, "score": {"scaled": 0.8}}
    elif kind in ("use", "unapproved"):
        on(PROFILE.verb("used"), "ai-tool/Copilot", PROFILE.activity_type("ai-tool"))
        body["context"] = {"extensions": {ext("approved-tool"): kind == "use"}}
    elif kind == "survey":
        on(f"{ADL}verbs/responded", "survey/pulse", PROFILE.activity_type("survey"))
        body["result"] = {
            "extensions": {
                ext("confidence"): 1 + value % 5,
                ext("understands-approved-tools"): 1 + (value * 3) % 5,
            }
        }
    elif kind == "apply":
        on(PROFILE.verb("applied"), f"workflow/W{value % 3}", PROFILE.activity_type("workflow"))
    elif kind == "observe":
        on(
            PROFILE.verb("demonstrated"),
            "behaviour/reviews-outputs",
            PROFILE.activity_type("behaviour"),
        )
        body["result"] = {"score": {"raw": 1 + value % 5, "min": 1, "max": 5}}
    else:
        body["verb"] = {"id": PROFILE.verb("helped")}
        body["object"] = {"objectType": "Agent", "mbox": f"mailto:colleague{value}@example.org"}
    return body


statement = st.tuples(
    st.just("statement"),
    st.sampled_from(_KINDS),
    st.sampled_from(["E1", "E2", "E3", "stray"]),
    st.integers(0, 120),
    st.integers(0, 9),
)
# Bundles of statements that together reach a level (the safe-use module and its quiz; a
# confident learner practising; three runs of one workflow), so random streams reach, lose and
# regain levels, besides single statements, voids, links and splits, and commits.
_BUNDLES = {
    "awareness": (("module", 0, 0), ("quiz", 0, 1)),
    "practice": (("survey", 0, 4), ("use", 0, 0), ("use", 2, 0), ("use", 5, 0)),
    "workflow": (("apply", 0, 0), ("apply", 3, 3), ("apply", 9, 6), ("observe", 1, 3)),
}
bundle = st.tuples(
    st.sampled_from(sorted(_BUNDLES)),
    st.sampled_from(["E1", "E2", "E3", "stray"]),
    st.integers(0, 120),
    st.integers(0, 9),
)
# A statement dated just before the next judgement, after the last: what a live stream sends,
# judged from tallies when no level moves (`progress.tallies`).
fresh = st.tuples(
    st.just("fresh"),
    st.sampled_from(_KINDS),
    st.sampled_from(["E1", "E2", "E3", "stray"]),
    st.integers(1, 600),
)
# A statement dated seconds before the next judgement; stored after that judgement read (an
# "overlap" round), it is in flight: judged from tallies when the tally reaches back to it.
late = st.tuples(
    st.just("late"),
    st.sampled_from(_KINDS),
    st.sampled_from(["E1", "E2", "E3", "stray"]),
    st.integers(0, 2 * tallies.REACH_BACK_US // 1_000_000),
)
event = st.one_of(
    statement,
    bundle,
    fresh,
    fresh,
    late,
    st.tuples(st.just("overlap")),
    st.tuples(st.just("void"), st.integers(0, 10_000)),
    st.tuples(st.just("link"), st.sampled_from(["E1", "E2"])),
    st.tuples(st.just("commit")),
)


def _expand(item: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if item[0] not in _BUNDLES:
        return [item]
    _, who, day, value = item
    return [
        ("statement", kind, who, max(0, day - offset), (value + extra) % 10)
        for kind, offset, extra in _BUNDLES[item[0]]
    ]


def _reset(database: Database) -> None:
    """Empty every table and load the roster and the default framework again: a fresh
    organisation for each example, without migrating a new database each time."""
    with database.transaction() as tx:
        for table in reversed(metadata.sorted_tables):
            tx.conn.execute(table.delete())
    rows = [
        RosterRow(
            n,
            p,
            f"Person {p}",
            f"{p.lower()}@example.com",
            "Ops",
            "Analyst",
            None,
            None,
            "2024-01-01",
        )
        for n, p in enumerate(["E1", "E2", "E3"], start=2)
    ]
    with database.transaction() as tx:
        apply_roster(tx.conn, rows=rows, today=dt.date(2026, 1, 1), home_page=HOME)
        load_framework(tx.conn, document=default_framework_document(), profile=PROFILE, by="t")


def _state(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the engine stores, but when each person was last judged (which depends on
    when they were due, not on what they did)."""
    tables = (progress_levels, progress_changes, progress_summaries)
    p = progress_people.c
    with database.engine.connect() as conn:
        state = {t.name: sorted(tuple(row) for row in conn.execute(select(t))) for t in tables}
        schedule = conn.execute(select(p.person_id, p.next_check_us))
        state["progress_people"] = sorted(tuple(row) for row in schedule)
        return state


def move_stray(conn: Any, *, to_person: str) -> None:
    """Link the stray address to `to_person`, or split it off whoever holds it."""
    identifier = f"mbox:{STRAY}"
    holder = person_of(conn, identifier)
    if holder is None:
        link_identifier(conn, person_id=to_person, identifier=identifier, by="t")
    elif holder != to_person:
        split_identifiers(
            conn,
            person_id=holder,
            identifiers=[identifier],
            to_person=to_person,
            by="t",
            reason="test",
        )


def _run(
    database: Database,
    events: list[tuple[Any, ...]],
    counts: Counter[str],
    *,
    spacing_us: int = 3 * DAY_US,
) -> None:
    """Store the stream, judging everyone due at each commit as the server's rounds do, or,
    at an overlap, judging one round on a snapshot, storing what is pending, and then
    writing the round (as the server's worker and writer do); at a store, storing what is
    pending without judging. `counts`: people judged, and of them judged from tallies.
    Judgements are `spacing_us` apart."""
    frameworks = Frameworks(PROFILE)
    handler = statement_handler(
        skip_stored=True, subscribers=statement_subscribers(account_home_pages=(HOME,))
    )
    stored: list[str] = []
    pending: list[dict[str, Any]] = []
    steps = [step for original in events for step in _expand(original)]
    # Judged at moments `spacing_us` apart (three days unless asked), the last one T (when
    # the rebuild judges): levels judged earlier continue from where they were, and evidence
    # ages out in between.
    commits = 1 + sum(1 for step in steps if step[0] in ("commit", "link", "overlap"))
    moments = list(range(T_US - (commits - 1) * spacing_us, T_US + 1, spacing_us))
    done = [0]  # commits so far: `moments[done[0]]` is the next judgement's

    def store_pending() -> None:
        if pending:
            prepared = prepare_statements(
                list(pending), authority=AUTHORITY, version="1.0.3", batch=True, may_define=False
            )
            with database.transaction() as tx:
                (outcome,) = handler(tx, [prepared])
                assert isinstance(outcome, list), outcome
            stored.extend(p["id"] for p in pending if not p["verb"]["id"].endswith("voided"))
            pending.clear()

    def count(judgement: Any) -> None:
        counts["judged"] += len(judgement.diff.person_ids)
        counts["from_tallies"] += judgement.diff.from_tallies

    def overlap() -> None:
        at_us = moments[done[0]]
        done[0] += 1
        with database.engine.connect() as conn, conn.begin():
            current = frameworks.current(conn)
            judgement = judge_due(conn, frameworks=current, at_us=at_us, limit=REFRESH_BATCH)
        store_pending()
        if judgement is not None:
            with database.transaction() as tx:
                store.lock_judging(tx.conn)
                write_judgement(tx.conn, judgement, now_us=at_us)
            count(judgement)

    def commit() -> None:
        store_pending()
        at_us = moments[done[0]]
        done[0] += 1
        with database.transaction() as tx:
            store.lock_judging(tx.conn)
            while judgement := judge_due(
                tx.conn, frameworks=frameworks.current(tx.conn), at_us=at_us, limit=REFRESH_BATCH
            ):
                write_judgement(tx.conn, judgement, now_us=at_us)
                count(judgement)

    for item in steps:
        if item[0] == "statement":
            pending.append(_statement(*item[1:]))
        elif item[0] == "fresh":
            _, kind, who, minutes = item
            when = dt.datetime.fromtimestamp(moments[done[0]] / 1e6, tz=dt.UTC)
            pending.append(_statement(kind, who, 0, minutes, before=when))
        elif item[0] == "late":
            _, kind, who, seconds = item
            when = dt.datetime.fromtimestamp(moments[done[0]] / 1e6, tz=dt.UTC)
            pending.append(_statement(kind, who, 0, 0, before=when, seconds=seconds))
        elif item[0] == "overlap":
            overlap()
        elif item[0] == "store":
            store_pending()
        elif item[0] == "void" and stored:
            target = stored.pop(item[1] % len(stored))
            pending.append(
                {
                    "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "E1"}},
                    "verb": {"id": f"{ADL}verbs/voided"},
                    "object": {"objectType": "StatementRef", "id": target},
                    "id": str(uuid.uuid4()),
                }
            )
        elif item[0] == "link":
            commit()
            with database.transaction() as tx:
                move_stray(tx.conn, to_person=item[1])
        elif item[0] == "commit":
            commit()
    commit()


def _check_against_rebuild(
    database: Database,
    strategy: st.SearchStrategy[list[tuple[Any, ...]]],
    *,
    spacing_us: int = 3 * DAY_US,
) -> Counter[str]:
    """Run `strategy`'s streams, each compared with a rebuild; returns how many judgements
    there were, of them how many from tallies, and which tables the streams filled."""
    examples = int(__import__("os").environ.get("EXAMPLES", "30"))
    counts: Counter[str] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
        derandomize=True,  # the same streams each run: the share asserted below is steady
    )
    @given(strategy)
    def check(events: list[tuple[Any, ...]]) -> None:
        _reset(database)
        _run(database, events, counts, spacing_us=spacing_us)
        incremental = _state(database)
        counts.update(f"filled {k}" for k, v in incremental.items() if v)
        with database.transaction() as tx:
            frameworks = Frameworks(PROFILE).current(tx.conn)
            rebuild(tx.conn, frameworks=frameworks, at_us=T_US, from_statements=True)
        assert _state(database) == incremental

    check()
    return counts


def test_incremental_levels_equal_a_rebuild_from_the_statements(db: Database) -> None:
    counts = _check_against_rebuild(db, st.lists(event, min_size=10, max_size=80))
    # The streams reached levels, changed them and scheduled looks again: the property was
    # tested on something. Some judgements were made from tallies, most by the engine.
    for table in ("progress_levels", "progress_changes", "progress_summaries", "progress_people"):
        assert counts[f"filled {table}"], table
    assert 0 < counts["from_tallies"] < counts["judged"] // 2, counts


def test_a_live_stream_judged_from_tallies_equals_a_rebuild(db: Database) -> None:
    """Statements dated between judgements, as a live stream sends them: most judgements are
    made from tallies, and those where a level moves by the engine."""
    live = st.one_of(
        fresh, fresh, fresh, late, late, st.tuples(st.just("overlap")), st.tuples(st.just("commit"))
    )
    counts = _check_against_rebuild(db, st.lists(live, min_size=10, max_size=80))
    assert 0 < counts["from_tallies"] < counts["judged"], counts


def test_statements_in_flight_while_a_round_judges_equal_a_rebuild(db: Database) -> None:
    """Statements dated seconds before a round's moment, stored after it read (judged a
    minute apart, as under load): judged from tallies when the tally reaches back to them
    and no level moves, otherwise by the engine; the same as a rebuild either way."""
    learning = st.one_of(bundle, statement)
    live = st.one_of(
        late, late, late, *[st.tuples(st.just(step)) for step in ("store", "overlap", "commit")]
    )
    streams = st.tuples(st.lists(learning, max_size=6), st.lists(live, min_size=10, max_size=60))
    counts = _check_against_rebuild(
        db, streams.map(lambda parts: [*parts[0], ("commit",), *parts[1]]), spacing_us=60_000_000
    )
    assert 0 < counts["from_tallies"] < counts["judged"], counts


def test_a_use_that_reaches_a_level_is_judged_by_the_engine(db: Database) -> None:
    """Judged from tallies while nothing moves; the use that makes three in fourteen days
    raises the level (Confidence on approved tools), which tallies leave to the engine, and
    a use that ages out lowers it again, on the day it does."""
    database = db
    _reset(database)
    awareness = [("fresh", "module", "E1", 10), ("fresh", "quiz", "E1", 11)]
    confident = [("fresh", "survey", "E1", 3)]  # understands approved tools: 5
    use = [("fresh", "use", "E1", 5), ("commit",)]
    counts: Counter[str] = Counter()
    _run(
        database,
        [*awareness, *confident, ("commit",), *use, *use, *use, *[("commit",)] * 4],
        counts,
    )
    with database.engine.connect() as conn:
        changes = store.changes_of(conn, ["E1"], competency_id="approved-tools")
    assert [(c.from_level, c.to_level) for c in changes] == [(0, 1), (1, 2), (2, 1)]
    assert counts["from_tallies"] == 2, counts  # the first two uses
    incremental = _state(database)
    with database.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=T_US, from_statements=True)
    assert _state(database) == incremental


def test_the_property_can_fail_when_a_path_skips_a_person(db: Database) -> None:
    """The comparison sees a difference: levels judged before a statement arrives are not what
    a rebuild gives after it."""
    database = db
    _reset(database)
    events = [("statement", "module", "E1", 3, 0), ("statement", "quiz", "E1", 3, 1)]
    _run(database, events, Counter())
    with database.transaction() as tx:
        tx.conn.execute(progress_levels.delete())
    damaged = _state(database)
    with database.transaction() as tx:
        frameworks = Frameworks(PROFILE).current(tx.conn)
        rebuild(tx.conn, frameworks=frameworks, at_us=T_US, from_statements=True)
    assert _state(database) != damaged


def test_a_cohort_starting_later_moves_the_baseline_when_it_starts(db: Database) -> None:
    """The baseline is the level on the latest cohort's start date: a cohort that starts after
    the learner was judged schedules a look on that day."""
    from proficio.people.cohort_file import CohortSpec
    from proficio.people.cohorts import apply_cohorts
    from proficio.storage import progress as store

    start = dt.datetime.fromtimestamp(T_US / 1e6, tz=dt.UTC).date()
    spec = CohortSpec(
        index=0,
        line=None,
        cohort_id="later",
        name="Later",
        program="p",
        start=start.isoformat(),
        end=(start + dt.timedelta(days=60)).isoformat(),
        due_dates=[],
        target_roles=[],
        members=["E1"],
        status="active",
    )
    database = db
    _reset(database)
    with database.transaction() as tx:
        apply_cohorts(tx.conn, cohorts=[spec], today=start - dt.timedelta(days=30))
    frameworks = Frameworks(PROFILE)
    handler = statement_handler(
        skip_stored=True, subscribers=statement_subscribers(account_home_pages=(HOME,))
    )
    bodies = [_statement("module", "E1", 10, 0), _statement("quiz", "E1", 10, 1)]
    prepared = prepare_statements(
        bodies, authority=AUTHORITY, version="1.0.3", batch=True, may_define=False
    )
    with database.transaction() as tx:
        handler(tx, [prepared])
        refresh_due(tx.conn, frameworks=frameworks.current(tx.conn), at_us=T_US - 5 * DAY_US)
    with database.engine.connect() as conn:
        before = {r.competency_id: r.baseline_level for r in store.levels_of_people(conn, ["E1"])}
        scheduled = store.evaluated_at(conn, ["E1"])
    assert before["approved-tools"] is None and scheduled
    with database.transaction() as tx:
        assert refresh_due(tx.conn, frameworks=frameworks.current(tx.conn), at_us=T_US) == 1
    with database.engine.connect() as conn:
        after = {r.competency_id: r.baseline_level for r in store.levels_of_people(conn, ["E1"])}
    assert after["approved-tools"] == 1
