"""Writing a DemoOrg as the files its importers read (docs/demo.md lists them).

CSV files are written row by row, so a larger organisation never needs its text in memory;
the YAML files are small. Output is byte-for-byte the same for the same organisation.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from proficio.demo.generate import DemoOrg
from proficio.demo.program import Cohort
from proficio.demo.usage import LAST_ACTIVITY_APPS

COHORTS_FILE = "cohorts.yaml"
LAST_ACTIVITY_MAPPING_FILE = "usage_last_activity.mapping.yaml"


def write_demo_files(org: DemoOrg, directory: Path) -> list[Path]:
    """Write every file of the demo into `directory` (created if missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in org.tables:
        path = directory / table.filename
        write_csv(path, table.header, table.rows)
        written.append(path)
    written.append(_write_yaml(directory / COHORTS_FILE, cohorts_document(org.cohorts)))
    written.append(_write_yaml(directory / LAST_ACTIVITY_MAPPING_FILE, last_activity_mapping()))
    return written


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    # "\n" line ends keep the files diff-friendly; csv quotes any value with a comma or quote.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def cohorts_document(cohorts: list[Cohort]) -> dict[str, Any]:
    return {
        "cohorts": [
            {
                "id": c.id,
                "name": c.name,
                "program": c.program,
                "start": c.start,
                "end": c.end,
                "due_dates": [{"name": d.name, "date": d.date} for d in c.due_dates],
                "target_roles": list(c.target_roles),
                "members": list(c.members),
            }
            for c in cohorts
        ]
    }


def last_activity_mapping() -> dict[str, Any]:
    return {
        "kind": "usage",
        "shape": "last_activity",
        "person_by": "email",
        "columns": {"person": "User Principal Name", "as_of": "Report Refresh Date"},
        "apps": {
            app: {"column": column, "approved": True} for app, column in LAST_ACTIVITY_APPS.items()
        },
    }


def _write_yaml(path: Path, document: dict[str, Any]) -> Path:
    # Dates stay YAML dates (2026-08-03, unquoted), as a person writing the file would type them.
    text = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
    path.write_text(text, encoding="utf-8")
    return path
