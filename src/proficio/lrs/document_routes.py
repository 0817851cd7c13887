"""HTTP for the State, Activity Profile and Agent Profile resources. Thin: parse, call the
service (`proficio.lrs.documents`), render."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from proficio.auth.scopes import Action
from proficio.context import context_of
from proficio.errors import ProficioError
from proficio.lrs import documents
from proficio.lrs.documents import ACTIVITY_PROFILE, AGENT_PROFILE, STATE, Resource
from proficio.lrs.http import read_body, single_params, xapi_caller
from proficio.lrs.timestamps import http_date_from_us

_PATHS = {
    "/xapi/activities/state": (STATE, Action.READ_STATE, Action.WRITE_STATE),
    "/xapi/activities/profile": (ACTIVITY_PROFILE, Action.READ_PROFILE, Action.WRITE_PROFILE),
    "/xapi/agents/profile": (AGENT_PROFILE, Action.READ_PROFILE, Action.WRITE_PROFILE),
}


def _resource_of(request: Request) -> tuple[Resource, Action, Action]:
    return _PATHS[request.scope["path"]]


async def get_documents(request: Request) -> Response:
    ctx = context_of(request)
    resource, read, _ = _resource_of(request)
    await xapi_caller(request, ctx, read)
    req = documents.parse_request(resource, single_params(request), "GET")
    if req.document_id is None:
        ids, newest_us = await ctx.db.read(lambda conn: documents.read_ids(conn, req))
        headers = {"Last-Modified": http_date_from_us(newest_us)} if newest_us else {}
        return _respond(request, orjson.dumps(ids), "application/json", headers)
    doc = await ctx.db.read_by_key(lambda conn: documents.read_document(conn, req))
    headers = {"ETag": f'"{doc.etag}"', "Last-Modified": http_date_from_us(doc.updated_us)}
    return _respond(request, doc.contents, doc.content_type, headers)


async def change_document(request: Request) -> Response:
    ctx = context_of(request)
    resource, _, write = _resource_of(request)
    version, _, _ = await xapi_caller(request, ctx, write)
    method = request.method
    req = documents.parse_request(resource, single_params(request), method)
    body = b"" if method == "DELETE" else await read_body(request, ctx.settings.max_body_bytes)
    change = documents.new_write(
        method.lower(),
        req,
        content_type=request.headers.get("content-type"),
        contents=body,
        if_match=request.headers.get("if-match"),
        if_none_match=request.headers.get("if-none-match"),
        version=version,
    )
    outcome = await ctx.writer.run("documents", change)
    if isinstance(outcome, ProficioError):
        raise outcome
    headers = {"ETag": f'"{outcome}"'} if outcome else {}
    return Response(status_code=204, headers=headers)


def _respond(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    # The stored Content-Type goes back exactly as it came (no charset added).
    headers = {**headers, "Content-Type": media_type}
    if request.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, headers=headers)


routes = [
    route
    for path in _PATHS
    for route in (
        Route(path, get_documents, methods=["GET", "HEAD"]),
        Route(path, change_document, methods=["PUT", "POST", "DELETE"]),
    )
]
