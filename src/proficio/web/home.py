"""The home page: who is signed in and where their data is. `GET /` renders it, `GET
/home.json` is its JSON twin; without a session `/` sends the browser to the sign-in page.
The role pages (issue 6) will hang off it; until then it links the JSON API a role may use."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proficio.auth.permissions import Action, Actor, Reach, reach_of
from proficio.auth.web import current_actor, current_session
from proficio.errors import SignInRequired
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
    return render("home.html", home_context(await current_actor(found)))


async def home_json(request: Request) -> Response:
    actor = await current_actor(await current_session(request))
    return Response(orjson.dumps(home_context(actor)), media_type="application/json")


def home_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    router.add_api_route("/home.json", home_json, methods=["GET"], include_in_schema=False)
    return router
