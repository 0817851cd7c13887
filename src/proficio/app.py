"""The app factory: `create_app(settings)` builds everything; nothing is created at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Scope

from proficio.auth.basic import Authenticator
from proficio.context import AppContext
from proficio.error_handlers import install_error_handlers
from proficio.lrs.alternate import AlternateRequestSyntax
from proficio.lrs.definition_routes import router as definition_router
from proficio.lrs.document_routes import router as document_router
from proficio.lrs.handlers import writer_handlers
from proficio.lrs.routes import router as lrs_router
from proficio.lrs.timestamps import iso_from_us
from proficio.lrs.versions import VERSION_HEADER, VersionCheckMiddleware, XAPIHeadersMiddleware
from proficio.settings import Settings
from proficio.storage.blobs import open_blob_store
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade
from proficio.storage.writer import Writer

EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "X-Experience-API-Consistent-Through",
    VERSION_HEADER,
]


def _consistent_through(scope: Scope) -> str:
    ctx: AppContext = scope["app"].state.proficio
    return iso_from_us(int(ctx.writer.consistent_through() * 1_000_000))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    versions = settings.served_versions

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        if settings.migrate_on_start:
            upgrade(db.engine)
        writer = Writer(
            settings.database_url,
            handlers=writer_handlers,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
        authenticator = Authenticator(db, ttl_seconds=settings.auth_cache_seconds)
        app.state.proficio = AppContext(
            settings=settings,
            db=db,
            authenticator=authenticator,
            writer=writer,
            versions=versions,
            blobs=open_blob_store(
                settings.attachment_store,
                s3_endpoint_url=settings.s3_endpoint_url,
                s3_region=settings.s3_region,
            ),
        )
        try:
            yield
        finally:
            writer.close()
            db.close()

    app = FastAPI(title="Proficio", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    app.include_router(lrs_router)
    app.include_router(document_router)
    app.include_router(definition_router)
    app.add_middleware(
        VersionCheckMiddleware, versions=versions, prefix="/xapi/", exempt=("/xapi/about",)
    )
    app.add_middleware(
        AlternateRequestSyntax, prefix="/xapi/", max_body_bytes=settings.max_body_bytes
    )
    app.add_middleware(
        XAPIHeadersMiddleware, versions=versions, consistent_through=_consistent_through
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )
    return app
