"""docs/imports.md, generated from the sources' fields (`python -m proficio.docs`), so the
documented layouts are the ones the importers read."""

from __future__ import annotations

from proficio.capture.sources import all_sources

_INTRO = """# Importing LMS, AI-usage, survey, observation, office-hour and workflow files

Every file becomes xAPI statements in Proficio's profile (docs/profile.md), stored through the
same service as `POST /xapi/statements`. People are named by their HRIS id (or, with
`person_by: email`, their email) and must be in the directory first (docs/import-hris.md).
Generated from `src/proficio/capture/` by `python -m proficio.docs`; do not edit by hand.

```sh
.venv/bin/proficio import usage usage.csv                          # columns named as below
.venv/bin/proficio import usage export.csv --mapping vendor.yaml   # your export's own names
.venv/bin/proficio import lms lms.csv --skip-invalid               # store the good rows
```

The same files can be sent to `POST /api/imports/{kind}` (see docs/accounts.md for tokens).

## What every import does

- **Two passes, streaming.** The first reads every row and checks it; the second turns the
  good rows into statements and stores them in chunks. Memory stays bounded whatever the
  file's size (docs/performance.md measures a 1,000,000-row file).
- **All or nothing by default.** A file with any bad row stores nothing, and the error lists
  each problem with its line (the header is line 1), its column and the reason: unknown or
  missing columns, dates in the wrong format, a person not in the directory, a value out of
  range, a score above its maximum... `--skip-invalid` stores the good rows instead and writes
  the bad ones to a reject file (`FILE.rejected.csv`, or `--reject-file`): the rows as they
  were plus a `proficio_problems` column. Fix them there and import the reject file as it is.
- **Idempotent.** A statement's id is derived from its content, so importing a file again, or
  an export that overlaps an earlier one, stores nothing twice; the report counts the
  statements already stored. A corrected row is a new fact and is stored beside the first.
- **Traceable.** Each statement carries the `source` context extension: the importer, the
  SHA-256 of the file and the line it came from.

## Files

CSV with a header row (UTF-8, with or without Excel's byte-order mark), or JSON Lines
(`.jsonl`, `.ndjson`, `.json`: one object per line, keys as the CSV's columns; `true`/`false`
for yes/no, arrays for lists). Values: dates `YYYY-MM-DD` (or the mapping's `date_format`);
date-times ISO 8601 with a zone (`2026-10-01T09:30:00Z`), or a plain date read as midnight
UTC; yes/no as `yes`, `no`, `y`, `n`, `true`, `false`, `1`, `0`; lists separated by `;` (or
the mapping's `list_separator`). A person is a `person_id` from the roster (or an email).

## The mapping file

```yaml
kind: usage                 # the kind the mapping is for
shape: daily                # usage only: daily (the default) or last_activity
person_by: email            # people are named by HRIS id (id, the default) or by email
columns:                    # field: the column of your export that holds it
  person: User
  date: Day
  prompts: Prompt count
values:                     # a field your export has no column for: one value for every row
  tool: ChatGPT Enterprise
  approved: yes
ignore: [Team, Cost Center] # columns Proficio should not read
date_format: "%d/%m/%Y"     # strftime format of the dates
list_separator: ","         # between the items of a list
apps:                       # shape last_activity only: one column per app
  Microsoft 365 Copilot: {column: Copilot Last Activity Date, approved: yes}
```

Fields not listed under `columns` keep their own name. Every column of the file must be mapped
or ignored: an unexpected column is an error, so a renamed column is never silently dropped.
"""


def imports_markdown() -> str:
    lines = [_INTRO.rstrip()]
    for source in all_sources():
        shape = f" (`shape: {source.shape}`)" if source.kind == "usage" else ""
        lines += ["", f"## `{source.kind}`{shape}: {source.title}", ""]
        lines += [" ".join(source.about.split()), ""]
        lines += ["| Field | Column required | Value | Meaning |", "|---|---|---|---|"]
        for f in source.fields:
            column = "yes" if f.column_required else "no"
            value = f.layout + ("" if f.value_required else ", may be empty")
            lines.append(f"| `{f.name}` | {column} | {value} | {f.meaning} |")
        if source.extra_fields is not None:
            lines.append(
                "| *each app under `apps`* | yes | date, empty if never used | its last use |"
            )
    return "\n".join(lines) + "\n"
