"""Importing a file of one source as statements, through the same service as
`POST /xapi/statements` (`prepare_statements`, then the statements writer).

Two streaming passes, so memory stays bounded whatever the file's size:
1. check every row (and hash the file); problems are collected, and written with their rows
   to a reject file when one is asked for. With a problem and without `skip_invalid`, the
   import stops here: nothing of the file is stored.
2. read again, turn each good row into statements and store them in chunks. Statement ids
   are derived from the rows' content, so a statement already stored (an earlier import of
   the same file, or an overlapping export) is counted and skipped, never stored twice.
Each chunk is committed on its own, so a long import does not hold the database's write lock
for minutes; should one stop half-way (power loss), running it again completes it.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import orjson
from sqlalchemy import Engine

from proficio.audit.log import Outcome, record_apart
from proficio.capture.mapping import Mapping
from proficio.capture.pipeline import Workers
from proficio.capture.problems import MAX_REPORTED, ImportRejected, Problem
from proficio.capture.profile import Profile
from proficio.capture.reading import PROBLEMS_COLUMN, Records, open_records
from proficio.capture.rows import People, RowChecker
from proficio.capture.sources import Row, Source, StatementBuilder, source_for
from proficio.errors import BadRequest, ProficioError
from proficio.lrs.statements import PreparedStatement, prepare_statements

CHUNK_ROWS = 5_000  # rows per chunk, and so per transaction
PARALLEL_FROM_BYTES = 2_000_000  # about 30,000 rows of a usage file
XAPI_VERSION = "1.0.3"  # what imported statements are written as (nothing 2.0-only in them)


class Sink(Protocol):
    """Where statements go: the CLI's own transactions, or the server's writer."""

    def store(self, prepared: list[PreparedStatement]) -> int:
        """Store what is not stored yet; how many statements were new."""


Progress = Callable[[int], None]  # bytes read since the last call


@dataclass
class ImportReport:
    kind: str
    shape: str
    file_sha256: str
    rows: int = 0
    rejected_rows: int = 0
    problem_count: int = 0  # all of them; `problems` holds the first MAX_REPORTED
    statements: int = 0  # distinct statements the good rows make: stored + already_stored
    stored: int = 0
    already_stored: int = 0
    problems: list[Problem] = field(default_factory=list)
    reject_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body = {k: v for k, v in self.__dict__.items() if k != "problems"}
        body["problems"] = [p.__dict__ for p in self.problems]
        return body


def audit_import(
    engine: Engine, *, actor: str, kind: str, outcome: Outcome, detail: dict[str, Any]
) -> None:
    """Every import, from the CLI or HTTP, done or refused, in the audit log: the figures of
    its report (not its lists), or why it was refused."""
    record_apart(
        engine,
        actor=actor,
        action="imports:run",
        resource=f"import:{kind}",
        outcome=outcome,
        detail={k: v for k, v in detail.items() if not isinstance(v, list | dict)},
    )


@dataclass(frozen=True)
class ImportJob:
    """What to import and how (the same for the CLI and the HTTP endpoint)."""

    path: Path
    mapping: Mapping
    profile: Profile
    home_page: str
    authority: dict[str, Any]
    skip_invalid: bool = False
    reject_file: Path | None = None

    @property
    def source(self) -> Source:
        return source_for(self.mapping.kind, self.mapping.shape)


def import_file(
    job: ImportJob,
    *,
    people: People,
    sink: Sink,
    progress: Progress | None = None,
    workers: int = 0,
    parallel_from_bytes: int = PARALLEL_FROM_BYTES,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Check, then store, one file (see the module docstring). With `workers`, the second
    pass's rows are read and turned into statements by that many processes while this one
    stores them (for files of `parallel_from_bytes` or more: below, not worth a start)."""
    source = job.source
    report = ImportReport(kind=source.kind, shape=source.shape, file_sha256=_sha256(job.path))
    convert = Converter(job, people, report.file_sha256, chunk_rows=chunk_rows)
    parallel = workers if job.path.stat().st_size >= parallel_from_bytes else 0
    with Workers(convert, parallel) as pool:
        _check_pass(job, convert, report, progress)
        if report.rejected_rows and not job.skip_invalid:
            raise ImportRejected(report.problems, total=report.problem_count)
        try:
            _store_pass(report, pool, sink, progress)
        except RowNotStorable as exc:
            raise BadRequest(
                f"line {exc.line} cannot be stored ({exc.detail}); "
                f"{report.stored} statements of earlier lines were stored: fix the row and "
                "import the file again (nothing is stored twice)",
                field="file",
            ) from None
        finally:
            convert.close()  # the reader of the chunks converted in this process, if any
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as raw:
            while block := raw.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise BadRequest(f"cannot read the file: {exc.strerror}", field="file") from None
    return digest.hexdigest()


