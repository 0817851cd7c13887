"""Each role's dashboard in a real browser: Debian's Chromium driven by Playwright, against a
real `proficio serve` on the small demo company. Each role signs in through the form, sees its
page, drills down and exports; a manager opening another team's person gets 403 and nothing of
them; no page asks any host but the server; axe finds no violation on any role's main page;
the pages work by keyboard. Screenshots of each main page are kept in test-artifacts/.

Nothing here downloads a browser: without Chromium these tests skip with one line saying how
to install it, except under CI=true, where they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import BROWSER_SKIP_REASON
from tests.dashboards import DemoOrg, build_demo_org
from tests.live_server import LiveServer

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("PROFICIO_TEST_CHROMIUM") or shutil.which("chromium") or ""
HOW = BROWSER_SKIP_REASON
MAIN_PAGES = {
    "learner": ("/people/", "My progress"),
    "manager": ("/team", "My team"),
    "enablement": ("/program", "Program"),
    "compliance": ("/compliance", "Required training records"),
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium must be installed when CI=true: browser tests may not skip")
        pytest.skip(HOW)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, DemoOrg]]:
    home = tmp_path_factory.mktemp("browser")
    org = build_demo_org(f"sqlite:///{home / 'demo.db'}")
    server = LiveServer(org.url, home / "server.log")
    server.start()
    yield server, org
    server.stop()


class Visit:
    """A browser tab that records every request it makes."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Page = self.context.new_page()
        self.server = server
        self.requested: list[str] = []
        self.page.on("request", lambda request: self.requested.append(request.url))

    def sign_in(self, email: str, password: str) -> None:
        self.page.goto(self.server.url + "/sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")

    def only_our_server_was_asked(self) -> None:
        strangers = [u for u in self.requested if not u.startswith(self.server.url + "/")]
        assert strangers == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(chromium: Browser, served: tuple[LiveServer, DemoOrg]) -> Iterator[Visit]:
    found = Visit(chromium, served[0])
    yield found
    found.close()


def _check_main_page(visit: Visit, role: str) -> None:
    path, heading = MAIN_PAGES[role]
    page = visit.page
    assert path in page.url, page.url
    assert page.locator("h1").inner_text() == heading
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{role}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("role", list(MAIN_PAGES))
def test_each_role_signs_in_sees_its_page_drills_down_and_exports(
    visit: Visit, served: tuple[LiveServer, DemoOrg], role: str
) -> None:
    login = served[1].logins[role]
    visit.sign_in(login.email, login.password)
    _check_main_page(visit, role)
    page = visit.page
    if role == "learner":
        page.locator("article.competency a[href*='/evidence/']").first.click()
        assert page.locator("h1").inner_text().startswith("Evidence ")
        page.go_back()
        with page.expect_download() as download:
            page.click("text=Export it (JSON)")
        assert download.value.suggested_filename.endswith(".json")
    elif role == "manager":
        with page.expect_download() as download:
            page.click("text=CSV (all rows)")
        assert download.value.suggested_filename == "team.csv"
        name = page.locator("table.heatmap tbody th a").first.inner_text()
        page.locator("table.heatmap tbody th a").first.click()
        assert page.locator("h1").inner_text() == f"{name}: progress"
    elif role == "enablement":
        page.locator("table.compact tbody td a").first.click()
        assert "/program/people" in page.url
        assert page.locator("tbody tr").count() >= 1
        page.go_back()
        with page.expect_download() as download:
            page.locator("text=this table as CSV").first.click()
        assert download.value.suggested_filename.startswith("program-")
    else:
        page.select_option("select[name=status]", "overdue")
        page.click("form.filters button")
        assert "status=overdue" in page.url
        with page.expect_download() as download:
            page.click("text=PDF report")
        assert download.value.suggested_filename == "compliance_print.pdf"
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-")
    visit.only_our_server_was_asked()


def test_a_manager_opening_another_teams_person_sees_403_and_nothing_of_them(
    visit: Visit, served: tuple[LiveServer, DemoOrg]
) -> None:
    server, org = served
    learner, manager = org.logins["learner"], org.logins["manager"]
    visit.sign_in(manager.email, manager.password)
    team = visit.page.locator("table.heatmap tbody th a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert f"/people/{learner.person_id}" not in team  # the demo learner is in another team
    response = visit.page.goto(f"{server.url}/people/{learner.person_id}")
    assert response is not None and response.status == 403
    assert visit.page.locator("h1").inner_text() == "Not yours to see"
    assert "Level per competency" not in visit.page.content()
    visit.only_our_server_was_asked()


def test_the_pages_work_by_keyboard(visit: Visit, served: tuple[LiveServer, DemoOrg]) -> None:
    manager = served[1].logins["manager"]
    visit.sign_in(manager.email, manager.password)
    page = visit.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.focus("select[name=status]")
    for _ in range(5):  # down to the last option: on track
        page.keyboard.press("ArrowDown")
    assert page.input_value("select[name=status]") == "on track"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Apply"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=on+track" in page.url
