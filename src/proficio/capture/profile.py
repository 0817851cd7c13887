"""Proficio's xAPI profile: the verbs, activity types and extensions Proficio writes.

Every importer (HRIS, LMS, AI-tool usage, surveys, observations, office hours, workflow reports)
will turn its rows into statements with these terms, and the progress engine's evidence rules
will match on them. ADL vocabulary is reused where its meaning fits; the rest lives under
Proficio's own namespace, which a deployment may change (PROFICIO_PROFILE_NAMESPACE) before it
stores its first statement. docs/profile.md is generated from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
DEFAULT_NAMESPACE = "https://w3id.org/xapi/proficio"

Kind = Literal["verb", "activity type", "result extension", "context extension"]
_PATHS: dict[str, str] = {
    "verb": "verbs",
    "activity type": "activity-types",
    "result extension": "extensions/result",
    "context extension": "extensions/context",
}


@dataclass(frozen=True)
class Term:
    """One term: `iri` is fixed when reused from another vocabulary, else None (the term then
    lives at NAMESPACE/<kind path>/<key>)."""

    kind: Kind
    key: str
    definition: str
    used_for: str
    iri: str | None = None
    value: str = ""  # for extensions: what the value is

    @property
    def source(self) -> str:
        """Whose vocabulary the term comes from (every reused term is ADL's so far)."""
        if self.iri is None:
            return "Proficio"
        assert self.iri.startswith("http://adlnet.gov/"), "name the source of a new vocabulary"
        return "ADL"


TERMS: tuple[Term, ...] = (
    # Verbs
    Term(
        "verb",
        "completed",
        "Finished a course or module.",
        "LMS completions",
        ADL_VERBS + "completed",
    ),
    Term(
        "verb",
        "passed",
        "Reached the passing score of an assessment.",
        "LMS quiz results",
        ADL_VERBS + "passed",
    ),
    Term(
        "verb",
        "failed",
        "Attempted an assessment without reaching its passing score.",
        "LMS quiz results",
        ADL_VERBS + "failed",
    ),
    Term(
        "verb",
        "registered",
        "Was enrolled in a cohort of a training program.",
        "cohort enrolment",
        ADL_VERBS + "registered",
    ),
    Term(
        "verb",
        "responded",
        "Answered a survey wave; each answer is a result extension.",
        "baseline and pulse surveys",
        ADL_VERBS + "responded",
    ),
    Term(
        "verb",
        "asked",
        "Asked a question at office hours (the actor may be anonymous).",
        "office-hour questions",
        ADL_VERBS + "asked",
    ),
    Term(
        "verb",
        "used",
        "Used an AI tool on a day; how much is in the result.",
        "AI-tool usage exports",
    ),
    Term(
        "verb",
        "demonstrated",
        "Was observed showing a behaviour by their manager (context.instructor); the "
        "rating and note are in the result.",
        "manager observations",
    ),
    Term(
        "verb",
        "applied",
        "Applied AI to a recurring workflow; the outcome is in the result.",
        "workflow-transfer reports",
    ),
    Term(
        "verb",
        "helped",
        "Helped a colleague adopt AI safely (answered at office hours, "
        "peer coaching); the colleague is the object (an Agent), the session, if any, "
        "context.contextActivities.parent.",
        "Leadership evidence",
    ),
    Term(
        "verb",
        "named-champion",
        "Was named an AI champion for their team or department.",
        "Leadership evidence (reserved: no importer writes it yet)",
    ),
    # Activity types
    Term(
        "activity type",
        "course",
        "A course in the LMS.",
        "LMS completions",
        ADL_ACTIVITIES + "course",
    ),
    Term(
        "activity type",
        "module",
        "A module of a course.",
        "LMS completions",
        ADL_ACTIVITIES + "module",
    ),
    Term(
        "activity type",
        "assessment",
        "A quiz or knowledge check.",
        "LMS quiz results",
        ADL_ACTIVITIES + "assessment",
    ),
    Term(
        "activity type",
        "meeting",
        "An office-hours session.",
        "office-hour questions",
        ADL_ACTIVITIES + "meeting",
    ),
    Term("activity type", "survey", "A survey wave (baseline or pulse).", "surveys"),
    Term("activity type", "ai-tool", "An AI tool, approved or not.", "AI-tool usage exports"),
    Term(
        "activity type",
        "workflow",
        "A recurring piece of work that AI may be applied to.",
        "workflow-transfer reports",
    ),
    Term(
        "activity type",
        "behaviour",
        "A behaviour a manager can observe, such as 'reviews AI output before sending'.",
        "manager observations",
    ),
    Term(
        "activity type",
        "cohort",
        "A run of a training program.",
        "cohort enrolments (the object of `registered`)",
    ),
    # Result extensions
    Term(
        "result extension",
        "sessions",
        "Sessions in the tool that day.",
        "AI-tool usage exports",
        value="integer ≥ 0",
    ),
    Term(
        "result extension",
        "prompts",
        "Prompts sent that day.",
        "AI-tool usage exports",
        value="integer ≥ 0",
    ),
    Term(
        "result extension",
        "features",
        "Features of the tool used that day.",
        "AI-tool usage exports",
        value="array of strings",
    ),
    Term(
        "result extension", "confidence", "Self-rated confidence.", "surveys", value="integer 1-5"
    ),
    Term(
        "result extension",
        "tool-access",
        "Has access to an approved AI tool.",
        "surveys",
        value="boolean",
    ),
    Term(
        "result extension",
        "usage-frequency",
        "How often they use AI at work.",
        "surveys",
        value="never, monthly, weekly or daily",
    ),
    Term(
        "result extension",
        "understands-approved-tools",
        "Self-rated understanding of which tools are approved.",
        "surveys",
        value="integer 1-5",
    ),
    Term(
        "result extension",
        "aware-of-data-rules",
        "Self-rated awareness of what data may not go into AI tools.",
        "surveys",
        value="integer 1-5",
    ),
    Term(
        "result extension",
        "pain-points",
        "Workflow pain points, in the respondent's words.",
        "surveys",
        value="string",
    ),
    Term(
        "result extension",
        "manager-expectations",
        "What their manager expects of them with AI, in their words.",
        "surveys",
        value="string",
    ),
    Term(
        "result extension",
        "priority-use-cases",
        "The use cases they want to learn first.",
        "surveys",
        value="array of strings",
    ),
    Term(
        "result extension",
        "minutes-saved",
        "Minutes saved per run of the workflow.",
        "workflow-transfer reports",
        value="number ≥ 0",
    ),
    Term(
        "result extension",
        "repeatable",
        "Whether the use can be repeated as is.",
        "workflow-transfer reports",
        value="boolean",
    ),
    Term(
        "result extension",
        "quality-change",
        "How the output's quality changed.",
        "workflow-transfer reports",
        value="'better', 'same' or 'worse'",
    ),
    Term(
        "result extension",
        "needs-redesign",
        "Whether the workflow needs redesign first.",
        "workflow-transfer reports",
        value="boolean",
    ),
    Term(
        "result extension",
        "rubric-scores",
        "The score of each rubric criterion of an assignment, by criterion id.",
        "assignment reviews (rubric evidence rules)",
        value="object {criterion: number}",
    ),
    # Context extensions
    Term(
        "context extension",
        "use-case",
        "What AI did in the workflow, e.g. 'first draft'.",
        "workflow-transfer reports",
        value="string",
    ),
    Term(
        "context extension",
        "tool",
        "The AI tool's name as the export gives it.",
        "AI-tool usage exports",
        value="string",
    ),
    Term(
        "context extension",
        "approved-tool",
        "Whether the tool is on the approved list.",
        "AI-tool usage exports",
        value="boolean",
    ),
    Term(
        "context extension",
        "survey-wave",
        "Which wave of a survey.",
        "surveys",
        value="'baseline' or 'pulse-N'",
    ),
    Term(
        "context extension",
        "topics",
        "Topic tags of an office-hour question.",
        "office-hour questions",
        value="array of strings",
    ),
    Term(
        "context extension",
        "source",
        "Where the statement came from: the importer, the file's SHA-256 and the line, so "
        "every level can be traced back to a row of a customer's export.",
        "every imported statement",
        value='object {"importer", "file_sha256", "line"}',
    ),
)


class Profile:
    """The profile's IRIs under one namespace (a deployment's PROFICIO_PROFILE_NAMESPACE)."""

    def __init__(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.namespace = namespace.rstrip("/")
        self._iris = {(t.kind, t.key): self._iri_of(t) for t in TERMS}

    def _iri_of(self, term: Term) -> str:
        return term.iri or f"{self.namespace}/{_PATHS[term.kind]}/{term.key}"

    def iri(self, kind: Kind, key: str) -> str:
        try:
            return self._iris[(kind, key)]
        except KeyError:
            raise KeyError(f"no {kind} {key!r} in Proficio's profile") from None

    def verb(self, key: str) -> str:
        return self.iri("verb", key)

    def activity_type(self, key: str) -> str:
        return self.iri("activity type", key)

    def extension(self, key: str) -> str:
        """A result or context extension by key (keys are unique across both)."""
        for kind in ("result extension", "context extension"):
            if (kind, key) in self._iris:
                return self._iris[(kind, key)]
        raise KeyError(f"no extension {key!r} in Proficio's profile")


def profile_markdown(namespace: str = DEFAULT_NAMESPACE) -> str:
    profile = Profile(namespace)
    lines = [
        "# Proficio's xAPI profile",
        "",
        "The verbs, activity types and extensions Proficio writes when it imports data from",
        "other systems, and that its evidence rules match. ADL vocabulary is reused where its",
        "meaning fits; Proficio's own terms live under the namespace",
        f"`{namespace}`, which a deployment may change with `PROFICIO_PROFILE_NAMESPACE`",
        "before it stores its first statement (statements keep the IRIs they were stored with).",
        "Generated from `src/proficio/capture/profile.py` by `python -m proficio.docs`; do not",
        "edit by hand.",
        "",
        "Statements about a learner always have the learner as actor (an account on",
        "`PROFICIO_PUBLIC_URL` named by their HRIS id); the observer of a manager observation",
        "is `context.instructor`; a cohort enrolment is a `registered` statement whose object",
        "is the cohort, timed at its start. Every imported statement carries the `source`",
        "context extension. How each file becomes statements: docs/imports.md.",
    ]
    sections: tuple[tuple[Kind, str], ...] = (
        ("verb", "Verbs"),
        ("activity type", "Activity types"),
        ("result extension", "Result extensions"),
        ("context extension", "Context extensions"),
    )
    for kind, title in sections:
        extension = kind.endswith("extension")
        lines += ["", f"## {title}", ""]
        lines.append(
            "| Key | IRI | Source | Value | Meaning | Written for |"
            if extension
            else "| Key | IRI | Source | Meaning | Written for |"
        )
        lines.append("|---|---|---|---|---|---|" if extension else "|---|---|---|---|---|")
        for term in (t for t in TERMS if t.kind == kind):
            cells = [f"`{term.key}`", f"`{profile.iri(kind, term.key)}`", term.source]
            if extension:
                cells.append(term.value)
            cells += [term.definition, term.used_for]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
