"""The demo organisation: seeded, well-formed files, and the patterns a dashboard must reveal,
each measured on the written files (docs/demo.md)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from proficio.demo import DemoOrg, generate_demo, write_demo_files
from proficio.people.roster import RosterMapping, read_roster

TODAY = dt.date(2026, 11, 30)
HEADERS = {
    "roster.csv": "person_id,name,email,department,role,location,manager_id,hire_date",
    "lms.csv": "person,course_id,course_name,module_id,outcome,score,max_score,"
    "time_spent_minutes,timestamp",
    "usage.csv": "person,date,tool,active,sessions,prompts,features,approved",
    "usage_last_activity.csv": "User Principal Name,Report Refresh Date,"
    "Microsoft 365 Copilot Last Activity Date,Copilot Chat Last Activity Date,"
    "Teams Copilot Last Activity Date",
    "surveys.csv": "person,wave,submitted_on,tool_access,usage_frequency,confidence,"
    "understands_approved_tools,aware_of_data_rules,pain_points,manager_expectations,"
    "priority_use_cases",
    "observations.csv": "person,observer,behaviour,rating,note,date",
    "office_hours.csv": "person,question,topics,date,answered_by",
    "workflows.csv": "person,workflow,use_case,repeatable,minutes_saved,quality_change,"
    "needs_redesign,date",
    "assignments.csv": "person,assignment_id,submitted_on,text,score",
}
DEPARTMENTS = {
    "Customer Operations", "Sales", "Engineering", "Marketing", "Finance", "Product", "HR", "Legal",
}  # fmt: skip
# What an agent pastes about a customer: an account number, a private email, a phone, an IBAN.
CUSTOMER_DETAILS = re.compile(
    r"account \d{4}-\d{4}-\d{2}|[\w.]+@(?!northwind\.example)[\w.]+\.example|\+44 \d{4} \d{6}"
    r"|\b[A-Z]{2}\d{2} [A-Z]{4}(?: \d{4}){3} \d{2}\b"
)


class Files:
    """The written demo files, read back as rows of dicts, with lookups the tests share."""

    def __init__(self, directory: Path, org: DemoOrg) -> None:
        self.directory = directory
        self.org = org
        self.rows = {name: _read(directory / name) for name in HEADERS}
        self.department = {r["person_id"]: r["department"] for r in self.rows["roster.csv"]}
        cohorts = yaml.safe_load((directory / "cohorts.yaml").read_text(encoding="utf-8"))
        self.cohorts = cohorts["cohorts"]
        self.cohort_of = {m: c for c in self.cohorts for m in c["members"]}

    def by_department(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            grouped[self.department[row["person"]]].append(row)
        return grouped

    def members_of(self, department: str) -> list[str]:
        return [m for m in self.cohort_of if self.department[m] == department]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    org = generate_demo(seed=7, today=TODAY)
    directory = tmp_path_factory.mktemp("demo")
    write_demo_files(org, directory)
    return Files(directory, org)


def test_the_same_seed_writes_byte_identical_files(files: Files, tmp_path: Path) -> None:
    written = write_demo_files(generate_demo(seed=7, today=TODAY), tmp_path)
    assert len(written) == len(HEADERS) + 2  # and cohorts.yaml, the last-activity mapping
    for path in written:
        assert path.read_bytes() == (files.directory / path.name).read_bytes(), path.name


def test_a_different_seed_gives_a_different_organisation(tmp_path: Path) -> None:
    write_demo_files(generate_demo(seed=7, people=200, today=TODAY), tmp_path / "a")
    write_demo_files(generate_demo(seed=8, people=200, today=TODAY), tmp_path / "b")
    for name in ("roster.csv", "usage.csv", "lms.csv", "assignments.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_every_csv_has_exactly_the_documented_header(files: Files) -> None:
    for name, header in HEADERS.items():
        with (files.directory / name).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == header.split(","), name


def test_about_1500_people_in_8_departments_under_one_ceo(files: Files) -> None:
    roster = files.rows["roster.csv"]
    assert len(roster) == 1500
    departments = Counter(r["department"] for r in roster)
    assert departments.pop("Executive") == 1  # the CEO
    assert set(departments) == DEPARTMENTS
    assert min(departments.values()) >= 40


def test_the_hierarchy_is_valid_and_the_roster_reads_as_an_hris_export(files: Files) -> None:
    roster = files.rows["roster.csv"]
    manager = {r["person_id"]: r["manager_id"] or None for r in roster}
    assert len(manager) == len(roster)
    assert len({r["email"] for r in roster}) == len(roster)
    assert all(r["email"].endswith("@northwind.example") for r in roster)
    assert all(re.fullmatch(r"E\d{5}", p) for p in manager)
    (ceo,) = [p for p, m in manager.items() if m is None]
    for person in manager:
        seen, above = {person}, manager[person]
        while above is not None:  # up to the CEO, never in a circle
            assert above in manager and above not in seen
            seen.add(above)
            above = manager[above]
    reports = Counter(m for m in manager.values() if m)
    heads = [p for p, m in manager.items() if m == ceo]
    assert len(heads) == 8
    team_managers = [p for p, m in manager.items() if m in heads]
    assert all(8 <= reports[p] <= 12 for p in team_managers)
    assert all(reports[p] == 0 for p, m in manager.items() if m in team_managers)
    assert len(read_roster(files.directory / "roster.csv", RosterMapping())) == 1500


def test_three_staggered_12_week_cohorts_one_of_them_operations(files: Files) -> None:
    cohorts = files.cohorts
    assert len(cohorts) == 3
    starts = [c["start"] for c in cohorts]
    assert starts == sorted(starts) and len(set(starts)) == 3
    members = [m for c in cohorts for m in c["members"]]
    assert len(members) == len(set(members)) > 1300
    for cohort in cohorts:
        assert cohort["program"] == "ai-at-work"
        assert cohort["end"] - cohort["start"] == dt.timedelta(weeks=12, days=-1)
        assert all(cohort["start"] < d["date"] <= cohort["end"] for d in cohort["due_dates"])
        roles = {r["role"] for r in files.rows["roster.csv"] if r["person_id"] in cohort["members"]}
        assert set(cohort["target_roles"]) == roles
    operations = [c for c in cohorts if {files.department[m] for m in c["members"]} == {
        "Customer Operations"
    }]  # fmt: skip
    assert len(operations) == 1


def test_usage_has_a_row_per_member_and_day_and_a_matching_last_activity_report(
    files: Files,
) -> None:
    usage = files.rows["usage.csv"]
    days = Counter(r["person"] for r in usage)
    for person, cohort in files.cohort_of.items():
        assert days[person] == (TODAY - cohort["start"]).days
    assert all(r["active"] in ("yes", "no") and r["approved"] in ("yes", "no") for r in usage)
    unapproved = [r for r in usage if r["approved"] == "no"]
    assert 10 <= len(unapproved) <= 0.005 * len(usage)
    report = files.rows["usage_last_activity.csv"]
    assert [r["User Principal Name"] for r in report] == [
        r["email"] for r in files.rows["roster.csv"]
    ]
    assert {r["Report Refresh Date"] for r in report} == {TODAY.isoformat()}
    mapping = yaml.safe_load(
        (files.directory / "usage_last_activity.mapping.yaml").read_text(encoding="utf-8")
    )
    assert mapping["columns"] == {"person": "User Principal Name", "as_of": "Report Refresh Date"}
    assert set(mapping["apps"]) == {"Microsoft 365 Copilot", "Copilot Chat", "Teams Copilot"}
    assert all(
        app["column"] in HEADERS["usage_last_activity.csv"] for app in mapping["apps"].values()
    )


def _active_rates(files: Files, *, from_week: int = 0) -> dict[str, float]:
    """Per department: the share of member-days (from `from_week` of the cohort) with use."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in files.rows["usage.csv"]:
        start = files.cohort_of[row["person"]]["start"]
        if (dt.date.fromisoformat(row["date"]) - start).days >= 7 * from_week:
            count = counts[files.department[row["person"]]]
            count[0] += row["active"] == "yes"
            count[1] += 1
    return {d: used / total for d, (used, total) in counts.items()}


