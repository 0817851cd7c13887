"""Statement validation against xAPI 1.0.3 Part Two 2.2, 2.4 and 4.

Each invalid case names the conformance requirement it covers (the XAPI-000NN ids of ADL's
lrs-conformance-test-suite, test/v1_0_3) and asserts the reported field path and reason.
Throughput is measured separately: `.venv/bin/python bench/validation_speed.py`.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from proficio.errors import InvalidStatement
from proficio.lrs.validation import (
    is_valid_iri,
    parse_timestamp,
    validate_agent,
    validate_language_map,
    validate_statement,
)
from proficio.lrs.validation_formats import is_valid_duration, is_valid_language_tag

DELETE = object()

ACTIVITY_ID = "http://example.com/quiz/1/question/3"
STATEMENT_ID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
SHA1 = "cd9b00a5611f94eaa7b1661edab976068e364975"
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"mbox": "mailto:bob@example.com"}
OAUTH_APP = {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "app"}}

MINIMAL: dict[str, Any] = {
    "actor": {"mbox": "mailto:ann@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": ACTIVITY_ID},
}

# A statement using every property, so each invalid case below changes one thing in it.
FULL: dict[str, Any] = {
    "id": STATEMENT_ID,
    "actor": ANN,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {"en-US": "answered", "es": "contestó"},
    },
    "object": {
        "objectType": "Activity",
        "id": ACTIVITY_ID,
        "definition": {
            "name": {"en-US": "Question 3"},
            "description": {"en-US": "What is 2 + 2?"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/quiz/1/question/3/help",
            "interactionType": "choice",
            "correctResponsesPattern": ["four"],
            "choices": [
                {"id": "three", "description": {"en-US": "3"}},
                {"id": "four", "description": {"en-US": "4"}},
            ],
            "extensions": {"http://example.com/ext/difficulty": "easy"},
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "response": "four",
        "duration": "PT1M30S",
        "extensions": {"http://example.com/ext/attempt": 2},
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "instructor": {
            "name": "Ian",
            "account": {"homePage": "https://lms.example.com", "name": "ian"},
        },
        "team": {"objectType": "Group", "name": "Team A", "member": [{"mbox_sha1sum": SHA1}]},
        "contextActivities": {
            "parent": [{"id": "http://example.com/quiz/1"}],
            "grouping": [{"id": "http://example.com/course/algebra"}],
            "category": [
                {
                    "id": "https://w3id.org/xapi/cmi5/context/categories/moveon",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
                }
            ],
            "other": [{"objectType": "Activity", "id": "http://example.com/textbook"}],
        },
        "revision": "r2",
        "platform": "Example LMS",
        "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
        "extensions": {"http://example.com/ext/room": None},
    },
    "timestamp": "2024-05-01T12:30:00.123+02:00",
    "stored": "2024-05-01T10:30:01.000Z",
    "authority": {
        "objectType": "Agent",
        "account": {"homePage": "https://lrs.example.com", "name": "c1"},
    },
    "version": "1.0.0",
    "attachments": [
        {
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en-US": "Signature"},
            "description": {"en-US": "A JWS signature"},
            "contentType": "application/octet-stream",
            "length": 4235,
            "sha2": SHA256,
            "fileUrl": "https://example.com/signature",
        }
    ],
}


def changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with each "a.b[0].c" path set to its value, or removed (DELETE)."""
    doc = copy.deepcopy(base)
    for path, value in changes.items():
        steps: list[str | int] = [
            int(token[1:-1]) if token.startswith("[") else token
            for token in re.findall(r"\[\d+\]|[^.\[\]]+", path)
        ]
        parent: Any = doc
        for step in steps[:-1]:
            parent = parent[step]
        if value is DELETE:
            del parent[steps[-1]]
        else:
            parent[steps[-1]] = copy.deepcopy(value)
    return doc


def minimal(**properties: Any) -> dict[str, Any]:
    return {**copy.deepcopy(MINIMAL), **properties}


def substatement(**properties: Any) -> dict[str, Any]:
    return {"objectType": "SubStatement", **copy.deepcopy(MINIMAL), **properties}


def interaction(interaction_type: str, **lists: Any) -> dict[str, Any]:
    definition = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": interaction_type,
        "correctResponsesPattern": ["a[,]b"],
        **lists,
    }
    return {"objectType": "Activity", "id": ACTIVITY_ID, "definition": definition}


def components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "description": {"en-US": f"Option {i}"}} for i in ids]


