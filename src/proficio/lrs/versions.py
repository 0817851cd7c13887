"""The X-Experience-API-Version header (xAPI 1.0.3 Part Three 3.3 "Versioning").

Every request except GET /xapi/about must name a version. 1.0 and 1.0.0 to 1.0.3 are served by
the 1.0.3 rules; 2.0 and 2.0.x by the xAPI 2.0 rules (IEEE 9274.1.1); both by default, either
one when PROFICIO_XAPI_VERSIONS says so. Every response carries the version it was served
under: the request's, or the newest served when the request named none or one not served.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proficio.error_handlers import error_response
from proficio.errors import BadRequest, ProficioError

VERSION_HEADER = "X-Experience-API-Version"
V1 = "1.0.3"
V2 = "2.0.0"
SERVABLE = (V1, V2)
CONSISTENT_THROUGH_HEADER = "X-Experience-API-Consistent-Through"
_CONSISTENT = CONSISTENT_THROUGH_HEADER.lower().encode()
_VERSION_KEY = VERSION_HEADER.lower().encode()
_VERSION_RE = re.compile(r"^([12])\.0(\.\d+)?$")
# Scope key of a one-element list holding the version header the request really speaks: the
# alternate request syntax carries it in the form, so that middleware fills it in.
SPOKEN_VERSION = "proficio.xapi_version"


@dataclass(frozen=True)
class XAPIVersions:
    """The xAPI versions this LRS is configured to serve (PROFICIO_XAPI_VERSIONS)."""

    served: tuple[str, ...] = SERVABLE

    def check(self, header: str | None) -> str:
        """The version a request is served under; 400 when the header is missing or names a
        version not served."""
        if header is None:
            raise BadRequest("the request must include this header", field=VERSION_HEADER)
        value = header.strip()
        match = _VERSION_RE.match(value)
        version = V1 if match is None or match.group(1) == "1" else V2
        if match is None or version not in self.served:
            raise BadRequest(
                f"version {value!r} is not supported; this LRS serves {', '.join(self.listed)}",
                field=VERSION_HEADER,
            )
        return version

    def respond(self, header: str | None) -> str:
        """The version a response speaks: the request's when served, else the newest served."""
        try:
            return self.check(header)
        except BadRequest:
            return self.served[-1]

    @property
    def listed(self) -> list[str]:
        """What /about lists: every 1.0.x the 1.0.3 rules serve, and 2.0.0."""
        listed = ["1.0.0", "1.0.1", "1.0.2", V1] if V1 in self.served else []
        return listed + ([V2] if V2 in self.served else [])


def speaks_2_0(header: str) -> bool:
    """Whether a version header names xAPI 2.0 (2.0 or 2.0.x), served or not."""
    match = _VERSION_RE.match(header.strip())
    return match is not None and match.group(1) == "2"


def header_of(scope: Scope) -> str | None:
    """The X-Experience-API-Version header of an ASGI request, if any."""
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == _VERSION_KEY), None)


class XAPIHeadersMiddleware:
    """Adds the version header to every response, and X-Experience-API-Consistent-Through to
    every response of a statements GET or HEAD, errors included (Communication 2.1.3.s2.b5)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        versions: XAPIVersions,
        consistent_through: Callable[[Scope], str],
    ) -> None:
        self.app = app
        self.versions = versions
        self._consistent_through = consistent_through

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        spoken = [header_of(scope)]
        scope[SPOKEN_VERSION] = spoken
        consistent: bytes | None = None
        if scope["method"] in ("GET", "HEAD") and scope["path"].endswith("/xapi/statements"):
            # Taken before the query runs, so it is a true lower bound for its results.
            consistent = self._consistent_through(scope).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != _VERSION_KEY]
                headers.append((_VERSION_KEY, self.versions.respond(spoken[0]).encode()))
                if consistent is not None:
                    headers.append((_CONSISTENT, consistent))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class VersionCheckMiddleware:
    """Every xAPI request but GET /about (and CORS preflights) must name a supported version
    (Communication 2.8.s4.table1.row2, XAPI-00321), even on a resource this LRS lacks."""

    def __init__(self, app: ASGIApp, *, versions: XAPIVersions, exempt: tuple[str, ...]) -> None:
        self.app = app
        self.versions = versions
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] != "OPTIONS"
            and scope["path"] not in self.exempt
        ):
            try:
                self.versions.check(header_of(scope))
            except ProficioError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