def _completion_rates(files: Files) -> dict[str, float]:
    """Per department: the share of members who completed the first two courses."""
    done = defaultdict(set)
    for row in files.rows["lms.csv"]:
        if row["outcome"] in ("completed", "passed"):
            done[row["person"]].add(row["module_id"])
    return {
        d: statistics.mean({"safe-use", "prompting-basics"} <= done[m] for m in files.members_of(d))
        for d in DEPARTMENTS
    }


def test_finance_completes_the_courses_but_does_not_use_ai_afterwards(files: Files) -> None:
    completion, after = _completion_rates(files), _active_rates(files, from_week=2)
    assert completion["Finance"] >= 0.8
    assert completion["Finance"] == max(completion.values())
    assert after["Finance"] < 0.07
    assert min(rate for d, rate in after.items() if d != "Finance") > 0.2


def test_sales_uses_ai_often_with_weak_outputs(files: Files) -> None:
    active = [r for r in files.rows["usage.csv"] if r["active"] == "yes"]
    prompts = {d: statistics.mean(int(r["prompts"]) for r in rows)
               for d, rows in files.by_department(active).items()}  # fmt: skip
    assert prompts["Sales"] == max(prompts.values())
    assert _active_rates(files)["Sales"] > 0.4
    exercise = [r for r in files.rows["lms.csv"] if r["module_id"] == "verification-exercise"]
    scores = {d: statistics.mean(int(r["score"]) for r in rows)
              for d, rows in files.by_department(exercise).items()}  # fmt: skip
    assert scores["Sales"] == min(scores.values())
    reviews = [r for r in files.rows["observations.csv"] if r["behaviour"] == "reviews-outputs"]
    ratings = {d: statistics.mean(int(r["rating"]) for r in rows)
               for d, rows in files.by_department(reviews).items()}  # fmt: skip
    assert ratings["Sales"] == min(ratings.values())
    workflows = files.by_department(files.rows["workflows.csv"])
    worse = {d: statistics.mean(r["quality_change"] == "worse" for r in rows)
             for d, rows in workflows.items() if len(rows) >= 30}  # fmt: skip
    assert worse["Sales"] == max(worse.values()) and worse["Sales"] > 0.35


