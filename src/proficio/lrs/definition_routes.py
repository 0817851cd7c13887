"""HTTP for the Activities and Agents resources (xAPI 1.0.3 Part Three 2.4, 2.5). Thin."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from proficio.auth.scopes import Action
from proficio.context import context_of
from proficio.errors import BadRequest
from proficio.lrs.activities import get_activity
from proficio.lrs.agents import ifi_key, person_of
from proficio.lrs.http import single_params, xapi_caller
from proficio.lrs.params import agent_key_param, iri_param
from proficio.lrs.refs import RefKind
from proficio.storage import statements as store
from proficio.storage.keys import KeyCache

_NAMES_FROM_STATEMENTS = 20


def _only(params: dict[str, str], name: str) -> str:
    extra = sorted(set(params) - {name})
    if extra:
        raise BadRequest("not a parameter of this resource", field=extra[0])
    if name not in params:
        raise BadRequest("this parameter is required", field=name)
    return params[name]


async def activities(request: Request) -> Response:
    ctx = context_of(request)
    await xapi_caller(request, ctx, Action.READ_DEFINITIONS)
    activity_id = iri_param("activityId", _only(single_params(request), "activityId"))
    activity = await ctx.db.read(lambda conn: get_activity(conn, activity_id))
    return _json(request, activity)


async def agents(request: Request) -> Response:
    ctx = context_of(request)
    await xapi_caller(request, ctx, Action.READ_DEFINITIONS)
    raw = _only(single_params(request), "agent")
    key = agent_key_param(raw)
    agent = orjson.loads(raw)
    known = await ctx.db.read(lambda conn: _agents_seen(conn, ctx.keys, key))
    return _json(request, person_of(agent, known))


def _agents_seen(conn: Connection, keys: KeyCache, key: str) -> list[dict[str, Any]]:
    """The actor of the latest statements made by the agent: where its names come from."""
    flt = store.StatementFilter(
        refs=(store.RefFilter((RefKind.AGENT,), key),), limit=_NAMES_FROM_STATEMENTS
    )
    seen = []
    for row in store.query_statements(conn, keys, flt):
        actor = orjson.loads(row.body)["actor"]
        if ifi_key(actor) == key:
            seen.append(actor)
    return seen


def _json(request: Request, value: dict[str, Any]) -> Response:
    body = orjson.dumps(value)
    if request.method == "HEAD":
        headers = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
        return Response(status_code=200, headers=headers)
    return Response(body, media_type="application/json")


routes = [
    Route("/xapi/activities", activities, methods=["GET", "HEAD"]),
    Route("/xapi/agents", agents, methods=["GET", "HEAD"]),
]
