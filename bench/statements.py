"""Realistic xAPI 1.0.3 statements for benchmarks, the same ones for the same seed and anchor.

    .venv/bin/python bench/statements.py --count 3 --seed 1     # print three, as JSON

The shape follows what an LMS with cmi5 courses, video and on-the-job practice sends:

- actors: `actors` learners (70 % mbox, 30 % account), each enrolled in 3-8 of 40 courses;
  some learners are far more active than others (log-normal weights);
- activities: 40 courses x 5 modules x ~24 leaves (questions with choice interactions,
  lessons, videos, assessments, simulations, links) = 5,000, each with a name and
  description language map and a type;
- ~40 verbs: ADL, cmi5 (adl), video, Tin Can and a few custom ones, each picked to suit the
  kind of activity it is about;
- results with score/success/completion/response/duration/extensions where the verb has one;
- contexts with a registration (one UUID per learner and course), contextActivities parent,
  grouping and category, platform, language, extensions, and an instructor for observations;
- timestamps spread uniformly over the 365 days before `anchor` (default: today 00:00 UTC).

Statement ids are UUIDs drawn from the same seeded stream, so a statement is fully known
before it is sent (the durability test relies on that).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

LMS = "https://lms.example.com"
ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
VIDEO = "https://w3id.org/xapi/video/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
CUSTOM = "https://proficio.example.com/xapi/verbs/"


def _words(text: str) -> list[str]:
    return text.split()


def _weighted(text: str) -> list[tuple[str, int]]:
    """ "answered:80 attempted:10" -> [("answered", 80), ("attempted", 10)]"""
    return [(name, int(weight)) for name, weight in (w.split(":") for w in text.split())]


# Every verb the generator uses; `VERBS_BY_KIND` says which kinds of activity each goes with.
VERB_IRIS: dict[str, str] = {
    **{
        name: ADL + name
        for name in _words(
            "answered asked attempted attended commented completed exited experienced failed "
            "imported initialized interacted launched mastered passed preferred progressed "
            "registered responded resumed scored shared suspended terminated"
        )
    },
    **{name: ADL_W3ID + name for name in _words("abandoned satisfied waived")},
    **{name: VIDEO + name for name in _words("played paused seeked")},
    **{name: TINCAN + name for name in _words("viewed rated")},
    **{
        name: CUSTOM + name
        for name in _words(
            "practiced demonstrated observed coached applied reflected self-assessed certified"
        )
    },
}

# Which verbs go with each kind of activity, and how often.
VERBS_BY_KIND: dict[str, list[tuple[str, int]]] = {
    "question": _weighted("answered:80 attempted:10 responded:5 asked:3 commented:2"),
    "lesson": _weighted(
        "launched:15 initialized:15 experienced:25 progressed:15 completed:12 terminated:10"
        " suspended:3 resumed:3 exited:2"
    ),
    "video": _weighted("played:35 paused:25 seeked:10 completed:12 viewed:15 rated:3"),
    "assessment": _weighted(
        "attempted:25 passed:25 failed:12 scored:15 completed:15 mastered:5 self-assessed:3"
    ),
    "simulation": _weighted(
        "practiced:35 demonstrated:20 interacted:20 completed:10 observed:8 coached:5 applied:2"
    ),
    "link": _weighted("experienced:50 viewed:30 shared:12 preferred:8"),
    "module": _weighted("progressed:40 satisfied:30 completed:25 waived:5"),
    "course": _weighted(
        "registered:20 launched:15 completed:15 passed:10 attended:8 satisfied:8 abandoned:4"
        " reflected:8 certified:5 imported:2 commented:5"
    ),
}

ACTIVITY_TYPES = {
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "simulation": "http://adlnet.gov/expapi/activities/simulation",
    "link": "http://adlnet.gov/expapi/activities/link",
    "module": "http://adlnet.gov/expapi/activities/module",
    "course": "http://adlnet.gov/expapi/activities/course",
}
LEAF_KINDS = _weighted("question:40 lesson:20 video:15 assessment:10 simulation:5 link:10")
CATEGORY = {
    "cmi5": {
        "id": "https://w3id.org/xapi/cmi5/context/categories/cmi5",
        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
    },
    "video": {
        "id": "https://w3id.org/xapi/video",
        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
    },
    "practice": {
        "id": "https://proficio.example.com/xapi/profiles/on-the-job-practice",
        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
    },
}
EXT = {
    "session": LMS + "/xapi/extensions/session-id",
    "device": LMS + "/xapi/extensions/device",
    "progress": "https://w3id.org/xapi/cmi5/result/extensions/progress",
    "video_time": "https://w3id.org/xapi/video/extensions/time",
    "video_session": "https://w3id.org/xapi/video/extensions/session-id",
    "rubric": "https://proficio.example.com/xapi/extensions/rubric-level",
}
TOPICS = [
    *("Safety Basics", "Customer Conversations", "Data Privacy", "Forklift Operation"),
    *("Negotiation", "Incident Response", "Spreadsheet Modelling", "Coaching Skills"),
    *("Quality Control", "Cloud Security", "First Aid", "Project Planning", "Giving Feedback"),
    *("Food Hygiene", "Sales Discovery", "Lean Production", "Conflict Resolution"),
    *("Accessibility", "Financial Literacy", "Time Management"),
]
FIRST = _words("Ada Ben Chloe Dev Emma Farid Grace Hugo Ines Jon Kemi Liam Mia Noor Omar Pia Ravi")
LAST = _words("Adams Brown Chen Diaz Evans Fischer Garcia Haddad Ito Jones Kim Lopez Martin Nowak")
DEVICES = [
    {"os": os, "browser": br}
    for os in ("Windows", "macOS", "iOS", "Android")
    for br in ("Chrome", "Safari", "Edge", "Firefox")
]
YEAR_S = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str
    course: int
    module: int | None  # None for course activities
    object: dict[str, Any]  # the Activity as sent, with its definition
    ref: dict[str, Any]  # the Activity as a contextActivities entry: id only


@dataclass
class Course:
    activity: Activity
    modules: list[Activity] = field(default_factory=list)
    leaves: list[Activity] = field(default_factory=list)
    leaf_cum: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Vocabulary:
    """Everything statements are made of; built once from a seed."""

    seed: int
    actors: list[dict[str, Any]]
    actor_cum: list[float]
    enrolments: list[tuple[int, ...]]
    instructors: list[dict[str, Any]]
    courses: list[Course]
    verbs: dict[str, dict[str, Any]]

    @property
    def activities(self) -> list[Activity]:
        return [a for c in self.courses for a in itertools.chain([c.activity], c.modules, c.leaves)]

    @classmethod
    def build(
        cls,
        *,
        seed: int = 1,
        actors: int = 10_000,
        courses: int = 40,
        modules: int = 5,
        activities: int = 5_000,
    ) -> Vocabulary:
        rng = random.Random(f"vocabulary:{seed}")
        people = [_agent(rng, i) for i in range(actors)]
        actor_cum = list(itertools.accumulate(rng.lognormvariate(0, 1) for _ in people))
        enrolments = [tuple(rng.sample(range(courses), rng.randint(3, 8))) for _ in people]
        instructors = [_agent(rng, 1_000_000 + i, instructor=True) for i in range(100)]
        # Spread the leaves evenly over every module so the total is exactly `activities`.
        n_modules = courses * modules
        n_leaves = max(n_modules, activities - courses - n_modules)
        leaf_counts = [n_leaves // n_modules + (i < n_leaves % n_modules) for i in range(n_modules)]
        built = [
            _course(rng, c, leaves=leaf_counts[c * modules : (c + 1) * modules])
            for c in range(courses)
        ]
        verbs = {
            name: {"id": iri, "display": {"en-US": name.replace("-", " ")}}
            for name, iri in VERB_IRIS.items()
        }
        return cls(seed, people, actor_cum, enrolments, instructors, built, verbs)


def _agent(rng: random.Random, i: int, *, instructor: bool = False) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    agent: dict[str, Any] = {"objectType": "Agent", "name": f"{first} {last}"}
    if instructor or rng.random() < 0.7:
        agent["mbox"] = f"mailto:{first.lower()}.{last.lower()}.{i}@example.com"
    else:
        agent["account"] = {"homePage": LMS, "name": f"u{i:07d}"}
    return agent


def _activity(
    kind: str,
    iri: str,
    title: str,
    summary: str,
    course: int,
    module: int | None,
    rng: random.Random,
) -> Activity:
    name = {"en-US": title}
    description = {"en-US": summary}
    if rng.random() < 0.3:  # some content is translated
        name["fr-FR"] = f"{title} (fr)"
        description["fr-FR"] = f"{summary} (fr)"
    definition: dict[str, Any] = {
        "name": name,
        "description": description,
        "type": ACTIVITY_TYPES[kind],
    }
    if kind == "question":
        choices = ["a", "b", "c", "d"]
        definition["interactionType"] = "choice"
        definition["correctResponsesPattern"] = [rng.choice(choices)]
        definition["choices"] = [
            {"id": c, "description": {"en-US": f"Option {c.upper()}"}} for c in choices
        ]
    elif kind in ("course", "module"):
        definition["moreInfo"] = iri.replace("/xapi/", "/catalog/", 1)
    obj = {"objectType": "Activity", "id": iri, "definition": definition}
    return Activity(kind, course, module, obj, {"id": iri})


def _course(rng: random.Random, c: int, *, leaves: list[int]) -> Course:
    topic = TOPICS[c % len(TOPICS)]
    title = f"{topic} {c // len(TOPICS) + 1}"
    base = f"{LMS}/xapi/courses/c{c:03d}"
    course = Course(
        _activity("course", base, title, f"The {title} course.", c, None, rng),
    )
    kinds, weights = zip(*LEAF_KINDS, strict=True)
    for m, n_leaves in enumerate(leaves):
        module_iri = f"{base}/m{m}"
        course.modules.append(
            _activity(
                "module",
                module_iri,
                f"{title}: module {m + 1}",
                f"Module {m + 1} of {title}.",
                c,
                m,
                rng,
            )
        )
        for k in range(n_leaves):
            kind = rng.choices(kinds, weights)[0]
            course.leaves.append(
                _activity(
                    kind,
                    f"{module_iri}/{kind}-{k}",
                    f"{title} {m + 1}.{k + 1} ({kind})",
                    f"A {kind} in module {m + 1} of {title}.",
                    c,
                    m,
                    rng,
                )
            )
    course.leaf_cum = list(itertools.accumulate(rng.lognormvariate(0, 1.2) for _ in course.leaves))
    return course


def _duration(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    return out + f"{secs:.2f}S"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def default_anchor() -> float:
    """Today at 00:00 UTC: statements end there, so runs on the same day are identical."""
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC).timestamp()


class StatementGenerator:
    """An endless, seeded stream of statements over one vocabulary.

    Different `stream` names give independent streams (and distinct ids) over the same
    vocabulary, so one benchmark run can draw fresh statements for each scenario.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        *,
        seed: int = 1,
        stream: str = "main",
        anchor: float | None = None,
    ) -> None:
        self.vocab = vocab
        self.rng = random.Random(f"statements:{seed}:{stream}")
        self.anchor = default_anchor() if anchor is None else anchor
        self.count = 0
        self._registrations: dict[tuple[int, int], str] = {}
        self._verb_tables = {
            kind: (list(names), list(itertools.accumulate(weights)))
            for kind, pairs in VERBS_BY_KIND.items()
            for names, weights in [zip(*pairs, strict=True)]
        }

    def _registration(self, actor: int, course: int) -> str:
        key = (actor, course)
        reg = self._registrations.get(key)
        if reg is None:
            digest = hashlib.sha1(f"{self.vocab.seed}:{actor}:{course}".encode()).digest()
            reg = str(uuid.UUID(bytes=digest[:16], version=4))
            self._registrations[key] = reg
        return reg

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def statement(self) -> dict[str, Any]:
        """The next statement, as a dict ready for orjson."""
        rng, vocab = self.rng, self.vocab
        self.count += 1
        a = bisect.bisect(vocab.actor_cum, rng.random() * vocab.actor_cum[-1])
        course = vocab.courses[rng.choice(vocab.enrolments[a])]
        pick = rng.random()
        if pick < 0.85:
            obj = course.leaves[bisect.bisect(course.leaf_cum, rng.random() * course.leaf_cum[-1])]
        elif pick < 0.95:
            obj = rng.choice(course.modules)
        else:
            obj = course.activity
        names, cum = self._verb_tables[obj.kind]
        verb = names[bisect.bisect(cum, rng.random() * cum[-1])]

        context: dict[str, Any] = {
            "registration": self._registration(a, obj.course),
            "platform": "Proficio Bench LMS 4.2",
            "language": "fr-FR" if a % 7 == 0 else "en-US",
            "extensions": {
                EXT["session"]: f"s-{a}-{int(rng.random() * 1e6)}",
                EXT["device"]: DEVICES[a % len(DEVICES)],
            },
        }
        ca: dict[str, Any] = {}
        if obj.module is not None and obj.kind != "module":
            ca["parent"] = [course.modules[obj.module].ref]
            ca["grouping"] = [course.activity.ref]
        elif obj.kind == "module":
            ca["parent"] = [course.activity.ref]
        ca["category"] = [
            CATEGORY[
                "video"
                if obj.kind == "video"
                else "practice"
                if obj.kind == "simulation"
                else "cmi5"
            ]
        ]
        context["contextActivities"] = ca
        if verb in ("observed", "coached", "demonstrated"):
            context["instructor"] = vocab.instructors[a % len(vocab.instructors)]

        statement: dict[str, Any] = {
            "id": self._uuid(),
            "actor": vocab.actors[a],
            "verb": vocab.verbs[verb],
            "object": obj.object,
            "context": context,
            "timestamp": _iso(self.anchor - rng.random() * YEAR_S),
        }
        result = self._result(verb, obj, context)
        if result:
            statement["result"] = result
        return statement

    def _result(self, verb: str, obj: Activity, context: dict[str, Any]) -> dict[str, Any] | None:
        rng = self.rng
        if verb == "answered":
            correct = obj.object["definition"]["correctResponsesPattern"][0]
            response = correct if rng.random() < 0.7 else rng.choice("abcd")
            ok = response == correct
            return {
                "score": {"scaled": 1.0 if ok else 0.0, "raw": int(ok), "min": 0, "max": 1},
                "success": ok,
                "completion": True,
                "response": response,
                "duration": _duration(rng.uniform(5, 120)),
            }
        if verb in ("passed", "failed", "scored", "mastered", "self-assessed"):
            raw = rng.randint(0, 100)
            if verb == "passed" or verb == "mastered":
                raw = max(raw, 70)
            elif verb == "failed":
                raw = min(raw, 69)
            return {
                "score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100},
                "success": raw >= 70,
                "completion": True,
                "duration": _duration(rng.uniform(300, 3600)),
            }
        if verb in ("completed", "satisfied", "certified"):
            result: dict[str, Any] = {"completion": True}
            if rng.random() < 0.5:
                result["duration"] = _duration(rng.uniform(60, 7200))
            return result
        if verb == "progressed":
            return {
                "extensions": {EXT["progress"]: rng.randint(1, 99)},
                "duration": _duration(rng.uniform(60, 1800)),
            }
        if verb in ("experienced", "viewed", "attended", "terminated", "exited"):
            return {"duration": _duration(rng.uniform(10, 3600))}
        if verb in ("played", "paused", "seeked"):
            context["extensions"][EXT["video_session"]] = context["extensions"][EXT["session"]]
            return {"extensions": {EXT["video_time"]: round(rng.uniform(0, 900), 3)}}
        if verb in ("practiced", "demonstrated", "observed", "applied", "coached"):
            level = rng.randint(1, 4)
            return {
                "score": {"scaled": level / 4, "raw": level, "min": 1, "max": 4},
                "success": level >= 3,
                "extensions": {EXT["rubric"]: level},
                "duration": _duration(rng.uniform(120, 5400)),
            }
        if verb == "rated":
            stars = rng.randint(1, 5)
            return {"score": {"raw": stars, "min": 1, "max": 5}}
        if verb in ("commented", "reflected", "asked"):
            return {
                "response": rng.choice(
                    ["Useful.", "Too long.", "Can we get an example?", "I used this at work today."]
                )
            }
        return None

    def batch(self, n: int) -> list[dict[str, Any]]:
        return [self.statement() for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3, help="statements to print")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--stream", default="main")
    parser.add_argument("--stats", action="store_true", help="print sizes and speed instead")
    args = parser.parse_args()
    vocab = Vocabulary.build(seed=args.seed, actors=args.actors)
    gen = StatementGenerator(vocab, seed=args.seed, stream=args.stream)
    if not args.stats:
        for s in gen.batch(args.count):
            print(orjson.dumps(s, option=orjson.OPT_INDENT_2).decode())
        return
    import time

    started = time.perf_counter()
    sizes = [len(orjson.dumps(gen.batch(100))) for _ in range(max(1, args.count // 100))]
    took = time.perf_counter() - started
    n = 100 * len(sizes)
    print(
        f"{len(vocab.activities)} activities, {len(vocab.verbs)} verbs, {len(vocab.actors)} actors;"
        f" {n} statements in {took:.2f}s ({n / took:,.0f}/s generated+serialised),"
        f" {sum(sizes) / n:,.0f} bytes each on average"
    )


if __name__ == "__main__":
    main()
