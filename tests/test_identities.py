"""Identity resolution: roster links, the rule pass, manual links, merges and splits, and a
person's statements following their identifiers. Both databases, statements stored through
the real xAPI API."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from proficio.cli import main
from proficio.errors import BadRequest, Conflict, NotFound, ProficioError
from proficio.lrs.refs import RefKind
from proficio.people import identities as ids
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterMapping, parse_roster
from proficio.storage import people as people_store
from proficio.storage.database import Database
from proficio.storage.statements import statements_of_person
from tests.factories import XAPIClient, agent, statement, with_id

HOME = "https://proficio.example.com"
LMS = "https://lms.example.com"
HEADER = "person_id,name,email,department,role,location,manager_id,hire_date"
ORG = [
    "E1,Ada Chief,ada@example.com,Executive,CEO,Paris,,2015-03-01",
    "E2,Bo Ops,bo@example.com,Operations,Director,Paris,E1,2018-06-11",
    "E3,Cy Agent,cy@example.com,Operations,Analyst,Lyon,E2,2021-01-04",
]


def roster(db: Database, *lines: str) -> dict[str, Any]:
    records = list(enumerate([HEADER.split(","), *(x.split(",") for x in lines)], start=1))
    parsed = parse_roster(records, RosterMapping())
    with db.transaction() as tx:
        report = apply_roster(tx.conn, rows=parsed, today=dt.date(2026, 11, 29), home_page=HOME)
    return report.to_dict()


def sha1(email: str) -> str:
    return hashlib.sha1(f"mailto:{email}".encode()).hexdigest()


def account(home_page: str, name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


def post(lrs: XAPIClient, *statements: dict[str, Any]) -> list[str]:
    """Store statements; their ids, in the order given."""
    with_ids = [with_id(s) for s in statements]
    response = lrs.post(with_ids)
    assert response.status_code == 200, response.text
    return [s["id"] for s in with_ids]


def ids_of_person(db: Database, person_id: str, **kw: Any) -> list[str]:
    rows = db.read_sync(
        lambda c: statements_of_person(c, person_id=person_id, limit=kw.pop("limit", 100), **kw)
    )
    return [r.statement.statement_id for r in rows]


def held(db: Database, person_id: str) -> dict[str, str]:
    """identifier -> how it was linked, for one person."""
    return {
        r.identifier: r.linked_how for r in db.read_sync(lambda c: ids.identifiers_of(c, person_id))
    }


def add_unlinked_people(db: Database, *people: tuple[str, str | None]) -> None:
    """People in the directory without linked identifiers (as before identity resolution)."""
    rows = [
        {
            "person_id": person_id,
            "name": person_id,
            "email": email,
            "department": "Ops",
            "role": "Analyst",
            "location": None,
            "manager_id": None,
            "hire_date": "2020-01-01",
            "status": "active",
            "left_on": None,
            "updated_us": 1,
        }
        for person_id, email in people
    ]
    with db.transaction() as tx:
        people_store.insert_people(tx.conn, rows)


# --- Linking -------------------------------------------------------------------------------


def test_a_roster_links_each_persons_account_and_email(db: Database) -> None:
    report = roster(db, *ORG)
    assert report["identifiers_linked"] == 9
    assert held(db, "E3") == {
        f"account:{HOME}|E3": "roster",
        "mbox:mailto:cy@example.com": "roster",
        f"mbox_sha1sum:{sha1('cy@example.com')}": "roster",
    }
    assert db.read_sync(lambda c: ids.person_of(c, "mbox:mailto:bo@example.com")) == "E2"
    assert db.read_sync(lambda c: ids.person_of(c, "mbox:mailto:nobody@example.com")) is None


def test_reimporting_a_roster_links_nothing_twice_and_keeps_an_old_email(db: Database) -> None:
    roster(db, *ORG)
    assert roster(db, *ORG)["identifiers_linked"] == 0
    moved = ORG[2].replace("cy@example.com", "cy.agent@example.com")
    report = roster(db, *ORG[:2], moved)
    assert report["identifiers_linked"] == 2
    assert set(held(db, "E3")) == {
        f"account:{HOME}|E3",
        "mbox:mailto:cy@example.com",  # statements sent under the old address stay theirs
        f"mbox_sha1sum:{sha1('cy@example.com')}",
        "mbox:mailto:cy.agent@example.com",
        f"mbox_sha1sum:{sha1('cy.agent@example.com')}",
    }


def test_a_roster_never_takes_an_identifier_from_another_person(db: Database) -> None:
    roster(db, *ORG)
    # Bo left and his address is now given to Cy: it stays Bo's (his statements), reported as a
    # conflict. (One roster giving one address to two people is refused: test_people_roster.)
    cy = ORG[2].replace("cy@example.com", "bo@example.com").replace(",E2,", ",E1,")
    report = roster(db, ORG[0], cy)
    assert report["identifier_conflicts"] == {
        "mbox:mailto:bo@example.com": {"to": "E3", "held_by": "E2"},
        f"mbox_sha1sum:{sha1('bo@example.com')}": {"to": "E3", "held_by": "E2"},
    }
    assert db.read_sync(lambda c: ids.person_of(c, "mbox:mailto:bo@example.com")) == "E2"


def test_the_rule_pass_links_by_email_and_by_account_name(db: Database) -> None:
    add_unlinked_people(db, ("E1", "ada@example.com"), ("E2", "bo@example.com"))
    agents = [
        agent("ada"),  # mbox of E1's email
        {"objectType": "Agent", "mbox_sha1sum": sha1("bo@example.com").upper()},
        account(LMS, "E1"),  # an account named by a person id
        account(LMS, "BO@example.com"),  # an account named by an email
        account("https://other.example.com", "E2"),  # homePage not in the rules
        agent("stranger"),
        {"objectType": "Group", "mbox": "mailto:ada@example.com", "member": [agent("bo")]},
    ]
    rules = ids.ResolutionRules(account_home_pages=frozenset({LMS}))
    with db.transaction() as tx:
        report = ids.resolve_actors(tx.conn, agents=agents, rules=rules, by="nightly rules")
    assert report.linked == {
        "mbox:mailto:ada@example.com": "E1",
        "mbox:mailto:bo@example.com": "E2",
        f"mbox_sha1sum:{sha1('bo@example.com')}": "E2",
        f"account:{LMS}|E1": "E1",
        f"account:{LMS}|BO@example.com": "E2",
    }
    assert held(db, "E1") == {
        "mbox:mailto:ada@example.com": "rule:email",
        f"account:{LMS}|E1": "rule:account",
    }
    for unmatched in ["mbox:mailto:stranger@example.com", "account:https://other.example.com|E2"]:
        assert db.read_sync(lambda c, i=unmatched: ids.person_of(c, i)) is None
    with db.transaction() as tx:  # a second pass finds nothing new
        assert ids.resolve_actors(tx.conn, agents=agents, rules=rules).linked == {}


def test_the_rule_pass_leaves_alone_what_matches_two_people_or_is_switched_off(
    db: Database,
) -> None:
    add_unlinked_people(db, ("E1", "desk@example.com"), ("E2", "desk@example.com"), ("E3", None))
    with db.transaction() as tx:
        report = ids.resolve_actors(tx.conn, agents=[agent("desk"), account(LMS, "E3")])
    assert report.linked == {}  # no homePage listed: accounts are never matched
    assert report.ambiguous == {"mbox:mailto:desk@example.com": ["E1", "E2"]}
    off = ids.ResolutionRules(by_email=False, account_home_pages=frozenset({LMS}))
    with db.transaction() as tx:
        report = ids.resolve_actors(tx.conn, agents=[agent("desk"), account(LMS, "E3")], rules=off)
    assert report.linked == {f"account:{LMS}|E3": "E3"}


def test_unlinked_identifiers_are_the_agents_of_statements_no_person_holds(
    db: Database, lrs: XAPIClient
) -> None:
    roster(db, *ORG)
    post(
        lrs,
        statement("cy"),
        statement("zed", context={"instructor": agent("yan")}),
        {**statement("ada"), "object": account(LMS, "E9")},
    )
    unlinked = db.read_sync(ids.unlinked_identifiers)
    # The credential's authority is not a person to resolve.
    assert unlinked == [
        f"account:{LMS}|E9",
        "mbox:mailto:yan@example.com",
        "mbox:mailto:zed@example.com",
    ]


def test_a_manual_link_is_recorded_and_never_steals(db: Database) -> None:
    roster(db, *ORG)
    with db.transaction() as tx:
        assert ids.link_identifier(
            tx.conn, person_id="E3", identifier="mbox:mailto:Cy@Home.example", by="hr-ana"
        )
        assert not ids.link_identifier(
            tx.conn, person_id="E3", identifier="mbox:mailto:cy@home.example", by="hr-ana"
        )
    assert held(db, "E3")["mbox:mailto:cy@home.example"] == "manual"
    events = db.read_sync(lambda c: ids.identity_events(c, "E3"))
    assert [(e.kind, e.to_person, e.identifiers, e.by) for e in events] == [
        ("link", "E3", ["mbox:mailto:cy@home.example"], "hr-ana")
    ]
    with pytest.raises(Conflict) as caught, db.transaction() as tx:
        ids.link_identifier(
            tx.conn, person_id="E3", identifier="mbox:mailto:bo@example.com", by="hr-ana"
        )
    assert caught.value.message == (
        "identifier: mbox:mailto:bo@example.com is held by 'E2'; split it from them to move it"
    )


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("mbox:mailto:Ada@Example.com", "mbox:mailto:ada@example.com"),
        (f"mbox_sha1sum:{sha1('a@b.c').upper()}", f"mbox_sha1sum:{sha1('a@b.c')}"),
        ("openid:https://id.example.com/Ada", "openid:https://id.example.com/Ada"),
        (f"account:{LMS}|Ada|1", f"account:{LMS}|Ada|1"),
    ],
)
def test_identifiers_are_written_as_statements_index_them(typed: str, canonical: str) -> None:
    assert ids.canonical_identifier(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "ada@example.com",
        "mbox:ada@example.com",
        "MBOX:mailto:a@b.c",
        "mbox_sha1sum:abc",
        "openid:ada",
        f"account:{LMS}",
        "account:|ada",
        "twitter:@ada",
    ],
)
def test_a_malformed_identifier_is_refused(typed: str) -> None:
    with pytest.raises(BadRequest) as caught:
        ids.canonical_identifier(typed)
    assert caught.value.field == "identifier"
    assert "is not an identifier" in caught.value.reason


# --- A person's statements, merges and splits ------------------------------------------------


def test_a_persons_statements_are_those_of_their_identifiers_newest_first(
    db: Database, lrs: XAPIClient
) -> None:
    roster(db, *ORG)
    first, taught, by_account, other = post(
        lrs,
        statement("cy"),
        statement("zed", context={"instructor": agent("cy")}),
        {**statement("ada"), "actor": account(HOME, "E3")},
        statement("bo"),
    )
    rows = db.read_sync(lambda c: statements_of_person(c, person_id="E3", limit=10))
    assert [(r.statement.statement_id, r.kind) for r in rows] == [
        (by_account, RefKind.AGENT),
        (taught, RefKind.RELATED_AGENT),
        (first, RefKind.AGENT),
    ]
    page = db.read_sync(lambda c: statements_of_person(c, person_id="E3", limit=2))
    rest = ids_of_person(db, "E3", before=(page[-1].timestamp_us, page[-1].statement.seq))
    assert [r.statement.statement_id for r in page] + rest == [by_account, taught, first]
    assert ids_of_person(db, "E2") == [other]
    void = {
        "actor": agent("cy"),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": first},
    }
    [voiding] = post(lrs, void)
    assert ids_of_person(db, "E3") == [voiding, by_account, taught]  # the voided one is gone


def test_after_a_merge_the_kept_person_has_both_peoples_statements(
    db: Database, lrs: XAPIClient
) -> None:
    roster(db, *ORG)
    with db.transaction() as tx:
        ids.link_identifier(
            tx.conn, person_id="E2", identifier="mbox:mailto:bo.home@example.net", by="hr-ana"
        )
    a, b, c = post(
        lrs,
        statement("bo"),
        {**statement("x"), "actor": {"mbox": "mailto:bo.home@example.net"}},
        statement("cy"),
    )
    with db.transaction() as tx:
        event = ids.merge_people(
            tx.conn, keep="E3", absorb="E2", by="hr-ana", reason="one person, two records"
        )
    assert event.identifiers == sorted(
        [
            f"account:{HOME}|E2",
            "mbox:mailto:bo.home@example.net",
            "mbox:mailto:bo@example.com",
            f"mbox_sha1sum:{sha1('bo@example.com')}",
        ]
    )
    assert ids_of_person(db, "E3") == [c, b, a]
    assert ids_of_person(db, "E2") == []
    assert set(held(db, "E3").values()) == {"roster", "merge"}
    with db.engine.connect() as conn:
        absorbed = conn.execute(
            text("SELECT status, merged_into FROM people WHERE person_id = 'E2'")
        ).one()
    assert tuple(absorbed) == ("merged", "E3")  # kept, never deleted
    linked, recorded = db.read_sync(lambda conn: ids.identity_events(conn, "E2"))
    assert linked.kind == "link"
    assert (recorded.kind, recorded.from_person, recorded.to_person, recorded.by) == (
        "merge",
        "E2",
        "E3",
        "hr-ana",
    )
    assert recorded.reason == "one person, two records" and recorded.at
    # The roster still lists E2: they stay merged, and nothing of theirs comes back to them.
    report = roster(db, *ORG)
    assert report["identifier_conflicts"] == {} and report["identifiers_linked"] == 0
    assert ids_of_person(db, "E2") == []
    assert db.read_sync(lambda c: people_store.statuses(c, ["E2"])) == {"E2": ("merged", "E3")}


@pytest.mark.parametrize(
    ("keep", "absorb", "by", "reason", "error", "message"),
    [
        ("E1", "E1", "hr", "dup", BadRequest, "absorb: cannot merge a person into themself"),
        ("E1", "E9", "hr", "dup", NotFound, "absorb: no person with id 'E9'"),
        ("E9", "E1", "hr", "dup", NotFound, "keep: no person with id 'E9'"),
        ("E1", "E3", "hr", "dup", Conflict, "absorb: 'E3' was merged into 'E2'"),
        ("E3", "E1", "hr", "dup", Conflict, "keep: 'E3' was merged into 'E2'"),
        ("E1", "E2", " ", "dup", BadRequest, "by: is required"),
        ("E1", "E2", "hr", "", BadRequest, "reason: is required"),
    ],
)
def test_a_merge_that_cannot_be_is_refused_naming_the_field(
    db: Database,
    keep: str,
    absorb: str,
    by: str,
    reason: str,
    error: type[ProficioError],
    message: str,
) -> None:
    roster(db, *ORG)
    with db.transaction() as tx:
        ids.merge_people(tx.conn, keep="E2", absorb="E3", by="hr", reason="dup")
    before = held(db, "E1"), held(db, "E2")
    with pytest.raises(error) as caught, db.transaction() as tx:
        ids.merge_people(tx.conn, keep=keep, absorb=absorb, by=by, reason=reason)
    assert caught.value.message == message
    assert (held(db, "E1"), held(db, "E2")) == before


def test_a_split_moves_the_split_identifiers_statements_and_no_other(
    db: Database, lrs: XAPIClient
) -> None:
    roster(db, *ORG)
    shared = "mbox:mailto:desk@example.com"
    with db.transaction() as tx:
        ids.link_identifier(tx.conn, person_id="E3", identifier=shared, by="hr-ana")
    own, desk, desk_taught_by_cy, cy_taught_by_desk = post(
        lrs,
        statement("cy"),
        statement("desk"),
        statement("desk", context={"instructor": agent("cy")}),
        statement("cy", context={"instructor": agent("desk")}),
    )
    assert ids_of_person(db, "E3") == [cy_taught_by_desk, desk_taught_by_cy, desk, own]
    with db.transaction() as tx:
        event = ids.split_identifiers(
            tx.conn, person_id="E3", identifiers=[shared], by="hr-ana", reason="a shared desk"
        )
    new = event.to_person
    assert new.startswith("P-") and event.identifiers == [shared]
    assert ids_of_person(db, new) == [cy_taught_by_desk, desk_taught_by_cy, desk]
    # Cy keeps what they did and what they are named in; only the desk's own actions left.
    assert ids_of_person(db, "E3") == [cy_taught_by_desk, desk_taught_by_cy, own]
    assert held(db, new) == {shared: "split"}
    with db.engine.connect() as conn:
        assert people_store.statuses(conn, [new])[new] == ("unlisted", None)
    [_, recorded] = db.read_sync(lambda c: ids.identity_events(c, "E3"))
    assert (recorded.kind, recorded.from_person, recorded.to_person, recorded.reason) == (
        "split",
        "E3",
        new,
        "a shared desk",
    )


def test_a_split_to_an_existing_person(db: Database, lrs: XAPIClient) -> None:
    roster(db, *ORG)
    with db.transaction() as tx:
        ids.merge_people(tx.conn, keep="E2", absorb="E3", by="hr", reason="looked alike")
    cy, bo = post(lrs, statement("cy"), statement("bo"))
    assert ids_of_person(db, "E2") == [bo, cy]
    undo = [f"account:{HOME}|E3", "mbox:mailto:cy@example.com"]
    with db.transaction() as tx:
        ids.split_identifiers(
            tx.conn, person_id="E2", identifiers=undo, to_person="E1", by="hr", reason="undo"
        )
    assert ids_of_person(db, "E1") == [cy]
    assert ids_of_person(db, "E2") == [bo]


@pytest.mark.parametrize(
    ("identifiers", "to_person", "error", "message"),
    [
        ([], None, BadRequest, "identifiers: name at least one identifier to split off"),
        (
            ["mbox:mailto:cy@example.com", "mbox:mailto:bo@example.com"],
            None,
            BadRequest,
            "identifiers[1]: mbox:mailto:bo@example.com is held by 'E2', not 'E3'",
        ),
        (
            ["mbox:mailto:nobody@example.com"],
            None,
            BadRequest,
            "identifiers[0]: mbox:mailto:nobody@example.com is linked to no one, not 'E3'",
        ),
        (["cy@example.com"], None, BadRequest, "identifiers[0]: 'cy@example.com' is not an"),
        (["mbox:mailto:cy@example.com"], "E3", BadRequest, "to_person: must be another person"),
        (["mbox:mailto:cy@example.com"], "E1", Conflict, "to_person: 'E1' was merged into 'E2'"),
    ],
)
def test_a_split_that_cannot_be_is_refused_naming_the_field(
    db: Database,
    identifiers: list[str],
    to_person: str | None,
    error: type[ProficioError],
    message: str,
) -> None:
    roster(db, *ORG)
    with db.transaction() as tx:
        ids.merge_people(tx.conn, keep="E2", absorb="E1", by="hr", reason="dup")
    before = held(db, "E3")
    with pytest.raises(error) as caught, db.transaction() as tx:
        ids.split_identifiers(
            tx.conn,
            person_id="E3",
            identifiers=identifiers,
            to_person=to_person,
            by="hr",
            reason="why",
        )
    assert caught.value.message.startswith(message)
    assert held(db, "E3") == before


# --- The CLI --------------------------------------------------------------------------------


def test_cli_lists_resolves_links_merges_and_splits(
    db: Database, lrs: XAPIClient, database_url: str
) -> None:
    roster(db, *ORG)
    post(lrs, statement("zed"), {**statement("x"), "actor": account(LMS, "E1")})

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["identities", *args, "--db", database_url])
        assert result.exit_code == 0, result.output
        return result.output

    assert json.loads(run("list-unlinked", "--json")) == [
        f"account:{LMS}|E1",
        "mbox:mailto:zed@example.com",
    ]
    assert "1 linked" in run("resolve", "--account-home-page", LMS)
    assert run("list-unlinked") == "mbox:mailto:zed@example.com\n"
    assert (
        run("link", "--person", "E3", "--identifier", "mbox:mailto:zed@example.com", "--by", "ana")
        == "linked to E3\n"
    )
    assert run("list-unlinked") == "every actor is linked\n"
    assert run("merge", "--keep", "E2", "--absorb", "E3", "--by", "ana", "--reason", "dup") == (
        "merged E3 into E2: 4 identifiers moved\n"
    )
    out = run(
        "split",
        "--person",
        "E2",
        "--identifier",
        "mbox:mailto:zed@example.com",
        "--to",
        "Z1",
        "--by",
        "ana",
        "--reason",
        "not Cy",
    )
    assert out == "moved 1 identifiers from E2 to Z1\n"
    shown = json.loads(run("show", "--person", "Z1", "--json"))
    assert [i["identifier"] for i in shown["identifiers"]] == ["mbox:mailto:zed@example.com"]
    assert [(e["kind"], e["from_person"], e["reason"]) for e in shown["events"]] == [
        ("split", "E2", "not Cy")
    ]


def test_cli_turns_a_refused_merge_into_one_sentence(db: Database, database_url: str) -> None:
    roster(db, *ORG)
    result = CliRunner().invoke(
        main,
        [
            "identities",
            "merge",
            "--keep",
            "E1",
            "--absorb",
            "E9",
            "--by",
            "ana",
            "--reason",
            "x",
            "--db",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert result.output == "Error: absorb: no person with id 'E9'\n"


def test_cli_show_of_an_unknown_person_is_one_sentence_and_exit_1(
    db: Database, database_url: str
) -> None:
    roster(db, *ORG)
    result = CliRunner().invoke(
        main, ["identities", "show", "--person", "NOPE", "--db", database_url]
    )
    assert (result.exit_code, result.output) == (1, "Error: person: no person with id 'NOPE'\n")
    as_json = CliRunner().invoke(
        main, ["identities", "show", "--person", "NOPE", "--json", "--db", database_url]
    )
    assert as_json.exit_code == 1
