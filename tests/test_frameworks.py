"""Framework documents are checked whole before anything is stored: each mistake is named by
the path of the item that has it. And the engine's history: regressions as evidence ages out,
re-engagement after a gap, the baseline level, non-cumulative scales."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proficio.capture.profile import Profile
from proficio.progress.engine import progress_of
from proficio.progress.frameworks import FrameworkError, compile_framework
from tests.evidence_factories import DAY_US, NOW_US, evidence

DONE = {"fact": "count", "where": {"verb": "completed", "activity": "module/a"}, "at_least": 1}
USED = {"fact": "count", "where": {"verb": "used"}, "at_least": 2, "within_days": 7}


def _framework(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "small",
        "name": "Small",
        "scale": [{"id": "knows", "name": "Knows"}, {"id": "does", "name": "Does"}],
        "competencies": [
            {"id": "root", "name": "Root"},
            {
                "id": "child",
                "name": "Child",
                "parent": "root",
                "levels": {"knows": copy.deepcopy(DONE), "does": copy.deepcopy(USED)},
            },
        ],
    }
    document.update(changes)
    return document


def _refused(document: Any) -> FrameworkError:
    with pytest.raises(FrameworkError) as caught:
        compile_framework(document, profile=Profile())
    return caught.value


def _with_rule(level: str, rule: Any) -> dict[str, Any]:
    document = _framework()
    document["competencies"][1]["levels"][level] = rule
    return document


def test_a_good_framework_compiles_with_its_hierarchy_and_scale() -> None:
    framework = compile_framework(_framework(), profile=Profile())
    assert [c.id for c in framework.competencies] == ["root", "child"]
    assert framework.competencies[1].parent == "root"
    assert framework.competencies[0].rules == ()  # listed, not assessed
    assert [level.name for level in framework.scale] == ["Knows", "Does"]


@pytest.mark.parametrize(
    ("document", "field", "reason"),
    [
        (
            _framework(
                competencies=[
                    {"id": "a", "name": "A", "parent": "b"},
                    {"id": "b", "name": "B", "parent": "a"},
                ]
            ),
            "competencies.a",
            "cycle: a -> b -> a",
        ),
        (
            _framework(competencies=[{"id": "a", "name": "A"}, {"id": "a", "name": "Again"}]),
            "competencies[1].id",
            "'a' is used twice",
        ),
        (
            _framework(competencies=[{"id": "a", "name": "A", "parent": "nowhere"}]),
            "competencies[0].parent",
            "not a competency",
        ),
        (
            _with_rule("knows", {"fact": "vibes", "at_least": 1}),
            "levels.knows.fact",
            "unknown fact",
        ),
        (
            _with_rule("knows", {**DONE, "where": {"verb": "meditated"}}),
            "levels.knows.where.verb",
            "unknown verb 'meditated'",
        ),
        (
            _with_rule("knows", {**DONE, "where": {"verb": "https://example.com/verbs/x"}}),
            "levels.knows.where.verb",
            "declare it under vocabulary.verbs",
        ),
        (_with_rule("does", {**USED, "within_days": 0}), "levels.does.within_days", "impossible"),
        (
            _with_rule("does", {**USED, "within_days": 99_999}),
            "levels.does.within_days",
            "impossible",
        ),
        (
            _with_rule("does", {"fact": "score", "where": {"verb": "passed"}, "at_least": 1.5}),
            "levels.does.at_least",
            "can never be reached",
        ),
        (
            _with_rule("does", {"fact": "answer", "question": "confidence", "at_least": 6}),
            "levels.does.at_least",
            "can never be reached",
        ),
        (
            _with_rule(
                "does",
                {
                    "fact": "distinct",
                    "where": {"verb": "applied", "activity": ["workflow/a", "workflow/b"]},
                    "at_least": 3,
                },
            ),
            "levels.does.at_least",
            "can never be reached",
        ),
        (_with_rule("does", {"any": []}), "levels.does.any", "can never be reached"),
        (_with_rule("does", {**USED, "at_leest": 2}), "levels.does.at_leest", "unknown field"),
        (_with_rule("does", {**USED, "at_least": float("nan")}), "does.at_least", "finite"),
        (
            _with_rule("does", {"fact": "answer", "question": "confidence", "equals": [3]}),
            "levels.does.equals",
            "must be a text",
        ),
        (
            _framework(competencies=[{"id": "a", "name": "A", "levles": {}}]),
            "competencies[0].levles",
            "unknown field",
        ),
        (
            _with_rule("does", {"fact": "count", "where": {"success": True}, "at_least": 1}),
            "levels.does.where",
            "must name a verb",
        ),
    ],
)
def test_a_wrong_framework_is_refused_naming_the_item(
    document: dict[str, Any], field: str, reason: str
) -> None:
    error = _refused(document)
    assert error.field is not None and error.field.endswith(field), error.message
    assert reason in error.reason


def test_a_competency_must_rule_every_level_or_none() -> None:
    document = _framework()
    del document["competencies"][1]["levels"]["does"]
    error = _refused(document)
    assert error.field == "competencies[1].levels"
    assert "no rule for does" in error.reason


def _level_history(document: dict[str, Any], items: list[Any], **kwargs: Any) -> Any:
    framework = compile_framework(document, profile=Profile())
    progress = progress_of(framework, items, now_us=NOW_US, **kwargs)
    return progress, next(s for s in progress.states if s.competency_id == "child")


def _used(day: int) -> Any:
    return evidence(verb=Profile().verb("used"), at_us=NOW_US - day * DAY_US, activity="x:tool")


def _done(day: int) -> Any:
    return evidence(
        verb="http://adlnet.gov/expapi/verbs/completed",
        at_us=NOW_US - day * DAY_US,
        activity="http://proficio.test/activities/module/a",
    )


def test_history_shows_regression_when_practice_lapses_and_re_engagement_after_a_gap() -> None:
    # Completed the module 100 days ago; used the tool twice 90 days ago (Does, for 7 days),
    # then nothing until twice in the last 2 days.
    items = [_done(100), _used(90), _used(89), _used(2), _used(1)]
    progress, state = _level_history(_framework(), items, baseline_us=NOW_US - 95 * DAY_US)
    changes = [
        (c.to_level, c.cause, (NOW_US - c.at_us) // DAY_US, c.gap_days) for c in progress.changes
    ]
    assert changes == [
        (1, "evidence", 100, None),
        (2, "evidence", 89, None),
        (1, "aged-out", 83, None),  # the first use left the 7-day window
        (2, "evidence", 1, 87),  # back after 87 days without evidence
    ]
    assert state.level == 2 and state.regressed
    assert state.baseline_level == 1
    assert state.reached_us == (NOW_US - 100 * DAY_US, NOW_US - 89 * DAY_US)
    # It will age out again 7 days after the older of the two recent uses.
    assert progress.next_check_us == NOW_US - 2 * DAY_US + 7 * DAY_US


def test_a_non_cumulative_scale_gives_the_highest_level_that_holds() -> None:
    items = [_used(1), _used(2)]  # practice, but never completed the module
    _, cumulative = _level_history(_framework(), items)
    _, alone = _level_history(_framework(cumulative=False), items)
    assert (cumulative.level, alone.level) == (0, 2)
