"""Competency frameworks: competencies in a hierarchy, a scale of levels, an evidence rule per
level. A framework is a YAML or JSON document; `compile_framework` checks all of it and names
the first thing wrong (a cycle, a duplicate id, an unknown verb or fact, an impossible window, a
level no learner could reach) before anything is stored, so the framework in use never changes
to a broken one.

The document (docs/frameworks.md has the full reference):

    id: ai-at-work
    name: AI at work
    version: "1"
    cumulative: true          # a level needs every level below it (the default)
    scale: [...]              # optional: [{id, name}], default the six-level ladder
    competencies:
      - id: verify-outputs
        name: Verify outputs
        parent: null          # or another competency's id
        levels:               # every level of the scale, or none (listed, not assessed)
          awareness: {fact: count, where: {verb: completed, activity: module/x}, at_least: 1}
          ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from proficio.capture.profile import ADL_VERBS, TERMS, Profile
from proficio.errors import BadRequest
from proficio.progress.rules import Fact, FactKind, Group, Node, Where, leaves

LADDER: tuple[tuple[str, str], ...] = (
    ("awareness", "Awareness"),
    ("confidence", "Confidence"),
    ("application", "Application"),
    ("review", "Review"),
    ("transfer", "Transfer"),
    ("leadership", "Leadership"),
)
MAX_WINDOW_DAYS = 3650
NO_LEVEL = "None yet"  # the name of rank 0
MAX_DEPTH = 12  # all/any groups inside one another
T = TypeVar("T")
_ONE_TO_FIVE = frozenset(t.key for t in TERMS if t.value == "integer 1-5")
_FACT_KEYS: dict[str, set[str]] = {
    "count": {"where", "at_least", "within_days", "per", "what"},
    "distinct": {"where", "at_least", "within_days", "of", "what"},
    "score": {"where", "at_least", "within_days", "pick", "what"},
    "answer": {"where", "question", "at_least", "equals", "within_days", "what"},
    "rating": {"where", "at_least", "within_days", "pick", "what"},
    "rubric": {"where", "criterion", "at_least", "within_days", "pick", "what"},
}
_WHERE_KEYS = {"verb", "activity", "type", "extension", "success", "completion"}


class FrameworkError(BadRequest):
    """A framework document is wrong; `field` is the path of the offending item."""

    code = "invalid_framework"


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    name: str
    rank: int  # 1 for the first level; 0 means no level yet


@dataclass(frozen=True, slots=True)
class Competency:
    id: str
    name: str
    description: str
    parent: str | None
    rules: tuple[Node, ...]  # one per level of the scale, or none when not assessed
    extra: dict[str, Any] = field(default_factory=dict)  # kept as given (e.g. CASE ids)
    facts: tuple[Fact, ...] = ()  # every distinct fact of its rules, for the engine


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: str
    version: str
    scale: tuple[Level, ...]
    cumulative: bool
    competencies: tuple[Competency, ...]
    document: dict[str, Any]  # as loaded, to store and to show

    def competency(self, competency_id: str) -> Competency | None:
        return next((c for c in self.competencies if c.id == competency_id), None)

    def level_name(self, rank: int) -> str:
        return self.scale[rank - 1].name if rank > 0 else NO_LEVEL

    @property
    def level_names(self) -> list[str]:
        """The names by rank, from 0 (no level yet) to the top of the scale."""
        return [NO_LEVEL, *(level.name for level in self.scale)]

    @property
    def assessed(self) -> tuple[Competency, ...]:
        """The competencies with evidence rules (a CASE import lists some without)."""
        return tuple(c for c in self.competencies if c.rules)


def compile_framework(document: Any, *, profile: Profile) -> Framework:
    if not isinstance(document, dict):
        raise FrameworkError("a framework is an object with id, name and competencies")
    try:  # stored as JSON: a YAML-only value (a set, a date key, a huge integer) cannot be
        document = orjson.loads(orjson.dumps(document))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise FrameworkError(f"holds a value JSON cannot: {exc}") from None
    _known(
        document,
        {
            "id",
            "name",
            "version",
            "description",
            "cumulative",
            "scale",
            "competencies",
            "vocabulary",
            "source",
        },
        "",
    )
    framework_id = _slug(document.get("id"), "id")
    scale = _scale(document.get("scale"))
    cumulative = document.get("cumulative", True)
    if not isinstance(cumulative, bool):
        raise FrameworkError("must be true or false", field="cumulative")
    vocabulary = _Vocabulary(profile, document.get("vocabulary"))
    raw = document.get("competencies")
    if not isinstance(raw, list) or not raw:
        raise FrameworkError("must be a non-empty list of competencies", field="competencies")
    competencies = tuple(
        _competency(item, f"competencies[{i}]", scale, vocabulary) for i, item in enumerate(raw)
    )
    _check_tree(competencies)
    return Framework(
        id=framework_id,
        name=_text(document.get("name"), "name"),
        version=str(document.get("version", "1")),
        scale=scale,
        cumulative=cumulative,
        competencies=competencies,
        document=document,
    )


def _scale(raw: Any) -> tuple[Level, ...]:
    if raw is None:
        return tuple(Level(id, name, rank) for rank, (id, name) in enumerate(LADDER, 1))
    if not isinstance(raw, list) or not 2 <= len(raw) <= 10:
        raise FrameworkError("must list 2 to 10 levels, lowest first", field="scale")
    levels = []
    for rank, item in enumerate(raw, 1):
        path = f"scale[{rank - 1}]"
        if not isinstance(item, dict):
            raise FrameworkError("must be an object with id and name", field=path)
        levels.append(
            Level(_slug(item.get("id"), f"{path}.id"), _text(item.get("name"), path), rank)
        )
    _unique([level.id for level in levels], "scale", "level")
    return tuple(levels)


def _competency(
    item: Any, path: str, scale: tuple[Level, ...], vocabulary: _Vocabulary
) -> Competency:
    if not isinstance(item, dict):
        raise FrameworkError("must be an object with id, name and levels", field=path)
    core = {"id", "name", "description", "parent", "levels"}
    _known(item, core | {"related", "case_identifier"}, path)
    competency_id = _slug(item.get("id"), f"{path}.id")
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise FrameworkError("must be another competency's id", field=f"{path}.parent")
    levels = item.get("levels") or {}
    if not isinstance(levels, dict):
        raise FrameworkError("must map each level's id to its rule", field=f"{path}.levels")
    for level_id in levels:
        if level_id not in {level.id for level in scale}:
            raise FrameworkError(
                f"{level_id!r} is not a level of the scale", field=f"{path}.levels.{level_id}"
            )
    missing = [level.id for level in scale if level.id not in levels]
    if levels and missing:
        raise FrameworkError(
            f"has no rule for {', '.join(missing)}: give every level a rule, or none",
            field=f"{path}.levels",
        )
    rules = (
        tuple(_node(levels[level.id], f"{path}.levels.{level.id}", vocabulary) for level in scale)
        if levels
        else ()
    )
    return Competency(
        id=competency_id,
        name=_text(item.get("name"), f"{path}.name"),
        description=str(item.get("description") or ""),
        parent=parent,
        rules=rules,
        extra={k: v for k, v in item.items() if k not in core},
        facts=tuple({id(f): f for rule in rules for f in leaves(rule)}.values()),
    )


def _node(raw: Any, path: str, vocabulary: _Vocabulary) -> Node:
    if path.count("[") > MAX_DEPTH:
        raise FrameworkError(f"rules nest deeper than {MAX_DEPTH} groups", field=path)
    if not isinstance(raw, dict):
        raise FrameworkError("a rule is {all: [...]}, {any: [...]} or a fact", field=path)
    groups = [key for key in ("all", "any") if key in raw]
    if groups:
        kind = groups[0]
        if len(raw) != 1:
            raise FrameworkError(f"an {kind} group holds only its list", field=path)
        children = raw[kind]
        if not isinstance(children, list) or not children:
            raise FrameworkError(
                "must list at least one rule, or the level can never be reached",
                field=f"{path}.{kind}",
            )
        group = Group(
            path=path,
            kind=kind,  # type: ignore[arg-type]
            children=tuple(
                _node(child, f"{path}.{kind}[{i}]", vocabulary) for i, child in enumerate(children)
            ),
        )
        return vocabulary.intern(group)
    return vocabulary.intern(_fact(raw, path, vocabulary))


def _fact(raw: dict[str, Any], path: str, vocabulary: _Vocabulary) -> Fact:
    kind = raw.get("fact")
    if kind not in _FACT_KEYS:
        raise FrameworkError(
            f"unknown fact {kind!r}; the facts are {', '.join(_FACT_KEYS)}", field=f"{path}.fact"
        )
    _known(raw, _FACT_KEYS[kind] | {"fact"}, path)
    where = _where(raw.get("where"), f"{path}.where", vocabulary, required=kind != "answer")
    window = raw.get("within_days")
    if window is not None and (
        not isinstance(window, int)
        or isinstance(window, bool)
        or not 1 <= window <= MAX_WINDOW_DAYS
    ):
        raise FrameworkError(
            f"an impossible window: days from 1 to {MAX_WINDOW_DAYS}", field=f"{path}.within_days"
        )
    fact = Fact(
        path=path,
        kind=kind,
        where=where,
        what=str(raw.get("what") or _default_what(kind, raw)),
        at_least=_threshold(raw, path, kind),
        equals=raw.get("equals"),
        within_days=window,
        per=raw.get("per"),
        of=raw.get("of", "activity"),
        pick=raw.get("pick", "best" if kind == "score" else "latest"),
    )
    return _complete(fact, raw, path, vocabulary)


def _complete(fact: Fact, raw: dict[str, Any], path: str, vocabulary: _Vocabulary) -> Fact:
    """Checks that depend on the kind of fact, and the IRIs it reads."""
    if fact.per not in (None, "activity"):
        raise FrameworkError("must be 'activity'", field=f"{path}.per")
    if fact.of not in ("activity", "object"):
        raise FrameworkError("must be 'activity' or 'object'", field=f"{path}.of")
    if fact.pick not in ("best", "latest"):
        raise FrameworkError("must be 'best' or 'latest'", field=f"{path}.pick")
    if fact.kind == "distinct" and fact.of == "activity" and fact.where.activities:
        listed = len(fact.where.activities)
        if fact.at_least is not None and fact.at_least > listed:
            raise FrameworkError(
                f"can never be reached: {int(fact.at_least)} distinct among {listed} listed",
                field=f"{path}.at_least",
            )
    if fact.kind == "answer":
        question = raw.get("question")
        if not isinstance(question, str):
            raise FrameworkError(
                "names the survey question (an extension)", field=f"{path}.question"
            )
        where = (
            fact.where
            if fact.where != Where()
            else vocabulary.intern(Where(verbs=frozenset({ADL_VERBS + "responded"})))
        )
        if question in _ONE_TO_FIVE and fact.at_least is not None and not 1 <= fact.at_least <= 5:
            raise FrameworkError(
                f"can never be reached: {question} is answered from 1 to 5",
                field=f"{path}.at_least",
            )
        return _replace(
            fact, where=where, extension=vocabulary.extension(question, f"{path}.question")
        )
    if fact.kind == "rubric":
        criterion = raw.get("criterion")
        if not isinstance(criterion, str) or not criterion:
            raise FrameworkError("names the rubric criterion", field=f"{path}.criterion")
        rubric = vocabulary.extension("rubric-scores", f"{path}.criterion")
        return _replace(fact, extension=rubric, criterion=criterion)
    return fact


def _replace(fact: Fact, **changes: Any) -> Fact:
    values = {name: getattr(fact, name) for name in Fact.__slots__}
    return Fact(**(values | changes))


def _threshold(raw: dict[str, Any], path: str, kind: FactKind) -> float | None:
    if "equals" in raw:
        if kind != "answer":
            raise FrameworkError(
                "only an answer may be compared with equals", field=f"{path}.equals"
            )
        if "at_least" in raw:
            raise FrameworkError("give at_least or equals, not both", field=path)
        if not _scalar(raw["equals"]):
            raise FrameworkError(
                "must be a text, a finite number or a boolean", field=f"{path}.equals"
            )
        return None
    value = raw.get("at_least")
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise FrameworkError("must be a finite number", field=f"{path}.at_least")
    if kind in ("count", "distinct") and (value < 1 or value != int(value)):
        raise FrameworkError("must be a whole number from 1", field=f"{path}.at_least")
    if kind == "score" and not 0 < value <= 1:
        raise FrameworkError(
            "can never be reached: a scaled score is from 0 to 1", field=f"{path}.at_least"
        )
    if kind == "rating" and not 1 <= value <= 5:
        raise FrameworkError(
            "can never be reached: observations are rated 1 to 5", field=f"{path}.at_least"
        )
    return float(value)


def _scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int | bool) and not (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53
    )


def _default_what(kind: str, raw: dict[str, Any]) -> str:
    if kind == "answer":
        return f"answer to {raw.get('question')}"
    if kind == "rubric":
        return f"rubric score for {raw.get('criterion')}"
    verb = (raw.get("where") or {}).get("verb")
    named = verb if isinstance(verb, str) and "://" not in verb else "matching"
    return {
        "count": f"'{named}' statements",
        "distinct": "distinct activities",
        "score": "score",
        "rating": "observation rating",
    }[kind]


def _where(raw: Any, path: str, vocabulary: _Vocabulary, *, required: bool) -> Where:
    if raw is None and not required:
        return Where()
    if not isinstance(raw, dict) or not raw.keys() & {"verb", "activity", "type"}:
        raise FrameworkError("must name a verb, an activity or an activity type", field=path)
    _known(raw, _WHERE_KEYS, path)
    extensions = raw.get("extension") or {}
    if not isinstance(extensions, dict):
        raise FrameworkError("must map extensions to the values wanted", field=f"{path}.extension")
    for key, value in extensions.items():
        if not isinstance(key, str):
            raise FrameworkError("extension keys are texts", field=f"{path}.extension")
        if not _scalar(value):
            raise FrameworkError(
                "must be a text, number or boolean", field=f"{path}.extension.{key}"
            )
    for flag in ("success", "completion"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise FrameworkError("must be true or false", field=f"{path}.{flag}")
    where = Where(
        verbs=frozenset(vocabulary.verb(v, f"{path}.verb") for v in _listed(raw.get("verb"))),
        activities=tuple(_listed(raw.get("activity"))),
        types=frozenset(vocabulary.type(t, f"{path}.type") for t in _listed(raw.get("type"))),
        extensions=tuple(
            (vocabulary.extension(k, f"{path}.extension.{k}"), v) for k, v in extensions.items()
        ),
        success=raw.get("success"),
        completion=raw.get("completion"),
    )
    return vocabulary.intern(where)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items]


class _Vocabulary:
    """Profile keys, ADL verbs, and the IRIs a framework declares under `vocabulary`."""

    def __init__(self, profile: Profile, declared: Any) -> None:
        self.profile = profile
        declared = declared or {}
        if not isinstance(declared, dict):
            raise FrameworkError("must map verbs, types and extensions to IRIs", field="vocabulary")
        self.declared = {
            kind: set(_listed(declared.get(kind))) for kind in ("verbs", "types", "extensions")
        }
        self.iris = {self.profile.iri(t.kind, t.key) for t in TERMS}
        self._interned: dict[Any, Any] = {}

    def intern(self, value: T) -> T:
        """One object per distinct rule or condition (paths aside), so the engine follows a
        fact shared by several competencies or levels once per learner."""
        found: T = self._interned.setdefault(value, value)
        return found

    def _resolve(self, value: str, kind: str, path: str, lookup: Any) -> str:
        if "://" in value:
            known = value in self.iris or value in self.declared[kind]
            if kind == "verbs" and value.startswith(ADL_VERBS):
                known = True
            if not known:
                raise FrameworkError(
                    f"unknown {kind[:-1]} {value}: declare it under vocabulary.{kind}", field=path
                )
            return value
        try:
            return str(lookup(value))
        except KeyError:
            raise FrameworkError(
                f"unknown {kind[:-1]} {value!r}: not in Proficio's profile (docs/profile.md)",
                field=path,
            ) from None

    def verb(self, value: str, path: str) -> str:
        return self._resolve(value, "verbs", path, self.profile.verb)

    def type(self, value: str, path: str) -> str:
        return self._resolve(value, "types", path, self.profile.activity_type)

    def extension(self, value: str, path: str) -> str:
        return self._resolve(value, "extensions", path, self.profile.extension)


def _check_tree(competencies: tuple[Competency, ...]) -> None:
    ids = [c.id for c in competencies]
    _unique(ids, "competencies", "competency")
    parents = {c.id: c.parent for c in competencies}
    for index, c in enumerate(competencies):
        if c.parent is not None and c.parent not in parents:
            raise FrameworkError(
                f"names {c.parent!r}, which is not a competency here",
                field=f"competencies[{index}].parent",
            )
    for start in ids:
        chain, node = [start], parents[start]
        while node is not None:
            if node in chain:
                cycle = " -> ".join([*chain[chain.index(node) :], node])
                raise FrameworkError(
                    f"the parents form a cycle: {cycle}", field=f"competencies.{start}"
                )
            chain.append(node)
            node = parents[node]


def _unique(values: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FrameworkError(f"{what} id {value!r} is used twice", field=f"{path}[{index}].id")
        seen.add(value)


def _slug(value: Any, path: str) -> str:
    if (
        not isinstance(value, str)
        or not value
        or not all(ch.isalnum() or ch in "-_." for ch in value)
    ):
        raise FrameworkError("must be an id of letters, digits, '-', '_' or '.'", field=path)
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError("must be a non-empty text", field=path)
    return value


def _known(raw: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in raw:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise FrameworkError(
                f"unknown field; expected one of {', '.join(sorted(allowed))}", field=where
            )
