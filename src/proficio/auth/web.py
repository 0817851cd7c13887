"""Who is calling Proficio's own APIs and pages: the `current_actor` dependency.

An actor comes from the session cookie or from `Authorization: Bearer <API token>`. Requests
that change state with the cookie must echo the session's CSRF token in X-CSRF-Token (a
SameSite=Lax cookie alone leaves same-site forms and older browsers); tokens need no CSRF check,
since a browser never attaches them on its own.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from proficio.audit.log import Outcome, record_apart
from proficio.auth.permissions import Actor
from proficio.auth.sessions import SessionActor, session_actor
from proficio.auth.tokens import token_actor
from proficio.context import context_of
from proficio.errors import Forbidden, SignInRequired, Unauthorized
from proficio.storage.database import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

SESSION_COOKIE = "proficio_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def in_transaction(db: Database, fn: Callable[[Connection], T]) -> T:
    """Run `fn` in a transaction of its own, in a worker thread; commits when it returns."""

    def run() -> T:
        with db.transaction() as tx:
            return fn(tx.conn)

    return await anyio.to_thread.run_sync(run)


async def record_failure(
    request: Request, *, actor: str, action: str, resource: str, outcome: Outcome, reason: str
) -> None:
    """Audit a refused sign-in or request, committed on its own."""
    log.warning("%s %s by %s on %s: %s", action, outcome, actor, resource, reason)
    engine = context_of(request).db.engine
    await anyio.to_thread.run_sync(
        lambda: record_apart(
            engine,
            actor=actor,
            action=action,
            resource=resource,
            outcome=outcome,
            detail={"reason": reason, "method": request.method, "path": request.url.path},
        )
    )


async def _by_token(request: Request, header: str) -> SessionActor:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignInRequired(
            "send an API token as `Authorization: Bearer <token>`", field="Authorization"
        )
    try:
        return await context_of(request).db.read(lambda c: token_actor(c, token=token.strip()))
    except Unauthorized as exc:
        raise SignInRequired(exc.reason, field="Authorization") from None


async def _by_cookie(request: Request, cookie: str) -> SessionActor:
    try:
        found = await context_of(request).db.read(lambda c: session_actor(c, token=cookie))
    except Unauthorized as exc:
        raise SignInRequired(exc.reason, field=SESSION_COOKIE) from None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), (found.csrf_token or "").encode()) or not sent:
            reason = (
                "does not match this session's CSRF token"
                if sent
                else "requests that change something need the session's CSRF token"
            )
            await record_failure(
                request,
                actor=str(found.actor),
                action="session:csrf",
                resource=f"{request.method} {request.url.path}",
                outcome=Outcome.DENIED,
                reason=reason,
            )
            raise Forbidden(reason, field=CSRF_HEADER)
    return found


async def current_session(request: Request) -> SessionActor:
    """The caller's session or API token, or 401 saying how to authenticate."""
    header = request.headers.get("authorization")
    if header:
        return await _by_token(request, header)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await _by_cookie(request, cookie)
    raise SignInRequired(
        "sign in first (POST /api/session or /sign-in), or send `Authorization: Bearer <API token>`"
    )


async def current_actor(
    found: Annotated[SessionActor, Depends(current_session)],
) -> Actor:
    """FastAPI dependency: `actor: Annotated[Actor, Depends(current_actor)]`."""
    return found.actor


def set_session_cookie(response: Response, *, token: str, hours: float, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
