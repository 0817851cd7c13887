"""Canonical activity definitions (xAPI 1.0.3 Part Three 2.5, XAPI-00254): what the
Activities resource returns, merged from every statement that carried a definition.

Name and description language maps and extensions are merged key by key, the newest statement
winning per key; the other properties are replaced by the newest. Only credentials with the
`define` (or `all`) scope change definitions (Part Three 4.2).

The server collects each statement's definitions as raw JSON (`definitions_in`); the writer
process skips a definition identical to the last one it merged for that activity, so a
course whose statements repeat the same definition costs one dictionary lookup each.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.storage import activities as store
from proficio.storage.writer import Tx

_MERGED_MAPS = ("name", "description", "extensions")
_CACHE_LIMIT = 50_000


def definitions_in(statement: dict[str, Any]) -> dict[str, bytes]:
    """Activity id -> the definition (as JSON) of every activity in `statement` that has one:
    its object, its context activities, and the same inside a SubStatement."""
    found: dict[str, bytes] = {}

    def add(activity: dict[str, Any]) -> None:
        if activity.get("objectType", "Activity") == "Activity" and "definition" in activity:
            found[activity["id"]] = orjson.dumps(activity["definition"])

    def core(part: dict[str, Any]) -> None:
        add(part["object"])
        context = part.get("context") or {}
        for activities in (context.get("contextActivities") or {}).values():
            for activity in activities if isinstance(activities, list) else [activities]:
                add(activity)

    core(statement)
    if statement["object"].get("objectType") == "SubStatement":
        core(statement["object"])
    return found


def merge_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = {**old, **new}
    for key in _MERGED_MAPS:
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            merged[key] = {**old[key], **new[key]}
    return merged


class DefinitionCache:
    """The writer process's view of stored definitions, and of the raw definition last merged
    per activity (entries enter only after their transaction committed)."""

    def __init__(self) -> None:
        self.merged: dict[str, dict[str, Any]] = {}
        self.last_raw: dict[str, bytes] = {}

    def update(self, merged: dict[str, dict[str, Any]], raw: dict[str, bytes]) -> None:
        if len(self.merged) + len(merged) > _CACHE_LIMIT:
            self.merged.clear()
            self.last_raw.clear()
        self.merged.update(merged)
        self.last_raw.update(raw)


def save_definitions(tx: Tx, cache: DefinitionCache, carried: Iterable[dict[str, bytes]]) -> None:
    """Merge the definitions carried by new statements (in order) into the stored ones."""
    latest: dict[str, list[bytes]] = {}
    for definitions in carried:
        for activity_id, raw in definitions.items():
            if cache.last_raw.get(activity_id) != raw:
                latest.setdefault(activity_id, []).append(raw)
    if not latest:
        return
    missing = [a for a in latest if a not in cache.merged]
    stored = store.get_definitions(tx.conn, missing) if missing else {}
    merged: dict[str, dict[str, Any]] = {}
    changed: list[tuple[str, str, int]] = []
    now_us = time.time_ns() // 1000
    for activity_id, raws in latest.items():
        before = cache.merged.get(activity_id)
        if before is None:
            text = stored.get(activity_id)
            before = orjson.loads(text) if text is not None else {}
        after = before
        for raw in raws:
            after = merge_definition(after, orjson.loads(raw))
        merged[activity_id] = after
        if after != before:
            changed.append((activity_id, orjson.dumps(after).decode(), now_us))
    store.save_definitions(tx.conn, changed)
    last_raw = {activity_id: raws[-1] for activity_id, raws in latest.items()}
    tx.on_commit(lambda: cache.update(merged, last_raw))


def get_activity(conn: Connection, activity_id: str) -> dict[str, Any]:
    """The Activity object with its canonical definition; an activity never defined is
    returned with its id alone."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    text = store.get_definitions(conn, [activity_id]).get(activity_id)
    if text is not None:
        activity["definition"] = orjson.loads(text)
    return activity
