"""Site-wide content operators edit: the privacy policy and terms pages, site settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime


class SitePage(Base):
    __tablename__ = "site_page"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)  # "privacy" | "terms"
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SiteSetting(Base):
    """One operator setting (site name, tagline, logo), a key/value row; absent = the default."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
