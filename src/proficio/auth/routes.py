"""Sessions over HTTP: `POST /api/session` signs in, `GET` says who is signed in, `DELETE`
signs out; `GET /api/accounts` lists accounts (admins). Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from proficio.audit.log import Outcome
from proficio.auth.accounts import actor_of, check_sign_in, list_accounts
from proficio.auth.permissions import ORGANISATION, Action, Actor, ensure_permission
from proficio.auth.sessions import NewSession, SessionActor, end_session, start_session
from proficio.auth.web import (
    SESSION_COOKIE,
    current_actor,
    current_session,
    in_transaction,
    record_failure,
    set_session_cookie,
)
from proficio.context import context_of
from proficio.errors import BadRequest, SignInRequired, Unauthorized, UnsupportedMediaType


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    password: str


def _json(body: dict[str, Any], status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def account_json(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.account_id,
        "email": actor.email,
        "person_id": actor.person_id,
        "roles": sorted(actor.roles),
        "grants": sorted(actor.grants),
    }


async def sign_in(request: Request, *, email: str, password: str) -> tuple[Actor, NewSession]:
    """Check the email and password and open a session; audit a failure and re-raise it."""
    ctx = context_of(request)
    login = email.strip().lower()
    ctx.sign_in_throttle.check(login)
    try:
        # The slow password check runs in a read, not while holding the write lock.
        account = await ctx.db.read(lambda c: check_sign_in(c, email=email, password=password))
    except Unauthorized as exc:
        ctx.sign_in_throttle.failed(login)
        await record_failure(
            request,
            actor="anonymous",
            action="session:create",
            resource=f"email:{login}",
            outcome=Outcome.FAILED,
            reason=exc.reason,
        )
        raise SignInRequired(exc.reason) from None
    ctx.sign_in_throttle.succeeded(login)
    hours = ctx.settings.session_hours
    new = await in_transaction(
        ctx.db, lambda c: start_session(c, account_id=account.id, hours=hours)
    )
    return actor_of(account), new


def secure_cookies(request: Request) -> bool:
    return context_of(request).settings.public_url.startswith("https://")


async def _sign_in_body(request: Request) -> SessionCreate:
    # Only JSON: a cross-site HTML form cannot send it, so it cannot sign a browser in.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise UnsupportedMediaType(
            "send the email and password as application/json", field="Content-Type"
        )
    try:
        return SessionCreate.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadRequest(str(first["msg"]), field=field) from None


async def post_session(request: Request) -> Response:
    body = await _sign_in_body(request)
    actor, new = await sign_in(request, email=body.email, password=body.password)
    body_out = {
        "account": account_json(actor),
        "csrf_token": new.csrf_token,
        "expires_at": new.expires_at,
    }
    response = _json(body_out, status_code=201)
    hours = context_of(request).settings.session_hours
    set_session_cookie(response, token=new.token, hours=hours, secure=secure_cookies(request))
    return response


async def get_session(found: Annotated[SessionActor, Depends(current_session)]) -> Response:
    return _json(
        {
            "account": account_json(found.actor),
            "csrf_token": found.csrf_token,
            "expires_at": found.expires_at,
            "via": "session" if found.session_id is not None else "token",
        }
    )


async def delete_session(
    request: Request, found: Annotated[SessionActor, Depends(current_session)]
) -> Response:
    session_id = found.session_id
    if session_id is None:
        raise BadRequest(
            "an API token is not a session; revoke it with `proficio tokens revoke`",
            field="Authorization",
        )
    await in_transaction(context_of(request).db, lambda c: end_session(c, session_id=session_id))
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response


async def get_accounts(
    request: Request, actor: Annotated[Actor, Depends(current_actor)]
) -> Response:
    def read(conn: Connection) -> list[dict[str, object]]:
        ensure_permission(conn, actor, Action.ACCOUNTS_MANAGE, ORGANISATION)
        return [a.to_dict() for a in list_accounts(conn)]

    return _json({"accounts": await context_of(request).db.read(read)})


def session_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/api/session", post_session, methods=["POST"], status_code=201)
    router.add_api_route("/api/session", get_session, methods=["GET"])
    router.add_api_route("/api/session", delete_session, methods=["DELETE"], status_code=204)
    router.add_api_route("/api/accounts", get_accounts, methods=["GET"])
    return router
