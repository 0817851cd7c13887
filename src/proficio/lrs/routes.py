"""The xAPI Statements resource and /about (xAPI 1.0.3 Part Three 2.1 and 2.8). Thin: parse,
call a service, render."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from proficio.auth.scopes import Action, Caller, may_define
from proficio.context import context_of
from proficio.errors import BadRequest, ProficioError
from proficio.lrs import queries
from proficio.lrs.formats import parse_accept_language, to_canonical, to_ids
from proficio.lrs.http import mine_key, read_json, single_params, xapi_caller
from proficio.lrs.params import uuid_param
from proficio.lrs.statements import prepare_statements
from proficio.lrs.timestamps import http_date_from_us
from proficio.lrs.versions import ACCEPTED_VERSIONS

router = APIRouter(prefix="/xapi")
STATEMENTS_PATH = "/xapi/statements"


@router.get("/about")
async def about() -> Response:
    body = {"version": list(ACCEPTED_VERSIONS), "extensions": {}}
    return Response(orjson.dumps(body), media_type="application/json")


@router.put("/statements")
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
    statement = await read_json(request, ctx.settings.max_body_bytes)
    if isinstance(statement, dict) and "id" in statement:
        if str(statement["id"]).lower() != statement_id:
            raise BadRequest("differs from the statementId parameter", field="statement.id")
    elif isinstance(statement, dict):
        statement = {**statement, "id": statement_id}
    await _store(request, [statement], caller=caller, version=version, batch=False)
    return Response(status_code=204)


@router.post("/statements")
async def post_statements(request: Request) -> Response:
    ctx = context_of(request)
    version, caller, _ = await xapi_caller(request, ctx, Action.WRITE_STATEMENTS)
    params = single_params(request)
    if params:
        raise BadRequest("POST /statements takes no query parameters", field=next(iter(params)))
    payload = await read_json(request, ctx.settings.max_body_bytes)
    batch = isinstance(payload, list)
    items = payload if batch else [payload]
    if batch and not items:
        raise BadRequest("the array holds no statement", field="statements")
    ids = await _store(request, items, caller=caller, version=version, batch=batch)
    return Response(orjson.dumps(ids), media_type="application/json")


async def _store(
    request: Request, items: list[Any], *, caller: Caller, version: str, batch: bool
) -> list[str]:
    ctx = context_of(request)
    prepared = prepare_statements(
        items,
        authority=caller.authority,
        version=version,
        batch=batch,
        may_define=may_define(caller),
    )
    outcome = await ctx.writer.run("statements", prepared)
    if isinstance(outcome, ProficioError):
        raise outcome
    ids: list[str] = outcome
    return ids


@router.api_route("/statements", methods=["GET", "HEAD"])
async def get_statements(request: Request) -> Response:
    ctx = context_of(request)
    _, caller, reach = await xapi_caller(request, ctx, Action.READ_STATEMENTS)
    query = queries.parse_query(single_params(request))
    mine = mine_key(caller, reach)
    preferred = parse_accept_language(request.headers.get("accept-language"))
    if query.statement_id or query.voided_statement_id:
        statement_id = query.statement_id or query.voided_statement_id
        assert statement_id is not None
        row = await ctx.db.read(
            lambda conn: queries.get_statement(
                conn,
                statement_id=statement_id,
                voided=query.voided_statement_id is not None,
                mine=mine,
            )
        )
        body = _formatted(row.body, query.format, preferred)
        headers = {"Last-Modified": http_date_from_us(row.stored_us)}
        return _respond(request, body, headers, query.attachments)
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
    return _respond(request, body, headers, query.attachments)


def _formatted(body: str, fmt: str, preferred: list[str]) -> bytes:
    if fmt == "exact":
        return body.encode()
    statement = orjson.loads(body)
    return orjson.dumps(to_ids(statement) if fmt == "ids" else to_canonical(statement, preferred))


def _respond(request: Request, body: bytes, headers: dict[str, str], attachments: bool) -> Response:
    if attachments:
        boundary = uuid.uuid4().hex
        body = (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode()
            + body
            + f"\r\n--{boundary}--\r\n".encode()
        )
        media = f'multipart/mixed; boundary="{boundary}"'
    else:
        media = "application/json"
    if request.method == "HEAD":
        headers = {**headers, "Content-Length": str(len(body))}
        return Response(status_code=200, headers=headers, media_type=media)
    return Response(body, headers=headers, media_type=media)
