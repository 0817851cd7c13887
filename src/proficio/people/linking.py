"""Linking the actors of arriving statements to people, as they are stored.

Subscribes to `StatementsStored` (`proficio.events`): the actors not seen before by this
process are matched by the identity rules (email, account name; `identities.resolve_identifiers`)
in the same transaction as the statements, so a statement from an LMS that names a person by
email or employee id is theirs as soon as it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from proficio.events import StatementsStored, Subscriber
from proficio.people.identities import DirectoryCache, ResolutionRules, resolve_identifiers
from proficio.storage import identities as identity_store

RULES_BY = "rules"
_REMEMBERED = 200_000  # identifiers checked; beyond this the memory starts afresh


def holders_of(event: StatementsStored, identifiers: Iterable[str]) -> dict[str, str]:
    """identifier -> person, for those of `identifiers` someone holds in the event's
    transaction; the database is asked only about those no subscriber has looked up yet."""
    wanted = set(identifiers)
    missing = sorted(wanted - event.owners.keys())
    if missing:
        found = identity_store.owners(event.tx.conn, missing)
        event.owners.update({identifier: found.get(identifier) for identifier in missing})
    return {i: person for i in wanted if (person := event.owners[i]) is not None}


class ActorLinker:
    """Remembers the identifiers it has checked (held by someone, or matching no rule), so a
    learner's thousandth statement costs nothing. An identifier no rule matches today may be
    linked later by a roster, by hand or by `proficio identities resolve`.

    It looks up who holds every actor of the event (in one query, which the progress engine's
    evidence recorder then reuses), and reads the people directory again only when it changed.
    """

    def __init__(self, rules: ResolutionRules) -> None:
        self.rules = rules
        self._checked: set[str] = set()
        self._directory = DirectoryCache()

    def __call__(self, event: StatementsStored) -> None:
        actors = {k for p in event.statements for k in p.actor_keys}
        held = holders_of(event, actors)
        fresh = actors - self._checked
        if not fresh:
            return
        report = resolve_identifiers(
            event.tx.conn,
            identifiers=fresh,
            rules=self.rules,
            by=RULES_BY,
            held=held,
            directory=self._directory.current,
        )
        event.owners.update(report.linked)
        event.tx.on_commit(lambda: self._remember(fresh))

    def _remember(self, identifiers: set[str]) -> None:
        if len(self._checked) + len(identifiers) > _REMEMBERED:
            self._checked.clear()
        self._checked |= identifiers


def actor_linker(*, account_home_pages: tuple[str, ...]) -> Subscriber:
    rules = ResolutionRules(by_email=True, account_home_pages=frozenset(account_home_pages))
    return ActorLinker(rules)
