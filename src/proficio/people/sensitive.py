"""Sensitive attributes (gender, age band, ethnicity, disability...) for later equity audits.

They come from a CSV file with one row per person: a person column, a consent column and the
attribute columns a mapping names (docs/import-sensitive.md). Only people who consented are
imported: a row whose consent is not "yes" refuses the whole file, as does any other problem,
each reported with its line and column. Re-importing replaces each listed person's attributes.
They are stored apart from the directory (`storage.sensitive`). Callers own the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from proficio.capture.mapping import read_mapping_file
from proficio.capture.problems import ImportRejected as RosterRejected
from proficio.capture.problems import Problem
from proficio.errors import BadRequest
from proficio.people.roster import numbered_records
from proficio.storage import people as people_store
from proficio.storage import sensitive as store
from proficio.storage.sensitive import SensitiveRow

DEFAULT_ATTRIBUTES = ("gender", "age_band", "ethnicity", "disability")
_SETTINGS = {"kind", "columns", "attributes", "ignore", "date_format", "source"}
_COLUMNS = ("person_id", "consent", "consent_date")


class SensitiveRejected(RosterRejected):
    """The sensitive-attributes file has problems; nothing of it was stored."""


@dataclass(frozen=True)
class SensitiveMapping:
    """Columns of the person, the consent (yes/no) and its date (optional), and the attribute
    columns: attribute name -> column."""

    columns: dict[str, str] = field(default_factory=lambda: {c: c for c in _COLUMNS})
    attributes: dict[str, str] = field(default_factory=lambda: {a: a for a in DEFAULT_ATTRIBUTES})
    ignore: frozenset[str] = frozenset()
    date_format: str = "%Y-%m-%d"
    source: str | None = None

    @classmethod
    def load(cls, path: Path) -> SensitiveMapping:
        return cls.from_dict(read_mapping_file(path))

    @classmethod
    def from_dict(cls, raw: Any) -> SensitiveMapping:
        if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
            raise BadRequest("must be a YAML mapping of named settings", field="mapping")
        unknown = sorted(set(raw) - _SETTINGS)
        if unknown:
            raise BadRequest("not a setting of a sensitive mapping", field=f"mapping.{unknown[0]}")
        if raw.get("kind", "sensitive") != "sensitive":
            raise BadRequest("this mapping is not for sensitive attributes", field="mapping.kind")
        columns = raw.get("columns") or {}
        if not _names(columns) or not set(columns) <= set(_COLUMNS):
            raise BadRequest(
                f"must map {', '.join(_COLUMNS)} to column names", field="mapping.columns"
            )
        attributes = raw.get("attributes", list(DEFAULT_ATTRIBUTES))
        if isinstance(attributes, list) and all(isinstance(a, str) for a in attributes):
            attributes = {a: a for a in attributes}
        if not _names(attributes) or not attributes:
            raise BadRequest(
                "must list attribute columns, or map attribute names to columns",
                field="mapping.attributes",
            )
        ignore = raw.get("ignore") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            raise BadRequest("must be a list of column names", field="mapping.ignore")
        date_format = raw.get("date_format", "%Y-%m-%d")
        if not isinstance(date_format, str) or "%" not in date_format:
            raise BadRequest("must be a strftime format", field="mapping.date_format")
        source = raw.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            raise BadRequest(
                "must be text naming where the data comes from", field="mapping.source"
            )
        mapping = cls(
            columns={c: c for c in _COLUMNS} | columns,
            attributes=attributes,
            ignore=frozenset(ignore),
            date_format=date_format,
            source=source,
        )
        named = [*mapping.columns.values(), *mapping.attributes.values()]
        twice = sorted({c for c in named if named.count(c) > 1})
        if twice:
            raise BadRequest(f"column {twice[0]!r} is named twice", field="mapping")
        return mapping


def _names(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


@dataclass(frozen=True)
class SensitiveRecord:
    line: int
    person_id: str
    consent_recorded_on: str | None  # None: the import date
    attributes: dict[str, str]


def read_sensitive(path: Path, mapping: SensitiveMapping) -> list[SensitiveRecord]:
    """Every row of the file, checked; SensitiveRejected listing all problems otherwise."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse_sensitive(list(numbered_records(csv.reader(handle))), mapping)
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the file: {exc}", field="file") from None
    except csv.Error as exc:
        raise BadRequest(f"not a readable CSV file: {exc}", field="file") from None


