"""Whole-page cache for the main GET pages, exact by construction.

Every committed transaction that wrote anything bumps one counter, `cache_generation.n`, in
the same transaction. A page is rendered once per (generation, viewer, URL, language, htmx
shape, minute) and served from this worker's memory while the counter stands still: one
primary-key SELECT instead of a dozen queries and the templates. Nothing has to know which
page shows what, so no write can forget to invalidate; the price is that any write empties
the cache, which suits read-heavy traffic (most of a community's) and costs a busy site one
extra SELECT per page.

Why the answer is exact: the counter is read before the page's data, and the bump commits
with the write. A page stored under generation G holds data at least as new as G; once a
write commits, no request reads G again.

Viewer-specific parts are safe because the viewer is in the key; the CSRF token is the one
exception (one per browser session, not per member), so it is cut out before storing and the
requester's own is put back on the way out. Relative times ("3 分钟前") and the day change
are covered by the minute in the key.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import BigInteger, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import clock
from app.core.db import Base, before_commit, db, has_queued_rollups, queue_rollup
from app.core.i18n import select_locale

GENERATION_ROW = 1
# The pages worth keeping: the main reads. Everything else is rendered every time.
CACHED_ENDPOINTS = frozenset(
    {
        "site.home",
        "posts.circle",
        "posts.show",
        "checkins.show",
        "leaderboards.index",
        "store.index",
        "store.item_page",
        "circles.discover",
        "accounts.profile",
        "badges.index",
        "points.tier_list",
        # The operator's front page: per admin like every page here, and any change (a role
        # taken away included) is a write, so a stale or no-longer-allowed copy is never served.
        "admin.dashboard",
    }
)
# What a statement must start with to leave the data as it was.
_READS = ("SELECT", "PRAGMA", "SHOW", "SET ", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")
# Bookkeeping no page shows (the search queue drains after every post): not a change.
_UNSEEN_WRITE = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+\"?search_queue\b", re.IGNORECASE)
_WROTE = "quanzi_wrote"
_CSRF_SLOT = "\x00csrf\x00"
# Headers that describe the request's own shape of the answer (htmx asks for fragments).
_SHAPE_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")


class CacheGeneration(Base):
    """One row: how many writing transactions have committed (it only grows)."""

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class CachedPage:
    generation: int
    body: str
    mimetype: str


class PageStore:
    """A bounded LRU of rendered pages in this worker (a lock: test servers are threaded)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[tuple[Any, ...], CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], generation: int) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.generation != generation:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def current_generation() -> int | None:
    """The counter as this transaction sees it (None before the migration made the row)."""
    return db.session.scalar(select(CacheGeneration.n).where(CacheGeneration.id == GENERATION_ROW))


def _note_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if conn.info.get(_WROTE):
        return
    if not statement.lstrip().upper().startswith(_READS) and not _UNSEEN_WRITE.match(statement):
        conn.info[_WROTE] = True


def _forget_write(conn: Any) -> None:
    conn.info.pop(_WROTE, None)


def _bump_on_commit(session: Session) -> None:
    """Before the outermost commit: if the transaction wrote, bump the counter inside it.

    The bump is a rollup, so on PostgreSQL it goes out in the one statement that writes the
    transaction's counters, and the busiest row of the site is locked for the commit only.
    """
    session.flush()
    conn = session.connection()
    if not (conn.info.pop(_WROTE, False) or has_queued_rollups(session)):
        return
    queue_rollup(session, CacheGeneration, {"id": GENERATION_ROW}, {"n": 1})
    if has_request_context():
        g.page_cache_wrote = True


_session_hooked = False


def configure_page_cache(app: Flask) -> None:
    global _session_hooked
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "rollback", _forget_write)
    event.listen(engine, "commit", _forget_write)
    if not _session_hooked:  # one scoped session serves every app in the process
        before_commit(_bump_on_commit)
        _session_hooked = True
    if not app.config.get("PAGE_CACHE_ENABLED", True):
        return
    store = PageStore(int(app.config.get("PAGE_CACHE_PAGES", 512)))
    app.extensions["page_cache"] = store

    # Registered after every blueprint's hooks (the lazy birthday check runs first) and,
    # for after_request, run before theirs: what is stored is the view's own answer.
    app.after_request(store_rendered_page)

    @app.before_request
    def _serve_cached() -> Response | None:
        key = _key()
        if key is None:
            return None
        generation = current_generation()
        g.page_cache = (key, generation)
        page = store.get(key, generation) if generation is not None else None
        if page is None:
            return None
        body = page.body.replace(_CSRF_SLOT, generate_csrf()) if _CSRF_SLOT in page.body else page.body
        response = Response(body, mimetype=page.mimetype)
        response.headers["X-Page-Cache"] = "hit"
        return response


def store_rendered_page(response: Response) -> Response:
    """After the view: keep a plain 200 HTML page the request neither wrote nor set cookies for."""
    pending = g.pop("page_cache", None)
    store: PageStore | None = _store()
    if pending is None or store is None or response.headers.get("X-Page-Cache") == "hit":
        return response
    key, generation = pending
    if (
        generation is None
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.headers.getlist("Set-Cookie")
        or g.get("page_cache_wrote")
    ):
        return response
    body = response.get_data(as_text=True)
    token = g.get("csrf_token")
    if token:
        body = body.replace(token, _CSRF_SLOT)
    store.put(key, CachedPage(generation, body, response.mimetype))
    response.headers["X-Page-Cache"] = "miss"
    return response


def _store() -> PageStore | None:
    store: PageStore | None = current_app.extensions.get("page_cache")
    return store


def _key() -> tuple[Any, ...] | None:
    """Everything the page depends on besides the data, or None for an uncached request."""
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if "_flashes" in session:
        return None
    user = session.get("_user_id")

    minute = clock.now().replace(second=0, microsecond=0)
    shape = tuple(request.headers.get(h) for h in _SHAPE_HEADERS)
    return (request.host_url, request.full_path, select_locale(), user, shape, minute)
