"""Dashboard pages: each is a context built by a view function and rendered by a template, with
a JSON twin at the same URL plus `.json` (and, where the page is a table, `.csv`; the
compliance report also `.pdf`). Tests assert on the twins; the HTML shows the same numbers.

A page is data (`Page`): its path, template, view, and the filters it accepts. `page_routes`
turns each into routes. Filters are query parameters; one the page does not know is a 400
naming it, so a tampered URL gets a clear message, never a guess. Without a valid session an
HTML page sends the browser to sign in and back; the twins answer 401 like the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proficio.auth.permissions import Actor
from proficio.auth.routes import secure_cookies
from proficio.auth.sessions import SessionActor
from proficio.auth.web import current_session
from proficio.capture.profile import Profile
from proficio.context import context_of
from proficio.errors import BadRequest, ProficioError, SignInRequired
from proficio.lrs.timestamps import iso_from_us
from proficio.progress import training
from proficio.progress.frameworks import Framework
from proficio.progress.service import now_us
from proficio.web.cache import PageCache, data_version, levels_version
from proficio.web.navigation import VIEW_COOKIE, views_of
from proficio.web.pdf import html_to_pdf
from proficio.web.templates import environment, render

T = TypeVar("T")
MAX_PARAM_CHARS = 200
HTML_ONLY = frozenset({"charts"})  # rendered markup: the twin has the numbers it draws


@dataclass(frozen=True)
class Ask:
    """What a page view is given: who asks, the filters sent (path parameters included), the
    compiled frameworks, and the moment the page is for."""

    actor: Actor
    params: dict[str, str]
    frameworks: list[Framework]
    at_us: int
    path: str
    profile: Profile
    query: dict[str, str] = field(default_factory=dict)  # the filters alone, for links
    fmt: str = "html"  # html, json, csv or pdf
    cache: PageCache = field(default_factory=PageCache)
    as_of: list[float] = field(default_factory=list)  # when older figures shown were made

    @property
    def whole(self) -> bool:
        """An export (CSV, PDF): every row, not one page of them, and no stale figure."""
        return self.fmt in ("csv", "pdf")

    @property
    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.at_us / 1e6, dt.UTC).date()

    def training(self, conn: Connection, person_ids: set[str] | None) -> list[training.Record]:
        """Required-training records of `person_ids` (None: everyone), from the cache."""
        today = self.today
        every = self.cached(
            conn,
            ("training", today),
            training.COMPLETING_VERBS,
            lambda c: training.records(c, today=today),
        )
        return every if person_ids is None else [r for r in every if r.person_id in person_ids]

    def cached(
        self,
        conn: Connection,
        key: Hashable,
        verbs: Sequence[str],
        compute: Callable[[Connection], T],
        *,
        levels: bool = False,
    ) -> T:
        """`compute(conn)`, or its result from an earlier request while no statement with one
        of `verbs` (nor people, cohorts or identities, nor with `levels` any judged level) has
        changed since; a page (not an export) may be shown a slightly older result while the
        new one is computed."""

        def version_of(c: Connection) -> Hashable:
            return (data_version(c, verbs), levels_version(c) if levels else None)

        value, made = self.cache.get(conn, key, version_of, compute, exact=self.whole)
        if made is not None:
            self.as_of.append(made)
        return value

    @property
    def figures_as_of(self) -> str | None:
        """When the oldest figure shown was made, if older than the data (else None)."""
        if not self.as_of:
            return None
        return iso_from_us(int(min(self.as_of) * 1_000_000))

    def link(self, suffix: str = "", **changes: str | int | None) -> str:
        """This page's URL (plus `suffix`, e.g. ".csv") with some filters changed."""
        query = dict(self.query)
        for key, value in changes.items():
            if value is None or value == "":
                query.pop(key, None)
            else:
                query[key] = str(value)
        return self.path + suffix + (f"?{urlencode(query)}" if query else "")


View = Callable[[Connection, Ask], dict[str, Any]]


