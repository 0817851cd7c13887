"""Every page's routes, and the stylesheet they share (Proficio's own, shipped in the package)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from proficio.web import compliance, learner, program, team
from proficio.web.pages import page_routes

STATIC = Path(__file__).resolve().parent / "static"
PAGES = (*learner.PAGES, *team.PAGES, *program.PAGES, *compliance.PAGES)


def dashboard_routes() -> APIRouter:
    router = page_routes(PAGES)
    router.add_api_route("/me", learner.me, methods=["GET"], include_in_schema=False)
    return router


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
