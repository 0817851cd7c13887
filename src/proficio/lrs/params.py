"""Query parameters shared by the xAPI resources: each parser returns the value in the form
Proficio stores, or raises 400 naming the parameter."""

from __future__ import annotations

import uuid

import orjson

from proficio.errors import BadRequest
from proficio.lrs.agents import ifi_key
from proficio.lrs.timestamps import us_from_datetime
from proficio.lrs.validation import is_valid_iri, parse_timestamp, validate_agent


def uuid_param(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value)).lower()
    except ValueError:
        raise BadRequest("must be a UUID", field=name) from None


def timestamp_us_param(name: str, value: str) -> int:
    try:
        return us_from_datetime(parse_timestamp(value))
    except ValueError:
        raise BadRequest("must be an ISO 8601 timestamp", field=name) from None


def iri_param(name: str, value: str) -> str:
    if not is_valid_iri(value):
        raise BadRequest("must be an IRI", field=name)
    return value


def agent_key_param(value: str, name: str = "agent") -> str:
    """The IFI key of an `agent` parameter: an Agent or identified Group as JSON."""
    try:
        agent = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise BadRequest("must be an Agent or Group as JSON", field=name) from None
    validate_agent(agent, path=name)
    key = ifi_key(agent)
    if key is None:
        raise BadRequest("must identify an Agent or Group by mbox, openid or account", field=name)
    return key
