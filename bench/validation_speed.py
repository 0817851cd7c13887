"""How many typical statements per second `validate_statement` checks on one core.

    .venv/bin/python bench/validation_speed.py [seconds]

The ingest target is 8,000 statements/s end to end, so validation alone should manage at
least 40,000/s. As on the ingest path, each POST body of 100 statements (each with its own
ids) is parsed with `orjson.loads` and then validated; only the validation is timed.
"""

from __future__ import annotations

import sys
import time
import uuid

import orjson

from proficio.lrs.validation import validate_statement


def typical_statement(n: int) -> bytes:
    """A statement like an LMS sends: mbox actor, verb with display, activity with definition,
    result with score/success/duration, context with registration and parent+grouping."""
    return orjson.dumps(
        {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "name": f"Learner {n}", "mbox": f"mailto:l{n}@ex.com"},
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/answered",
                "display": {"en-US": "answered"},
            },
            "object": {
                "objectType": "Activity",
                "id": f"http://example.com/courses/algebra/quiz-1/question-{n % 500}",
                "definition": {
                    "name": {"en-US": f"Question {n % 500}"},
                    "description": {"en-US": "Solve for x: 2x + 3 = 7"},
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                },
            },
            "result": {
                "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
                "success": True,
                "duration": "PT1M12.5S",
            },
            "context": {
                "registration": str(uuid.uuid4()),
                "contextActivities": {
                    "parent": [{"id": "http://example.com/courses/algebra/quiz-1"}],
                    "grouping": [{"id": "http://example.com/courses/algebra"}],
                },
            },
            "timestamp": "2024-05-01T12:30:00.123Z",
        }
    )


def main(seconds: float) -> float:
    bodies = [
        b"[" + b",".join(typical_statement(n) for n in range(start, start + 100)) + b"]"
        for start in range(0, 20_000, 100)
    ]
    done, timed = 0, 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for body in bodies:
            statements = orjson.loads(body)
            start = time.perf_counter()
            for index, statement in enumerate(statements):
                validate_statement(statement, path=f"statements[{index}]")
            timed += time.perf_counter() - start
            done += len(statements)
    rate = done / timed
    print(f"{rate:,.0f} statements/s ({1e6 / rate:.1f} µs each)")
    return rate


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
