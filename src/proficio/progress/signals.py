"""Coaching signals: patterns in a person's evidence that a manager can act on this week, each
a sentence naming what was seen and what to do. Pure functions over `Evidence`, like the rules.

The patterns are the ones enablement teams ask managers to watch: knowledge without practice
(strong knowledge checks, no application), practice without care (frequent use, weak reviews),
talk without use (confident in surveys, hardly using the tools), use of tools not approved,
and silence. Thresholds are constants here, named in the sentence they produce.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson

from proficio.capture.profile import ADL_VERBS, Profile
from proficio.progress.evidence import Evidence
from proficio.progress.rules import DAY_US

WINDOW_DAYS = 30
STRONG_SCORE = 0.8
WEAK_RATING = 2  # of 5
WEAK_SCORE = 0.7
FREQUENT_USES = 8  # days with use in the window
CONFIDENT = 4  # of 5
QUIET_DAYS = 21


@dataclass(frozen=True, slots=True)
class Signal:
    key: str
    text: str


def worth_reading(profile: Profile, now_us: int) -> Callable[[int, str | bytes], bool]:
    """Which stored evidence rows (time, facts JSON) the signals can use, told before decoding
    them: AI-tool use counts only inside the window, and it is most of what people have."""
    since = now_us - WINDOW_DAYS * DAY_US
    used = orjson.dumps([profile.verb("used")])[:-1]  # b'["<verb IRI>"'

    def worth(at_us: int, facts: str | bytes) -> bool:
        raw = facts.encode() if isinstance(facts, str) else facts
        return at_us >= since or not raw.startswith(used)

    return worth


def coaching_signals(
    evidence: Sequence[Evidence], *, profile: Profile, now_us: int, last_us: int | None = None
) -> list[Signal]:
    """The signals in a person's evidence; `last_us`, when given, is the time of their latest
    evidence (when `evidence` holds only the rows worth reading)."""
    since = now_us - WINDOW_DAYS * DAY_US
    recent = [e for e in evidence if e.at_us >= since]
    used, applied = profile.verb("used"), profile.verb("applied")
    demonstrated, responded = profile.verb("demonstrated"), ADL_VERBS + "responded"
    passed, failed = ADL_VERBS + "passed", ADL_VERBS + "failed"
    approved_key = profile.extension("approved-tool")
    confidence_key = profile.extension("confidence")
    uses = [e for e in recent if e.verb == used]
    out: list[Signal] = []

    strong = [e for e in evidence if e.verb == passed and (e.scaled or 0) >= STRONG_SCORE]
    if strong and not any(e.verb == applied for e in evidence):
        out.append(
            Signal(
                "knows-not-applying",
                f"Strong knowledge checks ({len(strong)} passed at {STRONG_SCORE:.0%} or more) "
                "but no workflow application yet: agree on a first workflow to try.",
            )
        )
    weak_reviews = [
        e
        for e in evidence
        if (e.verb == demonstrated and e.raw is not None and e.raw <= WEAK_RATING)
        or e.verb == failed
        or (e.verb == passed and e.scaled is not None and e.scaled < WEAK_SCORE)
    ]
    if len(uses) >= FREQUENT_USES and weak_reviews:
        out.append(
            Signal(
                "uses-often-reviews-weakly",
                f"Uses AI often ({len(uses)} days in {WINDOW_DAYS}) but reviews weakly "
                f"({len(weak_reviews)} weak ratings or checks): go through one output together.",
            )
        )
    surveys = sorted((e for e in evidence if e.verb == responded), key=lambda e: e.at_us)
    confidence = surveys[-1].extensions.get(confidence_key) if surveys else None
    if isinstance(confidence, int | float) and confidence >= CONFIDENT and len(uses) <= 1:
        out.append(
            Signal(
                "confident-not-using",
                f"Rates their confidence {confidence:g} of 5 but used AI on {len(uses)} days "
                f"in {WINDOW_DAYS}: ask what is in the way.",
            )
        )
    unapproved = [e for e in uses if e.extensions.get(approved_key) is False]
    if unapproved:
        out.append(
            Signal(
                "unapproved-tool",
                f"Used a tool that is not approved on {len(unapproved)} days in {WINDOW_DAYS}: "
                "point them to the approved ones.",
            )
        )
    last = last_us if last_us is not None else max((e.at_us for e in evidence), default=None)
    if last is None:
        out.append(Signal("quiet", "No activity at all yet: check in."))
    elif last < now_us - QUIET_DAYS * DAY_US:
        days = (now_us - last) // DAY_US
        out.append(Signal("quiet", f"No activity for {days} days: check in."))
    return out
