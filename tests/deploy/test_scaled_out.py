"""The scaled-out deployment, tested over HTTP: several gunicorn workers, one database.

These drive the real server (`live_stack`), so every request may land on a different worker
process: only the database (and Redis) can keep the promises below. The SQLite run uses the
embedded default; CI's scaled-out job runs them again with 4 workers on PostgreSQL + Redis
(`make test-scaled`, see docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from tests.browser.fixtures import ROOT, LiveStack

pytestmark = [pytest.mark.scaled, pytest.mark.slow]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DEMO_PASSWORD = "quanzi-demo-2026"


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    match = CSRF.search(page.text)
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def log_in(base: str, login: str, password: str = DEMO_PASSWORD) -> requests.Session:
    session = requests.Session()
    token = csrf_of(session, base + "/auth/login")
    answer = session.post(
        base + "/auth/login",
        data={"csrf_token": token, "login": login, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return session


def register(base: str) -> tuple[str, requests.Session]:
    username = f"u{uuid.uuid4().hex[:10]}"
    session = requests.Session()
    token = csrf_of(session, base + "/auth/register")
    answer = session.post(
        base + "/auth/register",
        data={
            "csrf_token": token,
            "username": username,
            "email": f"{username}@example.com",
            "password": "correct horse battery",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return username, session


def twin(session: requests.Session) -> requests.Session:
    """Another connection carrying the same login (a second tab, or a double tap)."""
    other = requests.Session()
    other.cookies.update(session.cookies)
    return other


def fire(count: int, call: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def points_audit(stack: LiveStack) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "points", "audit"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def database(live_stack: LiveStack) -> Any:
    engine = sa.create_engine(live_stack.database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def user_id(database: Any, username: str) -> int:
    with database.connect() as conn:
        query = sa.text("SELECT id FROM user_account WHERE username = :u")
        return int(conn.execute(query, {"u": username}).scalar_one())


def test_simultaneous_signins_on_every_worker_pay_once(live_stack: LiveStack, database: Any) -> None:
    base = live_stack.base
    username, session = register(base)
    token = csrf_of(session, base + "/tasks")
    sessions = [twin(session) for _ in range(8)]

    answers = fire(
        8,
        lambda i: (
            sessions[i]
            .post(base + "/signin", data={"csrf_token": token}, allow_redirects=False, timeout=60)
            .status_code
        ),
    )

    assert all(code in (200, 303) for code in answers), answers
    uid = user_id(database, username)
    with database.connect() as conn:
        signins = conn.execute(
            sa.text("SELECT count(*) FROM signin WHERE user_id = :u"), {"u": uid}
        ).scalar_one()
        rows = conn.execute(
            sa.text("SELECT count(*) FROM points_entry WHERE user_id = :u AND rule = 'signin'"), {"u": uid}
        ).scalar_one()
        balance, ledger = conn.execute(
            sa.text(
                "SELECT u.points, (SELECT coalesce(sum(delta), 0) FROM points_entry e WHERE e.user_id = u.id)"
                " FROM user_account u WHERE u.id = :u"
            ),
            {"u": uid},
        ).one()
    assert (signins, rows) == (1, 1)
    assert balance == ledger == 5
    audit = points_audit(live_stack)
    assert audit.returncode == 0, audit.stderr
    assert "points audit OK" in audit.stdout


def test_racing_redeems_across_workers_never_oversell(live_stack: LiveStack, database: Any) -> None:
    base = live_stack.base
    admin = log_in(base, "admin")
    token = csrf_of(admin, base + "/admin/store/new")
    title = f"限量徽章贴纸 {uuid.uuid4().hex[:6]}"
    created = admin.post(
        base + "/admin/store/new",
        data={"csrf_token": token, "title": title, "kind": "virtual", "points_cost": "30", "stock": "3"},
        allow_redirects=False,
        timeout=30,
    )
    assert created.status_code == 303, created.text[:800]
    item_path = created.headers["Location"]
    item_id = int(item_path.rstrip("/").rsplit("/", 1)[1])

    buyers = [register(base) for _ in range(8)]
    admin_token = csrf_of(admin, base + "/admin/users")
    for username, _session in buyers:
        gift = admin.post(
            base + f"/admin/users/{username}/points",
            data={"csrf_token": admin_token, "delta": "50", "reason": "压测赠送"},
            allow_redirects=False,
            timeout=30,
        )
        assert gift.status_code == 303, gift.text[:500]
    tokens = [csrf_of(session, base + item_path) for _username, session in buyers]

    def redeem(i: int) -> int:
        _username, session = buyers[i]
        answer = session.post(
            base + f"/store/{item_id}/redeem",
            data={"csrf_token": tokens[i], "request_id": uuid.uuid4().hex},
            allow_redirects=False,
            timeout=60,
        )
        return answer.status_code

    answers = fire(len(buyers), redeem)

    assert sorted(answers).count(303) == 3, answers
    assert all(code in (303, 409) for code in answers), answers
    with database.connect() as conn:
        stock = conn.execute(
            sa.text("SELECT stock FROM store_item WHERE id = :i"), {"i": item_id}
        ).scalar_one()
        orders = conn.execute(
            sa.text("SELECT count(*) FROM store_order WHERE item_id = :i"), {"i": item_id}
        ).scalar_one()
    assert (stock, orders) == (0, 3)
    page = admin.get(base + item_path, timeout=30)
    assert 'data-stock="0"' in page.text
    audit = points_audit(live_stack)
    assert audit.returncode == 0, audit.stderr


def test_a_post_written_on_one_worker_is_found_from_all(live_stack: LiveStack) -> None:
    base = live_stack.base
    member = log_in(base, "zhaoyue")
    token = csrf_of(member, base + "/c/reading/posts/new")
    word = f"横向扩展{uuid.uuid4().hex[:6]}"
    created = member.post(
        base + "/c/reading/posts/new",
        data={"csrf_token": token, "title": "多进程验证", "body": f"今天读到一个词：{word} 很有意思"},
        allow_redirects=False,
        timeout=30,
    )
    assert created.status_code == 303, created.text[:800]
    post_path = created.headers["Location"]

    # The writing worker indexes once its response has gone out: a moment later, more
    # requests than workers, from fresh connections (so every worker answers some), all find it.
    deadline = time.monotonic() + 10
    while post_path not in requests.get(base + "/search", params={"q": word}, timeout=60).text:
        assert time.monotonic() < deadline, "the post never reached the search index"
        time.sleep(0.05)
    pages = fire(
        live_stack.workers * 3,
        lambda _i: requests.get(base + "/search", params={"q": word}, timeout=60),
    )

    assert all(page.status_code == 200 for page in pages)
    assert all(post_path in page.text for page in pages), [page.text[:300] for page in pages]


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="shared counters need Redis: the PostgreSQL + Redis and scaled-out runs cover this",
)
def test_login_rate_limit_is_shared_by_all_workers(limited_stack: LiveStack) -> None:
    base = limited_stack.base
    session = requests.Session()
    token = csrf_of(session, base + "/auth/login")

    def attempt(_i: int) -> int:
        return requests.post(
            base + "/auth/login",
            data={"csrf_token": token, "login": "nobody-here", "password": "wrong"},
            cookies=session.cookies,
            allow_redirects=False,
            timeout=30,
        ).status_code

    # Sequential, on fresh connections: each may land on any worker. With per-worker memory
    # each worker would allow 10 a minute; with Redis the site allows 10 in all.
    answers = [attempt(i) for i in range(limited_stack.workers * 10 + 2)]

    assert answers.count(429) >= len(answers) - 10, answers
    assert all(code in (200, 422, 429) for code in answers), answers
