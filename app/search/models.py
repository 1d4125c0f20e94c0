"""The durable retry queue and, for the PostgreSQL backend, the searchable documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime

# A tsvector on PostgreSQL; the table exists but stays empty on SQLite (Whoosh backend).
TsVector = Text().with_variant(TSVECTOR(), "postgresql")


class SearchQueue(Base):
    """A document whose index entry must be (re)derived from the database.

    Written in the same transaction as the change, so a committed change is never forgotten.
    `seq` grows with every new change of the same document: a drain deletes the row only if
    `seq` is still what it read, so a change arriving mid-drain is indexed again.
    """

    __tablename__ = "search_queue"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        # The worker picks due rows oldest first.
        Index("ix_search_queue_due", "available_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int]
    seq: Mapped[int] = mapped_column(default=1)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SearchDocument(Base):
    """One visible post, comment (or later check-in) as PostgreSQL full-text search sees it."""

    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_document_tsv", "tsv", postgresql_using="gin"),
        # "Newest first" and the circle filter.
        Index("ix_search_document_circle", "circle_id", "created_at"),
        Index("ix_search_document_created", "created_at", "id"),
        Index("ix_search_document_post", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int]
    post_id: Mapped[int | None]
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Display text, segmented with zero-width spaces so ts_headline finds the Chinese words.
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tsv: Mapped[str] = mapped_column(TsVector)
