"""Server-rendered pages: one Jinja environment over `web/templates`, autoescaping HTML."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

_CSS_SAFE = frozenset(" -_.,:;/()=+'#%&?!")


def css_string(value: object) -> Markup:
    """Text for a CSS string in a <style> block (a PDF's running header): every character
    but letters, digits and plain punctuation as a CSS escape, so no value can end the string
    or the block."""
    text = str(value)
    escaped = "".join(c if c.isalnum() or c in _CSS_SAFE else f"\\{ord(c):x} " for c in text)
    return Markup(escaped.replace("&", "\\26 ").replace("'", "\\27 "))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("proficio.web", "templates"),
        autoescape=select_autoescape(default=True),
    )
    env.filters["css_string"] = css_string
    return env


def render(template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)
