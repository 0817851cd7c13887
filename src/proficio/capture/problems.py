"""What is wrong with an import file: each problem with its line, column and reason.

Every importer (the HRIS roster and the statement sources) reports the same way, so a
customer fixing an export reads one kind of message.
"""

from __future__ import annotations

from dataclasses import dataclass

from proficio.errors import BadRequest

MAX_REPORTED = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line 1 is the header) and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.reason}"


class ImportRejected(BadRequest):
    """The file has problems; nothing of it was stored."""

    code = "import_rejected"

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        self.problems = problems[:MAX_REPORTED]
        self.total = total if total is not None else len(problems)
        shown = "; ".join(str(p) for p in self.problems)
        more = self.total - len(self.problems)
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(f"{self.total} problem(s), nothing imported: {shown}{tail}", field="file")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.problems, self.total))

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["problems"] = [p.__dict__ for p in self.problems]
        body["problem_count"] = self.total
        return body


def _rebuild(problems: list[Problem], total: int) -> ImportRejected:
    return ImportRejected(problems, total=total)
