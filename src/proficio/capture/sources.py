"""A source is one kind of import file: its fields, and how a checked row becomes statements.

Each kind (lms, usage, survey, ...) is declared in its own module; `source_for` finds the one a
command names, with the shape its mapping asks for.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from proficio.capture.fields import Field
from proficio.capture.mapping import Mapping
from proficio.capture.profile import Profile
from proficio.errors import BadRequest

# Statement ids of imported rows are UUID 5 names under this namespace (a random UUID 4,
# fixed forever: changing it would re-import every file as new statements).
IMPORT_NAMESPACE = uuid.UUID("0f6d1d52-3b56-4c1e-9a3e-6e2f3c0b8a41")
_NAMESPACE_BYTES = IMPORT_NAMESPACE.bytes


def uuid5(name: bytes) -> str:
    """`str(uuid.uuid5(IMPORT_NAMESPACE, name))` (RFC 4122 4.3), at a third of the cost."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class Row:
    """A checked row: field name -> value (absent when the row left an optional field empty),
    with people already resolved to person ids."""

    line: int
    values: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


Statement = dict[str, Any]


class StatementBuilder:
    """Statements about people in Proficio's profile, with ids derived from their content, so
    the same row imported twice is the same statement."""

    def __init__(
        self, *, mapping: Mapping, profile: Profile, home_page: str, file_sha256: str
    ) -> None:
        self.mapping = mapping
        self.kind = mapping.kind
        self.profile = profile
        self.home_page = home_page.rstrip("/")
        self.file_sha256 = file_sha256
        self._kind_prefix = self.kind.encode() + b"\x1f"
        self._source_ext = profile.extension("source")
        # Rows repeat the same tools, courses, verbs and days: build each of those once.
        self._activities: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._verbs: dict[str, dict[str, Any]] = {}
        self._times: dict[dt.datetime, str] = {}
        self._extension_iris: dict[str, str] = {}

    def agent(self, person_id: str | None) -> dict[str, Any]:
        """A person as xAPI knows them: an account on this Proficio. None: anonymous."""
        if person_id is None:
            return {
                "objectType": "Agent",
                "account": {"homePage": f"{self.home_page}/anonymous", "name": "anonymous"},
            }
        return {"objectType": "Agent", "account": {"homePage": self.home_page, "name": person_id}}

    def activity(self, type_key: str, *path: str, name: str | None = None) -> dict[str, Any]:
        """An activity of the organisation, at <home page>/activities/<type>/<path...>.
        Shared between statements: never change what it returns."""
        key = (type_key, path, name)
        found = self._activities.get(key)
        if found is None:
            found = self._activities[key] = self._activity(type_key, path, name)
        return found

    def _activity(self, type_key: str, path: tuple[str, ...], name: str | None) -> dict[str, Any]:
        segments = "/".join(quote(p, safe="") for p in path)
        definition: dict[str, Any] = {"type": self.profile.activity_type(type_key)}
        if name:
            definition["name"] = {"en": name}
        return {
            "objectType": "Activity",
            "id": f"{self.home_page}/activities/{type_key}/{segments}",
            "definition": definition,
        }

    def verb(self, key: str) -> dict[str, Any]:
        if key not in self._verbs:
            self._verbs[key] = {"id": self.profile.verb(key), "display": {"en-US": key}}
        return self._verbs[key]

    def extensions(self, values: dict[str, Any]) -> dict[str, Any]:
        """Profile extensions by key, leaving out the values a row did not give."""
        iris = self._extension_iris
        for k in values.keys() - iris.keys():
            iris[k] = self.profile.extension(k)
        return {iris[k]: v for k, v in values.items() if v is not None}

    def _time(self, moment: dt.datetime) -> str:
        text = self._times.get(moment)
        if text is None:
            text = moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
            if len(self._times) < 100_000:
                self._times[moment] = text
        return text

    def statement(
        self,
        row: Row,
        *,
        actor: dict[str, Any],
        verb: str,
        object: dict[str, Any],
        timestamp: dt.datetime,
        result: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Statement:
        body: Statement = {
            "actor": actor,
            "verb": self.verb(verb),
            "object": object,
            "timestamp": self._time(timestamp),
        }
        if result:
            body["result"] = result
        context = dict(context or {})
        body["context"] = context
        # The id covers the content, not where it came from: the same fact in a later export
        # (another file, another line) is the statement already stored.
        name = self._kind_prefix + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        body["id"] = uuid5(name)
        context["extensions"] = {
            **context.get("extensions", {}),
            self._source_ext: {"importer": self.kind, "file": self.file_sha256, "line": row.line},
        }
        return body


Build = Callable[[Row, StatementBuilder], list[Statement]]


@dataclass(frozen=True)
class Source:
    kind: str
    title: str
    fields: tuple[Field, ...]
    build: Build
    about: str  # a paragraph for docs/imports.md
    shape: str = "rows"  # the first source of a kind is its default shape
    # Fields naming a person, resolved against the directory (by id or by email).
    person_fields: tuple[str, ...] = ("person",)
    # Checks across fields (a score above the maximum), raising fields.Invalid.
    check: Callable[[Row], None] | None = None
    # For shapes whose columns depend on the mapping (one per app of a last-activity report).
    extra_fields: Callable[[Mapping], tuple[Field, ...]] | None = None

    def fields_for(self, mapping: Mapping) -> tuple[Field, ...]:
        extra = self.extra_fields(mapping) if self.extra_fields else ()
        return self.fields + extra


@functools.cache
def _registry() -> dict[tuple[str, str], Source]:
    from proficio.capture import lms, observations, office_hours, surveys, usage, workflows

    sources = [
        lms.SOURCE,
        usage.DAILY,
        usage.LAST_ACTIVITY,
        surveys.SOURCE,
        observations.SOURCE,
        office_hours.SOURCE,
        workflows.SOURCE,
    ]
    return {(s.kind, s.shape): s for s in sources}


KINDS = ("lms", "usage", "survey", "observation", "office-hours", "workflow")


def source_for(kind: str, shape: str | None = None) -> Source:
    registry = _registry()
    if kind not in KINDS:
        raise BadRequest(f"not a kind of import (kinds: {', '.join(KINDS)})", field="kind")
    if shape is None:
        return next(s for (k, _), s in registry.items() if k == kind)
    if (kind, shape) not in registry:
        shapes = sorted(s for k, s in registry if k == kind)
        raise BadRequest(
            f"{kind} files come in the shapes {', '.join(shapes)}", field="mapping.shape"
        )
    return registry[(kind, shape)]


def all_sources() -> list[Source]:
    return list(_registry().values())
