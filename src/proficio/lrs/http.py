"""Request plumbing shared by the xAPI routes: version, caller, body, content type."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Receive

from proficio.auth.scopes import Action, Caller, Reach, ensure_permission
from proficio.context import AppContext
from proficio.errors import BadRequest, PayloadTooLarge
from proficio.lrs.agents import ifi_key
from proficio.lrs.versions import VERSION_HEADER


async def xapi_caller(
    request: Request, ctx: AppContext, action: Action
) -> tuple[str, Caller, Reach]:
    """Check version and credentials; return the version served, the caller and its reach."""
    version = ctx.versions.check(request.headers.get(VERSION_HEADER))
    caller = await ctx.authenticator.caller(request.headers.get("authorization"))
    return version, caller, ensure_permission(caller, action)


def mine_key(caller: Caller, reach: Reach) -> str | None:
    """The authority key results are restricted to, for callers that may only see their own."""
    return ifi_key(caller.authority) if reach is Reach.MINE else None


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
    return await read_limited(request.receive, limit)


async def read_limited(receive: Receive, limit: int) -> bytes:
    """The whole request body, or 413 as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request, limit: int) -> Any:
    kind = media_type(request)
    if kind != "application/json":
        raise BadRequest(
            f"statements must be sent as application/json, not {kind or 'no content type'}",
            field="Content-Type",
        )
    body = await read_body(request, limit)
    if not body.strip():
        raise BadRequest("the request body is empty", field="body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON ({exc})", field="body") from None


def single_params(request: Request) -> dict[str, str]:
    """Query parameters as a dict; a parameter given twice is a 400."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise BadRequest("given more than once", field=name)
        params[name] = value
    return params