def parse_sensitive(
    records: list[tuple[int, list[str]]], mapping: SensitiveMapping
) -> list[SensitiveRecord]:
    if not records:
        raise SensitiveRejected([Problem(1, "", "the file is empty; it needs a header row")])
    header = records[0][1]
    problems = _check_header(header, mapping)
    if problems:
        raise SensitiveRejected(problems)
    at = {column: i for i, column in enumerate(header)}
    person_column, consent_column = mapping.columns["person_id"], mapping.columns["consent"]
    date_column = mapping.columns["consent_date"]
    parsed: list[SensitiveRecord] = []
    first: dict[str, int] = {}
    for line, values in records[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                Problem(line, "", f"has {len(values)} values for {len(header)} columns")
            )
            continue
        person = values[at[person_column]].strip()
        consent = values[at[consent_column]].strip()
        before = len(problems)
        if not person:
            problems.append(Problem(line, person_column, "is empty"))
        elif person in first:
            problems.append(
                Problem(line, person_column, f"{person!r} is already on line {first[person]}")
            )
        else:
            first[person] = line
        if consent.lower() != "yes":
            problems.append(
                Problem(
                    line,
                    consent_column,
                    f"is {consent!r}, not yes: attributes are imported only with consent",
                )
            )
        consent_on = None
        if date_column in at and consent.lower() == "yes":  # a date of no consent is moot
            given = values[at[date_column]].strip()
            try:
                consent_on = dt.datetime.strptime(given, mapping.date_format).date().isoformat()
            except ValueError:
                problems.append(
                    Problem(
                        line,
                        date_column,
                        f"{given!r} is not a date in the format {mapping.date_format}",
                    )
                )
        if len(problems) == before:
            attributes = {
                name: values[at[column]].strip()
                for name, column in mapping.attributes.items()
                if column in at and values[at[column]].strip()
            }
            parsed.append(SensitiveRecord(line, person, consent_on, attributes))
    if not parsed and not problems:
        problems.append(Problem(1, "", "the file lists no one"))
    if problems:
        raise SensitiveRejected(problems)
    return parsed


def _check_header(header: list[str], mapping: SensitiveMapping) -> list[Problem]:
    problems = []
    if len(set(header)) != len(header):
        twice = sorted({c for c in header if header.count(c) > 1})
        problems.append(Problem(1, twice[0], "this column appears more than once"))
    attribute_columns = set(mapping.attributes.values())
    known = set(mapping.columns.values()) | attribute_columns | mapping.ignore
    problems += [
        Problem(1, c, "unknown column: map it to an attribute or list it under ignore")
        for c in header
        if c not in known
    ]
    for name in ("person_id", "consent"):
        if mapping.columns[name] not in header:
            problems.append(
                Problem(1, mapping.columns[name], f"required column for {name} is missing")
            )
    if not attribute_columns & set(header):
        problems.append(Problem(1, "", "no attribute column: the mapping names none of these"))
    return problems


@dataclass
class SensitiveReport:
    people: int
    attributes: int
    replaced: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"people": self.people, "attributes": self.attributes, "replaced": self.replaced}


def apply_sensitive(
    conn: Connection,
    *,
    records: list[SensitiveRecord],
    mapping: SensitiveMapping,
    source: str,
    now: dt.datetime,
) -> SensitiveReport:
    """Replace each listed person's attributes; every person must be in the directory."""
    ids = [r.person_id for r in records]
    known = people_store.statuses(conn, ids)
    column = mapping.columns["person_id"]
    problems = [
        Problem(r.line, column, f"no person with id {r.person_id!r}")
        for r in records
        if r.person_id not in known
    ]
    if problems:
        raise SensitiveRejected(problems)
    replaced = sorted(store.people_with_attributes(conn, ids))
    stamp = now.isoformat()
    rows = [
        SensitiveRow(
            r.person_id, name, value, r.consent_recorded_on or now.date().isoformat(), source, stamp
        )
        for r in records
        for name, value in sorted(r.attributes.items())
    ]
    store.replace_attributes(conn, ids, rows)
    return SensitiveReport(people=len(records), attributes=len(rows), replaced=replaced)
