"""The audit log: who did what to what, when and why. One writer: `record()`.

Every admin and host action records a row in the same transaction as the action itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime, db


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_created", "created_at", "id"),
        Index("ix_audit_entry_actor", "actor_id", "created_at"),
        Index("ix_audit_entry_circle", "circle_id", "created_at"),
        Index("ix_audit_entry_action", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[int | None]
    circle_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


def record(
    actor: Any,
    action: str,
    target: Any = None,
    *,
    reason: str = "",
    circle_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit row for `actor` doing `action` to `target` (a model or None)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target.__tablename__ if target is not None else "",
        target_id=getattr(target, "id", None),
        circle_id=circle_id,
        reason=reason or "",
        data=data,
        created_at=clock.now(),
    )
    db.session.add(entry)
    return entry


def list_entries(
    *,
    actor_id: int | None = None,
    action: str | None = None,
    circle_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """Newest first, filtered; `before_id` pages backwards (keyset on the primary key)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if circle_id is not None:
        query = query.where(AuditEntry.circle_id == circle_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))
