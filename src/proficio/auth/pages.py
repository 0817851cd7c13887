"""The sign-in page: `GET /sign-in` shows the form, `POST /sign-in` signs in and goes to `/`.

Before a session exists there is no session CSRF token, so the form uses a double-submit
token: the same random value in an HttpOnly cookie and in a hidden field; a cross-site form can
send the field but cannot read or set the cookie. A failure re-renders the form with one
message that never says whether the email exists.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proficio.auth.routes import secure_cookies, sign_in
from proficio.auth.sessions import end_session, session_actor
from proficio.auth.web import SESSION_COOKIE, in_transaction, set_session_cookie
from proficio.context import context_of
from proficio.errors import PayloadTooLarge, TooManyRequests, Unauthorized
from proficio.web.templates import render

FORM_CSRF_COOKIE = "proficio_sign_in_csrf"
MAX_FORM_BYTES = 16 * 1024
WRONG = "Wrong email or password."
EXPIRED = "This sign-in form had expired; please try again."


def local_path(raw: str | None) -> str:
    """Where to go after signing in: a path on this server, never another host."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return "/"
    return raw


def _form_page(
    request: Request,
    *,
    message: str | None = None,
    email: str = "",
    status_code: int = 200,
    next_path: str | None = None,
) -> Response:
    token = request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(32)
    next_path = local_path(next_path or request.query_params.get("next"))
    response = render(
        "sign_in.html",
        {"csrf_token": token, "message": message, "email": email, "next": next_path},
        status_code=status_code,
    )
    response.set_cookie(
        FORM_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/sign-in",
    )
    return response


async def sign_in_page(request: Request) -> Response:
    return _form_page(request)


async def sign_in_form(request: Request) -> Response:
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"a sign-in form is at most {MAX_FORM_BYTES} bytes")
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    email = fields.get("email", "")
    next_path = local_path(fields.get("next"))
    again = {"email": email, "next_path": next_path}
    cookie = request.cookies.get(FORM_CSRF_COOKIE, "")
    sent = fields.get("csrf_token", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return _form_page(request, message=EXPIRED, status_code=403, **again)
    try:
        _actor, new = await sign_in(request, email=email, password=fields.get("password", ""))
    except Unauthorized as exc:
        disabled = "disabled" in exc.reason
        message = "This account is disabled; ask an administrator." if disabled else WRONG
        return _form_page(request, message=message, status_code=401, **again)
    except TooManyRequests as exc:
        message = exc.reason[0].upper() + exc.reason[1:] + "."
        return _form_page(request, message=message, status_code=429, **again)
    response = RedirectResponse(next_path, status_code=303)
    hours = context_of(request).settings.session_hours
    set_session_cookie(response, token=new.token, hours=hours, secure=secure_cookies(request))
    response.delete_cookie(FORM_CSRF_COOKIE, path="/sign-in")
    return response


async def sign_out_form(request: Request) -> Response:
    """The pages' sign-out button: a form that carries the session's CSRF token (a form cannot
    send the X-CSRF-Token header the API asks for). Signed out or not, it ends at sign-in."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"a sign-out form is at most {MAX_FORM_BYTES} bytes")
    sent = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}.get(
        "csrf_token", ""
    )
    response = RedirectResponse("/sign-in", status_code=303)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return response
    db = context_of(request).db
    try:
        found = await db.read(lambda c: session_actor(c, token=cookie))
    except Unauthorized:  # expired already
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    expected = (found.csrf_token or "").encode()
    if not sent or not hmac.compare_digest(sent.encode(), expected):
        return RedirectResponse("/", status_code=303)  # a cross-site post: stay signed in
    session_id = found.session_id
    if session_id is not None:
        await in_transaction(db, lambda c: end_session(c, session_id=session_id))
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response


def sign_in_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/sign-in", sign_in_page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/sign-in", sign_in_form, methods=["POST"], include_in_schema=False)
    router.add_api_route("/sign-out", sign_out_form, methods=["POST"], include_in_schema=False)
    return router
