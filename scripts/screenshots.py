"""Screenshots of each role's main page on the demo company, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--db proficio-demo.db]

Starts `proficio demo` (loading the demo on the first run), signs in as each printed account in
Debian's Chromium, and saves the top of each role's page. Needs Chromium (apt-get install
chromium); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("learner", "manager", "enablement", "compliance")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(ROOT / "proficio-demo.db"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("install Chromium first (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "proficio"), "demo", "--db", args.db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    logins: dict[str, tuple[str, str]] = {}
    try:
        for line in server.stdout:
            found = re.match(r"^  (\w+)\s+(\S+@\S+)\s+(\S+)  \(", line)
            if found:
                logins[found[1]] = (found[2], found[3])
            if "admin" in logins:
                break
        base = f"http://127.0.0.1:{port}"
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            for role in ROLES:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                for _ in range(100):  # the server may still be starting
                    try:
                        page.goto(base + "/sign-in")
                        break
                    except Exception:
                        time.sleep(0.2)
                page.fill("#email", logins[role][0])
                page.fill("#password", logins[role][1])
                page.click("button[type=submit]")
                page.wait_for_load_state("load")
                page.screenshot(path=str(args.out / f"{role}.png"))
                print(f"{role}: {page.url}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
