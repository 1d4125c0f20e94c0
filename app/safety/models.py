"""Blocks between members and the sensitive-word list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime


class Block(Base):
    """`blocker` no longer sees `blocked`'s posts, comments, check-ins or notifications.

    The primary key (blocker_id, blocked_id) is the index every feed's NOT EXISTS probes.
    """

    __tablename__ = "user_block"
    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        # "Who blocked me" is never shown; this serves the cascade when an account goes.
        Index("ix_user_block_blocked", "blocked_id"),
    )

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # The "blocked members" list shows each name and avatar: joined, one query a page.
    blocked: Mapped[User] = relationship(lazy="joined", foreign_keys=[blocked_id])


class SensitiveWord(Base):
    """A word or phrase that holds a post or comment for review; stored normalised (NFKC, casefold)."""

    __tablename__ = "sensitive_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SensitiveWordState(Base):
    """One row: the list's version, bumped by every change so each process reloads only then."""

    __tablename__ = "sensitive_word_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
