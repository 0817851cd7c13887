"""The progress API: a person's levels (and one competency explained), the aggregates of a
team, cohort, role, department or workflow, and the frameworks and plans behind them. Thin:
parse, call a view or service, render. Reads need `progress:read` (scoped to whom the caller
may see); loading frameworks and plans needs `frameworks:manage`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import orjson
import yaml
from fastapi import APIRouter, Depends
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from proficio.auth.permissions import ORGANISATION, Action, Actor, ensure_permission
from proficio.auth.web import current_actor
from proficio.capture.profile import Profile
from proficio.context import AppContext, context_of
from proficio.errors import BadRequest, NotFound, PayloadTooLarge
from proficio.lrs.timestamps import iso_from_us
from proficio.progress import views
from proficio.progress.case import framework_from_case
from proficio.progress.loading import load_and_audit
from proficio.progress.plans import load_plans
from proficio.progress.service import Frameworks, now_us
from proficio.storage import progress as store

CurrentActor = Annotated[Actor, Depends(current_actor)]
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
_GROUP_PATHS = {
    "teams": "team",
    "cohorts": "cohort",
    "roles": "role",
    "departments": "department",
    "workflows": "workflow",
}


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _frameworks(ctx: AppContext) -> Frameworks:
    assert ctx.frameworks is not None, "create_app builds it"
    return ctx.frameworks


def _known_params(request: Request, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(request.query_params) - set(allowed))
    if extra:
        listed = ", ".join(allowed) or "none"
        raise BadRequest(f"not a parameter here (parameters: {listed})", field=extra[0])


def _stalled_days(request: Request) -> int:
    raw = request.query_params.get("stalled_days", "21")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 365:
        raise BadRequest("must be a whole number of days from 1 to 365", field="stalled_days")
    return int(raw)


async def _read(request: Request, fn: Callable[[Connection, list[Any]], Any]) -> Any:
    ctx = context_of(request)
    cache = _frameworks(ctx)
    return await ctx.db.read(lambda c: fn(c, cache.current(c)))


async def get_person(request: Request, person_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    return _json(
        await _read(
            request,
            lambda c, fws: views.person_progress(
                c, actor=actor, person_id=person_id, frameworks=fws, at_us=now_us()
            ),
        )
    )


async def explain(
    request: Request, person_id: str, competency_id: str, actor: CurrentActor
) -> Response:
    _known_params(request, ())
    return _json(
        await _read(
            request,
            lambda c, fws: views.person_progress(
                c,
                actor=actor,
                person_id=person_id,
                frameworks=fws,
                at_us=now_us(),
                competency_id=competency_id,
            ),
        )
    )


async def get_group(request: Request, kinds: str, group_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ("stalled_days",))
    kind = _GROUP_PATHS.get(kinds)
    if kind is None:
        raise NotFound(f"no such group kind {kinds!r}", field="kind")
    stalled = _stalled_days(request)
    return _json(
        await _read(
            request,
            lambda c, fws: views.group_progress(
                c,
                actor=actor,
                kind=kind,
                group_id=group_id,
                frameworks=fws,
                at_us=now_us(),
                stalled_days=stalled,
            ),
        )
    )


async def list_frameworks(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, ())
    ctx = context_of(request)

    def read(conn: Connection) -> list[dict[str, Any]]:
        ensure_permission(conn, actor, Action.PROGRESS_READ, ORGANISATION)
        return store.framework_rows(conn)

    return _json({"frameworks": await ctx.db.read(read)})


async def get_framework(request: Request, framework_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    ctx = context_of(request)

    def read(conn: Connection) -> dict[str, Any]:
        ensure_permission(conn, actor, Action.PROGRESS_READ, ORGANISATION)
        found = store.framework_document(conn, framework_id)
        if found is None:
            raise NotFound(f"no framework {framework_id!r}", field="framework_id")
        return found

    return _json(await ctx.db.read(read))


async def _document(request: Request, actor: Actor) -> Any:
    """The body as JSON or YAML, once the caller may manage frameworks (nobody else gets a
    large body read and parsed)."""
    ctx = context_of(request)
    await ctx.db.read(lambda c: ensure_permission(c, actor, Action.FRAMEWORKS_MANAGE, ORGANISATION))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise PayloadTooLarge(f"larger than {MAX_DOCUMENT_BYTES} bytes", field="body")
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    return await anyio.to_thread.run_sync(_parse, b"".join(chunks), content_type)


def _parse(body: bytes, content_type: str) -> Any:
    try:
        if content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
            return yaml.safe_load(body)
        return orjson.loads(body)
    except (orjson.JSONDecodeError, yaml.YAMLError, RecursionError) as exc:
        reason = "nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise BadRequest(
            f"is not valid {content_type or 'JSON'} ({reason})", field="body"
        ) from None


async def put_framework(request: Request, framework_id: str, actor: CurrentActor) -> Response:
    _known_params(request, ())
    document = await _document(request, actor)
    if isinstance(document, dict) and document.get("id") != framework_id:
        raise BadRequest(f"must be {framework_id!r}, the id in the URL", field="id")
    return await _load(request, actor, document, source="yaml-or-json")


async def post_case(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, ())
    package = await _document(request, actor)
    return await _load(request, actor, framework_from_case(package), source="CASE 1.1")


async def _load(request: Request, actor: Actor, document: Any, *, source: str) -> Response:
    ctx = context_of(request)
    framework, replaced = await anyio.to_thread.run_sync(
        partial(
            load_and_audit,
            ctx.db,
            document=document,
            profile=Profile(ctx.settings.profile_namespace),
            actor=str(actor),
            source=source,
            authorize=lambda c: ensure_permission(c, actor, Action.FRAMEWORKS_MANAGE, ORGANISATION),
        )
    )
    body = {
        "framework_id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "competencies": len(framework.competencies),
        "assessed": len(framework.assessed),
        "replaced": replaced,
    }
    return _json(body, 200 if replaced else 201)


async def get_plans(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, ())
    ctx = context_of(request)

    def read(conn: Connection) -> list[dict[str, Any]]:
        ensure_permission(conn, actor, Action.PROGRESS_READ, ORGANISATION)
        return store.plan_documents(conn)

    return _json({"plans": await ctx.db.read(read)})


async def put_plans(request: Request, actor: CurrentActor) -> Response:
    _known_params(request, ())
    document = await _document(request, actor)
    ctx = context_of(request)
    cache = _frameworks(ctx)

    def write() -> int:
        with ctx.db.transaction() as tx:
            ensure_permission(tx.conn, actor, Action.FRAMEWORKS_MANAGE, ORGANISATION)
            plans = load_plans(
                tx.conn,
                document=document,
                frameworks=cache.current(tx.conn),
                at=iso_from_us(now_us()),
            )
            return len(plans)

    return _json({"plans": await anyio.to_thread.run_sync(write)})


def progress_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/api/progress/people/{person_id}", get_person, methods=["GET"])
    router.add_api_route(
        "/api/progress/people/{person_id}/competencies/{competency_id}", explain, methods=["GET"]
    )
    router.add_api_route("/api/progress/{kinds}/{group_id:path}", get_group, methods=["GET"])
    router.add_api_route("/api/frameworks", list_frameworks, methods=["GET"])
    router.add_api_route("/api/frameworks/case", post_case, methods=["POST"])
    router.add_api_route("/api/frameworks/{framework_id}", get_framework, methods=["GET"])
    router.add_api_route("/api/frameworks/{framework_id}", put_framework, methods=["PUT"])
    router.add_api_route("/api/plans", get_plans, methods=["GET"])
    router.add_api_route("/api/plans", put_plans, methods=["PUT"])
    return router
