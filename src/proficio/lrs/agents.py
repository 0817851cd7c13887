"""Agent identity: the inverse functional identifier (IFI) that makes two agents the same.

xAPI 1.0.3 Part Two 2.4.2.3: Agents and identified Groups are equal when they use the same
IFI with equal values. `ifi_key` turns that IFI into one string, which is what Proficio
interns and indexes.
"""

from __future__ import annotations

from typing import Any

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")
# xAPI 2.0 context properties that list agents: (property, the key of each entry's agent).
CONTEXT_AGENT_LISTS = (("contextAgents", "agent"), ("contextGroups", "group"))


def ifi_key(agent: dict[str, Any]) -> str | None:
    """The agent's IFI as one string (``mbox:mailto:a@b``), or None for an anonymous Group."""
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    account = agent.get("account")
    if account is not None:
        return f"account:{account['homePage']}|{account['name']}"
    return None


def person_keys(agent: dict[str, Any]) -> tuple[str, ...]:
    """The IFIs of the people an actor stands for: an Agent's own, or a Group's members' (a
    Group's own IFI names the group, not a person)."""
    people = agent.get("member", ()) if agent.get("objectType") == "Group" else (agent,)
    return tuple(key for key in map(ifi_key, people) if key is not None)


def identity_keys(agent: dict[str, Any]) -> set[str]:
    """Keys under which a statement about `agent` is found: its IFI and its members' IFIs."""
    keys: set[str] = set()
    own = ifi_key(agent)
    if own is not None:
        keys.add(own)
    for member in agent.get("member", ()):
        member_key = ifi_key(member)
        if member_key is not None:
            keys.add(member_key)
    return keys


def ids_only(agent: dict[str, Any]) -> dict[str, Any]:
    """The agent reduced to what `format=ids` returns: objectType and IFI; an anonymous Group
    keeps its members, reduced the same way."""
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    has_ifi = False
    for prop in IFI_PROPERTIES:
        if prop in agent:
            out[prop] = agent[prop]
            has_ifi = True
    if "member" in agent and not has_ifi:
        out["member"] = [ids_only(m) for m in agent["member"]]
    return out


def person_of(agent: dict[str, Any], known: list[dict[str, Any]]) -> dict[str, Any]:
    """The Person object of the Agents resource (Part Three 2.4): every name and identifier of
    `agent` and of the `known` agents found to be the same person, each as an array."""
    person: dict[str, Any] = {"objectType": "Person"}
    for source in (agent, *known):
        for prop in ("name", *IFI_PROPERTIES):
            if prop in source and source[prop] not in person.setdefault(prop, []):
                person[prop].append(source[prop])
    return {key: value for key, value in person.items() if value}
