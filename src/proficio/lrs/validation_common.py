"""Checks every part of a statement shares: types, nulls, unknown properties, IRIs, UUIDs,
language maps and extensions (xAPI 1.0.3 Part Two 2.2, 4.1 and 4.2).

Every check raises `InvalidStatement` with the property path of the offending value and one
short reason naming the rule it breaks ("must be an IRI", "unknown property").
"""

from __future__ import annotations

from typing import Any, Final, NoReturn

from proficio.errors import InvalidStatement
from proficio.lrs.validation_formats import (
    is_valid_iri,
    is_valid_language_tag,
    is_valid_uuid,
)

# Stands for "property absent", which differs from a property set to null.
MISSING: Final[Any] = object()


def fail(reason: str, path: str) -> NoReturn:
    raise InvalidStatement(reason, field=path or None)


def child(path: str, key: str) -> str:
    """The path of property `key` of the object at `path` ("" is the statement itself)."""
    if not key:
        return path
    return f"{path}.{key}" if path else key


def wrong_type(value: object, expected: str, path: str) -> NoReturn:
    """Reject `value` for not being `expected`; null gets its own reason (Part Two 2.2.s4.b1)."""
    if value is None:
        fail("must not be null", path)
    fail(f"must be {expected}", path)


def show(value: object) -> str:
    """A client-supplied key quoted for an error reason, cut short if long."""
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def reject_unknown(obj: dict[str, Any], allowed: frozenset[str], path: str) -> NoReturn:
    """Reject the first property the spec does not define, wrongly cased ones included
    (XAPI-00008, XAPI-00010). Callers first test ``obj.keys() <= allowed``, which is fast."""
    unknown = next(key for key in obj if key not in allowed)
    fail("unknown property", child(path, str(unknown)))


def as_object(value: object, path: str) -> dict[str, Any]:
    if type(value) is not dict:
        wrong_type(value, "an object", path)
    return value


def as_array(value: object, path: str) -> list[Any]:
    if type(value) is not list:
        wrong_type(value, "an array", path)
    return value


# The checks below take the value of property `key` of the object at `path`, and build the
# property's path only to report a violation: most values are valid, and paths cost time.


def as_string(value: object, path: str, key: str) -> str:
    if type(value) is not str:
        wrong_type(value, "a string", child(path, key))
    return value


def check_string(value: object, path: str, key: str) -> None:
    if type(value) is not str:
        wrong_type(value, "a string", child(path, key))


def check_boolean(value: object, path: str, key: str) -> None:
    if type(value) is not bool:
        wrong_type(value, "a boolean", child(path, key))


def check_iri(value: object, path: str, key: str) -> None:
    if type(value) is not str:
        wrong_type(value, "a string (an IRI)", child(path, key))
    if not is_valid_iri(value):
        fail("must be an IRI", child(path, key))


def check_uuid(value: object, path: str, key: str) -> None:
    if type(value) is not str:
        wrong_type(value, "a string (a UUID)", child(path, key))
    if not is_valid_uuid(value):
        fail("must be a UUID", child(path, key))


def check_language_map(value: object, path: str, key: str) -> None:
    """A Language Map: RFC 5646 language tags mapped to strings (Part Two 4.2, XAPI-00121)."""
    if type(value) is not dict:
        wrong_type(value, "a language map (an object)", child(path, key))
    for tag, text in value.items():
        if type(tag) is not str or not is_valid_language_tag(tag):
            fail(f"key {show(tag)} must be an RFC 5646 language tag", child(path, key))
        if type(text) is not str:
            wrong_type(text, "a string", f"{child(path, key)}.{tag}")


def validate_language_map(value: object, *, path: str) -> None:
    """A Language Map at `path`: RFC 5646 language tags mapped to strings (Part Two 4.2)."""
    check_language_map(value, path, "")


def check_extensions(value: object, path: str, key: str) -> None:
    """Extensions: an object whose keys are IRIs; values are any JSON, null included (4.1)."""
    if type(value) is not dict:
        wrong_type(value, "an object", child(path, key))
    for iri in value:
        if type(iri) is not str or not is_valid_iri(iri):
            fail(f"key {show(iri)} must be an IRI", child(path, key))
