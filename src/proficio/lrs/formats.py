"""The `format` parameter of statement queries (xAPI 1.0.3 Part Three 2.1.3): exact, ids, canonical.

`exact` returns statements as stored. `ids` keeps only identifiers of agents, activities and
verbs. `canonical` keeps one language per language map, chosen by Accept-Language.
"""

from __future__ import annotations

from typing import Any

from proficio.lrs.agents import CONTEXT_AGENT_LISTS, ids_only

FORMATS = ("exact", "ids", "canonical")


def _ids_activity(activity: dict[str, Any]) -> dict[str, Any]:
    return {"id": activity["id"]}


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _ids_activity(obj)
    if object_type in ("Agent", "Group"):
        return ids_only(obj)
    if object_type == "SubStatement":
        return _ids_core(obj)
    return obj


def _ids_core(statement: dict[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    out["actor"] = ids_only(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    context = statement.get("context")
    if context is not None:
        context = dict(context)
        for prop in ("instructor", "team"):
            if prop in context:
                context[prop] = ids_only(context[prop])
        for prop, member in CONTEXT_AGENT_LISTS:
            if prop in context:  # xAPI 2.0
                context[prop] = [{**e, member: ids_only(e[member])} for e in context[prop]]
        if "contextActivities" in context:
            context["contextActivities"] = {
                name: [_ids_activity(a) for a in value]
                for name, value in context["contextActivities"].items()
            }
        out["context"] = context
    if "authority" in statement:
        out["authority"] = ids_only(statement["authority"])
    return out


def to_ids(statement: dict[str, Any]) -> dict[str, Any]:
    return _ids_core(statement)


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges from an Accept-Language header, most preferred first."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(language_map: dict[str, str], preferred: list[str]) -> dict[str, str]:
    """Keep the one entry that best matches the preferred languages (RFC 4647 lookup)."""
    if len(language_map) <= 1:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in preferred:
        if wanted == "*":
            break
        candidate = wanted
        while candidate:
            if candidate in lowered:
                tag = lowered[candidate]
                return {tag: language_map[tag]}
            candidate = candidate.rpartition("-")[0]
        for low, tag in lowered.items():  # "en" also accepts "en-US"
            if low.startswith(wanted + "-"):
                return {tag: language_map[tag]}
    for fallback in ("und", "en-us", "en"):
        if fallback in lowered:
            tag = lowered[fallback]
            return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


_LANGUAGE_MAPS = ("name", "description", "display")
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")


def _canonical(value: Any, preferred: list[str], parent: str | None = None) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _LANGUAGE_MAPS and isinstance(item, dict) and parent != "account":
                out[key] = pick_language(item, preferred)
            elif key == "extensions":
                out[key] = item
            else:
                out[key] = _canonical(item, preferred, key)
        return out
    if isinstance(value, list):
        return [_canonical(item, preferred, parent) for item in value]
    return value


def to_canonical(statement: dict[str, Any], preferred: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = _canonical(statement, preferred)
    return result
