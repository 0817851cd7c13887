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

import hashlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.lrs.formats import pick_language
from proficio.storage import activities as store
from proficio.storage.writer import Tx

_MERGED_MAPS = ("name", "description", "extensions")
# Entries, not bytes: each holds a definition as JSON (about 1 kB) and a 16-byte digest.
_CACHE_LIMIT = 20_000


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
    """The writer process's view of stored definitions (as JSON), and a digest of the raw
    definition last merged per activity (entries enter only after their transaction
    committed). Compact on purpose: it lives as long as the writer."""

    def __init__(self) -> None:
        self.merged: dict[str, bytes] = {}
        self.last_raw: dict[str, bytes] = {}

    def update(self, merged: dict[str, bytes], raw: dict[str, bytes]) -> None:
        if len(self.merged) + len(merged) > _CACHE_LIMIT:
            self.merged.clear()
            self.last_raw.clear()
        self.merged.update(merged)
        self.last_raw.update(raw)


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def save_definitions(tx: Tx, cache: DefinitionCache, carried: Iterable[dict[str, bytes]]) -> None:
    """Merge the definitions carried by new statements (in order) into the stored ones."""
    latest: dict[str, list[bytes]] = {}
    for definitions in carried:
        for activity_id, raw in definitions.items():
            if cache.last_raw.get(activity_id) != _digest(raw):
                latest.setdefault(activity_id, []).append(raw)
    if not latest:
        return
    missing = [a for a in latest if a not in cache.merged]
    stored = store.get_definitions(tx.conn, missing) if missing else {}
    merged: dict[str, bytes] = {}
    changed: list[tuple[str, str, int]] = []
    now_us = time.time_ns() // 1000
    for activity_id, raws in latest.items():
        known = cache.merged.get(activity_id)
        if known is None:
            text = stored.get(activity_id)
            known = text.encode() if text is not None else b"{}"
        before = orjson.loads(known)
        after = before
        for raw in raws:
            after = merge_definition(after, orjson.loads(raw))
        if after == before:
            merged[activity_id] = known
        else:
            merged[activity_id] = orjson.dumps(after)
            changed.append((activity_id, merged[activity_id].decode(), now_us))
    store.save_definitions(tx.conn, changed)
    last_raw = {activity_id: _digest(raws[-1]) for activity_id, raws in latest.items()}
    tx.on_commit(lambda: cache.update(merged, last_raw))


def get_activity(conn: Connection, activity_id: str) -> dict[str, Any]:
    """The Activity object with its canonical definition; an activity never defined is
    returned with its id alone."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    text = store.get_definitions(conn, [activity_id]).get(activity_id)
    if text is not None:
        activity["definition"] = orjson.loads(text)
    return activity


def activity_names(
    conn: Connection, activity_ids: Iterable[str], *, languages: Sequence[str] = ("en-us", "en")
) -> dict[str, str]:
    """The display name of each activity that has one in its canonical definition, in the
    first of `languages` it has (else any)."""
    out = {}
    for activity_id, text in store.get_definitions(conn, sorted(set(activity_ids))).items():
        names = orjson.loads(text).get("name") or {}
        picked = pick_language(names, list(languages))
        if picked:
            out[activity_id] = next(iter(picked.values()))
    return out
