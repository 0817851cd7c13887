"""Server-rendered pages: one Jinja environment over `web/templates`, autoescaping HTML."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("proficio.web", "templates"),
        autoescape=select_autoescape(default=True),
    )


def render(template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)
