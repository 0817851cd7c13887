"""Statement comparison (xAPI 1.0.3 Part Two 2.3.1 "Statement Comparison Requirements").

Re-sending a statement with an id the LRS already holds is accepted when the two are the same
statement, and refused with 409 otherwise. Differences that the specification allows an LRS or a
client to introduce are ignored: properties the LRS assigns (id, authority, stored, timestamp when
one side lacks it, version), attachments, the order of Group members, activity definitions and
verb displays (they are metadata that may change), the case of UUIDs, timestamp serialisation,
and a duration's precision beyond 0.01 second (xAPI 2.0, 9274.1.1 4.2.7).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from proficio.lrs.agents import CONTEXT_AGENT_LISTS
from proficio.lrs.validation import parse_timestamp

_ASSIGNED = ("id", "authority", "stored", "version", "attachments", "timestamp")
_SECONDS = re.compile(r"(\d+)(?:[.,](\d+))?S$")


def _hundredths(duration: str) -> str:
    """The duration with its seconds truncated (never rounded) to 0.01 second."""
    match = _SECONDS.search(duration)
    if match is None:
        return duration
    fraction = (match.group(2) or "")[:2].rstrip("0")
    seconds = str(int(match.group(1))) + (f".{fraction}" if fraction else "")
    return f"{duration[: match.start()]}{seconds}S"


def _normalise_agent(agent: dict[str, Any]) -> dict[str, Any]:
    out = dict(agent)
    if "mbox" in out:
        out["mbox"] = out["mbox"].lower()
    if "mbox_sha1sum" in out:
        out["mbox_sha1sum"] = out["mbox_sha1sum"].lower()
    if "member" in out:
        members = [_normalise_agent(m) for m in out["member"]]
        out["member"] = sorted(members, key=lambda m: orjson.dumps(m, option=orjson.OPT_SORT_KEYS))
    return out


def _normalise_activity(activity: dict[str, Any]) -> dict[str, Any]:
    return {"id": activity["id"]}


def _normalise_object(obj: dict[str, Any]) -> dict[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _normalise_activity(obj)
    if object_type in ("Agent", "Group"):
        return _normalise_agent(obj)
    if object_type == "StatementRef":
        return {"objectType": "StatementRef", "id": obj["id"].lower()}
    return _normalise_core(obj)


def _normalise_context(context: dict[str, Any]) -> dict[str, Any]:
    out = dict(context)
    if "registration" in out:
        out["registration"] = out["registration"].lower()
    for prop in ("instructor", "team"):
        if prop in out:
            out[prop] = _normalise_agent(out[prop])
    for prop, member in CONTEXT_AGENT_LISTS:
        if prop in out:
            out[prop] = [{**e, member: _normalise_agent(e[member])} for e in out[prop]]
    if "contextActivities" in out:
        out["contextActivities"] = {
            name: [_normalise_activity(a) for a in (value if isinstance(value, list) else [value])]
            for name, value in out["contextActivities"].items()
        }
    if "statement" in out:
        out["statement"] = {"objectType": "StatementRef", "id": out["statement"]["id"].lower()}
    return out


def _normalise_core(statement: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in statement.items() if k not in _ASSIGNED}
    out["actor"] = _normalise_agent(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _normalise_object(statement["object"])
    if "context" in statement:
        out["context"] = _normalise_context(statement["context"])
    duration = (statement.get("result") or {}).get("duration")
    if duration is not None:
        out["result"] = {**statement["result"], "duration": _hundredths(duration)}
    return out


def same_statement(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two statements with the same id are the same statement."""
    if _normalise_core(a) != _normalise_core(b):
        return False
    ta, tb = a.get("timestamp"), b.get("timestamp")
    if ta is None or tb is None:
        return True
    return parse_timestamp(ta) == parse_timestamp(tb)
