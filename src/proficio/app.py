"""The app factory: `create_app(settings)` builds everything; nothing is created at import."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Literal

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from proficio.auth.basic import Authenticator
from proficio.auth.pages import sign_in_routes
from proficio.auth.routes import session_routes
from proficio.capture.profile import Profile
from proficio.capture.routes import import_routes
from proficio.context import AppContext
from proficio.error_handlers import install_error_handlers
from proficio.lrs.asgi import PREFIX, create_xapi_app
from proficio.lrs.handlers import writer_handlers
from proficio.lrs.timestamps import iso_from_us
from proficio.people.routes import people_routes
from proficio.progress.judging import Judges, judge_continuously
from proficio.progress.routes import progress_routes
from proficio.progress.service import Frameworks, ensure_default_framework
from proficio.settings import Settings
from proficio.storage.blobs import open_blob_store
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade
from proficio.storage.writer import Writer
from proficio.web.cache import PageCache
from proficio.web.home import home_routes
from proficio.web.routes import dashboard_routes, mount_static


def _consistent_through(scope: Scope) -> str:
    ctx: AppContext = scope["app"].state.proficio
    return iso_from_us(int(ctx.writer.consistent_through() * 1_000_000))


class ProficioApp(FastAPI):
    """FastAPI for Proficio's own pages and APIs; requests under /xapi/ go straight to the xAPI
    application (`proficio.lrs.asgi`), which shares this app's state and lifespan."""

    xapi: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.xapi(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    writer_start_method: Literal["forkserver", "spawn"] = "forkserver",
) -> ProficioApp:
    """The application. `proficio serve` starts its writer process with "spawn" (see
    `Writer`); the default suits tests and tools that build many apps."""
    settings = settings or Settings()
    versions = settings.served_versions
    # Opened here, so a bad setting stops create_app before any process or pool starts.
    blobs = open_blob_store(
        settings.attachment_store,
        s3_endpoint_url=settings.s3_endpoint_url,
        s3_region=settings.s3_region,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        if settings.migrate_on_start:
            upgrade(db.engine)
        with db.transaction() as tx:
            ensure_default_framework(tx.conn, profile=Profile(settings.profile_namespace))
        writer = Writer(
            settings.database_url,
            handlers=partial(
                writer_handlers,
                account_home_pages=settings.account_home_pages,
            ),
            sqlite_synchronous=settings.sqlite_synchronous,
            start_method=writer_start_method,
        )
        authenticator = Authenticator(db, ttl_seconds=settings.auth_cache_seconds)
        app.state.proficio = AppContext(
            settings=settings,
            db=db,
            authenticator=authenticator,
            writer=writer,
            versions=versions,
            blobs=blobs,
            frameworks=Frameworks(Profile(settings.profile_namespace)),
            pages=PageCache(db, max_stale_seconds=settings.dashboard_max_stale_seconds),
        )
        judges = Judges(
            settings.database_url,
            profile_namespace=settings.profile_namespace,
            start_method=writer_start_method,
        )
        judging = asyncio.create_task(
            judge_continuously(db, writer, judges, interval=settings.progress_interval_seconds)
        )
        try:
            yield
        finally:
            judging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await judging
            judges.stop()
            app.state.proficio.pages.wait_idle()
            writer.close()
            db.close()

    app = ProficioApp(title="Proficio", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    app.include_router(session_routes())
    app.include_router(sign_in_routes())
    app.include_router(home_routes())
    app.include_router(people_routes())
    app.include_router(import_routes())
    app.include_router(progress_routes())
    app.include_router(dashboard_routes())
    mount_static(app)
    app.xapi = create_xapi_app(
        state=app.state,
        versions=versions,
        max_body_bytes=settings.max_body_bytes,
        consistent_through=_consistent_through,
    )
    return app
