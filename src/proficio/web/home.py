"""The home page: `GET /` sends a signed-in browser to its role view (`web.navigation`), and
without a session to the sign-in page; an account with no view (no person, no organisation-wide
reach) sees who it is and the JSON API it may use. `GET /home.json` is the JSON twin."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proficio.auth.permissions import Action, Actor, Reach, reach_of
from proficio.auth.web import current_actor, current_session
from proficio.context import context_of
from proficio.errors import SignInRequired
from proficio.web.navigation import VIEW_COOKIE, home_of, views_of
from proficio.web.templates import render


def home_context(actor: Actor) -> dict[str, Any]:
    """The account, its roles, and the links its permissions open."""
    links = []
    if actor.person_id is not None:
        links += [
            ("My record", f"/api/people/{actor.person_id}"),
            ("My timeline", f"/api/people/{actor.person_id}/timeline"),
        ]
    if reach_of(actor, Action.TEAMS_READ) >= Reach.TEAM and actor.person_id is not None:
        links.append(("My team", f"/api/teams/{actor.person_id}"))
    if reach_of(actor, Action.PEOPLE_READ) > Reach.NONE:
        links.append(("People I may see", "/api/people"))
    if reach_of(actor, Action.COHORTS_READ) > Reach.NONE:
        links.append(("Cohorts", "/api/cohorts"))
    return {
        "account": {"email": actor.email, "person_id": actor.person_id},
        "roles": sorted(actor.roles),
        "links": [{"label": label, "href": href} for label, href in links],
    }


async def home(request: Request) -> Response:
    try:
        found = await current_session(request)
    except SignInRequired:
        return RedirectResponse("/sign-in", status_code=303)
    actor = await current_actor(found)
    views = await context_of(request).db.read(lambda c: views_of(c, actor))
    target = home_of(views, request.cookies.get(VIEW_COOKIE))
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render("home.html", home_context(actor))


async def home_json(request: Request) -> Response:
    actor = await current_actor(await current_session(request))
    views = await context_of(request).db.read(lambda c: views_of(c, actor))
    body = {**home_context(actor), "views": views, "home": home_of(views, None)}
    return Response(orjson.dumps(body), media_type="application/json")


def home_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    router.add_api_route("/home.json", home_json, methods=["GET"], include_in_schema=False)
    return router