@dataclass(frozen=True)
class Table:
    """A CSV export: a file name, a header and its rows."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


@dataclass(frozen=True)
class Page:
    path: str  # a route path, e.g. "/people/{person_id}"
    template: str
    view: View
    filters: tuple[str, ...] = ()
    view_name: str | None = None  # the role view it is (remembered as the home page)
    tables: Callable[[dict[str, Any], dict[str, str]], Table] | None = None  # .csv
    pdf: str | None = None  # .pdf: the template it prints


def paginate(rows: list[T], ask: Ask, size: int) -> tuple[list[T], dict[str, Any]]:
    """The rows of the page `ask` names (all of them for an export), and the links around it.
    A page past the last is a 400 naming `page`."""
    raw = ask.params.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest("must be a whole number from 1", field="page")
    page = int(raw)
    size = (len(rows) or 1) if ask.whole else size
    pages = max(1, -(-len(rows) // size))
    if page > pages:
        raise BadRequest(f"there are {pages} pages", field="page")
    return rows[(page - 1) * size : page * size], {
        "page": page,
        "pages": pages,
        "rows": len(rows),
        "previous": ask.link(page=page - 1) if page > 1 else None,
        "next": ask.link(page=page + 1) if page < pages else None,
    }


def _params(request: Request, page: Page) -> dict[str, str]:
    extra = sorted(set(request.query_params) - set(page.filters))
    if extra:
        listed = ", ".join(page.filters) or "none"
        raise BadRequest(f"is not a filter of this page (filters: {listed})", field=extra[0])
    params = {}
    for key, value in [*request.query_params.items(), *request.path_params.items()]:
        if len(value) > MAX_PARAM_CHARS:
            raise BadRequest(f"is longer than {MAX_PARAM_CHARS} characters", field=key)
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise BadRequest("holds a control character", field=key)
        params[key] = value.strip()
    return params


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def layout(found: SessionActor, current: str | None, views: list[dict[str, str]]) -> dict[str, Any]:
    """What every page's frame shows: the account, the role views it may switch between, and
    the token its sign-out form carries."""
    return {
        "account": {"email": found.actor.email, "person_id": found.actor.person_id},
        "views": [{**v, "current": v["name"] == current} for v in views],
        "csrf_token": found.csrf_token or "",
    }


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula (a name or note imported
    from elsewhere starting with "=") is quoted with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def csv_response(table: Table) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{table.name}.csv"'},
    )


# Every page and export holds personal data: kept out of shared and back-button caches after
# sign-out, and never framed by another site (a framed sign-out button could be clicked).
PRIVATE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _handler(page: Page, fmt: str) -> Callable[..., Any]:
    async def handle(request: Request) -> Response:
        response = await respond(request)
        response.headers.update(PRIVATE)
        return response

    async def respond(request: Request) -> Response:
        try:
            found = await current_session(request)
        except SignInRequired:
            if fmt == "html":
                return _sign_in_redirect(request)
            raise
        ctx = context_of(request)
        actor = found.actor
        assert ctx.frameworks is not None, "create_app builds it"
        frameworks = ctx.frameworks

        def build(conn: Connection) -> tuple[dict[str, Any], list[dict[str, str]]]:
            params = _params(request, page)
            query = {k: v for k, v in params.items() if k not in request.path_params}
            ask = Ask(
                actor=actor,
                params=params,
                frameworks=frameworks.current(conn),
                at_us=now_us(),
                path=request.url.path.removesuffix(f".{fmt}"),
                profile=frameworks.profile,
                query=query,
                fmt=fmt,
                cache=ctx.pages,
            )
            context = page.view(conn, ask)
            if ask.as_of:
                context["figures_as_of"] = ask.figures_as_of
            return context, (views_of(conn, actor) if fmt == "html" else [])

        try:
            context, views = await ctx.db.read(build)
            if fmt == "json":
                twin = {k: v for k, v in context.items() if k not in HTML_ONLY}
                return Response(orjson.dumps(twin), media_type="application/json")
            if fmt == "csv":
                assert page.tables is not None
                return csv_response(page.tables(context, dict(request.query_params)))
            if fmt == "pdf":
                assert page.pdf is not None
                html = environment().get_template(page.pdf).render(**context)
                body = await html_to_pdf(html, chromium=ctx.settings.chromium_path)
                name = page.pdf.removesuffix(".html")
                return Response(
                    body,
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
                )
        except ProficioError as exc:
            if fmt != "html":
                raise
            return await _error(request, found, exc)
        view_name = context.get("view", page.view_name)
        response = render(page.template, {**context, **layout(found, view_name, views)})
        if view_name is not None:
            response.set_cookie(
                VIEW_COOKIE,
                view_name,
                httponly=True,
                samesite="lax",
                secure=secure_cookies(request),
            )
        return response

    return handle


async def _error(request: Request, found: SessionActor, exc: ProficioError) -> Response:
    ctx = context_of(request)
    views = await ctx.db.read(lambda c: views_of(c, found.actor))
    context = {
        **layout(found, None, views),
        "title": _ERROR_TITLES.get(exc.status, "Something went wrong"),
        "status": exc.status,
        "message": exc.message,
    }
    return render("error.html", context, status_code=exc.status)


_ERROR_TITLES = {
    400: "This page cannot show that",
    403: "Not yours to see",
    404: "Not found",
    503: "Not available here",
}


def page_routes(pages: Sequence[Page]) -> APIRouter:
    router = APIRouter()
    for page in pages:
        # The suffixed routes first: "/people/{person_id}" would also match "/people/E1.json".
        formats = (["pdf"] if page.pdf else []) + (["csv"] if page.tables else []) + ["json"]
        for fmt in [*formats, "html"]:
            path = page.path if fmt == "html" else f"{page.path}.{fmt}"
            router.add_api_route(
                path, _handler(page, fmt), methods=["GET"], include_in_schema=False
            )
    return router
