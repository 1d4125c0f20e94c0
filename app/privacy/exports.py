"""Personal data exports: ask for one, build it in the background, download it for 7 days.

A request inserts a `queued` job under a unique partial index (one job in progress per
member). After the commit a thread of the web process builds it (SPEC section 4: work
started from a page completes without a worker); `flask exports work` does the same for
deployments that run a worker. Whoever claims the job first (a conditional UPDATE
queued -> running, with a lease and a token) builds it; the other finds nothing to do. A
builder that dies leaves a lease that runs out, and the next claim takes the job over.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.db import db, on_commit, use_case
from app.core.errors import Conflict, NotFound
from app.core.permissions import is_signed_in, policy, require

from .archive import write_archive
from .models import ACTIVE, EXPIRED, FAILED, QUEUED, READY, RUNNING, DataExport

log = logging.getLogger("quanzi.exports")

KEEP = timedelta(days=7)
# Longer than a large export takes between two progress updates.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
LIST_LIMIT = 10


@policy("export.request")
def _can_request(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


@policy("export.download", hide=True)
def _can_download(actor: Any, export: DataExport) -> bool:
    # Someone else's export is "not found", never "forbidden": ids reveal nothing.
    return is_signed_in(actor) and actor.id == export.user_id


def export_root() -> Path:
    return Path(current_app.instance_path) / "exports"


def file_path(export: DataExport) -> Path:
    return export_root() / export.file_name


def download_name(export: DataExport) -> str:
    return f"quanzi-export-{export.id}.zip"


# --- Queries -------------------------------------------------------------------------------


def list_exports(user_id: int, *, limit: int = LIST_LIMIT) -> list[DataExport]:
    """A member's exports, newest first (one query, on ix_data_export_user)."""
    query = (
        select(DataExport).where(DataExport.user_id == user_id).order_by(DataExport.id.desc()).limit(limit)
    )
    return list(db.session.scalars(query))


def get_export(actor: Any, export_id: int) -> DataExport:
    """An export the actor owns, or NotFound."""
    export = db.session.get(DataExport, export_id)
    if export is None:
        raise NotFound()
    require(actor, "export.download", export)
    return export


def downloadable_file(actor: Any, export_id: int) -> Path:
    """The ZIP to send: NotFound for others' or unfinished exports, Gone after expiry."""
    export = get_export(actor, export_id)
    if export.is_expired(clock.now()):
        # The file may still be on disk if nobody purged yet: remove it now (not a DB write).
        if export.file_name:
            _remove_file(export.file_name)
        raise ExportGone(_l("This export has expired. You can prepare a new one on the export page."))
    path = file_path(export)
    if export.status != READY or not export.file_name or not path.is_file():
        raise NotFound()
    return path


class ExportGone(NotFound):
    """The export existed but is past its 7 days (410)."""

    status = 410


# --- Asking for one ------------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    export: DataExport
    created: bool


@use_case
def request_export(actor: Any, *, lang: str = "zh", base_url: str = "") -> Requested:
    """Queue an export for the actor, or return the one already in progress.

    The unique partial index decides, not a Python check: two taps at once make one job.
    """
    require(actor, "export.request")
    purge_expired()
    now = clock.now()
    existing = _active_for(actor.id)
    if existing is not None:
        _kick_after_commit(existing.id)
        return Requested(existing, created=False)
    export = DataExport(
        user_id=actor.id,
        status=QUEUED,
        lang=lang if lang in ("zh", "en") else "zh",
        base_url=(base_url or "")[:200],
        created_at=now,
        expires_at=now + KEEP,
    )
    try:
        with db.session.begin_nested():
            db.session.add(export)
    except IntegrityError:
        # Another request of this member inserted first (PostgreSQL; SQLite serialises).
        existing = _active_for(actor.id)
        if existing is None:
            raise Conflict(_l("Your export could not be started. Please try again.")) from None
        return Requested(existing, created=False)
    _kick_after_commit(export.id)
    return Requested(export, created=True)


