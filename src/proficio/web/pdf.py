"""PDF reports, printed from HTML by headless Chromium: a page's print template, with its
page numbers and running header in CSS `@page` margin boxes.

Chromium runs as a child process on a temporary copy of the HTML, with its own throwaway
profile and every host name mapped to nowhere, so printing cannot reach the network. (WeasyPrint
took six times longer and 1.4 GB on a 10,000-row table here.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import anyio

from proficio.errors import ServiceUnavailable

TIMEOUT_SECONDS = 120
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(configured: str | None) -> str:
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise ServiceUnavailable(
                f"{configured!r} is not an executable Chromium", field="PROFICIO_CHROMIUM_PATH"
            )
        return configured
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ServiceUnavailable(
        "PDF export needs Chromium on the server: install it (Debian: apt-get install "
        "chromium) or set PROFICIO_CHROMIUM_PATH",
        field="format",
    )


async def html_to_pdf(html: str, *, chromium: str | None) -> bytes:
    program = find_chromium(chromium)
    with tempfile.TemporaryDirectory(prefix="proficio-pdf-") as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        args = [
            program,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses its sandbox to root
        try:
            with anyio.fail_after(TIMEOUT_SECONDS):
                done = await anyio.run_process(args, check=False)
        except TimeoutError:
            raise ServiceUnavailable(
                f"Chromium took longer than {TIMEOUT_SECONDS} s to print the report; "
                "narrow the filter",
                field="format",
            ) from None
        if done.returncode != 0 or not target.exists():
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ServiceUnavailable(
                f"Chromium could not print the report ({' '.join(detail) or done.returncode})",
                field="format",
            )
        return target.read_bytes()
