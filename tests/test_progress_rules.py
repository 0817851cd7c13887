"""The default framework's evidence rules at their edges: for every competency and level, a
learner just at each threshold is at that level, and one step short of any of its facts is at
the level below. Pure: the engine on evidence built in memory."""

from __future__ import annotations

import pytest

from proficio.progress.engine import missing_for_next, progress_of
from proficio.progress.frameworks import Competency, Framework
from tests.evidence_factories import (
    DAY_US,
    NOW_US,
    chosen_facts,
    default_framework,
    meeting,
    reaching,
    short_of,
)

FRAMEWORK = default_framework()
CASES = [
    (competency.id, rank)
    for competency in FRAMEWORK.competencies
    for rank in range(1, len(FRAMEWORK.scale) + 1)
]


def _competency(competency_id: str) -> Competency:
    found = FRAMEWORK.competency(competency_id)
    assert found is not None
    return found


def _level(framework: Framework, competency_id: str, evidence: list) -> int:  # type: ignore[type-arg]
    progress = progress_of(framework, evidence, now_us=NOW_US)
    return next(s.level for s in progress.states if s.competency_id == competency_id)


def test_the_default_framework_covers_what_enablement_teams_check() -> None:
    names = [c.name for c in FRAMEWORK.competencies]
    assert names == [
        "Identify approved tools",
        "Choose appropriate use cases",
        "Keep restricted data out",
        "Write prompts with enough context",
        "Verify outputs",
        "Apply AI to a recurring workflow",
        "Know when not to use AI",
        "Escalate uncertain cases",
        "Help others adopt safely",
    ]
    assert [level.name for level in FRAMEWORK.scale] == [
        "Awareness",
        "Confidence",
        "Application",
        "Review",
        "Transfer",
        "Leadership",
    ]


@pytest.mark.parametrize(("competency_id", "rank"), CASES)
def test_a_learner_exactly_at_every_threshold_reaches_the_level(
    competency_id: str, rank: int
) -> None:
    competency = _competency(competency_id)
    assert _level(FRAMEWORK, competency_id, reaching(competency, rank)) == rank


@pytest.mark.parametrize(("competency_id", "rank"), CASES)
def test_one_step_short_of_any_fact_stays_a_level_below(competency_id: str, rank: int) -> None:
    competency = _competency(competency_id)
    facts = chosen_facts(competency.rules[rank - 1])
    for index, fact in enumerate(facts):
        evidence = short_of(competency, rank, index)
        level = _level(FRAMEWORK, competency_id, evidence)
        assert level == rank - 1, f"{fact.path} one step short still gives level {level}"


def test_evidence_that_left_its_window_no_longer_counts() -> None:
    competency = _competency("approved-tools")
    # Confidence needs 3 uses of approved tools in the last 14 days.
    uses = next(f for f in chosen_facts(competency.rules[1]) if f.within_days == 14)
    base = reaching(competency, 1)
    answer = next(f for f in chosen_facts(competency.rules[1]) if f.kind == "answer")
    evidence = base + meeting(answer)
    inside = meeting(uses, at_us=NOW_US)
    assert _level(FRAMEWORK, "approved-tools", evidence + inside) == 2
    # The oldest use exactly 14 days before the moment judged is out of the window.
    oldest = min(inside, key=lambda e: e.at_us)
    moved = [e for e in inside if e is not oldest]
    from dataclasses import replace

    aged = replace(oldest, at_us=NOW_US - 14 * DAY_US)
    assert _level(FRAMEWORK, "approved-tools", evidence + moved + [aged]) == 1
    just_in = replace(oldest, at_us=NOW_US - 14 * DAY_US + 1)
    assert _level(FRAMEWORK, "approved-tools", evidence + moved + [just_in]) == 2


def test_what_is_missing_for_the_next_level_is_said_in_plain_words() -> None:
    competency = _competency("workflow")
    application = chosen_facts(competency.rules[2])[0]
    evidence = reaching(competency, 2) + meeting(application, below=True)
    state = next(
        s
        for s in progress_of(FRAMEWORK, evidence, now_us=NOW_US, explain=True).states
        if s.competency_id == "workflow"
    )
    assert state.level == 2
    assert missing_for_next(state) == [
        "2 of 3 workflow applications on one workflow in the last 30 days"
    ]


def test_the_level_names_the_statements_that_proved_it() -> None:
    competency = _competency("prompting")
    evidence = reaching(competency, 1)
    state = next(
        s
        for s in progress_of(FRAMEWORK, evidence, now_us=NOW_US, explain=True).states
        if s.competency_id == "prompting"
    )
    assert state.level == 1
    assert state.levels[0].statement_ids == tuple(e.statement_id for e in evidence)


def test_the_default_rules_are_the_documented_thresholds() -> None:
    """The defaults the issue names, for one competency (the others share them)."""
    use_cases = _competency("use-cases")
    shown = [
        [(f.kind, f.at_least, f.within_days, f.per) for f in chosen_facts(rule)]
        for rule in use_cases.rules
    ]
    assert shown == [
        [("count", 1, None, None), ("count", 1, None, None)],  # module completed, quiz passed
        [("answer", 3, None, None), ("count", 3, 14, None)],  # confidence >= 3, 3 uses in 14 d
        [("count", 3, 30, "activity")],  # one workflow, 3 times in 30 days
        [("count", 1, None, None), ("rating", 3, None, None)],  # exercise passed, observed
        [("distinct", 2, 90, None)],  # a second workflow
        [("count", 2, 180, None)],  # helped 2 colleagues (or named champion)
    ]
    leadership = use_cases.rules[5]
    assert [f.what for f in leadership.children] == [  # type: ignore[union-attr]
        "colleagues helped",
        "champion nominations",
    ]


def test_the_facts_worked_out_at_validation_are_the_evidence_the_engine_reads() -> None:
    """`facts_of` runs where statements are validated; the engine reads its output back."""
    from proficio.progress.evidence import Evidence, evidence_of, facts_of

    statement = {
        "id": "7a1c0f3e-0000-4000-8000-000000000009",
        "actor": {"mbox": "mailto:ana@example.com"},
        "verb": {"id": "https://proficio.example.com/xapi/verbs/applied"},
        "object": {
            "id": "https://proficio.example.com/workflows/triage",
            "definition": {"type": "https://proficio.example.com/xapi/activities/workflow"},
        },
        "result": {
            "success": True,
            "score": {"scaled": 0.9, "raw": 9},
            "extensions": {"https://proficio.example.com/x/minutes-saved": 12},
        },
        "context": {
            "extensions": {
                "https://proficio.example.com/x/tool": "assistant",
                "https://proficio.example.com/xapi/extensions/context/source": {"file": "a.csv"},
            }
        },
    }
    at_us = 1_790_848_800_000_000
    stored = Evidence.from_row(statement["id"], at_us, facts_of(statement))
    assert stored == evidence_of(statement, at_us=at_us)
    assert stored.raw == 9.0 and "https://proficio.example.com/x/tool" in stored.extensions
    assert not any(key.endswith("/context/source") for key in stored.extensions)