def _active_for(user_id: int) -> DataExport | None:
    query = select(DataExport).where(DataExport.user_id == user_id, DataExport.status.in_(ACTIVE))
    return db.session.scalar(query)


def _kick_after_commit(export_id: int) -> None:
    """Build in a thread of this process once the job is committed (unless disabled)."""
    if not current_app.config.get("EXPORTS_IN_PROCESS", True):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def start() -> None:
        start_thread(app, export_id)

    on_commit(start)


# Threads this process started (tests wait for them; nothing else reads it).
_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def start_thread(app: Flask, export_id: int) -> threading.Thread:
    """Build `export_id` in a daemon thread with its own app context and session."""

    def run() -> None:
        try:
            with app.app_context():
                try:
                    build(export_id)
                finally:
                    db.session.remove()
        except Exception:
            log.exception("export %s: the background build failed", export_id)
        finally:
            with _threads_lock:
                _threads.discard(thread)

    thread = threading.Thread(target=run, name=f"export-{export_id}", daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()
    return thread


def wait_for_threads(timeout: float = 30.0) -> bool:
    """Wait for this process's export threads to end (tests use it); False on timeout."""
    end = time.monotonic() + timeout
    while True:
        with _threads_lock:
            pending = list(_threads)
        if not pending:
            return True
        remaining = end - time.monotonic()
        if remaining <= 0:
            return False
        pending[0].join(remaining)


# --- Claiming and building -------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    user_id: int
    token: str
    lang: str
    base_url: str


def _claimable(now: datetime) -> Any:
    return or_(
        DataExport.status == QUEUED,
        (DataExport.status == RUNNING) & (DataExport.lease_until <= now),
    )


@use_case
def claim(export_id: int) -> Claim | None:
    """Take the job (queued, or running with a lapsed lease); None if someone else has it."""
    now = clock.now()
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, _claimable(now), DataExport.attempts < MAX_ATTEMPTS)
        .values(
            status=RUNNING,
            claim_token=token,
            lease_until=now + LEASE,
            attempts=DataExport.attempts + 1,
            progress=0,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _give_up_exhausted(export_id, now)
        return None
    row = db.session.execute(
        select(DataExport.user_id, DataExport.lang, DataExport.base_url).where(DataExport.id == export_id)
    ).one()
    return Claim(id=export_id, user_id=row.user_id, token=token, lang=row.lang, base_url=row.base_url)


def _give_up_exhausted(export_id: int, now: datetime) -> None:
    """A job whose builders kept dying is marked failed rather than retried forever."""
    db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, _claimable(now), DataExport.attempts >= MAX_ATTEMPTS)
        .values(status=FAILED, claim_token=None, lease_until=None, error="gave up after repeated failures")
        .execution_options(synchronize_session=False)
    )


def report_progress(claim: Claim, percent: int) -> bool:
    """Save progress and renew the lease; False if the job is no longer ours.

    On its own connection and transaction: the builder's session keeps reading the member's
    rows undisturbed (a use case here would end its transaction and expire every object).
    """
    statement = (
        update(DataExport)
        .where(DataExport.id == claim.id, DataExport.claim_token == claim.token, DataExport.status == RUNNING)
        .values(progress=max(0, min(percent, 99)), lease_until=clock.now() + LEASE)
    )
    with db.engine.begin() as connection:
        return bool(connection.execute(statement).rowcount == 1)


