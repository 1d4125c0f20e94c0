"""Posts, their files and tags, comments, likes and reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.circles.models import Circle
from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload

POST_STATUSES = ("pending", "published", "rejected", "hidden", "deleted")
COMMENT_STATUSES = ("visible", "hidden", "deleted")
REPORT_OUTCOMES = ("upheld", "dismissed")
LIKE_TARGETS = ("post", "comment")


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'published', 'rejected', 'hidden', 'deleted')", name="status"),
        CheckConstraint("like_count >= 0", name="like_count"),
        CheckConstraint("comment_count >= 0", name="comment_count"),
        CheckConstraint("pin_rank IN (0, 1)", name="pin_rank"),
        # The circle feed: pinned first, newest first (keyset on pin_rank, id). The home feed
        # reads the same index, one (circle, pin_rank) range at a time.
        Index("ix_post_circle_feed", "circle_id", "status", "pin_rank", "id"),
        Index("ix_post_circle_featured", "circle_id", "status", "is_featured", "id"),
        Index("ix_post_circle_material", "circle_id", "status", "is_material", "id"),
        # Anti-abuse looks at an author's recent posts.
        Index("ix_post_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="post")
    # 晒证书: a post of kind "certificate" shows this certificate as a card.
    certificate_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Shown on every card; `post_tag` holds the same tags for filtering by index.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="published")
    # 1 = pinned. An integer, not a bool: the keyset cursor compares it with < and >.
    pin_rank: Mapped[int] = mapped_column(default=0)
    is_featured: Mapped[bool] = mapped_column(default=False)
    is_material: Mapped[bool] = mapped_column(default=False)
    like_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # First time it went public: a post held again after an edit is re-shown on approval,
    # not published a second time (points, webhooks and @mentions happen once).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The sensitive word (敏感词) that held this post for review, shown to the hosts.
    flagged_word: Mapped[str | None] = mapped_column(String(64))
    # Written by a shadow-muted (透明人) member: only they and the circle's hosts see it, for
    # good (lifting the shadow-mute only affects what they write afterwards).
    shadowed: Mapped[bool] = mapped_column(default=False, server_default=false())

    # Every card shows the author (with avatar, joined by User): one query saved per post.
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    # The home feed mixes circles and links each card to its circle: joined in the same query.
    circle: Mapped[Circle] = relationship(lazy="joined", innerjoin=True)
    # All files of a page of posts arrive in one extra SELECT, whatever the page size.
    files: Mapped[list[PostFile]] = relationship(
        lazy="selectin", order_by="PostFile.position", cascade="all, delete-orphan"
    )

    @property
    def images(self) -> list[Upload]:
        return [f.upload for f in self.files if f.upload.is_image]

    @property
    def attachments(self) -> list[Upload]:
        return [f.upload for f in self.files if not f.upload.is_image]

    @property
    def is_pinned(self) -> bool:
        return self.pin_rank > 0

    @property
    def is_visible(self) -> bool:
        return self.status == "published"


class PostFile(Base):
    __tablename__ = "post_file"
    __table_args__ = (Index("ix_post_file_post", "post_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)

    upload: Mapped[Upload] = relationship(lazy="joined")


class PostTag(Base):
    __tablename__ = "post_tag"
    __table_args__ = (Index("ix_post_tag_circle", "circle_id", "tag", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("status IN ('visible', 'hidden', 'deleted')", name="status"),
        CheckConstraint("like_count >= 0", name="like_count"),
        Index("ix_comment_post", "post_id", "id"),
        Index("ix_comment_author", "author_id", "created_at"),
        # The hosts' queue of comments held for review.
        Index("ix_comment_pending", "circle_id", "is_pending", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="visible")
    # Held for review (a sensitive word): status stays "hidden" until a host approves, so
    # every "visible" filter already leaves it out. A flag, not a new status: changing the
    # status CHECK would rebuild this self-referencing table on SQLite.
    is_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    flagged_word: Mapped[str | None] = mapped_column(String(64))
    like_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # See Post.shadowed.
    shadowed: Mapped[bool] = mapped_column(default=False, server_default=false())

    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])


class Like(Base):
    """One row per (user, target) ever liked; `active` flips, so only the first like notifies."""

    __tablename__ = "post_like"
    __table_args__ = (
        UniqueConstraint("user_id", "target_kind", "target_id"),
        CheckConstraint("target_kind IN ('post', 'comment')", name="target_kind"),
        Index("ix_post_like_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class Report(Base):
    __tablename__ = "post_report"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_kind", "target_id"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'dismissed')", name="outcome"),
        CheckConstraint("weight_pct >= 0", name="weight_pct"),
        Index("ix_post_report_queue", "circle_id", "status", "id"),
        # The auto-hide check sums a target's open report weights.
        Index("ix_post_report_target", "target_kind", "target_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int]
    # The reported post (itself, or the comment's post): the queue links to it.
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default="open")
    # The report's weight in hundredths, fixed when it is made (reporter's tier and record).
    weight_pct: Mapped[int] = mapped_column(default=100, server_default="100")
    # How hosts resolved it: upheld (hidden/deleted) or dismissed; feeds the reporter's record.
    outcome: Mapped[str | None] = mapped_column(String(10))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    reporter: Mapped[User] = relationship(lazy="joined", foreign_keys=[reporter_id])