Record = tuple[int, dict[str, str]]


def _chunks(records: Records, progress: Progress | None) -> Iterator[list[Record]]:
    """The file's records in chunks of CHUNK_ROWS, reporting progress as they are read."""
    seen = 0
    chunk: list[Record] = []
    for record in records.rows:
        chunk.append(record)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
            if progress is not None:
                progress(records.position - seen)
                seen = records.position
    if chunk:
        yield chunk
    if progress is not None:
        progress(records.position - seen)


def _check_pass(
    job: ImportJob,
    convert: Converter,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    separator = job.mapping.formats.list_separator
    with (
        open_records(job.path, separator=separator) as records,
        _Rejects(job.reject_file) as rejects,
    ):
        if records.header is not None:
            header_problems = convert.checker.check_header(records.header)
            if header_problems:
                raise ImportRejected(header_problems)
        rejects.start(records.header)
        json_keys = records.header is None
        # In this process: sending rows to a worker costs more than checking them here, and
        # the workers start up meanwhile.
        for chunk in _chunks(records, progress):
            rows, refused = convert.refused(chunk, json_keys)
            report.rows += rows
            for record, problems in refused:
                report.rejected_rows += 1
                report.problem_count += len(problems)
                room = MAX_REPORTED - len(report.problems)
                report.problems += problems[: max(room, 0)]
                rejects.write(record, problems)
    if report.rows == 0:
        raise ImportRejected([Problem(1, "", "the file holds no rows")])
    if job.reject_file is not None and report.rejected_rows:
        report.reject_file = str(job.reject_file)


def _store_pass(report: ImportReport, pool: Workers, sink: Sink, progress: Progress | None) -> None:
    """The workers read the file again themselves, chunk by chunk (`Converter.statements_at`),
    so this process only stores: sending it rows would cost it more than reading them."""
    chunks = range(-(-report.rows // pool.target.chunk_rows))
    seen = 0
    for prepared, _, position in pool.map("statements_at", chunks):
        report.statements += len(prepared)
        new = sink.store(prepared) if prepared else 0
        report.stored += new
        report.already_stored += len(prepared) - new
        if progress is not None:
            progress(position - seen)
            seen = position


class RowNotStorable(BadRequest):
    """A row passed the checks but makes no valid statement (a check is missing: a bug)."""

    code = "import_stopped"

    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail
        super().__init__(f"line {line} cannot be stored ({detail})", field="file")

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowNotStorable, (self.line, self.detail))


class Converter:
    """Good rows to prepared statements: checked, built, repeats within the chunk dropped,
    validated by `prepare_statements`. Picklable, so worker processes can run it."""

    def __init__(
        self, job: ImportJob, people: People, file_sha256: str, chunk_rows: int = CHUNK_ROWS
    ) -> None:
        self.job = job
        self.chunk_rows = chunk_rows
        self.people = people
        self.file_sha256 = file_sha256
        self.source = job.source
        self.checker = RowChecker(self.source, job.mapping, people)
        self.builder = StatementBuilder(
            mapping=job.mapping,
            profile=job.profile,
            home_page=job.home_page,
            file_sha256=file_sha256,
        )

        self._reader: _ChunkReader | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # The checker holds closures: a worker process builds its own from the same inputs.
        return (Converter, (self.job, self.people, self.file_sha256, self.chunk_rows))

    def statements_at(self, index: int) -> tuple[list[PreparedStatement], int, int]:
        """`statements` of the file's chunk number `index` (`chunk_rows` records each), read
        here, and how far into the file it ends. Each process is asked for chunks in order;
        one given every other chunk reads past the rest."""
        if self._reader is None or index < self._reader.next_index:
            self.close()
            self._reader = _ChunkReader(self.job, self.chunk_rows)
        records = self._reader.chunk(index)
        json_keys = self._reader.header is None
        return (*self.statements(records, json_keys), self._reader.position)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _prepare(self, statements: list[dict[str, Any]]) -> list[PreparedStatement]:
        return prepare_statements(
            statements,
            authority=self.job.authority,
            version=XAPI_VERSION,
            batch=True,
            may_define=True,
        )

    def refused(
        self, records: list[Record], json_keys: bool
    ) -> tuple[int, list[tuple[dict[str, str], list[Problem]]]]:
        """How many records, and the refused ones with their problems."""
        check = self.checker.check
        refused = []
        for line, record in records:
            checked = check(line, record, json_keys=json_keys)
            if not isinstance(checked, Row):
                refused.append((record, checked))
        return len(records), refused

    def statements(
        self, records: list[Record], json_keys: bool
    ) -> tuple[list[PreparedStatement], int]:
        """The good records' statements, prepared, and how many they made (with repeats)."""
        build, builder, check = self.source.build, self.builder, self.checker.check
        statements: dict[str, dict[str, Any]] = {}
        lines: dict[str, int] = {}
        made = 0
        for line, record in records:
            row = check(line, record, json_keys=json_keys)
            if isinstance(row, Row):
                try:
                    built = build(row, builder)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise RowNotStorable(line, str(exc)) from None
                for statement in built:
                    made += 1
                    statements.setdefault(statement["id"], statement)  # a row repeated
                    lines.setdefault(statement["id"], line)
        if not statements:
            return [], made
        try:
            prepared = self._prepare(list(statements.values()))
        except ProficioError:
            # Name the row: prepare its statements one by one.
            for statement_id, statement in statements.items():
                try:
                    self._prepare([statement])
                except ProficioError as exc:
                    raise RowNotStorable(lines[statement_id], exc.message) from None
            raise
        # Rows repeat the same tools and courses: the writer needs each definition once per
        # chunk, not with every statement (a changed one is kept, in order).
        sent: dict[str, bytes] = {}
        for p in prepared:
            if p.definitions:
                p.definitions = {a: d for a, d in p.definitions.items() if sent.get(a) != d}
                sent.update(p.definitions)
        return prepared, made


class _ChunkReader:
    """A file's records, `size` at a time, from the start."""

    def __init__(self, job: ImportJob, size: int) -> None:
        self._size = size
        self._opened = open_records(job.path, separator=job.mapping.formats.list_separator)
        self._records = self._opened.__enter__()
        self.next_index = 0

    @property
    def position(self) -> int:
        return self._records.position

    @property
    def header(self) -> list[str] | None:
        return self._records.header

    def chunk(self, index: int) -> list[Record]:
        while True:
            records = list(itertools.islice(self._records.rows, self._size))
            self.next_index += 1
            if self.next_index > index:
                return records

    def close(self) -> None:
        self._opened.__exit__(None, None, None)


class _Rejects:
    """The reject file: the refused rows as they were, plus a column of their problems."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._csv: Any = None
        self._header: list[str] | None = None

    def __enter__(self) -> _Rejects:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def start(self, header: list[str] | None) -> None:
        if self.path is None:
            return
        try:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise BadRequest(
                f"cannot write the reject file: {exc.strerror}", field="reject_file"
            ) from None
        self._header = header
        if header is not None:
            self._csv = csv.writer(self._handle)
            self._csv.writerow([c for c in header if c != PROBLEMS_COLUMN] + [PROBLEMS_COLUMN])

    def write(self, record: dict[str, str], problems: list[Problem]) -> None:
        if self._handle is None:
            return
        reasons = "; ".join(f"{p.column or 'row'}: {p.reason}" for p in problems)
        if self._header is None:
            body = {k: v for k, v in record.items() if k not in ("", PROBLEMS_COLUMN)}
            line = orjson.dumps({**body, PROBLEMS_COLUMN: reasons}).decode()
            self._handle.write(line + "\n")
            return
        values = [record.get(c, "") for c in self._header if c != PROBLEMS_COLUMN]
        self._csv.writerow([*values, reasons])
