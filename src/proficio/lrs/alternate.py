"""The 1.0.3 alternate request syntax (Part Three 1.3): POST ?method=X with a form body.

Browsers once could not send custom headers cross-origin, so xAPI lets a client POST a form
whose fields are the real headers, the `content` and the query parameters. This middleware turns
such a request back into the request it stands for before anything else sees it. xAPI 2.0
removed the syntax: a request that speaks 2.0, in its headers or its form, gets a 400.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proficio.error_handlers import error_response
from proficio.errors import BadRequest, ProficioError
from proficio.lrs.http import read_limited
from proficio.lrs.versions import SPOKEN_VERSION, header_of, speaks_2_0

_HEADER_FIELDS = {
    "authorization": b"authorization",
    "x-experience-api-version": b"x-experience-api-version",
    "content-type": b"content-type",
    "content-length": b"content-length",
    "if-match": b"if-match",
    "if-none-match": b"if-none-match",
}
_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
_VERSION = _HEADER_FIELDS["x-experience-api-version"]


def _refuse_under_2_0(version: str | None) -> None:
    """400 when the request speaks xAPI 2.0 (a version it does not speak is left to the
    version check)."""
    if version is not None and speaks_2_0(version):
        raise BadRequest(
            "xAPI 2.0 has no alternate request syntax; send the request itself, without ?method=",
            field="method",
        )


class AlternateRequestSyntax:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if scope["type"] != "http" or scope["method"] != "POST" or b"method=" not in query:
            await self.app(scope, receive, send)
            return
        try:
            new_scope, body = await self._rewrite(scope, receive)
        except ProficioError as exc:
            await error_response(exc)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(new_scope, replay, send)

    async def _rewrite(self, scope: Scope, receive: Receive) -> tuple[Scope, bytes]:
        _refuse_under_2_0(header_of(scope))
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if len(params) != 1 or params[0][0] != "method":
            raise BadRequest(
                "with the alternate request syntax, method is the only query parameter",
                field=params[-1][0] if params else "method",
            )
        method = params[0][1].upper()
        if method not in _METHODS:
            raise BadRequest(f"must be one of {', '.join(_METHODS)}", field="method")
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise BadRequest(
                "the alternate request syntax needs application/x-www-form-urlencoded",
                field="Content-Type",
            )
        raw = await read_limited(receive, self.max_body_bytes)
        try:
            form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise BadRequest("the form body is not UTF-8", field="content") from None
        headers = {
            k: v for k, v in scope["headers"] if k not in (b"content-type", b"content-length")
        }
        query: list[tuple[str, str]] = []
        content = b""
        for name, value in form:
            lowered = name.lower()
            if lowered in _HEADER_FIELDS:
                headers[_HEADER_FIELDS[lowered]] = value.encode("latin-1", "replace")
            elif name == "content":
                content = value.encode("utf-8")
            else:
                query.append((name, value))
        form_version = headers.get(_VERSION)
        spoken = form_version.decode("latin-1") if form_version else None
        _refuse_under_2_0(spoken)
        if SPOKEN_VERSION in scope:  # the response speaks the version the form named
            scope[SPOKEN_VERSION][0] = spoken
        headers[b"content-length"] = str(len(content)).encode()
        if content and b"content-type" not in headers:
            headers[b"content-type"] = b"application/json"  # what a form's content holds
        new_scope = {
            **scope,
            "method": method,
            "headers": list(headers.items()),
            "query_string": urlencode(query).encode("latin-1"),
        }
        return new_scope, content
