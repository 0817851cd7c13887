"""The X-Experience-API-Version header (xAPI 1.0.3 Part Three 3.3 "Versioning").

Every request except GET /xapi/about must name a version; 1.0 and 1.0.0 to 1.0.3 are served by
the 1.0.3 implementation. Every response carries the version the LRS speaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proficio.error_handlers import error_response
from proficio.errors import BadRequest, ProficioError

VERSION_HEADER = "X-Experience-API-Version"
SERVED_VERSION = "1.0.3"
ACCEPTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3")
CONSISTENT_THROUGH_HEADER = "X-Experience-API-Consistent-Through"
_CONSISTENT = CONSISTENT_THROUGH_HEADER.lower().encode()
_VERSION_KEY = VERSION_HEADER.lower().encode()
_VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")


def check_version(header: str | None) -> str:
    """The version a request is served under, or 400 when the header is missing or unsupported."""
    if header is None:
        raise BadRequest("the request must include this header", field=VERSION_HEADER)
    value = header.strip()
    if not _VERSION_RE.match(value):
        raise BadRequest(
            f"version {value!r} is not supported; this LRS serves {', '.join(ACCEPTED_VERSIONS)}",
            field=VERSION_HEADER,
        )
    return SERVED_VERSION


class XAPIHeadersMiddleware:
    """Adds the version header to every response, and X-Experience-API-Consistent-Through to
    every response of a statements GET or HEAD, errors included (Communication 2.1.3.s2.b5)."""

    def __init__(self, app: ASGIApp, *, consistent_through: Callable[[Scope], str]) -> None:
        self.app = app
        self._consistent_through = consistent_through
        self._version = (VERSION_HEADER.lower().encode(), SERVED_VERSION.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        consistent: bytes | None = None
        if scope["method"] in ("GET", "HEAD") and scope["path"].endswith("/xapi/statements"):
            # Taken before the query runs, so it is a true lower bound for its results.
            consistent = self._consistent_through(scope).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != self._version[0]]
                headers.append(self._version)
                if consistent is not None:
                    headers.append((_CONSISTENT, consistent))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class VersionCheckMiddleware:
    """Every xAPI request but GET /about (and CORS preflights) must name a supported version
    (Communication 2.8.s4.table1.row2, XAPI-00321), even on a resource this LRS lacks."""

    def __init__(self, app: ASGIApp, *, prefix: str, exempt: tuple[str, ...]) -> None:
        self.app = app
        self.prefix = prefix
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] != "OPTIONS"
            and scope["path"].startswith(self.prefix)
            and scope["path"] not in self.exempt
        ):
            header = next(
                (v.decode("latin-1") for k, v in scope["headers"] if k == _VERSION_KEY), None
            )
            try:
                check_version(header)
            except ProficioError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
