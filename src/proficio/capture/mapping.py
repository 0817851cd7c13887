"""The column-mapping file: how a customer's export names Proficio's fields.

```yaml
kind: usage                 # which importer the mapping is for
shape: daily                # usage only: daily (the default) or last_activity
person_by: email            # the person column holds HRIS ids (id, the default) or emails
columns: {person: User, date: Day, prompts: Prompt count}
values: {tool: Copilot, approved: yes}   # a field the export has no column for: one value
ignore: [Cost Center]       # columns to skip; any other unmapped column is an error
date_format: "%d/%m/%Y"
list_separator: ","
apps:                       # shape last_activity: one last-activity column per app
  Microsoft 365 Copilot: {column: Copilot Last Activity Date, approved: yes}
```

Fields left out of `columns` keep their own name. docs/imports.md documents each kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from proficio.capture.fields import FALSE_WORDS, TRUE_WORDS, Formats
from proficio.errors import BadRequest

_SETTINGS = frozenset(
    {
        "kind",
        "shape",
        "person_by",
        "columns",
        "values",
        "ignore",
        "date_format",
        "list_separator",
        "apps",
    }
)


@dataclass(frozen=True)
class App:
    """An app of a last-activity report: the column with its last-activity date."""

    name: str
    column: str
    approved: bool


@dataclass(frozen=True)
class Mapping:
    kind: str
    shape: str | None = None  # None: the kind's usual shape
    person_by: str = "id"
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    formats: Formats = field(default_factory=Formats)
    apps: tuple[App, ...] = ()

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    @classmethod
    def load(cls, path: Path, *, kind: str) -> Mapping:
        return cls.from_dict(read_mapping_file(path), kind=kind)

    @classmethod
    def from_dict(cls, raw: Any, *, kind: str) -> Mapping:
        if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
            raise BadRequest("must be a YAML mapping of named settings", field="mapping")
        unknown = sorted(set(raw) - _SETTINGS)
        if unknown:
            raise BadRequest("not a setting of a mapping", field=f"mapping.{unknown[0]}")
        if raw.get("kind", kind) != kind:
            raise BadRequest(
                f"this mapping is for {raw['kind']!r}, not {kind!r}", field="mapping.kind"
            )
        person_by = raw.get("person_by", "id")
        if person_by not in ("id", "email"):
            raise BadRequest("must be id or email", field="mapping.person_by")
        date_format = raw.get("date_format", "%Y-%m-%d")
        if not isinstance(date_format, str) or "%" not in date_format:
            raise BadRequest(
                "must be a strftime format such as %d/%m/%Y", field="mapping.date_format"
            )
        separator = raw.get("list_separator", ";")
        if not isinstance(separator, str) or len(separator) != 1:
            raise BadRequest("must be one character", field="mapping.list_separator")
        ignore = raw.get("ignore") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            raise BadRequest("must be a list of column names", field="mapping.ignore")
        shape = raw.get("shape")
        if shape is not None and not isinstance(shape, str):
            raise BadRequest("must be a name", field="mapping.shape")
        return cls(
            kind=kind,
            shape=shape,
            person_by=person_by,
            columns=_names(raw.get("columns"), "mapping.columns"),
            values=_names(raw.get("values"), "mapping.values", scalars=True, dates=date_format),
            ignore=frozenset(ignore),
            formats=Formats(date_format=date_format, list_separator=separator),
            apps=_apps(raw.get("apps")),
        )


def read_mapping_file(path: Path) -> Any:
    """A mapping file's YAML (every importer's: roster, sensitive attributes, statements)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the mapping file: {exc}", field="mapping") from None
    return load_yaml(text)


def load_yaml(text: str) -> Any:
    """A mapping file's YAML; one sentence when it is not YAML or is nested without end."""
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise BadRequest(f"cannot read the mapping: {exc}", field="mapping") from None
    except RecursionError:
        raise BadRequest(
            "nested too deeply to be a mapping file (thousands of levels)", field="mapping"
        ) from None


def _names(
    raw: Any, where: str, *, scalars: bool = False, dates: str = "%Y-%m-%d"
) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("must map field names to column names", field=where)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if scalars and isinstance(value, dt.date):  # YAML reads 2026-11-01 as a date
            value = value.strftime(dates)
        if scalars and isinstance(value, bool):
            value = "yes" if value else "no"
        elif scalars and isinstance(value, int | float):
            value = str(value)
        if not isinstance(key, str) or not isinstance(value, str) or not value:
            raise BadRequest("must be a non-empty text", field=f"{where}.{key}")
        out[key] = value
    return out


def _apps(raw: Any) -> tuple[App, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        raise BadRequest("must map app names to {column, approved}", field="mapping.apps")
    apps = []
    for name, spec in raw.items():
        where = f"mapping.apps.{name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("column"), str):
            raise BadRequest("needs the column holding the app's last activity", field=where)
        extra = sorted(set(spec) - {"column", "approved"})
        if extra:
            raise BadRequest("not a setting of an app", field=f"{where}.{extra[0]}")
        approved = spec.get("approved", True)
        if isinstance(approved, str) and approved.lower() in TRUE_WORDS | FALSE_WORDS:
            approved = approved.lower() in TRUE_WORDS
        if not isinstance(approved, bool):
            raise BadRequest("must be yes or no", field=f"{where}.approved")
        apps.append(App(name=str(name), column=spec["column"], approved=approved))
    return tuple(apps)
