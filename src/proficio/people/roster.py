"""The HRIS roster: a CSV export of every current employee, read through a column mapping.

A customer's export names its columns its own way ("Employee ID", "Manager Employee ID"); a
YAML mapping file says which of its columns holds each field Proficio needs, and which to
ignore, so no code changes per customer (docs/import-hris.md). Reading checks every row and
the roster as a whole (unique ids, known managers, no cycle in the hierarchy) and reports
every problem with its line and column; a roster with any problem is refused whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proficio.capture.mapping import read_mapping_file
from proficio.capture.problems import ImportRejected, Problem
from proficio.errors import BadRequest

# Proficio's fields, and whether a roster must have a column for each.
FIELDS: dict[str, bool] = {
    "person_id": True,
    "name": True,
    "email": False,
    "department": True,
    "role": True,
    "location": False,
    "manager_id": True,
    "hire_date": True,
}
_REQUIRED_VALUES = ("person_id", "name", "department", "role", "hire_date")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A roster's problems are reported like every import's.
RosterRejected = ImportRejected


@dataclass(frozen=True)
class RosterMapping:
    """Which column of the export holds each field, which columns to ignore, the date format."""

    columns: dict[str, str] = field(default_factory=lambda: {f: f for f in FIELDS})
    ignore: frozenset[str] = frozenset()
    date_format: str = "%Y-%m-%d"

    @classmethod
    def load(cls, path: Path) -> RosterMapping:
        return cls.from_dict(read_mapping_file(path))

    @classmethod
    def from_dict(cls, raw: Any) -> RosterMapping:
        if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
            raise BadRequest("must be a YAML mapping of named settings", field="mapping")
        unknown = sorted(set(raw) - {"kind", "columns", "ignore", "date_format"})
        if unknown:
            raise BadRequest("not a setting of a roster mapping", field=f"mapping.{unknown[0]}")
        if raw.get("kind", "hris") != "hris":
            raise BadRequest("this mapping is not for an HRIS roster", field="mapping.kind")
        given = raw.get("columns") or {}
        if not isinstance(given, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in given.items()
        ):
            raise BadRequest("must map field names to column names", field="mapping.columns")
        bad = sorted(set(given) - set(FIELDS))
        if bad:
            raise BadRequest(
                f"not a roster field (fields: {', '.join(FIELDS)})",
                field=f"mapping.columns.{bad[0]}",
            )
        ignore = raw.get("ignore") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            raise BadRequest("must be a list of column names", field="mapping.ignore")
        date_format = raw.get("date_format", "%Y-%m-%d")
        if not isinstance(date_format, str) or "%" not in date_format:
            raise BadRequest(
                "must be a strftime format such as %d/%m/%Y", field="mapping.date_format"
            )
        columns = {f: f for f in FIELDS} | given
        named: dict[str, str] = {}
        for name, column in columns.items():
            if column in named:
                raise BadRequest(
                    f"names the same column as {named[column]} ({column!r})",
                    field=f"mapping.columns.{name}",
                )
            named[column] = name
        return cls(columns=columns, ignore=frozenset(ignore), date_format=date_format)


@dataclass(frozen=True)
class RosterRow:
    line: int
    person_id: str
    name: str
    email: str | None
    department: str
    role: str
    location: str | None
    manager_id: str | None
    hire_date: str  # ISO 8601 date


def read_roster(path: Path, mapping: RosterMapping) -> list[RosterRow]:
    """Every row of the roster file, checked; RosterRejected listing all problems otherwise."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse_roster(numbered_records(csv.reader(handle)), mapping)
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the roster: {exc}", field="file") from None
    except csv.Error as exc:
        raise BadRequest(f"not a readable CSV file: {exc}", field="file") from None


