"""Validation of Agents, Groups and Account Objects (xAPI 1.0.3 Part Two 2.4.2 and 2.4.9).

An Agent has exactly one inverse functional identifier (IFI). A Group is anonymous (no IFI, at
least one member) or identified (exactly one IFI, members optional); members are Agents.
"""

from __future__ import annotations

from typing import Any, Final, NoReturn

from proficio.lrs.validation_common import (
    MISSING,
    as_object,
    check_iri,
    check_string,
    child,
    fail,
    reject_unknown,
    wrong_type,
)
from proficio.lrs.validation_formats import is_valid_mbox, is_valid_sha1

AGENT_KEYS: Final = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS: Final = AGENT_KEYS | {"member"}
IFI_KEYS: Final = frozenset({"mbox", "mbox_sha1sum", "openid", "account"})
_ACCOUNT_KEYS: Final = frozenset({"homePage", "name"})
_IFI_LIST: Final = "(mbox, mbox_sha1sum, openid or account)"


def validate_agent(agent: object, *, path: str) -> None:
    """An Agent or a Group, as in a statement's actor or the `agent` query parameter.

    Without an objectType the value is an Agent (Part Two 2.4.2.1, XAPI-00031).
    """
    if type(agent) is not dict:
        wrong_type(agent, "an object", path)
    object_type = agent.get("objectType", MISSING)
    if object_type is MISSING or object_type == "Agent":
        if not agent.keys() <= AGENT_KEYS:
            reject_unknown(agent, AGENT_KEYS, path)
        _check_agent_identity(agent, path)
    elif object_type == "Group":
        check_group(agent, path)
    else:
        _wrong_object_type(object_type, "Agent or Group", path)


def check_agent(obj: dict[str, Any], path: str) -> None:
    """An Agent (objectType absent or "Agent") with exactly one IFI (XAPI-00032 to XAPI-00034)."""
    object_type = obj.get("objectType", MISSING)
    if object_type is not MISSING and object_type != "Agent":
        _wrong_object_type(object_type, "Agent", path)
    if not obj.keys() <= AGENT_KEYS:
        reject_unknown(obj, AGENT_KEYS, path)
    _check_agent_identity(obj, path)


def _check_agent_identity(obj: dict[str, Any], path: str) -> None:
    """Check an Agent's name and IFIs; it must have exactly one IFI."""
    found = _check_identity(obj, path)
    if found != 1:
        fail(
            f"an Agent must have exactly one inverse functional identifier {_IFI_LIST}; "
            f"found {found}",
            path,
        )


def check_group(obj: dict[str, Any], path: str) -> int:
    """A Group, whose objectType "Group" the caller has checked; returns how many members it
    lists (XAPI-00035 to XAPI-00037)."""
    if not obj.keys() <= GROUP_KEYS:
        reject_unknown(obj, GROUP_KEYS, path)
    found = _check_identity(obj, path)
    members = obj.get("member", MISSING)
    if members is MISSING:
        count = 0
    else:
        member_path = child(path, "member")
        if type(members) is not list:
            wrong_type(members, "an array of Agents", member_path)
        for index, member in enumerate(members):
            item_path = f"{member_path}[{index}]"
            member_obj = as_object(member, item_path)
            if member_obj.get("objectType") == "Group":
                fail("a Group member must be an Agent, not a Group", item_path)
            check_agent(member_obj, item_path)
        count = len(members)
    if found == 0:
        if count == 0:
            fail("an anonymous Group must list at least one Agent in member", path)
    elif found > 1:
        fail(
            f"an identified Group must have exactly one inverse functional identifier "
            f"{_IFI_LIST}; found {found}",
            path,
        )
    return count


def validate_authority(value: object, path: str) -> None:
    """An Agent, or for 3-legged OAuth an anonymous Group of exactly two Agents (2.4.9)."""
    obj = as_object(value, path)
    object_type = obj.get("objectType", MISSING)
    if object_type is MISSING or object_type == "Agent":
        check_agent(obj, path)
        return
    if object_type != "Group":
        _wrong_object_type(object_type, "Agent or Group", path)
    if not IFI_KEYS.isdisjoint(obj):
        fail("an authority Group must be an anonymous Group of two Agents", path)
    if check_group(obj, path) != 2:
        fail("an authority Group must have exactly two members", child(path, "member"))


def validate_team(value: object, path: str) -> None:
    """A context team, which must be a Group (Part Two 2.4.6, XAPI-00088)."""
    obj = as_object(value, path)
    if obj.get("objectType") != "Group":
        fail("must be a Group (objectType Group)", child(path, "objectType"))
    check_group(obj, path)


def _check_identity(obj: dict[str, Any], path: str) -> int:
    """Check name and every IFI present; return how many IFIs there are."""
    found = 0
    value = obj.get("mbox", MISSING)
    if value is not MISSING:
        found += 1
        if type(value) is not str:
            wrong_type(value, "a string (a mailto IRI)", child(path, "mbox"))
        if not is_valid_mbox(value):
            fail('must be "mailto:" followed by an email address', child(path, "mbox"))
    value = obj.get("mbox_sha1sum", MISSING)
    if value is not MISSING:
        found += 1
        if type(value) is not str:
            wrong_type(value, "a string", child(path, "mbox_sha1sum"))
        if not is_valid_sha1(value):
            fail("must be a hex-encoded SHA-1 hash (40 hex digits)", child(path, "mbox_sha1sum"))
    value = obj.get("openid", MISSING)
    if value is not MISSING:
        found += 1
        check_iri(value, path, "openid")
    value = obj.get("account", MISSING)
    if value is not MISSING:
        found += 1
        _check_account(value, child(path, "account"))
    value = obj.get("name", MISSING)
    if value is not MISSING:
        check_string(value, path, "name")
    return found


def _check_account(value: object, path: str) -> None:
    """An Account Object: homePage (an IRL) and name, both required (2.4.2.4, XAPI-00042/43)."""
    account = as_object(value, path)
    if not account.keys() <= _ACCOUNT_KEYS:
        reject_unknown(account, _ACCOUNT_KEYS, path)
    home_page = account.get("homePage", MISSING)
    if home_page is MISSING:
        fail("is required", child(path, "homePage"))
    check_iri(home_page, path, "homePage")
    name = account.get("name", MISSING)
    if name is MISSING:
        fail("is required", child(path, "name"))
    check_string(name, path, "name")


def _wrong_object_type(object_type: object, expected: str, path: str) -> NoReturn:
    type_path = child(path, "objectType")
    if type(object_type) is not str:
        wrong_type(object_type, "a string", type_path)
    fail(f"must be {expected}", type_path)