VALID = [
    pytest.param(FULL, id="every property"),
    pytest.param(MINIMAL, id="minimal: actor, verb and object only (XAPI-00003..5)"),
    # Actor (XAPI-00031 to XAPI-00043)
    pytest.param(minimal(actor={"mbox_sha1sum": SHA1}), id="actor mbox_sha1sum"),
    pytest.param(minimal(actor={"mbox_sha1sum": SHA1.upper()}), id="actor mbox_sha1sum upper"),
    pytest.param(minimal(actor={"openid": "http://openid.example.org/12345"}), id="openid"),
    pytest.param(minimal(actor={"objectType": "Agent", **OAUTH_APP}), id="actor account"),
    pytest.param(minimal(actor={"mbox": "mailto:a.b+tag@sub.example.co.uk"}), id="mbox plus"),
    pytest.param(minimal(actor={"mbox": "mailto:admin@intranet"}), id="mbox dotless domain"),
    pytest.param(
        minimal(actor={"objectType": "Group", "member": [ANN, BOB]}), id="anonymous Group"
    ),
    pytest.param(
        minimal(actor={"objectType": "Group", "name": "G", "mbox": "mailto:g@example.com"}),
        id="identified Group without members",
    ),
    pytest.param(
        minimal(actor={"objectType": "Group", "openid": "http://g.example.com", "member": []}),
        id="identified Group with an empty member list",
    ),
    pytest.param(
        minimal(actor={"objectType": "Group", **OAUTH_APP, "member": [ANN, OAUTH_APP]}),
        id="identified Group with members",
    ),
    # Verb (XAPI-00044, XAPI-00045)
    pytest.param(
        minimal(verb={"id": "http://example.com/فعل/خواندن", "display": {"fa": "خواندن"}}),
        id="verb IRI with non-ASCII characters",
    ),
    pytest.param(minimal(verb={"id": "urn:example:verbs:read", "display": {}}), id="verb URN"),
    # Object (XAPI-00046 to XAPI-00073)
    pytest.param(minimal(object={"objectType": "Activity", "id": ACTIVITY_ID}), id="Activity"),
    pytest.param(
        minimal(object={"id": "http://example.com/a%20b?x=1#frag"}), id="percent-encoded IRI"
    ),
    pytest.param(minimal(object={"objectType": "Agent", **BOB}), id="object Agent"),
    pytest.param(
        minimal(object={"objectType": "Group", "member": [BOB]}), id="object anonymous Group"
    ),
    pytest.param(
        minimal(object={"objectType": "StatementRef", "id": STATEMENT_ID.upper()}),
        id="object StatementRef, uppercase UUID",
    ),
    pytest.param(
        minimal(
            object=substatement(
                object={"objectType": "Agent", **BOB},
                result={"success": True},
                context={"registration": STATEMENT_ID},
                timestamp="2099-01-01T00:00:00Z",
                attachments=FULL["attachments"],
            )
        ),
        id="object SubStatement with an Agent object and a future timestamp",
    ),
    pytest.param(
        minimal(object=substatement(object={"objectType": "StatementRef", "id": STATEMENT_ID})),
        id="SubStatement of a StatementRef",
    ),
    pytest.param(
        minimal(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": STATEMENT_ID},
        ),
        id="XAPI-00019 voiding statement",
    ),
    pytest.param(minimal(object=interaction("true-false")), id="XAPI-00049 true-false"),
    pytest.param(minimal(object=interaction("choice", choices=components("a", "b"))), id="choice"),
    pytest.param(minimal(object=interaction("fill-in")), id="fill-in"),
    pytest.param(minimal(object=interaction("long-fill-in")), id="long-fill-in"),
    pytest.param(
        minimal(
            object=interaction("matching", source=components("a", "b"), target=components("1"))
        ),
        id="matching",
    ),
    pytest.param(minimal(object=interaction("performance", steps=components("a"))), id="steps"),
    pytest.param(minimal(object=interaction("sequencing", choices=components("a"))), id="seq"),
    pytest.param(minimal(object=interaction("likert", scale=components("1", "2"))), id="likert"),
    pytest.param(minimal(object=interaction("numeric")), id="numeric"),
    pytest.param(minimal(object=interaction("other", correctResponsesPattern=[])), id="other"),
    pytest.param(
        minimal(object=interaction("choice", choices=[{"id": "a"}, {"id": "A"}])),
        id="component ids are case-sensitive, description optional",
    ),
    # Result and Score (XAPI-00074 to XAPI-00083)
    pytest.param(minimal(result={"score": {"scaled": -1}}), id="scaled -1"),
    pytest.param(minimal(result={"score": {"scaled": 1}}), id="scaled 1"),
    pytest.param(minimal(result={"score": {"raw": 0, "min": 0, "max": 1}}), id="raw == min"),
    pytest.param(minimal(result={"score": {"raw": 1, "min": 0, "max": 1}}), id="raw == max"),
    pytest.param(minimal(result={"score": {"raw": -42.5}}), id="raw without min or max"),
    pytest.param(minimal(result={"score": {"max": 100.6767676}}), id="XAPI-00080 decimals"),
    pytest.param(minimal(result={"score": {}}), id="empty score"),
    *[
        pytest.param(minimal(result={"duration": d}), id=f"XAPI-00124 duration {d}")
        for d in (
            "PT4H35M59.14S",
            "PT16559.14S",
            "P3Y1M29DT4H35M59.14S",
            "P3Y",
            "P4W",
            "PT1H0M0.1S",
            "P1D",
            "PT0.5S",
            "PT0,5S",
            "P1DT12H",
            "P0.5Y",
        )
    ],
    # Context (XAPI-00084 to XAPI-00094)
    pytest.param(
        minimal(context={"contextActivities": {"parent": {"id": "http://example.com/quiz"}}}),
        id="XAPI-00094 a single Activity instead of an array",
    ),
    pytest.param(
        minimal(context={"contextActivities": {"parent": [], "other": []}}),
        id="empty contextActivities arrays",
    ),
    pytest.param(
        minimal(
            object={"objectType": "Agent", **BOB},
            context={"instructor": {"objectType": "Group", "member": [ANN]}, "language": "fr"},
        ),
        id="Group instructor, Agent object without revision or platform",
    ),
    pytest.param(
        minimal(context={"revision": "1", "platform": "web"}),
        id="XAPI-00084 revision and platform with a default (Activity) object",
    ),
    # Extensions (XAPI-00119, XAPI-00120): values are any JSON
    pytest.param(
        minimal(
            result={
                "extensions": {
                    "http://example.com/null": None,
                    "http://example.com/empty-string": "",
                    "http://example.com/empty-object": {},
                    "http://example.com/list": [None, 1, {"a": None}],
                    "urn:example:bool": False,
                }
            },
            context={"extensions": {}},
        ),
        id="XAPI-00119 extension values can be null or empty",
    ),
    # Timestamps (XAPI-00022, XAPI-00123)
    *[
        pytest.param(minimal(timestamp=t), id=f"timestamp {t}")
        for t in (
            "2024-05-01T12:30:00Z",
            "2024-05-01T12:30:00+00:00",
            "2024-05-01T12:30:00.123456789+05:30",
            "2024-05-01T12:30:00-08:00",
            "2024-05-01T12:30Z",
            "2024-05-01T12:30:00+0530",
            "2024-05-01T12:30:00+05",
            "20240501T123000Z",
            "2024-05-01t12:30:00z",
            "2024-02-29T23:59:59,5Z",
        )
    ],
    # Version (XAPI-00101)
    pytest.param(minimal(version="1.0"), id="XAPI-00101 version 1.0"),
    pytest.param(minimal(version="1.0.9"), id="XAPI-00101 version 1.0.9"),
    # Authority (XAPI-00024, XAPI-00098)
    pytest.param(minimal(authority=BOB), id="XAPI-00024 authority Agent"),
    pytest.param(
        minimal(authority={"objectType": "Group", "member": [OAUTH_APP, BOB]}),
        id="XAPI-00098 authority: anonymous Group of two Agents",
    ),
    # Attachments (XAPI-00025, XAPI-00102 to XAPI-00107)
    pytest.param(
        minimal(
            attachments=[
                {
                    "usageType": "http://example.com/attachment-usage/test",
                    "display": {"en-US": "A test attachment", "es": "Un accesorio"},
                    "contentType": 'multipart/mixed; charset=ascii; boundary="a b"',
                    "length": 0,
                    "sha2": "a" * 128,
                }
            ]
        ),
        id="attachment without description or fileUrl, SHA-512",
    ),
    pytest.param(minimal(attachments=[]), id="no attachments"),
]


@pytest.mark.parametrize("statement", VALID)
def test_valid_statements_pass(statement: dict[str, Any]) -> None:
    validate_statement(statement)


