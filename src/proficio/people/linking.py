"""Linking the actors of arriving statements to people, as they are stored.

Subscribes to `StatementsStored` (`proficio.events`): the actors not seen before by this
process are matched by the identity rules (email, account name; `identities.resolve_identifiers`)
in the same transaction as the statements, so a statement from an LMS that names a person by
email or employee id is theirs as soon as it is stored.
"""

from __future__ import annotations

from proficio.events import StatementsStored, Subscriber
from proficio.people.identities import ResolutionRules, resolve_identifiers

RULES_BY = "rules"
_REMEMBERED = 200_000  # identifiers checked; beyond this the memory starts afresh


class ActorLinker:
    """Remembers the identifiers it has checked (held by someone, or matching no rule), so a
    learner's thousandth statement costs nothing. An identifier no rule matches today may be
    linked later by a roster, by hand or by `proficio identities resolve`."""

    def __init__(self, rules: ResolutionRules) -> None:
        self.rules = rules
        self._checked: set[str] = set()

    def __call__(self, event: StatementsStored) -> None:
        fresh = {k for p in event.statements for k in p.actor_keys} - self._checked
        if not fresh:
            return
        resolve_identifiers(event.tx.conn, identifiers=fresh, rules=self.rules, by=RULES_BY)
        event.tx.on_commit(lambda: self._remember(fresh))

    def _remember(self, identifiers: set[str]) -> None:
        if len(self._checked) + len(identifiers) > _REMEMBERED:
            self._checked.clear()
        self._checked |= identifiers


def actor_linker(*, account_home_pages: tuple[str, ...]) -> Subscriber:
    rules = ResolutionRules(by_email=True, account_home_pages=frozenset(account_home_pages))
    return ActorLinker(rules)
