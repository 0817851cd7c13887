"""The one place errors become HTTP responses: `{"error", "message", "field", "reason"}`."""

from __future__ import annotations

import logging

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from proficio.errors import BadRequest, ProficioError, Unauthorized

log = logging.getLogger(__name__)


def error_response(exc: ProficioError) -> Response:
    headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, Unauthorized) else None
    return Response(
        orjson.dumps(exc.to_dict()),
        status_code=exc.status,
        media_type="application/json",
        headers=headers,
    )


async def _proficio_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProficioError)
    return error_response(exc)


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    """FastAPI's request validation, in Proficio's shape: the first problem, by field."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    where = [str(p) for p in first.get("loc", ())]
    field = ".".join(where[1:] if where[:1] == ["body"] and len(where) > 1 else where)
    return error_response(BadRequest(str(first.get("msg", "invalid")), field=field or None))


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    body = {"error": "http_error", "message": str(exc.detail)}
    return Response(
        orjson.dumps(body),
        status_code=exc.status_code,
        media_type="application/json",
        headers=exc.headers,
    )


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    body = {"error": "internal_error", "message": "an unexpected error occurred; it was logged"}
    return Response(orjson.dumps(body), status_code=500, media_type="application/json")


def install_error_handlers(app: Starlette) -> None:
    app.add_exception_handler(ProficioError, _proficio_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
