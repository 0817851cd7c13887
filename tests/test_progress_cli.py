"""`proficio frameworks`, `proficio plans` and `proficio progress rebuild` on both databases:
a wrong file is one sentence naming the item and exit 1, and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from proficio.audit.log import Outcome, list_events
from proficio.cli import main
from proficio.storage.database import Database

SMALL = """\
id: small
name: Small
scale: [{id: knows, name: Knows}, {id: does, name: Does}]
competencies:
  - id: safe
    name: Safe use
    levels:
      knows: {fact: count, where: {verb: completed}, at_least: 1}
      does: {fact: count, where: {verb: used}, at_least: 2, within_days: 7}
"""
CASE = {
    "CFDocument": {"identifier": "doc-1", "title": "Digital skills"},
    "CFItems": [
        {"identifier": "i-1", "fullStatement": "Uses AI safely", "humanCodingScheme": "DS.1"},
        {"identifier": "i-2", "fullStatement": "Checks outputs", "humanCodingScheme": "DS.1.a"},
    ],
    "CFAssociations": [
        {
            "identifier": "a-1",
            "associationType": "isChildOf",
            "originNodeURI": {"identifier": "i-2"},
            "destinationNodeURI": {"identifier": "i-1"},
        }
    ],
}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_frameworks_load_list_and_a_wrong_file_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "small.yaml"
    good.write_text(SMALL)
    code, out = _run("frameworks", "load", str(good), "--db", database_url)
    assert code == 0, out
    assert out.startswith("loaded small version 1: 1 competencies (1 assessed)")
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("verb: used", "verb: usd"))
    code, out = _run("frameworks", "load", str(bad), "--db", database_url)
    assert code == 1
    assert out.strip().splitlines() == [
        "Error: competencies[0].levels.does.where.verb: unknown verb 'usd': not in Proficio's "
        "profile (docs/profile.md)"
    ]
    shown = _run("frameworks", "show", "small", "--db", database_url)[1]
    assert "verb: used" in shown
    code, out = _run("frameworks", "list", "--json", "--db", database_url)
    assert [f["framework_id"] for f in json.loads(out)] == ["ai-at-work", "small"]
    missing = _run("frameworks", "load", str(tmp_path / "nope.yaml"), "--db", database_url)
    assert missing[0] == 1 and "cannot be read" in missing[1]
    # Both attempts that reached the database are in the audit log, the refused one first.
    database = Database(database_url)
    try:
        events = database.read_sync(lambda c: list_events(c, action="frameworks:load"))
    finally:
        database.close()
    assert [(e.resource, e.outcome) for e in reversed(events)] == [
        ("framework:small", Outcome.SUCCEEDED),
        ("framework:small", Outcome.FAILED),
    ]


def test_a_case_package_imports_as_a_framework_listed_not_assessed(
    database_url: str, tmp_path: Path
) -> None:
    package = tmp_path / "case.json"
    package.write_text(json.dumps(CASE))
    code, out = _run("frameworks", "import-case", str(package), "--db", database_url)
    assert code == 0, out
    assert "2 competencies (0 assessed)" in out
    broken = dict(CASE, CFAssociations=[{**CASE["CFAssociations"][0], "originNodeURI": {}}])  # type: ignore[dict-item]
    package.write_text(json.dumps(broken))
    code, out = _run("frameworks", "import-case", str(package), "--db", database_url)
    assert code == 1 and "a-1" in out and "Traceback" not in out


def test_plans_load_and_rebuild(database_url: str, tmp_path: Path) -> None:
    plans = tmp_path / "plans.yaml"
    plans.write_text(
        "plans:\n  - {id: p, framework: ai-at-work, for: {role: Analyst},"
        " targets: {juggling: review}}\n"
    )
    code, out = _run("plans", "load", str(plans), "--db", database_url)
    assert code == 1
    assert "plans[0].targets.juggling: no competency 'juggling' in ai-at-work" in out
    plans.write_text(
        "plans:\n  - {id: p, framework: ai-at-work, for: {role: Analyst},"
        " targets: {workflow: review}}\n"
    )
    assert _run("plans", "load", str(plans), "--db", database_url) == (0, "1 plans loaded\n")
    code, out = _run("progress", "rebuild", "--from-statements", "--db", database_url)
    assert code == 0 and out.startswith("judged 0 people"), out