INVALID = [
    # --- 2.2 Formatting requirements
    ("XAPI-00003 actor missing", {"actor": DELETE}, "actor", "is required"),
    ("XAPI-00004 verb missing", {"verb": DELETE}, "verb", "is required"),
    ("XAPI-00005 object missing", {"object": DELETE}, "object", "is required"),
    ("XAPI-00001 null actor name", {"actor.name": None}, "actor.name", "must not be null"),
    ("XAPI-00001 null display", {"verb.display.en-US": None}, "verb.display.en-US", "null"),
    (
        "XAPI-00001 null registration",
        {"context.registration": None},
        "context.registration",
        "null",
    ),
    (
        "XAPI-00001 null moreInfo",
        {"object.definition.moreInfo": None},
        "object.definition.moreInfo",
        "must not be null",
    ),
    ("XAPI-00001 null result", {"result": None}, "result", "must not be null"),
    ("XAPI-00001 null id", {"id": None}, "id", "must not be null"),
    ("XAPI-00001 null timestamp", {"timestamp": None}, "timestamp", "must not be null"),
    ("XAPI-00001 null IFI", {"actor.openid": None}, "actor.openid", "must not be null"),
    (
        "XAPI-00001 null fileUrl",
        {"attachments[0].fileUrl": None},
        "attachments[0].fileUrl",
        "must not be null",
    ),
    ("XAPI-00006 string for number", {"result.score.max": "100"}, "result.score.max", "a number"),
    ("XAPI-00006 bool for number", {"result.score.raw": True}, "result.score.raw", "a number"),
    ("XAPI-00006 string for bool", {"result.completion": "false"}, "result.completion", "boolean"),
    ("XAPI-00006 number for bool", {"result.success": 1}, "result.success", "a boolean"),
    (
        "XAPI-00006 float length",
        {"attachments[0].length": 27.0},
        "attachments[0].length",
        "integer",
    ),
    ("XAPI-00007 numeric id", {"id": 12345}, "id", "must be a string"),
    ("XAPI-00007 object id", {"id": {"key": "x"}}, "id", "must be a string"),
    ("XAPI-00027 long UUID", {"id": "AA97B177-9383-4934-8543-0F91A7A028368"}, "id", "a UUID"),
    ("XAPI-00027 non-hex UUID", {"id": "MA97B177-9383-4934-8543-0F91A7A02836"}, "id", "a UUID"),
    ("XAPI-00007 empty UUID", {"id": ""}, "id", "must be a UUID"),
    ("XAPI-00029 UUID without dashes", {"id": STATEMENT_ID.replace("-", "")}, "id", "a UUID"),
    ("XAPI-00008 Actor", {"Actor": ANN}, "Actor", "unknown property"),
    ("XAPI-00008 timeStamp", {"timeStamp": "2024-05-01T00:00:00Z"}, "timeStamp", "unknown"),
    ("XAPI-00008 Version", {"Version": "1.0.3"}, "Version", "unknown property"),
    ("XAPI-00008 attachmentS", {"attachmentS": []}, "attachmentS", "unknown property"),
    ("XAPI-00010 objectType on a Statement", {"objectType": "Statement"}, "objectType", "unknown"),
    ("XAPI-00010 actor extra", {"actor.age": 3}, "actor.age", "unknown property"),
    (
        "XAPI-00010 account extra",
        {"authority.account.url": "x"},
        "authority.account.url",
        "unknown",
    ),
    ("XAPI-00010 verb extra", {"verb.name": "x"}, "verb.name", "unknown property"),
    ("XAPI-00010 definition extra", {"object.definition.x": 1}, "object.definition.x", "unknown"),
    (
        "XAPI-00010 component extra",
        {"object.definition.choices[1].name": {"en": "4"}},
        "object.definition.choices[1].name",
        "unknown property",
    ),
    ("XAPI-00010 result extra", {"result.grade": "A"}, "result.grade", "unknown property"),
    ("XAPI-00010 score extra", {"result.score.pct": 50}, "result.score.pct", "unknown property"),
    ("XAPI-00010 context extra", {"context.room": "1"}, "context.room", "unknown property"),
    (
        "XAPI-00010 attachment extra",
        {"attachments[0].name": "x"},
        "attachments[0].name",
        "unknown property",
    ),
    (
        "XAPI-00009 interactionType case",
        {"object.definition.interactionType": "choiCe"},
        "object.definition.interactionType",
        "must be one of",
    ),
    ("XAPI-00009 objectType case", {"actor.objectType": "agent"}, "actor.objectType", "Agent"),
    (
        "XAPI-00011 verb id without scheme",
        {"verb.id": "adlnet.gov/expapi/verbs/answered"},
        "verb.id",
        "must be an IRI",
    ),
    ("XAPI-00011 object id", {"object.id": "www.example.com/x"}, "object.id", "must be an IRI"),
    (
        "XAPI-00011 homePage",
        {"context.instructor.account.homePage": "lms.example.com"},
        "context.instructor.account.homePage",
        "must be an IRI",
    ),
    (
        "XAPI-00011 moreInfo",
        {"object.definition.moreInfo": "not an iri"},
        "object.definition.moreInfo",
        "must be an IRI",
    ),
    (
        "XAPI-00011 usageType",
        {"attachments[0].usageType": "should fail"},
        "attachments[0].usageType",
        "must be an IRI",
    ),
    (
        "XAPI-00011 fileUrl",
        {"attachments[0].fileUrl": "over.there.com/file.txt"},
        "attachments[0].fileUrl",
        "must be an IRI",
    ),
    (
        "XAPI-00118 definition extension key",
        {"object.definition.extensions": {"difficulty": 1}},
        "object.definition.extensions",
        "'difficulty' must be an IRI",
    ),
    (
        "XAPI-00118 context extension key",
        {"context.extensions": {"should fail": True}},
        "context.extensions",
        "must be an IRI",
    ),
    (
        "XAPI-00118 result extension key",
        {"result.extensions": {"": 1}},
        "result.extensions",
        "must be an IRI",
    ),
    ("XAPI-00120 extensions array", {"result.extensions": []}, "result.extensions", "an object"),
    # --- 2.4.2 Actor
    ("XAPI-00031 actor Activity", {"actor.objectType": "Activity"}, "actor.objectType", "Group"),
    ("XAPI-00032 objectType number", {"actor.objectType": 123}, "actor.objectType", "a string"),
    ("XAPI-00033 name number", {"actor.name": 123}, "actor.name", "must be a string"),
    ("XAPI-00033 name object", {"actor.name": {"a": 1}}, "actor.name", "must be a string"),
    (
        "XAPI-00034 no IFI",
        {"actor.mbox": DELETE},
        "actor",
        "an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, "
        "openid or account); found 0",
    ),
    ("XAPI-00034 two IFIs", {"actor.openid": "http://openid.example.org/1"}, "actor", "found 2"),
    ("XAPI-00038 mbox without @", {"actor.mbox": "mailto:should.fail.com"}, "actor.mbox", "mailto"),
    ("XAPI-00038 mbox http", {"actor.mbox": "http://should.fail.com"}, "actor.mbox", "mailto"),
    ("XAPI-00038 bare email", {"actor.mbox": "ann@example.com"}, "actor.mbox", "mailto"),
    ("XAPI-00038 mbox space", {"actor.mbox": "mailto:a b@example.com"}, "actor.mbox", "mailto"),
    ("XAPI-00039 sha1 number", {"actor": {"mbox_sha1sum": 1}}, "actor.mbox_sha1sum", "a string"),
    ("XAPI-00039 sha1 short", {"actor": {"mbox_sha1sum": "abc"}}, "actor.mbox_sha1sum", "SHA-1"),
    (
        "XAPI-00040 openid",
        {"actor": {"openid": "ab=c://should.fail.com"}},
        "actor.openid",
        "must be an IRI",
    ),
    (
        "XAPI-00041 account not an object",
        {"actor": {"account": "ann"}},
        "actor.account",
        "must be an object",
    ),
    (
        "XAPI-00042 account without homePage",
        {"authority.account.homePage": DELETE},
        "authority.account.homePage",
        "is required",
    ),
    (
        "XAPI-00042 homePage not an IRL",
        {"authority.account.homePage": "ab=c://should.fail.com"},
        "authority.account.homePage",
        "must be an IRI",
    ),
    (
        "XAPI-00043 account without name",
        {"authority.account.name": DELETE},
        "authority.account.name",
        "is required",
    ),
    (
        "XAPI-00043 account name object",
        {"authority.account.name": {"key": "x"}},
        "authority.account.name",
        "must be a string",
    ),
    (
        "XAPI-00035 anonymous Group without members",
        {"actor": {"objectType": "Group", "name": "G"}},
        "actor",
        "an anonymous Group must list at least one Agent",
    ),
    (
        "XAPI-00035 anonymous Group with an empty member list",
        {"actor": {"objectType": "Group", "member": []}},
        "actor",
        "anonymous Group",
    ),
    (
        "XAPI-00036 member not an array",
        {"actor": {"objectType": "Group", "member": BOB}},
        "actor.member",
        "must be an array",
    ),
    (
        "XAPI-00036 Group as member",
        {"actor": {"objectType": "Group", "member": [BOB, {**ANN, "objectType": "Group"}]}},
        "actor.member[1]",
        "a Group member must be an Agent, not a Group",
    ),
    (
        "XAPI-00036 member without IFI",
        {"actor": {"objectType": "Group", "member": [{"name": "x"}]}},
        "actor.member[0]",
        "found 0",
    ),
    (
        "XAPI-00036 member null",
        {"actor": {"objectType": "Group", "member": [None]}},
        "actor.member[0]",
        "must not be null",
    ),
    (
        "XAPI-00037 identified Group with two IFIs",
        {"actor": {"objectType": "Group", **BOB, "openid": "http://g.example.com"}},
        "actor",
        "an identified Group must have exactly one inverse functional identifier",
    ),
    (
        "XAPI-00037 Group IFI invalid",
        {"actor": {"objectType": "Group", "mbox": "mailto:nope"}},
        "actor.mbox",
        "mailto",
    ),
    (
        "XAPI-00036 member objectType",
        {"actor": {"objectType": "Group", "member": [{"objectType": "agent", **BOB}]}},
        "actor.member[0].objectType",
        "must be Agent",
    ),
    (
        "XAPI-00036 member extra property",
        {"actor": {"objectType": "Group", "member": [{**BOB, "age": 3}]}},
        "actor.member[0].age",
        "unknown property",
    ),
    (
        "XAPI-00010 Group extra property",
        {"actor": {"objectType": "Group", "member": [BOB], "size": 1}},
        "actor.size",
        "unknown property",
    ),
    ("XAPI-00038 mbox number", {"actor.mbox": 1}, "actor.mbox", "must be a string"),
    ("actor not an object", {"actor": "ann"}, "actor", "must be an object"),
    # --- 2.4.3 Verb
    ("XAPI-00044 verb without id", {"verb.id": DELETE}, "verb.id", "is required"),
    ("XAPI-00044 verb id IRI", {"verb.id": "ab=c://should.fail.com"}, "verb.id", "must be an IRI"),
    ("XAPI-00044 verb id number", {"verb.id": 5}, "verb.id", "must be a string"),
    ("XAPI-00045 display number", {"verb.display": 12345}, "verb.display", "a language map"),
    ("XAPI-00045 display string", {"verb.display": "a12345"}, "verb.display", "a language map"),
    (
        "XAPI-00121 display tag",
        {"verb.display": {"a12345": "attended"}},
        "verb.display",
        "key 'a12345' must be an RFC 5646 language tag",
    ),
    ("XAPI-00121 display value", {"verb.display.en-US": 5}, "verb.display.en-US", "a string"),
    ("verb not an object", {"verb": "answered"}, "verb", "must be an object"),
    # --- 2.4.4 Object
    *[
        (f"XAPI-00046 objectType {t}", {"object.objectType": t}, "object.objectType", "must be")
        for t in ("activity", "agent", "group", "statementref", "substatement", "Statement", 5)
    ],
    ("object not an object", {"object": ACTIVITY_ID}, "object", "must be an object"),
    (
        "XAPI-00047 context Activity objectType number",
        {"context.contextActivities.parent[0].objectType": 1},
        "context.contextActivities.parent[0].objectType",
        "must be a string",
    ),
    ("XAPI-00047 activity without id", {"object.id": DELETE}, "object.id", "is required"),
    ("XAPI-00047 activity id IRI", {"object.id": "ab=c://x.com"}, "object.id", "must be an IRI"),
    ("XAPI-00048 definition string", {"object.definition": "x"}, "object.definition", "object"),
    (
        "XAPI-00056 name not a language map",
        {"object.definition.name": "Question"},
        "object.definition.name",
        "a language map",
    ),
    (
        "XAPI-00121 name tag",
        {"object.definition.name": {"english language": "Q"}},
        "object.definition.name",
        "RFC 5646",
    ),
    (
        "XAPI-00059 description tag",
        {"object.definition.description": {"something": "Q"}},
        "object.definition.description",
        "RFC 5646",
    ),
    ("XAPI-00060 type", {"object.definition.type": "x"}, "object.definition.type", "an IRI"),
    ("XAPI-00061 moreInfo", {"object.definition.moreInfo": 1}, "object.definition.moreInfo", "str"),
    *[
        (
            f"XAPI-00049 interactionType {value!r}",
            {"object.definition.interactionType": value},
            "object.definition.interactionType",
            reason,
        )
        for value, reason in (
            ("http://adlnet.gov/expapi/activities/cmi.interaction", "must be one of"),
            ("should error", "must be one of"),
            (12345, "must be a string"),
            ({"something": "value"}, "must be a string"),
        )
    ],
    (
        "XAPI-00057 definition extensions string",
        {"object.definition.extensions": "x"},
        "object.definition.extensions",
        "must be an object",
    ),
    (
        "component list not supported by the interactionType",
        {"object.definition.interactionType": "likert"},
        "object.definition.choices",
        "is not allowed for interactionType likert",
    ),
    (
        "interaction properties without interactionType",
        {"object.definition.interactionType": DELETE},
        "object.definition.correctResponsesPattern",
        "interactionType",
    ),
    (
        "scale without interactionType",
        {"object": {"id": ACTIVITY_ID, "definition": {"scale": components("1")}}},
        "object.definition.scale",
        "must only be used together with interactionType",
    ),
    (
        "correctResponsesPattern not an array",
        {"object.definition.correctResponsesPattern": "four"},
        "object.definition.correctResponsesPattern",
        "must be an array",
    ),
    (
        "correctResponsesPattern item",
        {"object.definition.correctResponsesPattern": ["four", 4]},
        "object.definition.correctResponsesPattern[1]",
        "must be a string",
    ),
    (
        "duplicate component ids",
        {"object.definition.choices[1].id": "three"},
        "object.definition.choices[1].id",
        "must be unique within choices",
    ),
    (
        "empty component id",
        {"object.definition.choices[0].id": ""},
        "object.definition.choices[0].id",
        "must not be empty",
    ),
    (
        "component without id",
        {"object.definition.choices[0].id": DELETE},
        "object.definition.choices[0].id",
        "is required",
    ),
    (
        "component id number",
        {"object.definition.choices[0].id": 3},
        "object.definition.choices[0].id",
        "must be a string",
    ),
    (
        "XAPI-00121 component description tag",
        {"object.definition.choices[0].description": {"s-something": "3"}},
        "object.definition.choices[0].description",
        "RFC 5646",
    ),
    (
        "components not an array",
        {"object.definition.choices": {"id": "a"}},
        "object.definition.choices",
        "must be an array",
    ),
    (
        "Agent object without objectType",
        {"object": dict(BOB)},
        "object.objectType",
        "is required when the object is an Agent or Group",
    ),
    (
        "Agent object with two IFIs",
        {"object": {"objectType": "Agent", **BOB, "mbox_sha1sum": SHA1}},
        "object",
        "found 2",
    ),
    (
        "Group object without members",
        {"object": {"objectType": "Group"}},
        "object",
        "anonymous Group",
    ),
    (
        "Activity with an IFI",
        {"object": {"objectType": "Activity", "id": ACTIVITY_ID, **BOB}},
        "object.mbox",
        "unknown property",
    ),
    (
        "XAPI-00072 StatementRef without id",
        {"object": {"objectType": "StatementRef"}},
        "object.id",
        "is required",
    ),
    (
        "XAPI-00072 StatementRef id",
        {"object": {"objectType": "StatementRef", "id": "statementref"}},
        "object.id",
        "must be a UUID",
    ),
    (
        "XAPI-00073 StatementRef with a definition",
        {"object": {"objectType": "StatementRef", "id": STATEMENT_ID, "definition": {}}},
        "object.definition",
        "unknown property",
    ),
    *[
        (
            f"XAPI-{code} SubStatement with {key}",
            {"object": substatement(**{key: value})},
            f"object.{key}",
            "must not be used in a SubStatement",
        )
        for code, key, value in (
            ("00070", "id", STATEMENT_ID),
            ("00069", "stored", "2024-05-01T00:00:00Z"),
            ("00068", "version", "1.0.0"),
            ("00067", "authority", BOB),
        )
    ],
    (
        "XAPI-00066 SubStatement extra property",
        {"object": substatement(objectType="SubStatement", score=1)},
        "object.score",
        "unknown property",
    ),
    (
        "XAPI-00071 nested SubStatement",
        {"object": substatement(object=substatement())},
        "object.object.objectType",
        "a SubStatement must not contain a SubStatement",
    ),
    (
        "XAPI-00066 SubStatement without actor",
        {"object": {"objectType": "SubStatement", "verb": MINIMAL["verb"], "object": BOB}},
        "object.actor",
        "is required",
    ),
    (
        "XAPI-00066 SubStatement timestamp",
        {"object": substatement(timestamp="should fail")},
        "object.timestamp",
        "ISO 8601",
    ),
    (
        "XAPI-00066 SubStatement verb display",
        {"object": substatement(verb={"id": "http://x.com/v", "display": {"s-something": "v"}})},
        "object.verb.display",
        "RFC 5646",
    ),
    (
        "XAPI-00066 SubStatement result",
        {"object": substatement(result={"duration": "PA1H0M0S"})},
        "object.result.duration",
        "ISO 8601 duration",
    ),
    (
        "XAPI-00066 SubStatement context revision with an Agent object",
        {"object": substatement(object=BOB | {"objectType": "Agent"}, context={"revision": "1"})},
        "object.context.revision",
        "only be used when the statement's object is an Activity",
    ),
    (
        "XAPI-00017 voiding statement with an Activity object",
        {"verb.id": "http://adlnet.gov/expapi/verbs/voided"},
        "object",
        "a voiding Statement's object must be a StatementRef",
    ),
    # --- 2.4.5 Result
    ("XAPI-00074 success string", {"result.success": "true"}, "result.success", "a boolean"),
    ("XAPI-00075 completion", {"result.completion": 1}, "result.completion", "a boolean"),
    ("XAPI-00076 response number", {"result.response": 4}, "result.response", "a string"),
    ("XAPI-00078 extensions", {"result.extensions": "x"}, "result.extensions", "an object"),
    ("result not an object", {"result": []}, "result", "must be an object"),
    *[
        (f"XAPI-00077 duration {value!r}", {"result.duration": value}, "result.duration", reason)
        for value, reason in (
            ("should fail", "ISO 8601 duration"),
            (12345, "must be a string"),
            ({"key": "invalid"}, "must be a string"),
            ("PA1H0M0S", "ISO 8601 duration"),
            ("P4W1D", "ISO 8601 duration"),
            ("1 hour", "ISO 8601 duration"),
            ("P", "ISO 8601 duration"),
            ("PT", "ISO 8601 duration"),
            ("P1DT", "ISO 8601 duration"),
            ("P16559.14S", "ISO 8601 duration"),
            ("PT1.5H30M", "ISO 8601 duration"),
            ("PT1.5S2", "ISO 8601 duration"),
            ("-PT1H", "ISO 8601 duration"),
            ("P0003-06-04T12:30:05", "ISO 8601 duration"),
            ("pt1h", "ISO 8601 duration"),
            ("PT1H\n", "ISO 8601 duration"),
        )
    ],
    ("XAPI-00079 score string", {"result.score": "5"}, "result.score", "must be an object"),
    ("XAPI-00083 scaled > 1", {"result.score.scaled": 1.5}, "result.score.scaled", "between -1"),
    ("XAPI-00083 scaled < -1", {"result.score.scaled": -1.01}, "result.score.scaled", "-1 and 1"),
    ("XAPI-00082 raw > max", {"result.score.raw": 11}, "result.score.raw", "between min and max"),
    ("XAPI-00082 raw < min", {"result.score.raw": -1}, "result.score.raw", "between min and max"),
    ("XAPI-00081 min > max", {"result.score.min": 11}, "result.score.min", "less than max"),
    ("XAPI-00081 min == max", {"result.score.min": 10}, "result.score.min", "less than max"),
    ("XAPI-00080 max string", {"result.score.max": "one hundred"}, "result.score.max", "number"),
    ("score null", {"result.score.scaled": None}, "result.score.scaled", "must not be null"),
    ("score infinite", {"result.score.raw": float("inf")}, "result.score.raw", "finite"),
    # --- 2.4.6 Context
    (
        "XAPI-00087-1 registration",
        {"context.registration": "wrong"},
        "context.registration",
        "UUID",
    ),
    ("XAPI-00087-1 registration num", {"context.registration": 1}, "context.registration", "str"),
    (
        "XAPI-00087-2 instructor without IFI",
        {"context.instructor": {"name": "Ian"}},
        "context.instructor",
        "found 0",
    ),
    (
        "XAPI-00087-2 instructor objectType",
        {"context.instructor": {"objectType": "Activity", "id": ACTIVITY_ID}},
        "context.instructor.objectType",
        "must be Agent or Group",
    ),
    ("XAPI-00088 team Agent", {"context.team": BOB}, "context.team.objectType", "must be a Group"),
    (
        "XAPI-00088 team member Group",
        {"context.team.member": [{"objectType": "Group", "member": [BOB]}]},
        "context.team.member[0]",
        "not a Group",
    ),
    (
        "XAPI-00086 contextActivities",
        {"context.contextActivities": "x"},
        "context.contextActivities",
        "must be an object",
    ),
    ("context not an object", {"context": "x"}, "context", "must be an object"),
    ("XAPI-00089 revision number", {"context.revision": 5}, "context.revision", "a string"),
    ("XAPI-00090 platform number", {"context.platform": 5}, "context.platform", "a string"),
    (
        "XAPI-00084 revision with an Agent object",
        {"object": {"objectType": "Agent", **BOB}},
        "context.revision",
        "must only be used when the statement's object is an Activity",
    ),
    (
        "XAPI-00085 platform with a StatementRef object",
        {
            "object": {"objectType": "StatementRef", "id": STATEMENT_ID},
            "context.revision": DELETE,
        },
        "context.platform",
        "must only be used when the statement's object is an Activity",
    ),
    (
        "XAPI-00085 platform with a SubStatement object",
        {"object": substatement(), "context.revision": DELETE},
        "context.platform",
        "object is an Activity",
    ),
    ("XAPI-00091 language number", {"context.language": 5}, "context.language", "a string"),
    ("XAPI-00091 language tag", {"context.language": "a12345"}, "context.language", "RFC 5646"),
    (
        "XAPI-00092 statement not a StatementRef",
        {"context.statement.objectType": "Activity"},
        "context.statement.objectType",
        "must be StatementRef",
    ),
    (
        "XAPI-00092 statement without objectType",
        {"context.statement.objectType": DELETE},
        "context.statement.objectType",
        "must be StatementRef",
    ),
    (
        "XAPI-00092 statement id",
        {"context.statement.id": "AA97B177-9383-4934-8543-0F91A7A028368"},
        "context.statement.id",
        "must be a UUID",
    ),
    (
        "XAPI-00093 contextActivities key",
        {"context.contextActivities.consequences": [{"id": ACTIVITY_ID}]},
        "context.contextActivities.consequences",
        "unknown property",
    ),
    (
        "XAPI-00094 contextActivities value string",
        {"context.contextActivities.parent": "http://example.com/quiz"},
        "context.contextActivities.parent",
        "must be an Activity or an array of Activities",
    ),
    (
        "XAPI-00094 contextActivities value Agent",
        {"context.contextActivities.grouping[0]": {"objectType": "Agent", **BOB}},
        "context.contextActivities.grouping[0].objectType",
        "must be Activity",
    ),
    (
        "XAPI-00094 contextActivities Activity without id",
        {"context.contextActivities.category[0].id": DELETE},
        "context.contextActivities.category[0].id",
        "is required",
    ),
    (
        "XAPI-00094 contextActivities Activity definition",
        {"context.contextActivities.category[0].definition.type": "profile"},
        "context.contextActivities.category[0].definition.type",
        "must be an IRI",
    ),
    (
        "XAPI-00094 contextActivities null item",
        {"context.contextActivities.other[0]": None},
        "context.contextActivities.other[0]",
        "must not be null",
    ),
    # --- 2.4.7 Timestamp, 2.4.8 Stored (XAPI-00022, XAPI-00123)
    *[
        (f"XAPI-00123 timestamp {value!r}", {"timestamp": value}, "timestamp", reason)
        for value, reason in (
            ("should fail", "must be an ISO 8601 date and time"),
            ("01/011/2015", "ISO 8601"),
            ("2008-09-15T15:53:00.601-00", "must not use the -00:00 offset"),
            ("2008-09-15T15:53:00.601-0000", "must not use the -00:00 offset"),
            ("2008-09-15T15:53:00.601-00:00", "must not use the -00:00 offset"),
            ("2024-05-01", "ISO 8601"),
            ("2024-13-01T12:30:00Z", "ISO 8601"),
            ("2023-02-29T12:30:00Z", "ISO 8601"),
            ("2024-05-01T24:00:00Z", "ISO 8601"),
            ("2024-05-01T12:30:00+25:00", "ISO 8601"),
            ("2024-05-01 12:30:00Z", "ISO 8601"),
            ("2024-05-01T12:30:00Z\n", "ISO 8601"),
            ("", "ISO 8601"),
            (1714566600, "must be a string"),
        )
    ],
    ("XAPI-00022 stored", {"stored": "yesterday"}, "stored", "ISO 8601"),
    # --- 2.4.9 Authority (XAPI-00024, XAPI-00098)
    ("XAPI-00024 authority string", {"authority": "me"}, "authority", "must be an object"),
    (
        "XAPI-00024 authority Activity",
        {"authority": {"objectType": "Activity", "id": ACTIVITY_ID}},
        "authority.objectType",
        "must be Agent",
    ),
    (
        "XAPI-00098 authority Group of one",
        {"authority": {"objectType": "Group", "member": [BOB]}},
        "authority.member",
        "exactly two members",
    ),
    (
        "XAPI-00098 authority Group of three",
        {"authority": {"objectType": "Group", "member": [OAUTH_APP, BOB, ANN]}},
        "authority.member",
        "exactly two members",
    ),
    (
        "XAPI-00098 authority identified Group",
        {"authority": {"objectType": "Group", "openid": "http://g.example.com"}},
        "authority",
        "an authority Group must be an anonymous Group of two Agents",
    ),
    (
        "XAPI-00098 authority anonymous Group without members",
        {"authority": {"objectType": "Group"}},
        "authority",
        "anonymous Group",
    ),
    # --- 2.4.10 Version (XAPI-00101)
    *[
        (f"XAPI-00101 version {value!r}", {"version": value}, "version", reason)
        for value, reason in (
            ("should fail", "must be 1.0 or 1.0.x"),
            ("0.9.9", "must be 1.0 or 1.0.x"),
            ("1.1.0", "must be 1.0 or 1.0.x"),
            ("2.0.0", "must be 1.0 or 1.0.x"),
            ("1.0.", "must be 1.0 or 1.0.x"),
            (1.0, "must be a string"),
        )
    ],
    # --- 2.4.11 Attachments (XAPI-00025, XAPI-00102 to XAPI-00107)
    ("XAPI-00025 attachments object", {"attachments": {}}, "attachments", "must be an array"),
    ("XAPI-00025 attachment string", {"attachments": ["x"]}, "attachments[0]", "an object"),
    *[
        (
            f"XAPI-00025 attachment without {key}",
            {f"attachments[0].{key}": DELETE},
            f"attachments[0].{key}",
            "is required",
        )
        for key in ("usageType", "display", "contentType", "length", "sha2")
    ],
    ("XAPI-00107 usageType", {"attachments[0].usageType": 1}, "attachments[0].usageType", "str"),
    (
        "XAPI-00106 display",
        {"attachments[0].display": {"en-US": "x", "something": "y"}},
        "attachments[0].display",
        "RFC 5646",
    ),
    (
        "XAPI-00106 description",
        {"attachments[0].description": "x"},
        "attachments[0].description",
        "a language map",
    ),
    (
        "XAPI-00105 contentType number",
        {"attachments[0].contentType": 12345},
        "attachments[0].contentType",
        "must be a string",
    ),
    (
        "XAPI-00105 contentType",
        {"attachments[0].contentType": "should fail"},
        "attachments[0].contentType",
        "Internet Media Type",
    ),
    ("XAPI-00102 length string", {"attachments[0].length": "27"}, "attachments[0].length", "int"),
    ("XAPI-00102 length negative", {"attachments[0].length": -1}, "attachments[0].length", "neg"),
    ("XAPI-00102 length bool", {"attachments[0].length": True}, "attachments[0].length", "int"),
    ("XAPI-00103 sha2 number", {"attachments[0].sha2": 1}, "attachments[0].sha2", "a string"),
    ("XAPI-00103 sha2 not hex", {"attachments[0].sha2": "z" * 64}, "attachments[0].sha2", "SHA-2"),
    ("XAPI-00103 sha2 length", {"attachments[0].sha2": SHA1}, "attachments[0].sha2", "SHA-2"),
    (
        "XAPI-00104 fileUrl",
        {"attachments[0].fileUrl": "should fail"},
        "attachments[0].fileUrl",
        "must be an IRI",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [pytest.param(changes, field, reason, id=name) for name, changes, field, reason in INVALID],
)
def test_invalid_statements_are_rejected(changes: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(changed(FULL, changes))
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_every_invalid_case_is_valid_without_its_change() -> None:
    """The invalid table only proves something if the statement it changes is valid."""
    validate_statement(FULL)
    assert len({name for name, *_ in INVALID}) == len(INVALID)


def test_fields_carry_the_callers_prefix() -> None:
    statement = changed(FULL, {"context.contextActivities.parent[0].id": "not an iri"})
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(statement, path="statements[3]")
    assert caught.value.field == "statements[3].context.contextActivities.parent[0].id"
    assert caught.value.to_dict() == {
        "error": "invalid_statement",
        "message": "statements[3].context.contextActivities.parent[0].id: must be an IRI",
        "field": "statements[3].context.contextActivities.parent[0].id",
        "reason": "must be an IRI",
    }


@pytest.mark.parametrize(("path", "field"), [("", None), ("statements[0]", "statements[0]")])
def test_a_statement_must_be_an_object(path: str, field: str | None) -> None:
    """XAPI-00014: each statement is a JSON object."""
    with pytest.raises(InvalidStatement) as caught:
        validate_statement([MINIMAL], path=path)
    assert caught.value.field == field
    assert caught.value.reason == "must be a Statement (an object)"


def test_the_first_violation_is_reported() -> None:
    statement = changed(FULL, {"actor.mbox": "nope", "verb.id": "nope"})
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(statement)
    assert caught.value.field == "actor.mbox"


def test_validation_does_not_change_the_statement() -> None:
    statement = copy.deepcopy(FULL)
    validate_statement(statement)
    assert statement == FULL


def test_xapi_2_0_accepts_2_0_statement_versions() -> None:
    """2.0 requests accept "version": "2.0.x" (and 1.0.x); 1.0.3 requests do not."""
    validate_statement(minimal(version="2.0.0"), version="2.0.0")
    validate_statement(minimal(version="1.0.3"), version="2.0.0")
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(minimal(version="2.1.0"), version="2.0.0")
    assert caught.value.field == "version"
    assert caught.value.reason == "must be 1.0, 1.0.x or 2.0.x"
    with pytest.raises(InvalidStatement):
        validate_statement(minimal(version="2.0.0"), version="1.0.3")


def test_an_unsupported_xapi_version_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported xAPI version"):
        validate_statement(MINIMAL, version="0.95")


# --- The `agent` query parameter: an Agent or Group, validated as in statements (XAPI-00012)


@pytest.mark.parametrize(
    "agent",
    [
        ANN,
        BOB,
        OAUTH_APP,
        {"objectType": "Group", "mbox": "mailto:team@example.com"},
        {"objectType": "Group", "member": [BOB]},
    ],
)
def test_valid_agents_pass(agent: dict[str, Any]) -> None:
    validate_agent(agent, path="agent")


@pytest.mark.parametrize(
    ("agent", "field", "reason"),
    [
        ("wrong", "agent", "must be an object"),
        ({}, "agent", "found 0"),
        ({"mbox": "bob@example.com"}, "agent.mbox", "mailto"),
        ({"objectType": "Person", **BOB}, "agent.objectType", "must be Agent or Group"),
        ({"objectType": "Group"}, "agent", "anonymous Group"),
        ({**BOB, "extra": 1}, "agent.extra", "unknown property"),
        ({"account": {"homePage": "http://x.com"}}, "agent.account.name", "is required"),
    ],
)
def test_invalid_agents_are_rejected(agent: object, field: str, reason: str) -> None:
    with pytest.raises(InvalidStatement) as caught:
        validate_agent(agent, path="agent")
    assert caught.value.field == field
    assert reason in caught.value.reason


# --- Language maps and tags (Part Two 4.2, RFC 5646; XAPI-00121)

VALID_TAGS = [
    "en",
    "en-US",
    "EN-us",
    "es-419",
    "zh-Hant-TW",
    "zh-yue-HK",
    "und",
    "de-CH-1996",
    "sl-rozaj-biske",
    "en-a-bbb-x-a-ccc",
    "x-whatever",
    "qaa-Qaaa-QM-x-southern",
    "i-klingon",
    "sgn-BE-FR",
    "art-lojban",
    "en-GB-oed",
]
INVALID_TAGS = [
    "",
    "e",
    "english language",
    "123",
    "a12345",
    "something",
    "en_US",
    "en-",
    "-en",
    "en--US",
    "en-US-",
    "en-x",
    "en-a",
    "de-419-DE",
    "abcdefghi",
    "en-US\n",
]


@pytest.mark.parametrize("tag", VALID_TAGS)
def test_valid_language_tags(tag: str) -> None:
    assert is_valid_language_tag(tag)
    validate_language_map({tag: "text"}, path="verb.display")


@pytest.mark.parametrize("tag", INVALID_TAGS)
def test_invalid_language_tags(tag: str) -> None:
    assert not is_valid_language_tag(tag)
    with pytest.raises(InvalidStatement) as caught:
        validate_language_map({"en": "ok", tag: "text"}, path="verb.display")
    assert caught.value.field == "verb.display"
    assert "must be an RFC 5646 language tag" in caught.value.reason


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (None, "object.definition.name", "must not be null"),
        ([], "object.definition.name", "must be a language map"),
        ({"en": None}, "object.definition.name.en", "must not be null"),
        ({"en": ["a"]}, "object.definition.name.en", "must be a string"),
        ({"x" * 60: "a"}, "object.definition.name", "key 'xxxxxxxxxx"),
    ],
)
def test_invalid_language_maps(value: object, field: str, reason: str) -> None:
    with pytest.raises(InvalidStatement) as caught:
        validate_language_map(value, path="object.definition.name")
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert len(caught.value.reason) < 100


