"""End-to-end fixtures: Debian's chromium, driven by Playwright, against Django's live server.

`page` is a Playwright page whose relative URLs go to the live server; `login(key)` signs a persona in
through the real login form; `assert_accessible(page)` runs axe-core (shipped inside
axe-playwright-python, no CDN) and fails on any violation.
"""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import sync_playwright

from samarbeid.demo import DEMO_PASSWORD, DEMO_PEOPLE
from samarbeid.models import Kommune
from samarbeid.reference_data import load_reference_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = "Chromium is missing: apt-get install chromium (.ci/run installs it)"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are
    # still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def reference_data(transactional_db):
    """Live-server tests flush the database after each test; put the reference data back when gone."""
    if not Kommune.objects.exists():
        load_reference_data(settings.REFERENCE_DATA_DIR)


@pytest.fixture
def page(browser, live_server, reference_data):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI shares two cores with the live server
    yield page
    context.close()


@pytest.fixture
def login(page, personas):
    emails = {person.key: person.email for person in DEMO_PEOPLE}

    def sign_in(key: str, target=page):
        target.goto("/konto/login/")
        target.get_by_label("E-post").fill(emails[key])
        target.get_by_label("Passord").fill(DEMO_PASSWORD)
        target.get_by_role("button", name="Logg inn").click()
        target.wait_for_url("**/min-side/")

    return sign_in


@pytest.fixture
def assert_accessible():
    axe = Axe()

    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()

    return check
