"""Browser fixtures for the end-to-end journeys: real Chromium (Debian's), driven by Playwright's sync API.

Playwright's sync API keeps an asyncio loop running in the test thread; the ORM calls made by fixtures
(building the world) would then raise SynchronousOnlyOperation, so async-unsafe access is allowed here.
The live server runs in its own thread and is not affected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("MEDREG_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
# Counts htmx swaps, so a test can wait until a partial update has landed (see test_journey._htmx).
HTMX_SETTLE_COUNTER = (
    "window.__htmxSettled = 0;"
    "document.addEventListener('htmx:afterSettle', () => { window.__htmxSettled += 1; });"
)
PASSWORD = "Medreg!2026"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the session. Missing browser: a failure in CI, a skip elsewhere."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class Browsing:
    """Opens pages in fresh browser contexts (one per actor) against the live server; logs in via the form."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.contexts: list = []
        self.pages: dict[str, object] = {}
        self.step = "setup"

    def new_page(self, label: str = "anonymous"):
        context = self.browser.new_context(base_url=self.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_init_script(HTMX_SETTLE_COUNTER)
        self.contexts.append(context)
        page = context.new_page()
        self.pages[f"{len(self.contexts):02d}-{label}"] = page
        return page

    def login(self, username: str, password: str = PASSWORD):
        """A new context, logged in through /accounts/login/ (fields username/password)."""
        page = self.new_page(username)
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def close(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # noqa: BLE001,S110 - best-effort cleanup
                pass


@pytest.fixture
def browsing(browser, live_server, request, tmp_path_factory) -> Iterator[Browsing]:
    session = Browsing(browser, live_server.url)
    yield session
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shots = tmp_path_factory.mktemp("e2e-screenshots")
        for label, page in session.pages.items():
            safe = re.sub(r"[^\w.-]+", "_", label)
            try:
                page.screenshot(path=str(shots / f"{safe}.png"), full_page=True)
                (shots / f"{safe}.html").write_text(page.content(), encoding="utf-8")
            except Exception:  # noqa: BLE001,S110 - a closed page has nothing to show
                pass
        print(f"\n[e2e] failed at step {session.step!r}; screenshots and HTML in {shots}")
    session.close()


@pytest.fixture
def step(browsing) -> Callable[[str], None]:
    """Names the current journey step, so a failure report says where it broke."""

    def _step(name: str) -> None:
        browsing.step = name

    return _step
