"""The X-Experience-API-Version header (xAPI 1.0.3 Part Three 3.3 "Versioning").

Every request except GET /xapi/about must name a version; 1.0 and 1.0.0 to 1.0.3 are served by
the 1.0.3 implementation. Every response carries the version the LRS speaks.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proficio.errors import BadRequest

VERSION_HEADER = "X-Experience-API-Version"
SERVED_VERSION = "1.0.3"
ACCEPTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3")
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


class VersionHeaderMiddleware:
    """Adds the version header to every response (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._header = (VERSION_HEADER.lower().encode(), SERVED_VERSION.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != self._header[0]]
                headers.append(self._header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_version)
