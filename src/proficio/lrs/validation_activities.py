"""Validation of Activities and Activity Definitions, interaction activities included
(xAPI 1.0.3 Part Two 2.4.4.1).
"""

from __future__ import annotations

from typing import Any, Final

from proficio.lrs.validation_common import (
    MISSING,
    as_array,
    as_object,
    check_extensions,
    check_iri,
    check_language_map,
    check_string,
    child,
    fail,
    reject_unknown,
    wrong_type,
)

ACTIVITY_KEYS: Final = frozenset({"objectType", "id", "definition"})
_COMPONENT_LISTS: Final = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS: Final = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        *_COMPONENT_LISTS,
    }
)
_INTERACTION_KEYS: Final = frozenset({"correctResponsesPattern", *_COMPONENT_LISTS})
# The interaction component lists each interactionType supports (2.4.4.1.s15.table2).
_LISTS_BY_INTERACTION_TYPE: Final[dict[str, frozenset[str]]] = {
    "true-false": frozenset(),
    "choice": frozenset({"choices"}),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": frozenset(),
    "other": frozenset(),
}
_COMPONENT_KEYS: Final = frozenset({"id", "description"})


def validate_activity(value: object, path: str) -> None:
    """An Activity: objectType "Activity" if present, an IRI id, an optional definition."""
    if type(value) is not dict:
        wrong_type(value, "an Activity (an object)", path)
    object_type = value.get("objectType", MISSING)
    if object_type is not MISSING and object_type != "Activity":
        if type(object_type) is not str:
            wrong_type(object_type, "a string", child(path, "objectType"))
        fail("must be Activity", child(path, "objectType"))
    if not value.keys() <= ACTIVITY_KEYS:
        reject_unknown(value, ACTIVITY_KEYS, path)
    activity_id = value.get("id", MISSING)
    if activity_id is MISSING:
        fail("is required", child(path, "id"))
    check_iri(activity_id, path, "id")
    definition = value.get("definition", MISSING)
    if definition is not MISSING:
        _check_definition(definition, f"{path}.definition")


def _check_definition(value: object, path: str) -> None:
    definition = as_object(value, path)
    if not definition.keys() <= _DEFINITION_KEYS:
        reject_unknown(definition, _DEFINITION_KEYS, path)
    prop = definition.get("name", MISSING)
    if prop is not MISSING:
        check_language_map(prop, path, "name")
    prop = definition.get("description", MISSING)
    if prop is not MISSING:
        check_language_map(prop, path, "description")
    prop = definition.get("type", MISSING)
    if prop is not MISSING:
        check_iri(prop, path, "type")
    prop = definition.get("moreInfo", MISSING)
    if prop is not MISSING:
        check_iri(prop, path, "moreInfo")
    prop = definition.get("extensions", MISSING)
    if prop is not MISSING:
        check_extensions(prop, path, "extensions")
    interaction_type = definition.get("interactionType", MISSING)
    if interaction_type is not MISSING:
        _check_interaction(definition, interaction_type, path)
    elif not _INTERACTION_KEYS.isdisjoint(definition):
        key = next(k for k in definition if k in _INTERACTION_KEYS)
        fail("must only be used together with interactionType", child(path, key))


def _check_interaction(definition: dict[str, Any], interaction_type: object, path: str) -> None:
    """interactionType, correctResponsesPattern and the component lists (2.4.4.1.s8-s16)."""
    if type(interaction_type) is not str:
        wrong_type(interaction_type, "a string", child(path, "interactionType"))
    allowed_lists = _LISTS_BY_INTERACTION_TYPE.get(interaction_type)
    if allowed_lists is None:
        fail(
            "must be one of true-false, choice, fill-in, long-fill-in, matching, performance, "
            "sequencing, likert, numeric or other",
            child(path, "interactionType"),
        )
    pattern = definition.get("correctResponsesPattern", MISSING)
    if pattern is not MISSING:
        pattern_path = child(path, "correctResponsesPattern")
        for index, response in enumerate(as_array(pattern, pattern_path)):
            check_string(response, f"{pattern_path}[{index}]", "")
    for list_name in _COMPONENT_LISTS:
        components = definition.get(list_name, MISSING)
        if components is MISSING:
            continue
        list_path = child(path, list_name)
        if list_name not in allowed_lists:
            fail(f"is not allowed for interactionType {interaction_type}", list_path)
        _check_components(components, list_path, list_name)


def _check_components(value: object, path: str, list_name: str) -> None:
    """Interaction components: a distinct non-empty string id, an optional description."""
    seen: set[str] = set()
    for index, item in enumerate(as_array(value, path)):
        item_path = f"{path}[{index}]"
        component = as_object(item, item_path)
        if not component.keys() <= _COMPONENT_KEYS:
            reject_unknown(component, _COMPONENT_KEYS, item_path)
        component_id = component.get("id", MISSING)
        if component_id is MISSING:
            fail("is required", f"{item_path}.id")
        if type(component_id) is not str:
            wrong_type(component_id, "a string", f"{item_path}.id")
        if not component_id:
            fail("must not be empty", f"{item_path}.id")
        if component_id in seen:
            fail(f"must be unique within {list_name}", f"{item_path}.id")
        seen.add(component_id)
        description = component.get("description", MISSING)
        if description is not MISSING:
            check_language_map(description, item_path, "description")