# --- IRIs (Part Two 4.3; XAPI-00011)


@pytest.mark.parametrize(
    "iri",
    [
        "http://example.com",
        "https://example.com/path?query=1#fragment",
        "http://例え.テスト/パス",
        "http://example.com/فعل/خواندن",
        "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "mailto:ann@example.com",
        "tag:example.com,2024:verbs/read",
        "http://[2001:db8::1]:8080/x",
        "http://example.com/a%20b",
        "ftp://files.example.com/x",
        "x-custom+scheme.v1:thing",
    ],
)
def test_valid_iris(iri: str) -> None:
    assert is_valid_iri(iri)


@pytest.mark.parametrize(
    "iri",
    [
        "",
        "not an iri",
        "www.example.com/x",
        "adlnet.gov/expapi/verbs/answered",
        "/relative/path",
        "#fragment",
        "ab=c://should.fail.com",
        "1http://example.com",
        "http:",
        "http://",
        "http:///path",
        "http://example.com/a b",
        "http://example.com/\n",
        "http://example.com/<tag>",
        'http://example.com/"quoted"',
        "http://example.com/a%2",
        "http://example.com/a%zz",
        "http://example.com/\\path",
    ],
)
def test_invalid_iris(iri: str) -> None:
    assert not is_valid_iri(iri)


