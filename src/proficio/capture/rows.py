"""Checking an import file's header and rows against a source's fields and the mapping.

A row becomes a `Row` of typed values, with every person it names resolved against the
directory, or a list of problems naming its line, the column and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection

from proficio.capture.fields import Field, Invalid, items, text
from proficio.capture.mapping import Mapping
from proficio.capture.problems import Problem
from proficio.capture.reading import PROBLEMS_COLUMN
from proficio.capture.sources import Row, Source
from proficio.errors import BadRequest
from proficio.storage import people as people_store

_CACHED_VALUES = 10_000


class People:
    """Who a file may name: every person in the directory (leavers too: an export may cover
    the time before they left), by HRIS id or by email."""

    def __init__(self, emails_by_id: dict[str, str | None]) -> None:
        self._ids = set(emails_by_id)
        self._by_email = {e.lower(): p for p, e in emails_by_id.items() if e}

    @classmethod
    def load(cls, conn: Connection) -> People:
        return cls({p: row["email"] for p, row in people_store.all_people(conn).items()})

    def resolve(self, value: str, *, by: str) -> str:
        if by == "email":
            found = self._by_email.get(value.lower())
            if found is None:
                raise ValueError(f"no person with the email {value!r} in the directory")
            return found
        if value not in self._ids:
            raise ValueError(f"no person with the id {value!r} in the directory")
        return value


def _check_mapping(source: Source, mapping: Mapping, fields: tuple[Field, ...]) -> None:
    """What a mapping names must be this source's: a misspelt field is an error, not a
    setting silently ignored."""
    names = [f.name for f in fields if f.column is None]
    for setting, given in (("columns", mapping.columns), ("values", mapping.values)):
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise BadRequest(
                f"not a field of {source.kind} files (fields: {', '.join(names)})",
                field=f"mapping.{setting}.{unknown[0]}",
            )
    if mapping.apps and source.extra_fields is None:
        raise BadRequest(
            "only a usage file of shape last_activity lists apps", field="mapping.apps"
        )
    if source.extra_fields is not None and not mapping.apps:
        raise BadRequest("name each app and its last-activity column", field="mapping.apps")


class RowChecker:
    def __init__(self, source: Source, mapping: Mapping, people: People) -> None:
        self.source = source
        self.mapping = mapping
        self.people = people
        self.fields: tuple[Field, ...] = source.fields_for(mapping)
        _check_mapping(source, mapping, self.fields)
        self.column = {f.name: f.column or mapping.column(f.name) for f in self.fields}
        self._checked_keys: dict[frozenset[str], list[Problem]] = {}
        # Per field: name, column, the value the mapping fixes (or None), whether a row may
        # leave it empty, and the function from text to value.
        self._plan = [
            (
                f.name,
                self.column[f.name],
                mapping.values.get(f.name),
                f.value_required,
                self._reader(f, f.name in source.person_fields),
            )
            for f in self.fields
        ]

    def _reader(self, field: Field, names_person: bool) -> Callable[[str], Any]:
        parse, formats = field.parse, self.mapping.formats
        if names_person:
            by, resolve = self.mapping.person_by, self.people.resolve
            return lambda raw: resolve(parse(raw, formats), by=by)
        if parse is text:
            return lambda raw: raw
        if parse is items:
            return lambda raw: items(raw, formats)
        # Dates, numbers and choices repeat across rows: read each distinct text once.
        seen: dict[str, Any] = {}

        def cached(raw: str) -> Any:
            if raw in seen:
                return seen[raw]
            value = parse(raw, formats)
            if len(seen) < _CACHED_VALUES:
                seen[raw] = value
            return value

        return cached

    def check_header(self, header: Iterable[str], *, line: int = 1) -> list[Problem]:
        """Problems with a file's columns: each must be a field's or ignored, and every
        required field needs its column (unless the mapping gives it one value)."""
        header = list(header)
        problems = []
        twice = sorted({c for c in header if header.count(c) > 1})
        problems += [Problem(line, c, "this column appears more than once") for c in twice]
        known = set(self.column.values()) | self.mapping.ignore | {PROBLEMS_COLUMN}
        problems += [
            Problem(line, c, "unknown column: map it to a field or list it under ignore")
            for c in dict.fromkeys(header)
            if c not in known
        ]
        present = set(header)
        problems += [
            Problem(line, self.column[name], f"the mapping gives {name} one value for every row")
            for name in self.mapping.values
            if self.column[name] in present
        ]
        problems += [
            Problem(line, self.column[f.name], f"required column for {f.name} is missing")
            for f in self.fields
            if f.column_required
            and self.column[f.name] not in present
            and f.name not in self.mapping.values
        ]
        return problems

    def check(self, line: int, record: dict[str, str], *, json_keys: bool) -> Row | list[Problem]:
        if "" in record:  # the reader could not make a record of it
            return [Problem(line, "", record[""])]
        if json_keys:  # each JSON object names its own columns
            keys = frozenset(record)
            if keys not in self._checked_keys:
                self._checked_keys[keys] = self.check_header(sorted(keys), line=0)
            header_problems = self._checked_keys[keys]
            if header_problems:
                return [Problem(line, p.column, p.reason) for p in header_problems]
        values = {}
        problems = []
        for name, column, fixed, required, read in self._plan:
            raw = fixed if fixed is not None else record.get(column, "").strip()
            if not raw:
                if required:
                    problems.append(Problem(line, column, "is empty"))
                continue
            try:
                values[name] = read(raw)
            except ValueError as exc:
                problems.append(Problem(line, column, str(exc)))
        if problems:
            return problems
        row = Row(line, values)
        if self.source.check is not None:
            try:
                self.source.check(row)
            except Invalid as exc:
                return [Problem(line, self.column.get(exc.field, exc.field), exc.reason)]
        return row
