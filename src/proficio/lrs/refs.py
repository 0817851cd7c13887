"""What each statement is indexed under, so every query filter is one index lookup.

A statement is found by `agent` through its actor or its Agent/Group object (and the members of
a Group there), by `related_agents` through any agent anywhere in it, by `activity` through its
Activity object, by `related_activities` through any activity, and by `verb` and `registration`.
Statements that target another statement (a StatementRef object) also match whatever the target
matches (xAPI 1.0.3 Part Three 2.1.3 "Filter Conditions for StatementRefs"); `inherit` adds
those keys.
"""

from __future__ import annotations

from typing import Any, Final

from proficio.lrs.agents import identity_keys


class RefKind:
    """Plain ints (not an IntEnum): they go to the database drivers as they are."""

    AGENT: Final = 1
    RELATED_AGENT: Final = 2
    VERB: Final = 3
    ACTIVITY: Final = 4
    RELATED_ACTIVITY: Final = 5
    REGISTRATION: Final = 6
    AUTHORITY: Final = 7


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


def _add_agent(refs: set[Ref], agent: dict[str, Any] | None, *, primary: bool) -> None:
    if agent is None:
        return
    for key in identity_keys(agent):
        refs.add((RefKind.RELATED_AGENT, key))
        if primary:
            refs.add((RefKind.AGENT, key))


def _add_context(refs: set[Ref], context: dict[str, Any] | None) -> None:
    if not context:
        return
    _add_agent(refs, context.get("instructor"), primary=False)
    _add_agent(refs, context.get("team"), primary=False)
    for activities in (context.get("contextActivities") or {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            refs.add((RefKind.RELATED_ACTIVITY, activity["id"]))


def _add_core(refs: set[Ref], statement: dict[str, Any]) -> None:
    """Actor, verb, object and context: the parts a Statement shares with a SubStatement."""
    _add_agent(refs, statement["actor"], primary=True)
    refs.add((RefKind.VERB, statement["verb"]["id"]))
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        refs.add((RefKind.ACTIVITY, obj["id"]))
        refs.add((RefKind.RELATED_ACTIVITY, obj["id"]))
    elif object_type in ("Agent", "Group"):
        _add_agent(refs, obj, primary=True)
    _add_context(refs, statement.get("context"))


def statement_refs(statement: dict[str, Any]) -> set[Ref]:
    """Every (kind, key) a stored statement is found under, before StatementRef inheritance."""
    refs: set[Ref] = set()
    _add_core(refs, statement)
    obj = statement["object"]
    if obj.get("objectType") == "SubStatement":
        sub: set[Ref] = set()
        _add_core(sub, obj)
        # Inside a SubStatement only the "related" kinds apply (1.0.3 Part Three 2.1.3).
        refs.update(
            (kind, key)
            for kind, key in sub
            if kind in (RefKind.RELATED_AGENT, RefKind.RELATED_ACTIVITY)
        )
    _add_agent(refs, statement.get("authority"), primary=False)
    authority = statement.get("authority")
    if authority is not None:
        for key in identity_keys(authority):
            refs.add((RefKind.AUTHORITY, key))
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
