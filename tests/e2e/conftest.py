"""End-to-end fixtures: a live daphne server and Debian's Chromium driven by Playwright.

The server is a real `daphne config.asgi:application` subprocess on the test database
pytest-django created, with the real Redis engine and channels-redis layer, so the test process
(which writes users and auctions, committed: these tests use `transaction=True`) and the server
share both stores. Needs PostgreSQL, `REDIS_URL` and /usr/bin/chromium; skips (fails in CI)
with the reason when one is missing.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection, connections

from tests.conftest import skip_or_fail
from tests.e2e.server import LiveServer, database_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def asgi_server(django_db_setup, tmp_path_factory) -> Iterator[LiveServer]:
    """daphne serving the project on a free loopback port, against the test database."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is not installed: the end-to-end tests need Debian's Chromium")
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if not redis_url:
        skip_or_fail("REDIS_URL is not set: browser and test share the engine through real Redis")
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL does not name PostgreSQL: the server process needs a shared DB")
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "1",  # serves /static/ from daphne, like `make run`
        "GAVEL_WORKER_IN_PROCESS": "0",
    }
    server = LiveServer(env=env, log_path=tmp_path_factory.mktemp("e2e") / "daphne.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser(asgi_server, django_db_blocker):
    """One headless Chromium for the package; each test opens its own contexts."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop "running" in this thread between calls;
    # Django would then refuse the ORM calls the tests make to set up data. Nothing here runs
    # concurrently with the ORM, so the guard is lifted only while Playwright is alive.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    playwright = sync_playwright().start()
    # With a loop running, Django's connection handler is context-local: this context gets new
    # connection objects. Give them the test database's serialized contents, so that
    # `serialized_rollback` restores migration data (the Sellers/Moderators groups) after each
    # transactional flush, and close them before the loop goes (else the test DB cannot drop).
    for alias, contents in serialized.items():
        if contents is not None:
            connections[alias]._test_serialized_contents = contents
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        # The last test's flush emptied the tables: leave them as the migrations made them for
        # the transactional tests of other packages that come after this one.
        with django_db_blocker.unblock():
            for alias, contents in serialized.items():
                if contents is not None:
                    connections[alias].creation.deserialize_db_from_string(contents)
        connections.close_all()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Visitor:
    """One person in their own browser context: the page, and what the page did."""

    page: object
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def log_in(self, user) -> None:
        """Post the login form as `user` (factories give everyone the password pw-<name>)."""
        page = self.page
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(f"pw-{user.username}")
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def open_visitor(browser, asgi_server) -> Iterator[Callable[..., Visitor]]:
    """Factory: `open_visitor(user=None, javascript=True)` → a Visitor, logged in if given."""
    contexts = []

    def open_(user=None, *, javascript: bool = True) -> Visitor:
        context = browser.new_context(
            base_url=asgi_server.url,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        visitor = Visitor(page=context.new_page())
        visitor.page.on(
            "dialog", lambda dialog: (visitor.dialogs.append(dialog.message), dialog.dismiss())
        )
        visitor.page.on("pageerror", lambda error: visitor.errors.append(str(error)))
        if user is not None:
            visitor.log_in(user)
        return visitor

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def e2e_redis(real_engine_redis):
    """The test process's engine on the same (flushed) real Redis as the server."""
    return real_engine_redis
