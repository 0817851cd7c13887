"""The xAPI resources as one Starlette application, served under /xapi/.

They are plain Starlette routes rather than FastAPI ones: each parses its own parameters, headers
and bodies by xAPI's rules (not OpenAPI's), so FastAPI's per-request machinery (dependency
solving, its own middleware) would only cost time: 12 % of a State GET (docs/performance.md).
The xAPI protocol middleware sits here too, so it never touches Proficio's other pages.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Scope

from proficio.error_handlers import install_error_handlers
from proficio.lrs import definition_routes, document_routes, routes
from proficio.lrs.alternate import AlternateRequestSyntax
from proficio.lrs.versions import (
    VERSION_HEADER,
    VersionCheckMiddleware,
    XAPIHeadersMiddleware,
    XAPIVersions,
)

PREFIX = "/xapi/"
EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "X-Experience-API-Consistent-Through",
    VERSION_HEADER,
]


def create_xapi_app(
    *,
    state: State,
    versions: XAPIVersions,
    max_body_bytes: int,
    consistent_through: Callable[[Scope], str],
) -> Starlette:
    """The xAPI application; `state` is the main app's, so routes reach the same context.
    It only ever sees paths under PREFIX (`ProficioApp` sends it nothing else)."""
    app = Starlette(
        routes=[*routes.routes, *document_routes.routes, *definition_routes.routes],
        middleware=[
            # Outermost first: CORS answers preflights before any xAPI rule applies.
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
                allow_headers=["*"],
                expose_headers=EXPOSED_HEADERS,
                max_age=3600,
            ),
            Middleware(
                XAPIHeadersMiddleware, versions=versions, consistent_through=consistent_through
            ),
            Middleware(AlternateRequestSyntax, max_body_bytes=max_body_bytes),
            Middleware(VersionCheckMiddleware, versions=versions, exempt=("/xapi/about",)),
        ],
    )
    app.state = state
    install_error_handlers(app)
    return app
