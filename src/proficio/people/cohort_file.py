"""The cohort file: YAML or JSON listing cohorts, each a run of a program with its dates,
due dates, target roles and members (docs/import-cohorts.md).

Reading checks each cohort on its own and the file as a whole (unique ids); a problem names
the cohort by index, id and, in YAML, the line, plus the field. What needs the directory
(who exists, who is active, overlapping cohorts) is checked when the file is applied.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from proficio.errors import BadRequest

ACTIVE, CLOSED = "active", "closed"
FIELDS = ("id", "name", "program", "start", "end", "due_dates", "target_roles", "members", "status")
_REQUIRED = ("id", "name", "program", "start", "end")
MAX_REPORTED = 50
_Add = Callable[[str, str], None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a cohort: which (index in the file, id, line) and which field."""

    index: int
    cohort_id: str | None
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        named = f" {self.cohort_id!r}" if self.cohort_id else ""
        at = f" (line {self.line})" if self.line else ""
        return f"cohorts[{self.index}]{named}{at}, {self.field}: {self.reason}"


class CohortsRejected(BadRequest):
    """The cohort file has problems; nothing of it was stored."""

    code = "import_rejected"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:MAX_REPORTED])
        more = len(problems) - MAX_REPORTED
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(problems)} problem(s), nothing imported: {shown}{tail}", field="file"
        )

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["problems"] = [p.__dict__ for p in self.problems[:MAX_REPORTED]]
        return body


@dataclass(frozen=True)
class CohortSpec:
    """One cohort as the file gives it, checked; dates in ISO 8601."""

    index: int
    line: int | None
    cohort_id: str
    name: str
    program: str
    start: str
    end: str
    due_dates: list[dict[str, str]]
    target_roles: list[str]
    members: list[str]
    status: str
    # Where each field and each member is in the file (YAML only).
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    member_lines: list[int | None] = field(default_factory=list, compare=False)

    def problem(self, field: str, reason: str, *, line: int | None = None) -> Problem:
        return Problem(self.index, self.cohort_id, line or self.line, field, reason)

    def member_problem(self, i: int, reason: str) -> Problem:
        """A problem with members[i], at its own line when known."""
        line = self.member_lines[i] if i < len(self.member_lines) else None
        return self.problem(f"members[{i}]", reason, line=line)


@dataclass
class _Where:
    """Lines of one cohort's parts in a YAML file."""

    line: int | None = None
    fields: dict[str, int] = field(default_factory=dict)
    items: dict[str, list[int]] = field(default_factory=dict)