@use_case
def finish(claim: Claim, file_name: str, size: int) -> bool:
    now = clock.now()
    result = db.session.execute(
        update(DataExport)
        .where(DataExport.id == claim.id, DataExport.claim_token == claim.token, DataExport.status == RUNNING)
        .values(
            status=READY,
            progress=100,
            file_name=file_name,
            size_bytes=size,
            claim_token=None,
            lease_until=None,
            finished_at=now,
            expires_at=now + KEEP,
            error="",
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


@use_case
def fail(claim: Claim, error: str) -> None:
    db.session.execute(
        update(DataExport)
        .where(DataExport.id == claim.id, DataExport.claim_token == claim.token)
        .values(
            status=FAILED, claim_token=None, lease_until=None, finished_at=clock.now(), error=error[:2000]
        )
        .execution_options(synchronize_session=False)
    )


class LeaseLost(Exception):
    """Another builder took the job over; stop quietly."""


def build(export_id: int) -> bool:
    """Claim and build one export; True if this call produced the ZIP."""
    job = claim(export_id)
    if job is None:
        return False
    folder = export_root() / str(job.user_id)
    folder.mkdir(parents=True, exist_ok=True)
    final_name = f"{job.user_id}/{job.id}-{secrets.token_hex(8)}.zip"
    tmp = export_root() / f"{final_name}.part"
    last = -1

    def progress(percent: int) -> None:
        nonlocal last
        if percent != last:
            last = percent
            if not report_progress(job, percent):
                raise LeaseLost()

    try:
        write_archive(job.user_id, tmp, progress, lang=job.lang, base_url=job.base_url)
        os.replace(tmp, export_root() / final_name)
    except LeaseLost:
        tmp.unlink(missing_ok=True)
        return False
    except Exception as exc:
        db.session.rollback()
        tmp.unlink(missing_ok=True)
        log.exception("export %s failed", export_id)
        fail(job, f"{type(exc).__name__}: {exc}")
        return False
    size = (export_root() / final_name).stat().st_size
    if not finish(job, final_name, size):
        _remove_file(final_name)
        return False
    return True


# --- The worker and the purge ------------------------------------------------------------------


def claimable_ids(limit: int = 20) -> list[int]:
    now = clock.now()
    query = select(DataExport.id).where(_claimable(now)).order_by(DataExport.id).limit(limit)
    ids = list(db.session.scalars(query))
    db.session.rollback()
    return ids


@dataclass
class Report:
    built: int = 0
    skipped: int = 0
    purged: int = 0


def work_once() -> Report:
    """Build every export waiting now and purge expired ones (`exports work --once`)."""
    report = Report(purged=purge_expired_now())
    for export_id in claimable_ids():
        if build(export_id):
            report.built += 1
        else:
            report.skipped += 1
    return report


def _remove_file(file_name: str) -> None:
    root = export_root().resolve()
    path = (root / file_name).resolve()
    if root in path.parents:
        path.unlink(missing_ok=True)


def purge_expired() -> int:
    """Mark expired exports and delete their files after the commit (inside a use case)."""
    now = clock.now()
    rows = db.session.execute(
        select(DataExport.id, DataExport.file_name).where(
            DataExport.status.in_((READY, FAILED)), DataExport.expires_at <= now
        )
    ).all()
    if not rows:
        return 0
    db.session.execute(
        update(DataExport)
        .where(DataExport.id.in_([r.id for r in rows]), DataExport.status.in_((READY, FAILED)))
        .values(status=EXPIRED, file_name="")
        .execution_options(synchronize_session=False)
    )
    names = [r.file_name for r in rows if r.file_name]

    def remove() -> None:
        for name in names:
            _remove_file(name)

    on_commit(remove)
    return len(rows)


@use_case
def purge_expired_now() -> int:
    return purge_expired()


def remove_all_for(user_id: int) -> int:
    """Delete a member's exports (rows now, files after the commit): account deletion."""
    rows = db.session.execute(
        select(DataExport.id, DataExport.file_name).where(DataExport.user_id == user_id)
    ).all()
    names = [r.file_name for r in rows if r.file_name]
    db.session.execute(delete(DataExport).where(DataExport.user_id == user_id))

    def remove() -> None:
        for name in names:
            _remove_file(name)
        # A build still running for this member writes a `.part` file in this folder.
        folder = export_root() / str(user_id)
        for stray in folder.glob("*") if folder.is_dir() else []:
            stray.unlink(missing_ok=True)

    on_commit(remove)
    return len(rows)
