"""Reading statements: GET /xapi/statements parameters, paging and `more` links.

xAPI 1.0.3 Part Three 2.1.3. A page's `more` link carries the query, the last statement seen
and the newest statement that existed when the first page was read, so later pages neither
skip nor repeat statements while new ones arrive.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.errors import BadRequest, NotFound
from proficio.lrs.agents import ifi_key
from proficio.lrs.formats import FORMATS
from proficio.lrs.params import agent_key_param, iri_param, timestamp_us_param, uuid_param
from proficio.lrs.refs import RELATED_ACTIVITY_KINDS, RELATED_AGENT_KINDS, RefKind
from proficio.storage import statements as store
from proficio.storage.keys import KeyCache

QUERY_PARAMETERS = frozenset(
    {
        "statementId",
        "voidedStatementId",
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
        "more",
    }
)
_SINGLE_ALLOWED = frozenset({"statementId", "voidedStatementId", "format", "attachments"})


@dataclass(frozen=True)
class StatementQuery:
    statement_id: str | None = None
    voided_statement_id: str | None = None
    agent: str | None = None  # IFI key
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since_us: int | None = None
    until_us: int | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int | None = None
    max_seq: int | None = None


def _bool(name: str, value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadRequest("must be true or false", field=name)


def parse_query(params: dict[str, str]) -> StatementQuery:
    """Check and convert query parameters; any problem is a 400 naming the parameter."""
    unknown = sorted(set(params) - QUERY_PARAMETERS)
    if unknown:
        raise BadRequest("unknown query parameter", field=unknown[0])
    if "more" in params:
        if len(params) > 1:
            raise BadRequest("a more link takes no other parameters", field="more")
        return decode_more(params["more"])
    single = {"statementId", "voidedStatementId"} & set(params)
    if len(single) > 1:
        raise BadRequest("use statementId or voidedStatementId, not both", field="statementId")
    if single:
        extra = sorted(set(params) - _SINGLE_ALLOWED)
        if extra:
            raise BadRequest(
                f"cannot be combined with {next(iter(single))}; only format and attachments can",
                field=extra[0],
            )
    fields: dict[str, Any] = {}
    for name, value in params.items():
        if name == "statementId":
            fields["statement_id"] = uuid_param(name, value)
        elif name == "voidedStatementId":
            fields["voided_statement_id"] = uuid_param(name, value)
        elif name == "agent":
            fields["agent"] = agent_key_param(value)
        elif name in ("verb", "activity"):
            fields[name] = iri_param(name, value)
        elif name == "registration":
            fields["registration"] = uuid_param(name, value)
        elif name in ("related_activities", "related_agents", "attachments", "ascending"):
            fields[name] = _bool(name, value)
        elif name in ("since", "until"):
            fields[f"{name}_us"] = timestamp_us_param(name, value)
        elif name == "limit":
            if not value.isdigit():
                raise BadRequest("must be a non-negative integer", field="limit")
            fields["limit"] = int(value)
        elif name == "format":
            if value not in FORMATS:
                raise BadRequest(f"must be one of {', '.join(FORMATS)}", field="format")
            fields["format"] = value
    return StatementQuery(**fields)


def encode_more(query: StatementQuery) -> str:
    raw = orjson.dumps({k: v for k, v in query.__dict__.items() if v not in (None, False)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_more(token: str) -> StatementQuery:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return StatementQuery(**data)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise BadRequest("is not a more link this LRS issued", field="more") from None


@dataclass(frozen=True)
class StatementPage:
    bodies: list[str]
    more: StatementQuery | None
    last_stored_us: int | None


def _filter(query: StatementQuery, *, mine: str | None, page_size: int) -> store.StatementFilter:
    refs: list[store.RefFilter] = []
    if query.registration:
        refs.append(store.RefFilter((RefKind.REGISTRATION,), query.registration))
    if query.agent:
        agent_kinds = RELATED_AGENT_KINDS if query.related_agents else (RefKind.AGENT,)
        refs.append(store.RefFilter(agent_kinds, query.agent))
    if query.activity:
        activity_kinds = RELATED_ACTIVITY_KINDS if query.related_activities else (RefKind.ACTIVITY,)
        refs.append(store.RefFilter(activity_kinds, query.activity))
    if query.verb:
        refs.append(store.RefFilter((RefKind.VERB,), query.verb))
    if mine:
        refs.append(store.RefFilter((RefKind.AUTHORITY,), mine))
    limit = page_size if query.limit == 0 else min(query.limit, page_size)
    return store.StatementFilter(
        refs=tuple(refs),
        since_us=query.since_us,
        until_us=query.until_us,
        after_seq=query.after_seq,
        max_seq=query.max_seq,
        ascending=query.ascending,
        limit=limit + 1,
    )


def find_statements(
    conn: Connection, *, query: StatementQuery, keys: KeyCache, mine: str | None, page_size: int
) -> StatementPage:
    """One page of statements matching `query`, newest first unless ascending."""
    if query.max_seq is None:
        query = replace(query, max_seq=store.max_seq(conn))
    flt = _filter(query, mine=mine, page_size=page_size)
    rows = store.query_statements(conn, keys, flt)
    more = None
    if len(rows) == flt.limit:
        rows = rows[:-1]
        more = replace(query, after_seq=rows[-1].seq)
    last = max((r.stored_us for r in rows), default=None)
    return StatementPage(bodies=[r.body for r in rows], more=more, last_stored_us=last)


def get_statement(
    conn: Connection, *, statement_id: str, voided: bool, mine: str | None
) -> store.StoredStatement:
    """One statement by id: voided ones only through voidedStatementId (Part Two 2.3.2)."""
    row = store.get_statements(conn, [statement_id]).get(statement_id)
    if row is None or row.voided != voided:
        raise NotFound(f"no {'voided ' if voided else ''}statement with id {statement_id}")
    if mine is not None:
        authority = orjson.loads(row.body).get("authority") or {}
        if ifi_key(authority) != mine:
            raise NotFound(f"no statement with id {statement_id}")
    return row
