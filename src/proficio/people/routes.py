"""The JSON API for people, teams, cohorts and a person's timeline. Thin: parse, call a view
(`people.views`, which checks permissions), render."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from proficio.auth.permissions import Actor
from proficio.auth.web import current_actor
from proficio.context import context_of
from proficio.errors import BadRequest
from proficio.people import views

CurrentActor = Annotated[Actor, Depends(current_actor)]
MAX_PAGE = 500
_PEOPLE_FILTERS = ("department", "role", "status", "manager", "q")


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def _limit(request: Request, default: int) -> int:
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"must be a whole number from 1 to {MAX_PAGE}", field="limit")
    return int(raw)


def _known_params(request: Request, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(request.query_params) - set(allowed))
    if extra:
        raise BadRequest(f"not a parameter here (parameters: {', '.join(allowed)})", field=extra[0])


async def list_people(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, (*_PEOPLE_FILTERS, "after", "limit"))
    filters = {k: v for k in _PEOPLE_FILTERS if (v := request.query_params.get(k))}
    after, limit = request.query_params.get("after"), _limit(request, 100)
    page, last = await context_of(request).db.read(
        lambda c: views.people_page(c, actor=actor, filters=filters, after=after, limit=limit)
    )
    more = f"/api/people?{urlencode({**filters, 'limit': limit, 'after': last})}" if last else None
    return _json({"people": page, "more": more})


async def get_person(request: Request, person_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    return _json(
        await context_of(request).db.read(
            lambda c: views.person_view(c, actor=actor, person_id=person_id)
        )
    )


async def get_timeline(request: Request, person_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ("before", "limit"))
    raw = request.query_params.get("before")
    before = None
    if raw is not None:
        when, _, seq = raw.partition(".")
        if not (when.lstrip("-").isdigit() and seq.isdigit()):
            raise BadRequest("must be the value the `more` link gives", field="before")
        before = (int(when), int(seq))
    limit = _limit(request, 50)
    items, last = await context_of(request).db.read(
        lambda c: views.timeline_page(
            c, actor=actor, person_id=person_id, before=before, limit=limit
        )
    )
    more = f"/api/people/{person_id}/timeline?limit={limit}&before={last}" if last else None
    return _json({"person_id": person_id, "items": items, "more": more})


async def get_sensitive(request: Request, person_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    attributes = await context_of(request).db.read(
        lambda c: views.sensitive_view(c, actor=actor, person_id=person_id)
    )
    return _json({"person_id": person_id, "attributes": attributes})


async def get_team(request: Request, manager_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    return _json(
        await context_of(request).db.read(
            lambda c: views.team_view(c, actor=actor, manager_id=manager_id)
        )
    )


async def list_cohorts(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, ())
    found = await context_of(request).db.read(lambda c: views.cohorts_view(c, actor=actor))
    return _json({"cohorts": found})


async def get_cohort(request: Request, cohort_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    return _json(
        await context_of(request).db.read(
            lambda c: views.cohort_view(c, actor=actor, cohort_id=cohort_id)
        )
    )


def people_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/api/people", list_people, methods=["GET"])
    router.add_api_route("/api/people/{person_id}", get_person, methods=["GET"])
    router.add_api_route("/api/people/{person_id}/timeline", get_timeline, methods=["GET"])
    router.add_api_route("/api/people/{person_id}/sensitive", get_sensitive, methods=["GET"])
    router.add_api_route("/api/teams/{manager_id}", get_team, methods=["GET"])
    router.add_api_route("/api/cohorts", list_cohorts, methods=["GET"])
    router.add_api_route("/api/cohorts/{cohort_id}", get_cohort, methods=["GET"])
    return router
