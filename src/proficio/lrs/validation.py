"""Statement validation: every rule of xAPI 1.0.3 Part Two 2.2, 2.4 and 4 that a conformant LRS
must enforce on the statements it receives.

`validate_statement` walks the output of `orjson.loads` once, with hand-written checks and
precompiled regular expressions, and raises `InvalidStatement` on the first violation, naming
its property path (``statements[3].context.contextActivities.parent[0].id``) and the rule.
It runs per statement on the ingest path, so it builds nothing it does not need to.

Agents and Groups live in `validation_agents`, Activities in `validation_activities`, the
string formats in `validation_formats` and the shared checks in `validation_common`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import isfinite
from typing import Any, Final

from proficio.lrs.validation_activities import validate_activity
from proficio.lrs.validation_agents import (
    IFI_KEYS,
    check_agent,
    check_group,
    validate_agent,
    validate_authority,
    validate_team,
)
from proficio.lrs.validation_common import (
    MISSING,
    as_array,
    as_object,
    as_string,
    check_boolean,
    check_extensions,
    check_iri,
    check_language_map,
    check_string,
    check_uuid,
    child,
    fail,
    reject_unknown,
    validate_language_map,
    wrong_type,
)
from proficio.lrs.validation_formats import (
    VERSION_1_0_RE,
    VERSION_2_0_RE,
    is_valid_duration,
    is_valid_iri,
    is_valid_language_tag,
    is_valid_media_type,
    is_valid_sha2,
    parse_timestamp,
)

__all__ = [
    "is_valid_iri",
    "parse_timestamp",
    "validate_agent",
    "validate_language_map",
    "validate_statement",
]

VOIDED_VERB: Final = "http://adlnet.gov/expapi/verbs/voided"

_CORE_KEYS: Final = frozenset(
    {"actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
# A SubStatement is a Statement without these (Part Two 2.4.4.3.s8.b3, XAPI-00067 to 00070).
_NOT_IN_SUBSTATEMENT: Final = ("id", "stored", "version", "authority")
# Properties only an Agent or Group has: an object with them but no objectType is a mistake.
_AGENT_OR_GROUP_KEYS: Final = IFI_KEYS | {"member"}
_VERB_KEYS: Final = frozenset({"id", "display"})
_STATEMENT_REF_KEYS: Final = frozenset({"objectType", "id"})
_RESULT_KEYS: Final = frozenset(
    {"score", "success", "completion", "response", "duration", "extensions"}
)
_SCORE_KEYS: Final = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_ACTIVITIES_KEYS: Final = frozenset({"parent", "grouping", "category", "other"})
_ATTACHMENT_KEYS: Final = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)
_CONTEXT_AGENT_KEYS: Final = frozenset({"objectType", "agent", "relevantTypes"})
_CONTEXT_GROUP_KEYS: Final = frozenset({"objectType", "group", "relevantTypes"})
_ATTACHMENT_REQUIRED: Final = ("usageType", "display", "contentType", "length", "sha2")


@dataclass(frozen=True, slots=True)
class _Profile:
    """The statement rules of one xAPI version, chosen by the version the request speaks.

    xAPI 2.0 (IEEE 9274.1.1) changes the data model in small ways: the "version" property
    may be 2.0.x, and context gains contextAgents and contextGroups.
    """

    statement_version: re.Pattern[str]
    statement_keys: frozenset[str]
    substatement_keys: frozenset[str]
    context_keys: frozenset[str]
    version_hint: str


_CONTEXT_KEYS_1_0: Final = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
_PROFILE_1_0: Final = _Profile(
    statement_version=VERSION_1_0_RE,
    statement_keys=_CORE_KEYS | set(_NOT_IN_SUBSTATEMENT),
    substatement_keys=_CORE_KEYS | {"objectType"},
    context_keys=_CONTEXT_KEYS_1_0,
    version_hint="1.0 or 1.0.x",
)
_PROFILE_2_0: Final = _Profile(
    statement_version=VERSION_2_0_RE,
    statement_keys=_PROFILE_1_0.statement_keys,
    substatement_keys=_PROFILE_1_0.substatement_keys,
    context_keys=_CONTEXT_KEYS_1_0 | {"contextAgents", "contextGroups"},
    version_hint="1.0, 1.0.x or 2.0.x",
)
_PROFILES: Final = {"1.0": _PROFILE_1_0, "2.0": _PROFILE_2_0}


def validate_statement(statement: object, *, path: str = "", version: str = "1.0.3") -> None:
    """Validate one statement as received; raise `InvalidStatement` on the first violation.

    `path` prefixes every reported field ("statements[3]"); `version` is the xAPI version of
    the request (the X-Experience-API-Version header), which selects the rules.
    """
    profile = _PROFILES.get(version[:3])
    if profile is None:
        raise ValueError(f"unsupported xAPI version {version!r}")
    if type(statement) is not dict:
        wrong_type(statement, "a Statement (an object)", path)
    if not statement.keys() <= profile.statement_keys:
        reject_unknown(statement, profile.statement_keys, path)
    value = statement.get("id", MISSING)
    if value is not MISSING:
        check_uuid(value, path, "id")
    verb_id, object_type = _check_core(statement, path, profile, nested=False)
    if verb_id == VOIDED_VERB and object_type != "StatementRef":
        fail("a voiding Statement's object must be a StatementRef", child(path, "object"))
    value = statement.get("stored", MISSING)
    if value is not MISSING:
        _check_timestamp(value, path, "stored")
    value = statement.get("authority", MISSING)
    if value is not MISSING:
        validate_authority(value, child(path, "authority"))
    value = statement.get("version", MISSING)
    if (
        value is not MISSING
        and profile.statement_version.fullmatch(as_string(value, path, "version")) is None
    ):
        fail(f"must be {profile.version_hint}", child(path, "version"))


def _check_core(
    stmt: dict[str, Any], path: str, profile: _Profile, *, nested: bool
) -> tuple[object, str]:
    """What a Statement and a SubStatement share; returns the verb id and the objectType."""
    prefix = f"{path}." if path else ""
    actor = stmt.get("actor", MISSING)
    if actor is MISSING:
        fail("is required", prefix + "actor")
    validate_agent(actor, path=prefix + "actor")
    verb = stmt.get("verb", MISSING)
    if verb is MISSING:
        fail("is required", prefix + "verb")
    verb_id = _check_verb(verb, prefix + "verb")
    obj = stmt.get("object", MISSING)
    if obj is MISSING:
        fail("is required", prefix + "object")
    object_type = _check_object(obj, prefix + "object", profile, nested=nested)
    value = stmt.get("result", MISSING)
    if value is not MISSING:
        _check_result(value, prefix + "result")
    value = stmt.get("context", MISSING)
    if value is not MISSING:
        _check_context(value, prefix + "context", profile, object_type)
    value = stmt.get("timestamp", MISSING)
    if value is not MISSING:
        _check_timestamp(value, path, "timestamp")
    value = stmt.get("attachments", MISSING)
    if value is not MISSING:
        _check_attachments(value, prefix + "attachments")
    return verb_id, object_type


def _check_verb(value: object, path: str) -> object:
    """Verb: an IRI id and an optional display Language Map (2.4.3, XAPI-00044, XAPI-00045)."""
    if type(value) is not dict:
        wrong_type(value, "an object", path)
    if not value.keys() <= _VERB_KEYS:
        reject_unknown(value, _VERB_KEYS, path)
    verb_id = value.get("id", MISSING)
    if verb_id is MISSING:
        fail("is required", f"{path}.id")
    check_iri(verb_id, path, "id")
    display = value.get("display", MISSING)
    if display is not MISSING:
        check_language_map(display, path, "display")
    return verb_id


def _check_object(value: object, path: str, profile: _Profile, *, nested: bool) -> str:
    """The object of a Statement: Activity (the default), Agent, Group, StatementRef or
    SubStatement (Part Two 2.4.4, XAPI-00046). Returns its objectType."""
    if type(value) is not dict:
        wrong_type(value, "an object", path)
    object_type = value.get("objectType", MISSING)
    if object_type is MISSING or object_type == "Activity":
        if object_type is MISSING and not _AGENT_OR_GROUP_KEYS.isdisjoint(value):
            # An Agent or Group as object must say so (2.4.4.2.s1.b1).
            fail("is required when the object is an Agent or Group", f"{path}.objectType")
        validate_activity(value, path)
        return "Activity"
    if object_type == "Agent":
        check_agent(value, path)
    elif object_type == "Group":
        check_group(value, path)
    elif object_type == "StatementRef":
        _check_statement_ref(value, path)
    elif object_type == "SubStatement":
        if nested:
            fail("a SubStatement must not contain a SubStatement", f"{path}.objectType")
        _check_substatement(value, path, profile)
    else:
        if type(object_type) is not str:
            wrong_type(object_type, "a string", f"{path}.objectType")
        fail("must be Activity, Agent, Group, StatementRef or SubStatement", f"{path}.objectType")
    return str(object_type)


def _check_statement_ref(value: object, path: str) -> None:
    """A Statement Reference: objectType "StatementRef" and a UUID id (2.4.4.3, XAPI-00072)."""
    ref = as_object(value, path)
    if ref.get("objectType") != "StatementRef":
        fail("must be StatementRef", f"{path}.objectType")
    if not ref.keys() <= _STATEMENT_REF_KEYS:
        reject_unknown(ref, _STATEMENT_REF_KEYS, path)
    statement_id = ref.get("id", MISSING)
    if statement_id is MISSING:
        fail("is required", f"{path}.id")
    check_uuid(statement_id, path, "id")


def _check_substatement(obj: dict[str, Any], path: str, profile: _Profile) -> None:
    """A SubStatement is validated as a Statement, minus id, stored, version and authority."""
    for key in _NOT_IN_SUBSTATEMENT:
        if key in obj:
            fail("must not be used in a SubStatement", f"{path}.{key}")
    if not obj.keys() <= profile.substatement_keys:
        reject_unknown(obj, profile.substatement_keys, path)
    _check_core(obj, path, profile, nested=True)


def _check_result(value: object, path: str) -> None:
    """Result (Part Two 2.4.5, XAPI-00074 to XAPI-00078)."""
    if type(value) is not dict:
        wrong_type(value, "an object", path)
    if not value.keys() <= _RESULT_KEYS:
        reject_unknown(value, _RESULT_KEYS, path)
    prop = value.get("score", MISSING)
    if prop is not MISSING:
        _check_score(prop, f"{path}.score")
    prop = value.get("success", MISSING)
    if prop is not MISSING:
        check_boolean(prop, path, "success")
    prop = value.get("completion", MISSING)
    if prop is not MISSING:
        check_boolean(prop, path, "completion")
    prop = value.get("response", MISSING)
    if prop is not MISSING:
        check_string(prop, path, "response")
    prop = value.get("duration", MISSING)
    if prop is not MISSING:
        if type(prop) is not str:
            wrong_type(prop, "a string (an ISO 8601 duration)", f"{path}.duration")
        if not is_valid_duration(prop):
            fail("must be an ISO 8601 duration such as PT1H30M", f"{path}.duration")
    prop = value.get("extensions", MISSING)
    if prop is not MISSING:
        check_extensions(prop, path, "extensions")


def _check_score(value: object, path: str) -> None:
    """Score (Part Two 2.4.5.1, XAPI-00079 to XAPI-00083)."""
    score = as_object(value, path)
    if not score.keys() <= _SCORE_KEYS:
        reject_unknown(score, _SCORE_KEYS, path)
    for key, number in score.items():
        number_type = type(number)
        if number_type is not float and number_type is not int:
            wrong_type(number, "a number", f"{path}.{key}")
        if number_type is float and not isfinite(number):
            fail("must be a finite number", f"{path}.{key}")
    scaled = score.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        fail("scaled must be between -1 and 1", f"{path}.scaled")
    raw, low, high = score.get("raw"), score.get("min"), score.get("max")
    if low is not None and high is not None and not low < high:
        fail("min must be less than max", f"{path}.min")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        fail("raw must be between min and max", f"{path}.raw")


def _check_context(value: object, path: str, profile: _Profile, object_type: str) -> None:
    """Context (Part Two 2.4.6, XAPI-00084 to XAPI-00094)."""
    if type(value) is not dict:
        wrong_type(value, "an object", path)
    if not value.keys() <= profile.context_keys:
        reject_unknown(value, profile.context_keys, path)
    prop = value.get("registration", MISSING)
    if prop is not MISSING:
        check_uuid(prop, path, "registration")
    prop = value.get("instructor", MISSING)
    if prop is not MISSING:
        validate_agent(prop, path=f"{path}.instructor")
    prop = value.get("team", MISSING)
    if prop is not MISSING:
        validate_team(prop, f"{path}.team")
    prop = value.get("contextActivities", MISSING)
    if prop is not MISSING:
        _check_context_activities(prop, f"{path}.contextActivities")
    prop = value.get("contextAgents", MISSING)
    if prop is not MISSING:
        _check_context_agents(prop, f"{path}.contextAgents", group=False)
    prop = value.get("contextGroups", MISSING)
    if prop is not MISSING:
        _check_context_agents(prop, f"{path}.contextGroups", group=True)
    prop = value.get("revision", MISSING)
    if prop is not MISSING:
        _check_activity_only(prop, path, "revision", object_type)
    prop = value.get("platform", MISSING)
    if prop is not MISSING:
        _check_activity_only(prop, path, "platform", object_type)
    prop = value.get("language", MISSING)
    if prop is not MISSING and not is_valid_language_tag(as_string(prop, path, "language")):
        fail("must be an RFC 5646 language tag", f"{path}.language")
    prop = value.get("statement", MISSING)
    if prop is not MISSING:
        _check_statement_ref(prop, f"{path}.statement")
    prop = value.get("extensions", MISSING)
    if prop is not MISSING:
        check_extensions(prop, path, "extensions")


def _check_context_agents(value: object, path: str, *, group: bool) -> None:
    """xAPI 2.0 contextAgents / contextGroups (9274.1.1 2.4.6.3, 2.4.6.4): arrays of
    {"objectType": "contextAgent", "agent": Agent} or {"objectType": "contextGroup",
    "group": Group}, each with optional relevantTypes, a non-empty array of IRIs."""
    kind, member, keys = (
        ("contextGroup", "group", _CONTEXT_GROUP_KEYS)
        if group
        else ("contextAgent", "agent", _CONTEXT_AGENT_KEYS)
    )
    for index, item in enumerate(as_array(value, path)):
        item_path = f"{path}[{index}]"
        entry = as_object(item, item_path)
        if not entry.keys() <= keys:
            reject_unknown(entry, keys, item_path)
        if entry.get("objectType", MISSING) != kind:
            fail(f"must be {kind}", f"{item_path}.objectType")
        who = entry.get(member, MISSING)
        if who is MISSING:
            fail("is required", f"{item_path}.{member}")
        if group:
            if type(who) is not dict or who.get("objectType") != "Group":
                fail("must be a Group", f"{item_path}.group")
            check_group(who, f"{item_path}.group")
        else:
            check_agent(as_object(who, f"{item_path}.agent"), f"{item_path}.agent")
        types = entry.get("relevantTypes", MISSING)
        if types is not MISSING:
            if not as_array(types, f"{item_path}.relevantTypes"):
                fail("must not be empty", f"{item_path}.relevantTypes")
            for position, iri in enumerate(types):
                check_iri(iri, item_path, f"relevantTypes[{position}]")


def _check_activity_only(value: object, path: str, key: str, object_type: str) -> None:
    """revision and platform: strings, used only when the object is an Activity (2.4.6.s4)."""
    check_string(value, path, key)
    if object_type != "Activity":
        fail("must only be used when the statement's object is an Activity", f"{path}.{key}")


def _check_context_activities(value: object, path: str) -> None:
    """Each of parent, grouping, category and other: an Activity or an array of Activities."""
    context_activities = as_object(value, path)
    if not context_activities.keys() <= _CONTEXT_ACTIVITIES_KEYS:
        reject_unknown(context_activities, _CONTEXT_ACTIVITIES_KEYS, path)
    for key, activities in context_activities.items():
        if type(activities) is list:
            for index, activity in enumerate(activities):
                validate_activity(activity, f"{path}.{key}[{index}]")
        elif type(activities) is dict:
            validate_activity(activities, f"{path}.{key}")
        else:
            wrong_type(activities, "an Activity or an array of Activities", f"{path}.{key}")


def _check_timestamp(value: object, path: str, key: str) -> None:
    if type(value) is not str:
        wrong_type(value, "a string (an ISO 8601 timestamp)", child(path, key))
    try:
        parse_timestamp(value)
    except ValueError as error:
        fail(str(error), child(path, key))


def _check_attachments(value: object, path: str) -> None:
    """Attachments (Part Two 2.4.11, XAPI-00025 and XAPI-00102 to XAPI-00107)."""
    for index, item in enumerate(as_array(value, path)):
        item_path = f"{path}[{index}]"
        attachment = as_object(item, item_path)
        if not attachment.keys() <= _ATTACHMENT_KEYS:
            reject_unknown(attachment, _ATTACHMENT_KEYS, item_path)
        for key in _ATTACHMENT_REQUIRED:
            if key not in attachment:
                fail("is required", f"{item_path}.{key}")
        check_iri(attachment["usageType"], item_path, "usageType")
        check_language_map(attachment["display"], item_path, "display")
        prop = attachment.get("description", MISSING)
        if prop is not MISSING:
            check_language_map(prop, item_path, "description")
        if not is_valid_media_type(as_string(attachment["contentType"], item_path, "contentType")):
            fail("must be an Internet Media Type such as text/plain", f"{item_path}.contentType")
        length = attachment["length"]
        if type(length) is not int:
            wrong_type(length, "an integer", f"{item_path}.length")
        if length < 0:
            fail("must not be negative", f"{item_path}.length")
        if not is_valid_sha2(as_string(attachment["sha2"], item_path, "sha2")):
            fail("must be a hex-encoded SHA-2 hash", f"{item_path}.sha2")
        prop = attachment.get("fileUrl", MISSING)
        if prop is not MISSING:
            check_iri(prop, item_path, "fileUrl")