# --- Timestamps (Part Two 4.5; XAPI-00123)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00.123Z", datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=UTC)),
        ("2024-05-01T14:30:00+02:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T07:00:00-05:30", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00.1234567891Z", datetime(2024, 5, 1, 12, 30, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T12:30Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T13:30:00+0100", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T13:30:00+01", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("20240501T123000.5Z", datetime(2024, 5, 1, 12, 30, 0, 500000, tzinfo=UTC)),
        ("2024-05-01t12:30:00z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T00:30:00+01:00", datetime(2024, 4, 30, 23, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00+00:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_returns_aware_utc(value: str, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01",
        "2024-05-01T12:30:00-00:00",
        "2024-05-01T12:30:00+24:00",
        "2024-05-01T12:30:00+01:60",
        "0001-01-01T00:00:00+01:00",
        "0000-01-01T00:00:00Z",
        "2024-W18-3T12:30:00Z",
        "2024-122T12:30:00Z",
        "2024-05-01T12:30:00.Z",
        "2024-05-01T12:30:60Z",
        "2024-05-01T12Z",
        "2023-02-29T12:30Z",
        "0001-01-01T00:00+01:00",
        "2024-05-01T12:30:00+2400",
    ],
)
def test_parse_timestamp_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)


# --- Durations (Part Two 4.6; XAPI-00124)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("PT1H30M", True),
        ("P1D", True),
        ("PT0.5S", True),
        ("P3W", True),
        ("P1Y2M3DT4H5M6.789S", True),
        ("PT36H", True),
        ("P0D", True),
        ("1 hour", False),
        ("P", False),
        ("PT", False),
        ("P1W2D", False),
        ("P1H", False),
        ("PT1D", False),
        ("P1.5Y2M", False),
        ("P1M1Y", False),
        ("PT.5S", False),
        ("PT5.S", False),
    ],
)
def test_durations(value: str, valid: bool) -> None:
    assert is_valid_duration(value) is valid


def test_timestamp_without_time_zone_is_read_as_utc() -> None:
    """Data 4.5.s1.b4 says SHOULD* include a time zone: accepted, and read as UTC."""
    assert parse_timestamp("2024-05-01T12:30:00.123") == datetime(
        2024, 5, 1, 12, 30, 0, 123000, tzinfo=UTC
    )
