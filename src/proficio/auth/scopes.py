"""xAPI scopes (1.0.3 Part Three 4.2 "OAuth Authorization Scope") and the one permission check.

Routes never compare scopes themselves: they call `ensure_permission(caller, action)`, which
either returns how much the caller may see or raises 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from proficio.errors import BadRequest, Forbidden

SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "all/read",
    "all",
    "define",
    "state",
    "state/read",
    "state/write",
    "profile",
    "profile/read",
    "profile/write",
)


class Action(StrEnum):
    WRITE_STATEMENTS = "statements/write"
    READ_STATEMENTS = "statements/read"
    READ_STATE = "state/read"
    WRITE_STATE = "state/write"
    READ_PROFILE = "profile/read"
    WRITE_PROFILE = "profile/write"
    READ_DEFINITIONS = "activities and agents"


class Reach(StrEnum):
    """How much of the LRS an allowed action reaches."""

    ALL = "all"
    MINE = "mine"  # only statements whose authority is the caller's own


# For each action, the scopes granting it and how far they reach.
_GRANTS: dict[Action, dict[str, Reach]] = {
    Action.WRITE_STATEMENTS: {"statements/write": Reach.ALL, "all": Reach.ALL},
    Action.READ_STATEMENTS: {
        "all": Reach.ALL,
        "all/read": Reach.ALL,
        "statements/read": Reach.ALL,
        "statements/read/mine": Reach.MINE,
    },
    # xAPI's `state` and `profile` scopes grant reading and writing; the /read and /write
    # halves are Proficio's, for least privilege.
    Action.READ_STATE: {
        "all": Reach.ALL,
        "all/read": Reach.ALL,
        "state": Reach.ALL,
        "state/read": Reach.ALL,
    },
    Action.WRITE_STATE: {"all": Reach.ALL, "state": Reach.ALL, "state/write": Reach.ALL},
    Action.READ_PROFILE: {
        "all": Reach.ALL,
        "all/read": Reach.ALL,
        "profile": Reach.ALL,
        "profile/read": Reach.ALL,
    },
    Action.WRITE_PROFILE: {"all": Reach.ALL, "profile": Reach.ALL, "profile/write": Reach.ALL},
    # The Activities and Agents resources describe what statements carry.
    Action.READ_DEFINITIONS: {
        "all": Reach.ALL,
        "all/read": Reach.ALL,
        "statements/read": Reach.ALL,
        "define": Reach.ALL,
    },
}


@dataclass(frozen=True)
class Caller:
    """Who is calling: the credential's key, its scopes, and the authority it writes as."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]


def ensure_permission(caller: Caller, action: Action) -> Reach:
    """Raise 403 unless one of the caller's scopes grants `action`; return the widest reach."""
    reaches = [reach for scope, reach in _GRANTS[action].items() if scope in caller.scopes]
    if not reaches:
        granted = " or ".join(_GRANTS[action])
        raise Forbidden(f"this credential's scopes do not allow {action.value}; it needs {granted}")
    return Reach.ALL if Reach.ALL in reaches else Reach.MINE


def may_define(caller: Caller) -> bool:
    """Whether statements stored by `caller` may (re)define activities (Part Three 4.2)."""
    return "define" in caller.scopes or "all" in caller.scopes


def validate_scopes(scopes: list[str]) -> frozenset[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise BadRequest(
            f"unknown scope {unknown[0]!r}; known scopes: {', '.join(SCOPES)}", field="scopes"
        )
    if not scopes:
        raise BadRequest("give at least one scope", field="scopes")
    return frozenset(scopes)