def numbered_records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the file line it starts on (a quoted value may span lines)."""
    start = 1
    for values in reader:
        yield start, values
        start = reader.line_num + 1


def parse_roster(
    records: Iterable[tuple[int, list[str]]], mapping: RosterMapping
) -> list[RosterRow]:
    """Check and convert (line, values) records, the first being the header."""
    rows = iter(records)
    first = next(rows, None)
    if first is None:
        raise RosterRejected([Problem(1, "", "the file is empty; it needs a header row")])
    header = first[1]
    problems = _check_header(header, mapping)
    if problems:
        raise RosterRejected(problems)
    index = {f: header.index(mapping.columns[f]) for f in FIELDS if mapping.columns[f] in header}
    parsed: list[RosterRow] = []
    listed: set[str] = set()  # every id in the file, so a manager on a bad row is still known
    for line, values in rows:
        if not any(v.strip() for v in values):
            continue  # blank lines are not people
        if len(values) != len(header):
            problems.append(
                Problem(line, "", f"has {len(values)} values for {len(header)} columns")
            )
            continue
        if "person_id" in index:
            listed.add(values[index["person_id"]].strip())
        row = _row(line, values, index, mapping, problems)
        if row is not None:
            parsed.append(row)
    if not parsed and not problems:
        # Applying it would mark everyone as a leaver: surely a broken export.
        problems.append(Problem(1, "", "the roster lists no one"))
    problems += _check_roster(parsed, listed, mapping)
    if problems:
        raise RosterRejected(sorted(problems, key=lambda p: p.line))
    return parsed


def _check_header(header: list[str], mapping: RosterMapping) -> list[Problem]:
    problems = []
    if len(set(header)) != len(header):
        twice = sorted({c for c in header if header.count(c) > 1})
        problems.append(Problem(1, twice[0], "this column appears more than once"))
    known = {mapping.columns[f] for f in FIELDS} | mapping.ignore
    problems += [
        Problem(1, c, "unknown column: map it to a field or list it under ignore")
        for c in header
        if c not in known
    ]
    problems += [
        Problem(1, mapping.columns[f], f"required column for {f} is missing")
        for f, required in FIELDS.items()
        if required and mapping.columns[f] not in header
    ]
    return problems


def _row(
    line: int,
    values: list[str],
    index: dict[str, int],
    mapping: RosterMapping,
    problems: list[Problem],
) -> RosterRow | None:
    got = {f: values[i].strip() for f, i in index.items()}
    before = len(problems)
    for f in _REQUIRED_VALUES:
        if not got.get(f):
            problems.append(Problem(line, mapping.columns[f], "is empty"))
    email = got.get("email") or None
    if email is not None and not _EMAIL.match(email):
        problems.append(Problem(line, mapping.columns["email"], f"{email!r} is not an email"))
    hire_date = got.get("hire_date", "")
    if hire_date:
        try:
            hire_date = dt.datetime.strptime(hire_date, mapping.date_format).date().isoformat()
        except ValueError:
            problems.append(
                Problem(
                    line,
                    mapping.columns["hire_date"],
                    f"{got['hire_date']!r} is not a date in the format {mapping.date_format}",
                )
            )
    if len(problems) > before:
        return None
    return RosterRow(
        line=line,
        person_id=got["person_id"],
        name=got["name"],
        email=email.lower() if email else None,
        department=got["department"],
        role=got["role"],
        location=got.get("location") or None,
        manager_id=got.get("manager_id") or None,
        hire_date=hire_date,
    )


def _check_roster(rows: list[RosterRow], listed: set[str], mapping: RosterMapping) -> list[Problem]:
    """What no single row shows: duplicate ids or emails, unknown managers, cycles in the
    hierarchy."""
    problems = []
    column_id, column_manager = mapping.columns["person_id"], mapping.columns["manager_id"]
    first_line: dict[str, int] = {}
    email_line: dict[str, int] = {}  # emails are lower-cased when read
    for row in rows:
        if row.person_id in first_line:
            problems.append(
                Problem(
                    row.line,
                    column_id,
                    f"{row.person_id!r} is already on line {first_line[row.person_id]}",
                )
            )
        else:
            first_line[row.person_id] = row.line
        if row.email is None:
            continue
        if row.email in email_line:
            # Two people cannot share a login or an mbox identifier.
            problems.append(
                Problem(
                    row.line,
                    mapping.columns["email"],
                    f"{row.email!r} is already on line {email_line[row.email]}",
                )
            )
        else:
            email_line[row.email] = row.line
    managers = {row.person_id: row.manager_id for row in rows}
    for row in rows:
        if row.manager_id is None:
            continue
        if row.manager_id == row.person_id:
            problems.append(Problem(row.line, column_manager, "a person cannot manage themself"))
        elif row.manager_id not in listed:
            problems.append(
                Problem(row.line, column_manager, f"no person with id {row.manager_id!r} here")
            )
    problems += _cycles(rows, managers, column_manager)
    return problems


def _cycles(rows: list[RosterRow], managers: dict[str, str | None], column: str) -> list[Problem]:
    """One problem per management cycle (A manages B manages ... manages A), on its first
    row in the file."""
    line_of = {row.person_id: row.line for row in rows}
    settled: set[str] = set()  # reach the top of the hierarchy, or a reported cycle
    problems = []
    for row in rows:
        path: list[str] = []
        on_path: set[str] = set()
        person: str | None = row.person_id
        while person is not None and person not in settled and person in managers:
            if person in on_path:
                cycle = path[path.index(person) :]
                first = min(cycle, key=lambda p: line_of[p])
                chain = " → ".join([*cycle, person])
                problems.append(Problem(line_of[first], column, f"management cycle: {chain}"))
                break
            path.append(person)
            on_path.add(person)
            manager = managers[person]
            person = manager if manager != person else None
        settled.update(path)
    return problems
