"""Reading an import file as records, streaming: CSV with a header row, or JSON Lines (one
object per line). Each record comes with the file line it starts on, so problems can name it;
`position` says how far into the file the reader is, for a progress bar.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from proficio.capture.problems import ImportRejected, Problem
from proficio.errors import BadRequest

# A column a reject file adds (the reasons a row was refused); reading ignores it, so a
# fixed reject file imports as it is.
PROBLEMS_COLUMN = "proficio_problems"
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass
class Records:
    """The records of one file: `header` (the CSV's columns, or None for JSON Lines, whose
    objects each name their own) and an iterator of (line, column -> text)."""

    header: list[str] | None
    rows: Iterator[tuple[int, dict[str, str]]]
    _raw: IO[bytes]

    @property
    def position(self) -> int:
        return self._raw.tell()


def is_json_lines(path: Path) -> bool:
    return path.suffix.lower() in JSON_LINES_SUFFIXES


@contextmanager
def open_records(path: Path, *, separator: str) -> Iterator[Records]:
    """The records of the file at `path` (its suffix picks the format)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise BadRequest(f"cannot read the file: {exc.strerror}", field="file") from None
    if is_json_lines(path):
        with raw:
            yield Records(None, _json_lines(raw, separator), raw)
        return
    with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadRequest(f"not a readable CSV file: {exc}", field="file") from None
        if header is None:
            raise ImportRejected([Problem(1, "", "the file is empty; it needs a header row")])
        header = [c.strip() for c in header]
        yield Records(header, _csv_rows(reader, header), raw)


def _csv_rows(reader: Any, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    start = reader.line_num + 1
    width = len(header)
    try:
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            if len(values) != width:
                # Keep the values it has, so the problem is reported with its line.
                yield line, {"": f"has {len(values)} values for {width} columns"}
                continue
            yield line, dict(zip(header, values, strict=True))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"not a readable CSV file after line {start}: {exc}", field="file"
        ) from None


def _json_lines(raw: IO[bytes], separator: str) -> Iterator[tuple[int, dict[str, str]]]:
    for line, data in enumerate(raw, start=1):
        if not data.strip():
            continue
        if line == 1 and data.lstrip().startswith(b"["):
            raise BadRequest(
                "a JSON file holds one object per line (JSON Lines), not an array", field="file"
            )
        try:
            record = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield line, {"": f"is not a JSON object ({exc})"}
            continue
        if not isinstance(record, dict):
            yield line, {"": "is not a JSON object"}
            continue
        yield line, {str(k): _text(v, separator) for k, v in record.items()}


def _text(value: Any, separator: str) -> str:
    """A JSON value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return separator.join(_text(v, separator) for v in value)
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
