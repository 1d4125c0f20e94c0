"""Keeping the index a derived copy of the database, through a durable queue.

A change writes a `search_queue` row in its own transaction (so it is never forgotten), and
after the commit the same process indexes it and deletes the row (in a request, once the
response has gone out: `core.deferred`). When indexing fails the
row stays with a back-off, and a later commit, `flask search work` or `flask search reindex`
retries it: the post itself is already saved and never waits for the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType

from flask import current_app
from sqlalchemy import and_, delete, or_, select, tuple_, update

from app.core import clock, events
from app.core.db import db, upsert, use_case
from app.core.deferred import defer

from . import adapters, pg_backend, whoosh_backend
from .adapters import Key
from .models import SearchQueue

log = logging.getLogger("quanzi.search")

_PENDING = "quanzi_search_pending"
# Rows other commits pick up on their way (a retry needs no worker process).
OPPORTUNISTIC = 20
MAX_DELAY = timedelta(hours=1)
# A never-tried row this old lost its process: another process's opportunistic pass takes it.
ORPHANED_AFTER = timedelta(minutes=1)


def backend() -> ModuleType:
    """The configured backend module (SEARCH_BACKEND: whoosh | postgres)."""
    name = current_app.config.get("SEARCH_BACKEND") or "whoosh"
    if name == "postgres":
        if db.engine.dialect.name != "postgresql":
            raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
        return pg_backend
    if name != "whoosh":
        raise RuntimeError(f"unknown SEARCH_BACKEND {name!r} (whoosh or postgres)")
    return whoosh_backend


def _upsert(kind: str, ref_id: int) -> None:
    now = clock.now()
    row = {"kind": kind, "ref_id": ref_id, "available_at": now, "created_at": now}
    action = "DO UPDATE SET seq = search_queue.seq + 1, available_at = excluded.available_at"
    upsert(SearchQueue, [row], ("kind", "ref_id"), action)


def enqueue(kind: str, ref_id: int) -> None:
    """Queue a document for (re)indexing in the caller's transaction; indexed after commit."""
    _upsert(kind, ref_id)
    pending: set[Key] | None = db.session.info.get(_PENDING)
    if pending is None:
        pending = db.session.info[_PENDING] = set()
        events.after_commit(lambda: _after_commit(pending))
    pending.add((kind, ref_id))


def _after_commit(pending: set[Key]) -> None:
    db.session.info.pop(_PENDING, None)
    # The member does not wait for the index: a request answers first, then indexes.
    defer(lambda: _index_now(sorted(pending)))


def _index_now(keys: list[Key]) -> None:
    drain(keys)
    drain_due(limit=OPPORTUNISTIC, retries_only=True)


@dataclass
class Report:
    indexed: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_DELAY)


def _claims(keys: Sequence[Key]) -> dict[Key, tuple[int, int, int]]:
    query = select(
        SearchQueue.kind, SearchQueue.ref_id, SearchQueue.id, SearchQueue.seq, SearchQueue.attempts
    )
    rows = db.session.execute(query.where(tuple_(SearchQueue.kind, SearchQueue.ref_id).in_(list(keys))))
    return {(k, r): (i, s, a) for k, r, i, s, a in rows}


def _load(keys: Sequence[Key]) -> list[adapters.Doc]:
    return adapters.load_docs(keys)


@use_case
def _done(claims: dict[Key, tuple[int, int, int]]) -> None:
    if claims:
        db.session.execute(
            delete(SearchQueue).where(
                or_(*[and_(SearchQueue.id == i, SearchQueue.seq == s) for i, s, _a in claims.values()])
            )
        )


@use_case
def _failed(claims: dict[Key, tuple[int, int, int]], error: str) -> None:
    for row_id, seq, attempts in claims.values():
        db.session.execute(
            update(SearchQueue)
            .where(SearchQueue.id == row_id, SearchQueue.seq == seq)
            .values(
                attempts=attempts + 1,
                last_error=error[:2000],
                available_at=clock.now() + retry_delay(attempts + 1),
            )
            .execution_options(synchronize_session=False)
        )


def drain(keys: Sequence[Key]) -> Report:
    """Index these queued documents now; on failure log it and leave them for a retry."""
    if not keys:
        return Report()
    claims = _claims(keys)
    if db.session().in_transaction():
        db.session.rollback()  # read the newest state below, under the backend's lock
    chosen = backend()
    try:
        chosen.sync(adapters.with_dependents(keys), _load)
    except Exception as exc:
        db.session.rollback()
        log.exception("search: indexing %s failed; queued for retry", ", ".join(f"{k}:{i}" for k, i in keys))
        _failed(claims, f"{type(exc).__name__}: {exc}")
        return Report(failed=len(keys))
    if not chosen.is_rebuilding():
        _done(claims)
    return Report(indexed=len(keys))


def drain_due(*, limit: int = 200, retries_only: bool = False, everything: bool = False) -> Report:
    """Index queued documents whose time has come (`everything`: waiting ones too)."""
    query = select(SearchQueue.kind, SearchQueue.ref_id).order_by(SearchQueue.available_at, SearchQueue.id)
    if not everything:
        query = query.where(SearchQueue.available_at <= clock.now())
    if retries_only:
        # Failed rows, and rows whose process died before its after-response indexing ran.
        orphaned = SearchQueue.available_at <= clock.now() - ORPHANED_AFTER
        query = query.where(or_(SearchQueue.attempts > 0, orphaned))
    keys = [(k, r) for k, r in db.session.execute(query.limit(limit))]
    db.session.rollback()
    return drain(keys) if keys else Report()


def drain_all(progress: Callable[[int], None] | None = None) -> Report:
    """Work through the whole queue once (the worker and the end of a rebuild)."""
    total = Report()
    seen: set[Key] = set()
    while True:
        query = select(SearchQueue.kind, SearchQueue.ref_id).order_by(SearchQueue.id).limit(200)
        keys = [(k, r) for k, r in db.session.execute(query) if (k, r) not in seen]
        db.session.rollback()
        if not keys:
            return total
        seen.update(keys)
        report = drain(keys)
        total.indexed += report.indexed
        total.failed += report.failed
        if progress:
            progress(len(keys))


def count_queued() -> int:
    return len(db.session.scalars(select(SearchQueue.id)).all())


def _doc_batches(progress: Callable[[int], None]) -> Iterator[list[adapters.Doc]]:
    for _kind, batches in adapters.all_batches():
        for ids in batches:
            yield adapters.load_docs([(_kind, i) for i in ids])


def _key_batches() -> Iterator[list[Key]]:
    for kind, batches in adapters.all_batches():
        for ids in batches:
            yield [(kind, i) for i in ids]


def reindex(progress: Callable[[int], None]) -> Report:
    """Rebuild the whole index from the database without taking search offline."""
    chosen = backend()
    if chosen is whoosh_backend:
        whoosh_backend.rebuild(_doc_batches(progress), progress)
    else:
        pg_backend.rebuild_in_place(_key_batches(), _load, progress)
    # Changes committed while the rebuild read the database are in the queue: apply them.
    return drain_all()


def total_documents() -> int:
    """How many documents a rebuild will visit (for the progress bar)."""
    from_batches = 0
    for _kind, batches in adapters.all_batches():
        for ids in batches:
            from_batches += len(ids)
    return from_batches
