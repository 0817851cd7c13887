"""The xAPI Statements resource and /about (xAPI 1.0.3 Part Three 2.1 and 2.8). Thin: parse,
call a service, render."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from proficio.auth.scopes import Action, Caller, may_define
from proficio.context import context_of
from proficio.errors import BadRequest, ProficioError
from proficio.lrs import queries
from proficio.lrs.attachments import Body, bodies_of, match_bodies
from proficio.lrs.bodies import load_bodies, offload_bodies
from proficio.lrs.formats import parse_accept_language, to_canonical, to_ids
from proficio.lrs.http import (
    media_type,
    mine_key,
    read_body,
    read_json,
    single_params,
    xapi_caller,
)
from proficio.lrs.multipart import parse_mixed, render_mixed
from proficio.lrs.params import uuid_param
from proficio.lrs.statements import PreparedStatement, prepare_statements
from proficio.lrs.timestamps import http_date_from_us

STATEMENTS_PATH = "/xapi/statements"


async def about(request: Request) -> Response:
    body = {"version": context_of(request).versions.listed, "extensions": {}}
    return Response(orjson.dumps(body), media_type="application/json")


async def put_statement(request: Request) -> Response:
    ctx = context_of(request)
    version, caller, _ = await xapi_caller(request, ctx, Action.WRITE_STATEMENTS)
    params = single_params(request)
    extra = sorted(set(params) - {"statementId"})
    if extra:
        raise BadRequest("not a parameter of PUT /statements", field=extra[0])
    if "statementId" not in params:
        raise BadRequest("PUT needs the statementId parameter", field="statementId")
    statement_id = uuid_param("statementId", params["statementId"])
    statement, bodies = await read_statements(request, ctx.settings.max_body_bytes)
    if isinstance(statement, dict) and "id" in statement:
        if str(statement["id"]).lower() != statement_id:
            raise BadRequest("differs from the statementId parameter", field="statement.id")
    elif isinstance(statement, dict):
        statement = {**statement, "id": statement_id}
    prepared = _prepare([statement], bodies, caller=caller, version=version, batch=False)
    await _store(request, prepared)
    return Response(status_code=204)


async def post_statements(request: Request) -> Response:
    ctx = context_of(request)
    version, caller, _ = await xapi_caller(request, ctx, Action.WRITE_STATEMENTS)
    params = single_params(request)
    if params:
        raise BadRequest("POST /statements takes no query parameters", field=next(iter(params)))
    payload, bodies = await read_statements(request, ctx.settings.max_body_bytes)
    batch = isinstance(payload, list)
    items = payload if batch else [payload]
    if batch and not items:
        raise BadRequest("the array holds no statement", field="statements")
    prepared = _prepare(items, bodies, caller=caller, version=version, batch=batch)
    # The parsed request is not needed while the writer works: let it go, so concurrent
    # batches of 1,000 do not each hold their objects until their commit.
    del payload, items, bodies
    ids = await _store(request, prepared)
    return Response(orjson.dumps(ids), media_type="application/json")


async def read_statements(request: Request, limit: int) -> tuple[Any, dict[str, Body]]:
    """The statements of a POST or PUT, and the attachment bodies sent with them."""
    if media_type(request) != "multipart/mixed":
        return await read_json(request, limit), {}
    parts = parse_mixed(await read_body(request, limit), request.headers["content-type"])
    if not parts or parts[0].content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest(
            "the first part must hold the statements as application/json", field="body"
        )
    try:
        payload = orjson.loads(parts[0].body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the statements part is not valid JSON ({exc})", field="body") from None
    return payload, bodies_of(parts)


def _prepare(
    items: list[Any], bodies: dict[str, Body], *, caller: Caller, version: str, batch: bool
) -> list[PreparedStatement]:
    prepared = prepare_statements(
        items,
        authority=caller.authority,
        version=version,
        batch=batch,
        may_define=may_define(caller),
        facts=True,
    )
    for p, own in zip(prepared, match_bodies(items, bodies, batch=batch), strict=True):
        p.attachment_bodies = {sha2: (kind, data, len(data)) for sha2, (kind, data) in own.items()}
    return prepared


async def _store(request: Request, prepared: list[PreparedStatement]) -> list[str]:
    ctx = context_of(request)
    await offload_bodies(prepared, ctx.blobs)
    outcome = await ctx.writer.run("statements", prepared)
    if isinstance(outcome, ProficioError):
        raise outcome
    ids: list[str] = outcome
    return ids


async def get_statements(request: Request) -> Response:
    ctx = context_of(request)
    _, caller, reach = await xapi_caller(request, ctx, Action.READ_STATEMENTS)
    query = queries.parse_query(single_params(request))
    mine = mine_key(caller, reach)
    preferred = parse_accept_language(request.headers.get("accept-language"))
    if query.statement_id or query.voided_statement_id:
        statement_id = query.statement_id or query.voided_statement_id
        assert statement_id is not None
        row = await ctx.db.read_by_key(
            lambda conn: queries.get_statement(
                conn,
                statement_id=statement_id,
                voided=query.voided_statement_id is not None,
                mine=mine,
            )
        )
        body = _formatted(row.body, query.format, preferred)
        headers = {"Last-Modified": http_date_from_us(row.stored_us)}
        sent = await _attachments_of([row.body], request) if query.attachments else None
        return _respond(request, body, headers, sent)
    page = await ctx.db.read(
        lambda conn: queries.find_statements(
            conn, query=query, keys=ctx.keys, mine=mine, page_size=ctx.settings.statements_page_size
        )
    )
    more = f"{STATEMENTS_PATH}?more={queries.encode_more(page.more)}" if page.more else ""
    items = b",".join(_formatted(b, query.format, preferred) for b in page.bodies)
    body = b'{"statements":[' + items + b'],"more":' + orjson.dumps(more) + b"}"
    headers = {}
    if page.last_stored_us is not None:
        headers["Last-Modified"] = http_date_from_us(page.last_stored_us)
    sent = await _attachments_of(page.bodies, request) if query.attachments else None
    return _respond(request, body, headers, sent)


async def _attachments_of(bodies: list[str], request: Request) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, bytes) of every attachment body the statements reference."""
    sha2s = list(
        dict.fromkeys(
            attachment["sha2"].lower()
            for body in bodies
            for attachment in orjson.loads(body).get("attachments") or []
        )
    )
    ctx = context_of(request)
    return await load_bodies(ctx.db, ctx.blobs, sha2s)


def _formatted(body: str, fmt: str, preferred: list[str]) -> bytes:
    if fmt == "exact":
        return body.encode()
    statement = orjson.loads(body)
    return orjson.dumps(to_ids(statement) if fmt == "ids" else to_canonical(statement, preferred))


def _respond(
    request: Request,
    body: bytes,
    headers: dict[str, str],
    attachments: list[tuple[str, str, bytes]] | None,
) -> Response:
    """JSON, or with `attachments=true` multipart/mixed: the statements, then their bodies."""
    media = "application/json"
    if attachments is not None:
        body, media = render_mixed(body, attachments)
    if request.method == "HEAD":
        headers = {**headers, "Content-Length": str(len(body))}
        return Response(status_code=200, headers=headers, media_type=media)
    return Response(body, headers=headers, media_type=media)


routes = [
    Route("/xapi/about", about, methods=["GET", "HEAD"]),
    Route("/xapi/statements", get_statements, methods=["GET", "HEAD"]),
    Route("/xapi/statements", put_statement, methods=["PUT"]),
    Route("/xapi/statements", post_statements, methods=["POST"]),
]
