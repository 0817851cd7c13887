"""What each statement is indexed under, so every query filter is one index lookup.

A statement is found by `agent` through its actor or its Agent/Group object (and the members of
a Group there), by `related_agents` through any agent anywhere in it, by `activity` through its
Activity object, by `related_activities` through any activity, and by `verb` and `registration`.
Each (key, statement) pair is indexed once: the RELATED_* kinds hold only what the narrower kind
does not, and a related query looks under both (`AGENT_KINDS`, `ACTIVITY_KINDS`).
Statements that target another statement (a StatementRef object) also match whatever the target
matches (xAPI 1.0.3 Part Three 2.1.3 "Filter Conditions for StatementRefs"); `inherit` adds
those keys.
"""

from __future__ import annotations

from typing import Any, Final

from proficio.lrs.agents import CONTEXT_AGENT_LISTS, identity_keys


class RefKind:
    """Plain ints (not an IntEnum): they go to the database drivers as they are."""

    AGENT: Final = 1
    RELATED_AGENT: Final = 2
    VERB: Final = 3
    ACTIVITY: Final = 4
    RELATED_ACTIVITY: Final = 5
    REGISTRATION: Final = 6
    AUTHORITY: Final = 7


RELATED_AGENT_KINDS: Final = (RefKind.AGENT, RefKind.RELATED_AGENT, RefKind.AUTHORITY)
RELATED_ACTIVITY_KINDS: Final = (RefKind.ACTIVITY, RefKind.RELATED_ACTIVITY)


# The kinds a StatementRef passes on from its target to the statement that targets it.
INHERITED_KINDS = frozenset(
    {
        RefKind.AGENT,
        RefKind.RELATED_AGENT,
        RefKind.VERB,
        RefKind.ACTIVITY,
        RefKind.RELATED_ACTIVITY,
        RefKind.REGISTRATION,
    }
)

Ref = tuple[int, str]


class _Collected:
    """Keys found while walking a statement, before they become (kind, key) rows."""

    def __init__(self) -> None:
        self.agents: set[str] = set()
        self.related_agents: set[str] = set()
        self.activities: set[str] = set()
        self.related_activities: set[str] = set()

    def agent(self, agent: dict[str, Any] | None, *, primary: bool) -> None:
        if agent is not None:
            (self.agents if primary else self.related_agents).update(identity_keys(agent))

    def context(self, context: dict[str, Any] | None) -> None:
        if not context:
            return
        self.agent(context.get("instructor"), primary=False)
        self.agent(context.get("team"), primary=False)
        for prop, member in CONTEXT_AGENT_LISTS:  # xAPI 2.0
            for entry in context.get(prop) or ():
                self.agent(entry[member], primary=False)
        for activities in (context.get("contextActivities") or {}).values():
            for activity in activities if isinstance(activities, list) else [activities]:
                self.related_activities.add(activity["id"])

    def core(self, statement: dict[str, Any], *, primary: bool) -> None:
        """Actor, object and context: the parts a Statement shares with a SubStatement.
        Inside a SubStatement only the related kinds apply (1.0.3 Part Three 2.1.3)."""
        self.agent(statement["actor"], primary=primary)
        obj = statement["object"]
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            (self.activities if primary else self.related_activities).add(obj["id"])
        elif object_type in ("Agent", "Group"):
            self.agent(obj, primary=primary)
        self.context(statement.get("context"))


def statement_refs(statement: dict[str, Any]) -> set[Ref]:
    """Every (kind, key) a stored statement is found under, before StatementRef inheritance."""
    found = _Collected()
    found.core(statement, primary=True)
    obj = statement["object"]
    if obj.get("objectType") == "SubStatement":
        found.core(obj, primary=False)
    refs: set[Ref] = {(RefKind.VERB, statement["verb"]["id"])}
    refs.update((RefKind.AGENT, key) for key in found.agents)
    refs.update((RefKind.RELATED_AGENT, key) for key in found.related_agents - found.agents)
    refs.update((RefKind.ACTIVITY, key) for key in found.activities)
    refs.update(
        (RefKind.RELATED_ACTIVITY, key) for key in found.related_activities - found.activities
    )
    authority = statement.get("authority")
    if authority is not None:
        refs.update((RefKind.AUTHORITY, key) for key in identity_keys(authority))
    registration = (statement.get("context") or {}).get("registration")
    if registration:
        refs.add((RefKind.REGISTRATION, registration.lower()))
    return refs


def inheritable(refs: set[Ref]) -> set[Ref]:
    return {(kind, key) for kind, key in refs if kind in INHERITED_KINDS}


def statement_target(statement: dict[str, Any]) -> str | None:
    """The id of the statement this one targets through a StatementRef object, if any."""
    obj = statement["object"]
    if obj.get("objectType") == "StatementRef":
        return str(obj["id"]).lower()
    return None
