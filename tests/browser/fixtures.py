"""Browser test fixtures: a live server process and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


@dataclass(frozen=True)
class LiveStack:
    """A running deployment: gunicorn workers in front of one database (and Redis)."""

    base: str
    database_url: str
    env: dict[str, str]
    workers: int


def _live_database(instance: Path) -> tuple[str, str | None]:
    """SQLite in the instance dir, or a fresh PostgreSQL database when TEST_DATABASE_URL is set."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url:
        return f"sqlite:///{instance / 'quanzi.db'}", None
    name = f"quanzi_live_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(sa.make_url(test_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(test_url).set(database=name).render_as_string(hide_password=False), name


def _drop_database(name: str) -> None:
    test_url = os.environ["TEST_DATABASE_URL"]
    admin = sa.create_engine(sa.make_url(test_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log_path: Path) -> Iterator[str]:
    """gunicorn serving wsgi:app on a free loopback port; yields the base URL."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/healthz")
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The app as deployed: gunicorn on a free loopback port, with demo data.

    The embedded default (SQLite, 2 workers) unless the environment asks for the scaled-out
    shape: TEST_DATABASE_URL (a fresh PostgreSQL database, PostgreSQL search), REDIS_URL and
    QUANZI_LIVE_WORKERS (CI's scaled-out job runs 4). Rate limits are off here because the
    browser tests log in many times from one address; `limited_stack` turns them on.
    """
    instance = tmp_path_factory.mktemp("live-instance")
    database_url, pg_name = _live_database(instance)
    workers = int(os.environ.get("QUANZI_LIVE_WORKERS", "2"))
    env = {
        **os.environ,
        "QUANZI_INSTANCE_DIR": str(instance),
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
        "SEARCH_BACKEND": "postgres" if pg_name else "whoosh",
    }
    if not os.environ.get("REDIS_URL"):
        env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    try:
        with gunicorn(env, workers, instance / "server.log") as base:
            yield LiveStack(base=base, database_url=database_url, env=env, workers=workers)
    finally:
        if pg_name:
            _drop_database(pg_name)


@pytest.fixture(scope="session")
def limited_stack(live_stack: LiveStack) -> Iterator[LiveStack]:
    """A second set of workers on the same database with rate limits on, as in production.

    Their counters live in Redis when REDIS_URL is set (shared by every worker, under a
    prefix of this run's own), else in each worker's memory.
    """
    env = {
        **live_stack.env,
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_KEY_PREFIX": f"qzlive-{uuid.uuid4().hex[:10]}",
    }
    log = Path(env["QUANZI_INSTANCE_DIR"]) / "limited-server.log"
    with gunicorn(env, live_stack.workers, log) as base:
        yield LiveStack(base=base, database_url=live_stack.database_url, env=env, workers=live_stack.workers)


@pytest.fixture(scope="session")
def live_server(live_stack: LiveStack) -> str:
    """The live deployment's base URL (what the browser tests open)."""
    return live_stack.base


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make/CI do it with apt-get)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    device = dict(playwright.devices["iPhone 13"])
    device.pop("default_browser_type", None)
    return {**browser_context_args, **device, "viewport": {"width": 390, "height": 844}, "locale": "zh-CN"}


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, "name") saves a phone-sized screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page: Any, name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Collects console errors and page errors; tests assert it stays empty.

    Chromium also logs every 4xx response as a console error; an intended 422 form
    re-render or 404 is not a script error, so those lines are left out (5xx stay in).
    """
    errors: list[str] = []
    expected_status = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not expected_status.search(msg.text):
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
