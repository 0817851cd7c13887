"""Identity resolution: which person each xAPI agent identifier (IFI) is.

Statements are stored by actor identifier, so a person's statements are those of the
identifiers they hold (`storage.statements.statements_of_person`). Identifiers are linked
when a roster is applied (the person's account on Proficio, their email as mbox and as
mbox_sha1sum), by a rule pass over agents seen in statements (same email, or an account name
that is a person id or email on a listed homePage), or by hand. Merging moves every identifier
of one person to another; splitting moves some identifiers away; both are recorded with who,
when and why. An identifier belongs to at most one person. Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from proficio.errors import BadRequest, Conflict, NotFound
from proficio.lrs.agents import ifi_key, person_keys
from proficio.storage import identities as store
from proficio.storage import people as people_store
from proficio.storage import progress as progress_store
from proficio.storage.identities import EventRow, IdentityRow

KINDS = ("mbox", "mbox_sha1sum", "openid", "account")
ROSTER, RULE_EMAIL, RULE_ACCOUNT, MANUAL, MERGE, SPLIT = (
    "roster",
    "rule:email",
    "rule:account",
    "manual",
    "merge",
    "split",
)
MERGED, UNLISTED = "merged", "unlisted"
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def email_identifiers(email: str) -> list[str]:
    """An email as the two IFIs an agent may carry it in (xAPI 1.0.3 Part Two 2.4.2.3)."""
    mbox = "mailto:" + email.lower()
    return ["mbox:" + mbox, "mbox_sha1sum:" + hashlib.sha1(mbox.encode()).hexdigest()]


def account_identifier(home_page: str, name: str) -> str:
    key = ifi_key({"account": {"homePage": home_page, "name": name}})
    assert key is not None
    return key


def kind_of(identifier: str) -> str:
    return identifier.split(":", 1)[0]


def canonical_identifier(text: str, *, field: str = "identifier") -> str:
    """Check an identifier typed by a person (``mbox:mailto:ada@example.com``,
    ``mbox_sha1sum:<40 hex>``, ``openid:<url>``, ``account:<homePage>|<name>``) and write it
    the way `lrs.agents.ifi_key` does, so it matches stored statements."""
    kind, _, value = text.strip().partition(":")
    if kind == "mbox" and value.lower().startswith("mailto:") and "@" in value:
        return ifi_key({"mbox": value}) or ""
    if kind == "mbox_sha1sum" and _SHA1.match(value.lower()):
        return ifi_key({"mbox_sha1sum": value}) or ""
    if kind == "openid" and "://" in value:
        return ifi_key({"openid": value}) or ""
    home_page, bar, name = value.partition("|")
    if kind == "account" and bar and home_page and name:
        return account_identifier(home_page, name)
    raise BadRequest(
        f"{text!r} is not an identifier: write mbox:mailto:EMAIL, mbox_sha1sum:HEX, "
        "openid:URL or account:HOMEPAGE|NAME",
        field=field,
    )


@dataclass
class LinkReport:
    """What a linking pass did: identifier -> person linked, and what it left alone."""

    linked: dict[str, str] = field(default_factory=dict)
    # identifier -> (the person it would go to, the person who holds it already)
    conflicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    # identifiers a rule matched to more than one person
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "linked": self.linked,
            "conflicts": {i: {"to": to, "held_by": by} for i, (to, by) in self.conflicts.items()},
            "ambiguous": self.ambiguous,
        }


def _link(
    conn: Connection, wanted: dict[str, str], *, how: str, by: str, report: LinkReport
) -> None:
    """Link each identifier -> person not linked yet; never take one from another person."""
    held = store.owners(conn, sorted(wanted))
    at = _now()
    new = []
    for identifier, person in sorted(wanted.items()):
        holder = held.get(identifier)
        if holder is None:
            new.append(IdentityRow(identifier, kind_of(identifier), person, how, by, at))
            report.linked[identifier] = person
        elif holder != person:
            report.conflicts[identifier] = (person, holder)
    store.insert_identities(conn, new)
    _rejudge(conn, [row.person_id for row in new])


def _live(person_id: str, merged_into: dict[str, str | None]) -> str:
    """The person that `person_id` ends up as after merges."""
    seen = {person_id}
    while (target := merged_into.get(person_id)) is not None and target not in seen:
        seen.add(target)
        person_id = target
    return person_id


def link_roster(
    conn: Connection, *, people: Sequence[tuple[str, str | None]], home_page: str, by: str
) -> LinkReport:
    """Link each roster person's (person_id, email) identifiers: the account named by their id
    on Proficio's `home_page`, and their email as mbox and mbox_sha1sum. A merged person's
    identifiers go to whoever they were merged into."""
    targets = {p: t for p, (_, t) in people_store.statuses(conn, [p for p, _ in people]).items()}
    wanted: dict[str, str] = {}
    for person_id, email in people:
        live = _live(person_id, targets)
        wanted[account_identifier(home_page, person_id)] = live
        for identifier in email_identifiers(email) if email else ():
            wanted[identifier] = live
    report = LinkReport()
    _link(conn, wanted, how=ROSTER, by=by, report=report)
    return report


@dataclass(frozen=True)
class ResolutionRules:
    """How unknown actors are matched to people: by email (mbox, or mbox_sha1sum of a person's
    email), and by account name (a person_id or email) for accounts on `account_home_pages`."""

    by_email: bool = True
    account_home_pages: frozenset[str] = frozenset()


def agent_identifiers(agents: Iterable[dict[str, Any]]) -> set[str]:
    """The identifiers of agents as people: an Agent's IFI, a Group's members' IFIs (a Group's
    own IFI names the group, never a person)."""
    return {key for agent in agents for key in person_keys(agent)}


def resolve_actors(
    conn: Connection,
    *,
    agents: Iterable[dict[str, Any]],
    rules: ResolutionRules = ResolutionRules(),
    by: str = "rules",
) -> LinkReport:
    """Link the agents' unlinked identifiers that a rule matches to exactly one person;
    the others stay unlinked (`unlinked_identifiers`)."""
    return resolve_identifiers(conn, identifiers=agent_identifiers(agents), rules=rules, by=by)


@dataclass(frozen=True)
class Directory:
    """What the identity rules match against: every person (and whom they were merged into),
    and who carries each email, as an email and as the IFIs that carry it."""

    merged_into: dict[str, str | None]  # every person_id -> the person it was merged into
    by_email: dict[str, set[str]]  # an email, or an IFI carrying it -> the live people

    @classmethod
    def read(cls, conn: Connection) -> Directory:
        rows = people_store.directory(conn)
        merged_into = {person_id: target for person_id, _, target in rows}
        by_email: dict[str, set[str]] = {}
        for person_id, email, _ in rows:
            if email is None:
                continue
            live = _live(person_id, merged_into)
            for key in [email.lower(), *email_identifiers(email)]:
                by_email.setdefault(key, set()).add(live)
        return cls(merged_into, by_email)


class DirectoryCache:
    """The directory, read again only when the people table changed (`directory_stamp`)."""

    def __init__(self) -> None:
        self._stamp: tuple[int, int] | None = None
        self._directory = Directory({}, {})

    def current(self, conn: Connection) -> Directory:
        stamp = people_store.directory_stamp(conn)
        if stamp != self._stamp:
            self._directory = Directory.read(conn)
            self._stamp = stamp
        return self._directory


def resolve_identifiers(
    conn: Connection,
    *,
    identifiers: Iterable[str],
    rules: ResolutionRules,
    by: str,
    held: dict[str, str] | None = None,
    directory: Callable[[Connection], Directory] = Directory.read,
) -> LinkReport:
    """Link those of `identifiers` that no one holds and a rule matches to exactly one person.
    `held`: who holds them, when the caller knows it already (the identifiers absent from it
    are held by no one); `directory`: where the people come from (a cache, for one)."""
    wanted_ids = sorted(set(identifiers))
    if held is None:
        held = store.owners(conn, wanted_ids)
    unknown = [i for i in wanted_ids if i not in held]
    if not any(_candidate(i, rules) for i in unknown):
        return LinkReport()  # nothing a rule could match: spare the directory
    people = directory(conn)
    merged_into, by_email = people.merged_into, people.by_email
    names = [n for n in (_account_name(i, rules) for i in unknown) if n is not None]
    known_ids = {name for name in names if name in merged_into}
    report = LinkReport()
    wanted: dict[str, dict[str, str]] = {RULE_EMAIL: {}, RULE_ACCOUNT: {}}
    for identifier in unknown:
        how, matches = _match(identifier, rules, by_email, known_ids, merged_into)
        if len(matches) == 1:
            wanted[how][identifier] = matches.pop()
        elif len(matches) > 1:
            report.ambiguous[identifier] = sorted(matches)
    for how, links in wanted.items():
        _link(conn, links, how=how, by=by, report=report)
    return report


def _candidate(identifier: str, rules: ResolutionRules) -> bool:
    if rules.by_email and kind_of(identifier) in ("mbox", "mbox_sha1sum"):
        return True
    return _account_name(identifier, rules) is not None


def _account_name(identifier: str, rules: ResolutionRules) -> str | None:
    for home_page in rules.account_home_pages:
        prefix = account_identifier(home_page, "")
        if identifier.startswith(prefix) and len(identifier) > len(prefix):
            return identifier[len(prefix) :]
    return None


def _match(
    identifier: str,
    rules: ResolutionRules,
    by_email: dict[str, set[str]],
    known_ids: set[str],
    merged_into: dict[str, str | None],
) -> tuple[str, set[str]]:
    if rules.by_email and kind_of(identifier) in ("mbox", "mbox_sha1sum"):
        return RULE_EMAIL, set(by_email.get(identifier, ()))
    name = _account_name(identifier, rules)
    if name is None:
        return RULE_ACCOUNT, set()
    if name in known_ids:
        return RULE_ACCOUNT, {_live(name, merged_into)}
    return RULE_ACCOUNT, set(by_email.get(name.lower(), ()))


def ensure_person(conn: Connection, *, person_id: str) -> None:
    """404 naming the person when the directory has no such id (merged people exist)."""
    if person_id not in people_store.statuses(conn, [person_id]):
        raise NotFound(f"no person with id {person_id!r}", field="person")


def identifiers_of(conn: Connection, person_id: str) -> list[IdentityRow]:
    return store.identities_of(conn, person_id)


def person_of(conn: Connection, identifier: str) -> str | None:
    return store.owners(conn, [identifier]).get(identifier)


def unlinked_identifiers(conn: Connection) -> list[str]:
    """Agent identifiers seen in statements (as actor, object or related agent) that no person
    holds."""
    return store.unlinked_identifiers(conn)


def _require(value: str, name: str) -> str:
    if not value.strip():
        raise BadRequest("is required", field=name)
    return value.strip()


def _person(conn: Connection, person_id: str, name: str) -> str:
    """The status of a person who may take identifiers; an error naming `name` otherwise."""
    found = people_store.statuses(conn, [person_id]).get(person_id)
    if found is None:
        raise NotFound(f"no person with id {person_id!r}", field=name)
    status, target = found
    if status == MERGED:
        raise Conflict(f"{person_id!r} was merged into {target!r}", field=name)
    return status


def link_identifier(conn: Connection, *, person_id: str, identifier: str, by: str) -> bool:
    """Link one identifier to a person by hand; False when they hold it already. An identifier
    another person holds is refused: splitting it from them says why it moves."""
    identifier = canonical_identifier(identifier)
    _person(conn, person_id, "person")
    by = _require(by, "by")
    holder = person_of(conn, identifier)
    if holder == person_id:
        return False
    if holder is not None:
        raise Conflict(
            f"{identifier} is held by {holder!r}; split it from them to move it",
            field="identifier",
        )
    store.insert_identities(
        conn, [IdentityRow(identifier, kind_of(identifier), person_id, MANUAL, by, _now())]
    )
    store.record_event(conn, EventRow("link", None, person_id, [identifier], by, _now(), ""))
    _rejudge(conn, [person_id])
    return True


def merge_people(conn: Connection, *, keep: str, absorb: str, by: str, reason: str) -> EventRow:
    """`absorb` turns out to be `keep`: every identifier of absorb moves to keep, absorb is
    marked merged into keep (never deleted)."""
    by, reason = _require(by, "by"), _require(reason, "reason")
    if keep == absorb:
        raise BadRequest("cannot merge a person into themself", field="absorb")
    _person(conn, keep, "keep")
    _person(conn, absorb, "absorb")
    moved = [row.identifier for row in store.identities_of(conn, absorb)]
    at = _now()
    store.move_identities(conn, moved, to_person=keep, how=MERGE, by=by, at=at)
    store.mark_merged(conn, absorb=absorb, keep=keep, updated_us=time.time_ns() // 1000)
    event = EventRow(MERGE, absorb, keep, moved, by, at, reason)
    store.record_event(conn, event)
    _rejudge(conn, [keep, absorb])
    return event


def split_identifiers(
    conn: Connection,
    *,
    person_id: str,
    identifiers: Sequence[str],
    to_person: str | None = None,
    by: str,
    reason: str,
) -> EventRow:
    """Some identifiers of `person_id` are someone else's: move them, and only them, to
    `to_person` (an existing person, or a new one known only by these identifiers, with a
    generated id when none is given)."""
    by, reason = _require(by, "by"), _require(reason, "reason")
    _person(conn, person_id, "person")
    if not identifiers:
        raise BadRequest("name at least one identifier to split off", field="identifiers")
    wanted = [
        canonical_identifier(text, field=f"identifiers[{i}]") for i, text in enumerate(identifiers)
    ]
    held = store.owners(conn, wanted)
    for i, identifier in enumerate(wanted):
        holder = held.get(identifier)
        if holder != person_id:
            whose = f"held by {holder!r}" if holder else "linked to no one"
            raise BadRequest(
                f"{identifier} is {whose}, not {person_id!r}", field=f"identifiers[{i}]"
            )
    if to_person == person_id:
        raise BadRequest("must be another person than the one split", field="to_person")
    target = to_person or f"P-{uuid.uuid4().hex[:10]}"
    if people_store.statuses(conn, [target]):
        _person(conn, target, "to_person")
    else:
        _create_unlisted(conn, target)
    at = _now()
    moved = sorted(set(wanted))
    store.move_identities(conn, moved, to_person=target, how=SPLIT, by=by, at=at)
    event = EventRow(SPLIT, person_id, target, moved, by, at, reason)
    store.record_event(conn, event)
    _rejudge(conn, [person_id, target])
    return event


def _rejudge(conn: Connection, person_ids: Sequence[str]) -> None:
    """Their evidence changed hands: the progress engine judges their levels again."""
    if person_ids:
        progress_store.queue_people(conn, person_ids, now_us=time.time_ns() // 1000)


def _create_unlisted(conn: Connection, person_id: str) -> None:
    """A person no roster lists yet, known only by identifiers split off to them; a roster
    that lists their id later fills in their details and makes them active."""
    people_store.insert_people(
        conn,
        [
            {
                "person_id": person_id,
                "name": person_id,
                "email": None,
                "department": "",
                "role": "",
                "location": None,
                "manager_id": None,
                "hire_date": "",
                "status": UNLISTED,
                "left_on": None,
                "updated_us": time.time_ns() // 1000,
            }
        ],
    )


def identity_events(conn: Connection, person_id: str) -> list[EventRow]:
    """Merges, splits and manual links involving `person_id`, oldest first."""
    return store.events_of(conn, person_id)