def read_cohort_file(path: Path) -> list[CohortSpec]:
    """Every cohort of the file, checked; CohortsRejected listing all problems otherwise."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the cohort file: {exc}", field="file") from None
    try:
        if path.suffix.lower() == ".json":
            return parse_cohorts(_json(content), [])
        data, where = _yaml(content)
        return parse_cohorts(data, where)
    except RecursionError:
        # Thousands of nested lists: no cohort file looks like that.
        raise BadRequest(TOO_DEEP, field="file") from None


TOO_DEEP = "nested too deeply to read (lists or mappings thousands of levels deep)"


def _json(content: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"not a readable JSON file: {exc}", field="file") from None


def _yaml(content: str) -> tuple[Any, list[_Where]]:
    try:
        data = yaml.safe_load(content)
        return data, _yaml_lines(yaml.compose(content, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise BadRequest(f"not a readable YAML file: {exc}", field="file") from None


def _yaml_lines(root: yaml.Node | None) -> list[_Where]:
    """The lines of each cohort, its fields and the items of its lists."""
    if not isinstance(root, yaml.MappingNode):
        return []
    found: list[_Where] = []
    for key, value in root.value:
        if key.value != "cohorts" or not isinstance(value, yaml.SequenceNode):
            continue
        for cohort in value.value:
            where = _Where(line=cohort.start_mark.line + 1)
            if isinstance(cohort, yaml.MappingNode):
                for name, part in cohort.value:
                    where.fields[str(name.value)] = part.start_mark.line + 1
                    if isinstance(part, yaml.SequenceNode):
                        where.items[str(name.value)] = [i.start_mark.line + 1 for i in part.value]
            found.append(where)
    return found


def parse_cohorts(data: Any, where: list[_Where]) -> list[CohortSpec]:
    if not isinstance(data, dict) or set(data) != {"cohorts"}:
        raise BadRequest("must be a mapping with one key, cohorts: a list", field="file")
    listed = data["cohorts"]
    if not isinstance(listed, list) or not listed:
        raise BadRequest("must be a non-empty list of cohorts", field="cohorts")
    problems: list[Problem] = []
    specs: list[CohortSpec] = []
    first: dict[str, CohortSpec] = {}
    for index, raw in enumerate(listed):
        spec = _cohort(index, raw, where[index] if index < len(where) else _Where(), problems)
        if spec is None:
            continue
        if spec.cohort_id in first:
            earlier = first[spec.cohort_id]
            at = f" (line {earlier.line})" if earlier.line else ""
            problems.append(spec.problem("id", f"is already cohorts[{earlier.index}]{at}"))
            continue
        first[spec.cohort_id] = spec
        specs.append(spec)
    if problems:
        raise CohortsRejected(problems)
    return specs


def _date(value: Any) -> str | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _cohort(index: int, raw: Any, where: _Where, problems: list[Problem]) -> CohortSpec | None:
    # Text only: YAML reads `id: 0042` as the number 42, so a number is refused, not converted.
    cohort_id = raw.get("id") if isinstance(raw, dict) else None
    cohort_id = cohort_id.strip() or None if isinstance(cohort_id, str) else None

    def add(name: str, reason: str) -> None:
        problems.append(Problem(index, cohort_id, where.line, name, reason))

    if not isinstance(raw, dict):
        add("", "must be a mapping of fields (id, name, program, start, end, ...)")
        return None
    before = len(problems)
    for name in sorted(set(map(str, raw)) - set(FIELDS)):
        add(name, f"not a field of a cohort (fields: {', '.join(FIELDS)})")
    for name in _REQUIRED:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            add(name, "is required")
    for name in ("id", "name", "program"):
        if name in raw and raw[name] is not None and not isinstance(raw[name], str):
            add(name, "must be text")
    start, end = _date(raw.get("start")), _date(raw.get("end"))
    for name, value in (("start", start), ("end", end)):
        if raw.get(name) is not None and value is None:
            add(name, f"{raw[name]!r} is not a date (YYYY-MM-DD)")
    if start and end and end < start:
        add("end", f"{end} is before the start, {start}")
        start = end = None  # no run to check the due dates against
    due_dates = _due_dates(raw.get("due_dates", []), start, end, add)
    roles = raw.get("target_roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) and r.strip() for r in roles):
        add("target_roles", "must be a list of role names")
    members = _members(raw.get("members", []), add)
    status = raw.get("status", ACTIVE)
    if status not in (ACTIVE, CLOSED):
        add("status", f"{status!r} is not {ACTIVE} or {CLOSED}")
    if len(problems) > before or cohort_id is None or start is None or end is None:
        return None
    return CohortSpec(
        index=index,
        line=where.line,
        cohort_id=cohort_id,
        name=str(raw["name"]).strip(),
        program=str(raw["program"]).strip(),
        start=start,
        end=end,
        due_dates=due_dates,
        target_roles=[r.strip() for r in roles],
        members=members,
        status=status,
        lines=where.fields,
        member_lines=list(where.items.get("members", [])),
    )


def _due_dates(raw: Any, start: str | None, end: str | None, add: _Add) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        add("due_dates", "must be a list of {name, date}")
        return []
    due: list[dict[str, str]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"name", "date"}:
            add(f"due_dates[{i}]", "must be {name, date} and nothing else")
            continue
        name, date = item["name"], _date(item["date"])
        if name is not None and not isinstance(name, str):
            add(f"due_dates[{i}].name", "must be text")
        elif not isinstance(name, str) or not name.strip():
            add(f"due_dates[{i}].name", "is required")
        elif date is None:
            add(f"due_dates[{i}].date", f"{item['date']!r} is not a date (YYYY-MM-DD)")
        elif start and end and not start <= date <= end:
            add(f"due_dates[{i}].date", f"{date} is outside the run, {start} to {end}")
        else:
            due.append({"name": name.strip(), "date": date})
    return due


def _members(raw: Any, add: _Add) -> list[str]:
    if not isinstance(raw, list):
        add("members", "must be a list of person ids")
        return []
    members: list[str] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        person = item.strip() if isinstance(item, str) else ""
        if not person:
            add(f"members[{i}]", "must be a person id, as text (quote numbers in YAML)")
        elif person in seen:
            add(f"members[{i}]", f"{person!r} is already members[{seen[person]}]")
        else:
            seen[person] = i
            members.append(person)
    return members
