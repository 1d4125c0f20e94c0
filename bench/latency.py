"""Server-side latency and SQL statement counts per route, in-process (Flask test client).

The app is the real one (same config as gunicorn would build from the environment) with CSRF
checks and rate limits off. Every request is timed around `client.open` and counted with a
`before_cursor_execute` listener, so the figures are the server's own, without network.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.core import clock
from app.core.db import db


@dataclass
class Route:
    name: str
    kind: str  # read | render (a read with the page cache off) | write | search
    samples: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    backend: str = ""
    # Warm reads the page cache rendered afresh (its key's minute rolled over): timed like the
    # others; their statements are the "(uncached)" rows' business unless nothing was a hit.
    refreshed: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.samples)
        counts = self.statements or self.refreshed

        def pct(p: float) -> float:
            if not ordered:
                return 0.0
            return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 2)

        return {
            "route": self.name,
            "kind": self.kind,
            "backend": self.backend,
            "requests": len(ordered),
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0.0,
            "statements": max(counts) if counts else 0,
            "statements_min": min(counts) if counts else 0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "refreshed": len(self.refreshed) if self.statements else 0,
        }


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        self.count += 1


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    config = {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, **(overrides or {})}
    return create_app(config)


def close(app: Flask) -> None:
    """Give the app's database connections back (each benchmark app has its own pool)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def login(app: Flask, user_id: int) -> FlaskClient:
    """A client whose session belongs to `user_id` (no password hashing in the measured setup)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"
        session["_fresh"] = True
    return client


def _ids(app: Flask, sql: str, **params: Any) -> list[int]:
    with app.app_context():
        rows = db.session.execute(text(sql), params).scalars().all()
        db.session.remove()
    return [int(r) for r in rows]


def measure(
    app: Flask,
    route: Route,
    counter: Counter,
    calls: Sequence[Callable[[], Any]],
    warmup: int,
) -> Route:
    """Run `calls` (warm-up ones first, unmeasured); keep timings and statement counts."""
    for n, call in enumerate(calls):
        counter.count = 0
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
        response.close()
        if n < warmup:
            continue
        route.samples.append(elapsed)
        if route.kind == "read" and response.headers.get("X-Page-Cache") == "miss":
            route.refreshed.append(counter.count)
        else:
            route.statements.append(counter.count)
        route.statuses[response.status_code] = route.statuses.get(response.status_code, 0) + 1
    return route


def run_latency(
    meta: dict[str, Any],
    *,
    requests: int,
    writes: int,
    warmup: int,
    search_backends: list[str],
    overrides: dict[str, Any] | None = None,
) -> list[Route]:
    """Every route of the benchmark; returns the measured routes."""
    app = build_app(overrides)
    counter = Counter()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter)
    circle, post, campaign = meta["circle"], meta["post"], meta["campaign"]
    ids = _ids(
        app, "SELECT id FROM user_account WHERE username IN (:a, :m)", a=meta["admin"], m=meta["member"]
    )
    admin_id = _ids(app, "SELECT id FROM user_account WHERE username = :a", a=meta["admin"])[0]
    member_id = next(i for i in ids if i != admin_id)
    anon = app.test_client()
    member = login(app, member_id)
    admin = login(app, admin_id)
    reads: list[tuple[str, FlaskClient, str]] = [
        ("home (anonymous)", anon, "/"),
        ("home feed", member, "/"),
        ("circle feed", member, f"/c/{circle}"),
        ("circle feed (anonymous)", anon, f"/c/{circle}"),
        ("post page, 50 comments", member, f"/c/{circle}/p/{post}"),
        ("campaign page", member, f"/c/{circle}/campaigns/{campaign}"),
        ("leaderboard site week", member, "/leaderboards?scope=site&metric=points&period=week"),
        ("leaderboard site all-time", member, "/leaderboards?scope=site&metric=points&period=all"),
        ("leaderboard circle week", member, f"/leaderboards?scope={circle}&metric=points&period=week"),
        ("store", member, "/store"),
        ("/me", member, "/me"),
        ("/me/points", member, "/me/points"),
        ("admin dashboard", admin, "/admin/"),
    ]
    routes: list[Route] = []
    for name, client, url in reads:
        calls = [partial(client.get, url)] * (requests + warmup)
        routes.append(measure(app, Route(name, "read"), counter, calls, warmup))
    routes.extend(
        _uncached(reads, admin_id, member_id, requests=requests, warmup=warmup, overrides=overrides)
    )
    routes.extend(
        _search(meta, requests=requests, warmup=warmup, backends=search_backends, overrides=overrides)
    )
    routes.extend(_writes(app, meta, counter, member, writes=writes))
    close(app)
    return routes


def _uncached(
    reads: list[tuple[str, FlaskClient, str]],
    admin_id: int,
    member_id: int,
    *,
    requests: int,
    warmup: int,
    overrides: dict[str, Any] | None,
) -> list[Route]:
    """The same reads with the page cache off: what a page costs right after any write.

    Reported beside the cached rows (kind "render"); the budgets apply to the cached ones,
    which is what a reader gets while nothing changes.
    """
    app = build_app({**(overrides or {}), "PAGE_CACHE_ENABLED": False})
    counter = Counter()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter)
    clients = {"anon": app.test_client(), "member": login(app, member_id), "admin": login(app, admin_id)}
    routes = []
    for name, _client, url in reads:
        who = "admin" if "admin" in name else "anon" if "anonymous" in name else "member"
        calls = [partial(clients[who].get, url)] * (requests + warmup)
        routes.append(measure(app, Route(f"{name} (uncached)", "render"), counter, calls, warmup))
    close(app)
    return routes


def _search(
    meta: dict[str, Any], *, requests: int, warmup: int, backends: list[str], overrides: dict[str, Any] | None
) -> list[Route]:
    routes = []
    for backend in backends:
        app = build_app({**(overrides or {}), "SEARCH_BACKEND": backend})
        counter = Counter()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", counter)
            member_id = _ids(app, "SELECT id FROM user_account WHERE username = :m", m=meta["member"])[0]
        client = login(app, member_id)
        for label, query in (("search zh", "读书"), ("search en", "python")):
            calls = [partial(client.get, "/search", query_string={"q": query})] * (requests + warmup)
            route = measure(
                app, Route(f"{label} ({backend})", "search", backend=backend), counter, calls, warmup
            )
            routes.append(route)
        close(app)
    return routes


def _writes(
    app: Flask, meta: dict[str, Any], counter: Counter, member: FlaskClient, *, writes: int
) -> list[Route]:
    """The six writes, each by fresh members where a write is once a day (sign-in, check-in)."""
    circle, campaign = meta["circle"], meta["campaign"]
    circle_id = _ids(app, "SELECT id FROM circle WHERE slug = :s", s=circle)[0]
    members = _ids(
        app,
        "SELECT m.user_id FROM circle_membership m JOIN user_account u ON u.id = m.user_id "
        "WHERE m.circle_id = :c AND m.status = 'active' AND u.role = 'member' ORDER BY m.user_id LIMIT :n",
        c=circle_id,
        n=writes * 4 + 10,
    )
    with app.app_context():
        today = clock.today().isoformat()
        hour_ago: Any = clock.now() - timedelta(hours=1)
        if db.engine.dialect.name == "sqlite":  # stored as naive UTC text
            hour_ago = hour_ago.replace(tzinfo=None).isoformat(sep=" ")
    # Posting is rate-limited per hour: authors who have not posted in the last one (a rerun
    # within the hour takes the next ones instead of measuring the refusal).
    posters = _ids(
        app,
        "SELECT m.user_id FROM circle_membership m JOIN user_account u ON u.id = m.user_id "
        "WHERE m.circle_id = :c AND m.status = 'active' AND u.role = 'member' AND NOT EXISTS "
        "(SELECT 1 FROM post p WHERE p.author_id = m.user_id AND p.created_at > :since) "
        "ORDER BY m.user_id LIMIT :n",
        c=circle_id,
        since=hour_ago,
        n=writes,
    )
    # Sign-in and check-in are once a day: members who have not done them today (a rerun on
    # the same day takes the next ones).
    fresh_signin = _ids(
        app,
        "SELECT m.user_id FROM circle_membership m JOIN user_account u ON u.id = m.user_id "
        "WHERE m.circle_id = :c AND m.status = 'active' AND u.role = 'member' AND NOT EXISTS "
        "(SELECT 1 FROM signin s WHERE s.user_id = m.user_id AND s.day = :d) ORDER BY m.user_id LIMIT :n",
        c=circle_id,
        d=today,
        n=writes,
    )
    fresh_checkin = _ids(
        app,
        "SELECT m.user_id FROM circle_membership m JOIN user_account u ON u.id = m.user_id "
        "WHERE m.circle_id = :c AND m.status = 'active' AND u.role = 'member' AND NOT EXISTS "
        "(SELECT 1 FROM checkin k WHERE k.user_id = m.user_id AND k.campaign_id = :k AND k.day = :d) "
        "ORDER BY m.user_id LIMIT :n",
        c=circle_id,
        k=campaign,
        d=today,
        n=writes,
    )
    posts = _ids(
        app, "SELECT id FROM post WHERE circle_id = :c AND status = 'published' ORDER BY id DESC LIMIT :n",
        c=circle_id, n=writes + 5,
    )  # fmt: skip
    rich = _ids(app, "SELECT id FROM user_account ORDER BY points DESC LIMIT :n", n=writes)
    # An item with stock for every redeem of this run (reruns use the cheapest one up).
    item = _ids(
        app,
        "SELECT id FROM store_item WHERE kind = 'virtual' AND is_active AND stock >= :n "
        "ORDER BY points_cost LIMIT 1",
        n=writes,
    )[0]
    run = uuid.uuid4().hex[:8]
    new_post, checkin = f"/c/{circle}/posts/new", f"/c/{circle}/campaigns/{campaign}/checkin"
    plan: list[tuple[str, list[Callable[[], Any]]]] = [
        ("write: post", [
            partial(login(app, uid).post, new_post, data={
                "title": f"基准测试 {run} {n}", "body": f"这是一条基准测试帖子 {run}-{n}，今天读完了一本书。",
                "tags": "基准"})
            for n, uid in enumerate(posters)
        ]),
        # Each by a different member: one member commenting 50 times a minute is what the
        # anti-flood limit is there to stop.
        ("write: comment", [
            partial(login(app, uid).post, f"/c/{circle}/p/{posts[n % len(posts)]}/comments",
                    data={"body": f"基准评论 {run} {n}"})
            for n, uid in enumerate(members[-writes:])
        ]),
        ("write: like", [
            partial(member.post, f"/c/{circle}/p/{posts[n // 2 % len(posts)]}/like",
                    data={"state": "on" if n % 2 == 0 else "off"})
            for n in range(writes)
        ]),
        ("write: sign-in", [partial(login(app, uid).post, "/signin") for uid in fresh_signin]),
        ("write: check-in", [
            partial(login(app, uid).post, checkin, data={"body": f"今天坚持打卡 {run} {n}"})
            for n, uid in enumerate(fresh_checkin)
        ]),
        ("write: redeem", [
            partial(login(app, uid).post, f"/store/{item}/redeem", data={"request_id": uuid.uuid4().hex})
            for uid in rich
        ]),
    ]  # fmt: skip
    return [measure(app, Route(name, "write"), counter, calls, 0) for name, calls in plan]
