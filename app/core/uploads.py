"""Stored files (images and attachments): the model, where bytes live, and safe names.

Everything uploaded goes through `core.images.save_image` or `save_file` here. Files get
random keys; the original name is kept only as data, shown escaped and sent back in a
Content-Disposition header. A file of a circle carries `circle_id`, so the media view can
apply the circle's privacy to direct URLs.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime, db
from app.core.errors import Invalid

CHUNK = 1024 * 1024


class Upload(Base):
    __tablename__ = "upload"
    __table_args__ = (Index("ix_upload_owner", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL", use_alter=True)  # users have avatars: a cycle
    )
    kind: Mapped[str] = mapped_column(String(8))  # "image" | "file"
    content_type: Mapped[str] = mapped_column(String(100))
    ext: Mapped[str] = mapped_column(String(10))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    width: Mapped[int | None]
    height: Mapped[int | None]
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set for files that belong to a circle: the media view then applies its privacy.
    circle_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    def path(self, variant: str) -> Path:
        return upload_root() / self.key[:2] / self.key / f"{variant}.{self.ext}"


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def new_key() -> str:
    return secrets.token_urlsafe(18)


def read_limited(stream: IO[bytes], max_bytes: int, *, too_big: Any) -> bytes:
    """Read at most `max_bytes` from an upload stream, refusing larger files."""
    data = bytearray()
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        data.extend(chunk)
        if len(data) > max_bytes:
            raise Invalid(too_big)
    return bytes(data)


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_original_name(filename: str | None) -> str:
    """The user's file name reduced to something harmless to store and send back."""
    name = unicodedata.normalize("NFC", (filename or "").strip())
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(". ")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot else name[:120]
    return name or "file"


def write_variant(upload: Upload, variant: str, data: bytes) -> None:
    path = upload.path(variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def save_file(
    stream: IO[bytes],
    filename: str | None,
    *,
    owner_id: int | None,
    circle_id: int | None = None,
    max_bytes: int | None = None,
) -> Upload:
    """Store an attachment as an opaque download (served as application/octet-stream)."""
    limit = max_bytes or int(current_app.config["QUANZI_MAX_ATTACHMENT_BYTES"])
    data = read_limited(
        stream, limit, too_big=_l("Files can be at most %(mb)d MB.", mb=limit // (1024 * 1024))
    )
    if not data:
        raise Invalid(_l("This file is empty."))
    original = safe_original_name(filename)
    ext = original.rpartition(".")[2].lower() if "." in original else ""
    ext = ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) else "bin"
    upload = Upload(
        key=new_key(),
        owner_id=owner_id,
        kind="file",
        content_type="application/octet-stream",
        ext=ext,
        original_name=original,
        size_bytes=len(data),
        variants=["original"],
        circle_id=circle_id,
        created_at=clock.now(),
    )
    write_variant(upload, "original", data)
    db.session.add(upload)
    return upload