def test_engineering_thrives_and_has_champions(files: Files) -> None:
    active = _active_rates(files)
    assert active["Engineering"] == max(active.values())
    answers = [r["answered_by"] for r in files.rows["office_hours.csv"] if r["answered_by"]]
    answerers = {p for p in answers if files.department[p] == "Engineering"}
    assert len(answerers) >= 5
    assert Counter(files.department[p] for p in answers).most_common(1)[0][0] == "Engineering"
    coaching = [
        r for r in files.rows["observations.csv"]
        if r["behaviour"] == "coaches-others" and int(r["rating"]) >= 4
    ]  # fmt: skip
    top = Counter(files.department[r["person"]] for r in coaching).most_common(1)
    assert top[0][0] == "Engineering"
    workflows = files.by_department(files.rows["workflows.csv"])
    repeatable = {d: statistics.mean(r["repeatable"] == "yes" for r in rows)
                  for d, rows in workflows.items() if len(rows) >= 30}  # fmt: skip
    assert repeatable["Engineering"] == max(repeatable.values())


def test_every_department_has_a_spread_not_just_an_average(files: Files) -> None:
    active_days = Counter(r["person"] for r in files.rows["usage.csv"] if r["active"] == "yes")
    exercise = files.by_department(
        [r for r in files.rows["lms.csv"] if r["module_id"] == "verification-exercise"]
    )
    for department in DEPARTMENTS:
        days = [active_days[m] for m in files.members_of(department)]
        q1, median, q3 = statistics.quantiles(days, n=4)
        assert q3 - q1 >= 4 and q3 - q1 >= 0.2 * median, department
        scores = statistics.quantiles([int(r["score"]) for r in exercise[department]], n=4)
        assert scores[2] - scores[0] >= 8, department


def test_operations_submissions_carry_customer_details_and_others_mostly_do_not(
    files: Files,
) -> None:
    grouped = files.by_department(files.rows["assignments.csv"])
    leaks = {d: [bool(CUSTOMER_DETAILS.search(r["text"])) for r in rows]
             for d, rows in grouped.items()}  # fmt: skip
    assert statistics.mean(leaks.pop("Customer Operations")) >= 0.3
    assert statistics.mean(leak for rows in leaks.values() for leak in rows) <= 0.02
    assert max(statistics.mean(rows) for rows in leaks.values()) <= 0.06  # a rare accident
    operations = " ".join(r["text"] for r in grouped["Customer Operations"])
    for detail in (r"account \d{4}-\d{4}-\d{2}", r"@mailbox\.example", r"\+44 7700", r"GB\d{2} "):
        assert re.search(detail, operations), detail
    scores = [float(r["score"]) for r in files.rows["assignments.csv"]]
    assert min(scores) >= 0 and max(scores) <= 4


def test_data_rules_is_the_most_frequent_office_hour_topic_week_after_week(files: Files) -> None:
    questions = files.rows["office_hours.csv"]
    topics = Counter(t for r in questions for t in r["topics"].split(";"))
    (top, count), (_, second) = topics.most_common(2)
    assert top == "data-rules" and count >= 1.2 * second
    sessions = {r["date"] for r in questions}
    with_data_rules = {r["date"] for r in questions if "data-rules" in r["topics"]}
    assert len(with_data_rules) >= 0.8 * len(sessions)
    asked = Counter(r["question"] for r in questions if "data-rules" in r["topics"])
    assert asked.most_common(1)[0][1] >= 5  # the same confusion, again and again


def test_values_stay_in_their_vocabularies(files: Files) -> None:
    surveys = files.rows["surveys.csv"]
    assert {r["wave"] for r in surveys} == {"baseline", "pulse 1", "pulse 2"}
    assert {r["usage_frequency"] for r in surveys} <= {"never", "monthly", "weekly", "daily"}
    for field in ("confidence", "understands_approved_tools", "aware_of_data_rules"):
        assert {r[field] for r in surveys} <= set("12345")
    observations = files.rows["observations.csv"]
    manager = {r["person_id"]: r["manager_id"] for r in files.rows["roster.csv"]}
    assert all(r["observer"] == manager[r["person"]] for r in observations)
    assert {r["behaviour"] for r in observations} == {
        "reviews-outputs", "uses-on-workflow", "protects-data", "coaches-others",
        "escalates-uncertain",
    }  # fmt: skip
    lms = files.rows["lms.csv"]
    assert {r["outcome"] for r in lms} == {"completed", "passed", "failed"}
    assert all((r["score"] == "") == (r["outcome"] == "completed") for r in lms)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["timestamp"]) for r in lms)
    everything = [r for name in HEADERS for r in files.rows[name]]
    dates = [v for r in everything for k, v in r.items() if re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    assert max(dates) <= TODAY.isoformat()
