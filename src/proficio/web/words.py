"""Plain words for the pages: dates as people write them, counts with their nouns, and one
line per piece of evidence ("Used ChatGPT Enterprise: 14 prompts")."""

from __future__ import annotations

import datetime as dt

from proficio.progress.evidence import Evidence

_VERB_WORDS = {
    "completed": "Completed",
    "passed": "Passed",
    "failed": "Did not pass",
    "registered": "Enrolled in",
    "responded": "Answered",
    "asked": "Asked a question at",
    "used": "Used",
    "demonstrated": "Observed by their manager:",
    "applied": "Applied AI to",
    "helped": "Helped",
    "named-champion": "Named a champion of",
}


def day(iso: str | None) -> str:
    """'2026-12-12' or an ISO timestamp -> '12 Dec 2026'."""
    if not iso:
        return ""
    try:
        when = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{when.day} {when:%b %Y}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _tail(iri: str | None) -> str:
    if not iri:
        return ""
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")


def evidence_line(evidence: Evidence, name: str | None) -> str:
    """What a statement says happened, in a few words."""
    verb = _tail(evidence.verb).replace(" ", "-")
    what = name or _tail(evidence.activity) or "a colleague"
    line = f"{_VERB_WORDS.get(verb, verb.capitalize())} {what}"
    details = []
    if evidence.scaled is not None:
        details.append(f"score {round(evidence.scaled * 100)}%")
    for key, value in sorted(evidence.extensions.items()):
        label = _tail(key)
        if label in ("prompts", "sessions", "minutes saved", "rating") and value is not None:
            details.append(f"{label} {value}")
    return line + (f" ({', '.join(details)})" if details else "")
