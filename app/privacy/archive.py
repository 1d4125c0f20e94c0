"""What goes into a personal data export, written straight into a ZIP on disk.

Files already on disk (pictures, attachments, rendered certificates) are copied into the
archive in chunks by `ZipFile.write`; tables are written row by row through a text stream
into the archive, and rows are read in keyset batches, so memory stays flat whatever the
member has posted.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.accounts.models import User
from app.badges import openbadges, render
from app.badges.models import BadgeAward, Certificate
from app.checkins.models import Campaign, Checkin
from app.circles.models import Circle
from app.core import clock
from app.core.db import db
from app.core.uploads import Upload
from app.points.models import PointsEntry
from app.posts.models import Comment, Post
from app.store.models import Order

BATCH = 200
M = TypeVar("M")
Progress = Callable[[int], None]


def _iso(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.local(value).replace(microsecond=0).isoformat()
    return value.isoformat()


def slugify(title: str, fallback: str = "post") -> str:
    """A file-name-safe slug that keeps Chinese characters (`我的第一篇` stays readable)."""
    words = re.findall(r"\w+", title or "", flags=re.UNICODE)
    slug = "-".join(words).strip("-_")[:40].strip("-_")
    return slug or fallback


def _batches(query: Select[Any], id_column: Any) -> Iterator[list[Any]]:
    """Rows of `query` in id order, BATCH at a time (keyset on the id)."""
    last = 0
    while True:
        rows = list(
            db.session.scalars(query.where(id_column > last).order_by(id_column).limit(BATCH)).unique()
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _best_file(upload: Upload) -> Path | None:
    """The largest stored variant of an upload (images) or the original (attachments)."""
    for variant in reversed(upload.variants or []):
        path = upload.path(variant)
        if path.is_file():
            return path
    return None


class Writer:
    """A ZIP being written, with progress counted in units of work."""

    def __init__(self, archive: zipfile.ZipFile, total: int, progress: Progress) -> None:
        self.archive = archive
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress

    def step(self, units: int = 1) -> None:
        self.done += units
        self.progress(min(99, self.done * 100 // self.total))

    def text(self, name: str, content: str) -> None:
        self.archive.writestr(name, content)

    def stream(self, name: str) -> IO[bytes]:
        return self.archive.open(name, "w", force_zip64=True)

    def copy(self, source: Path, name: str) -> None:
        self.archive.write(source, name)

    def add_upload(self, upload: Upload, stem: str) -> str | None:
        source = _best_file(upload)
        if source is None:
            return None
        name = f"{stem}.{upload.ext}"
        self.copy(source, name)
        return name

    def csv(
        self, name: str, header: Sequence[str], rows: Iterator[Sequence[Any]], *, bom: bool = False
    ) -> None:
        with self.stream(name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
            out = csv.writer(text)
            out.writerow(header)
            for row in rows:
                out.writerow(row)
            text.flush()
            text.detach()


def write_archive(
    user_id: int, target: Path, progress: Progress, *, lang: str = "zh", base_url: str = ""
) -> None:
    """Write the member's export to `target` (a new file), calling `progress(0..99)` as it goes."""
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} is gone")
    origin = base_url or openbadges.base_url()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Certificate links and Open Badges documents are absolute URLs built with url_for,
    # which needs a request: a made-up one on the origin the member asked from.
    with app.test_request_context("/", base_url=origin), force_locale(lang):
        total = 6 + _count(Post, Post.author_id, user_id) + _count(Checkin, Checkin.user_id, user_id)
        total += _count(BadgeAward, BadgeAward.user_id, user_id)
        total += _count(Comment, Comment.author_id, user_id) // BATCH
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            writer = Writer(archive, total, progress)
            writer.text("README.txt", readme(user))
            write_profile(writer, user)
            write_posts(writer, user)
            write_comments(writer, user)
            write_checkins(writer, user)
            write_points(writer, user)
            write_orders(writer, user)
            write_badges(writer, user)


def _count(model: Any, column: Any, user_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(column == user_id)) or 0)


def readme(user: User) -> str:
    lines = [
        _("Your data from %(site)s", site=current_app.config.get("QUANZI_SITE_NAME") or _("Quanzi")),
        _(
            "Exported for %(name)s (@%(username)s) on %(when)s.",
            name=user.name,
            username=user.username,
            when=_iso(clock.now()),
        ),
        "",
        _("What is inside:"),
        "- profile.json: " + _("your account and profile (avatar/ holds your avatar picture)"),
        "- posts/<id>-<title>.md: "
        + _("each post in Markdown with its details on top; its pictures and files are in posts/<id>/"),
        "- comments.md: " + _("every comment you wrote, with the post it belongs to"),
        "- checkins.csv: " + _("your check-ins; their pictures are in checkins/"),
        "- points.csv: "
        + _("your points ledger, one row per change; the points column adds up to your balance"),
        "- orders.csv: " + _("your redemptions in the points store"),
        "- badges/badges.json: "
        + _("your badges; badges/certificates/ holds each certificate as a PNG and its Open Badges JSON"),
        "",
        _(
            "CSV files are UTF-8 and open in Excel and Numbers. Times are in %(tz)s.",
            tz=current_app.config["QUANZI_TIMEZONE"],
        ),
        _("This download link works for 7 days."),
        "",
    ]
    return "\n".join(lines)


def write_profile(writer: Writer, user: User) -> None:
    avatar = writer.add_upload(user.avatar, "avatar/avatar") if user.avatar else None
    profile = {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "role": user.role,
        "points": user.points,
        "growth": user.growth,
        "birthday": _iso(user.birthday),
        "invite_code": user.invite_code,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "avatar": avatar,
        "profile_url": openbadges.absolute("accounts.profile", username=user.username),
    }
    writer.text("profile.json", json.dumps(profile, ensure_ascii=False, indent=2) + "\n")
    writer.step()


def _front_matter(fields: dict[str, Any]) -> str:
    # JSON values are valid YAML scalars/lists, so the block parses as YAML front matter.
    body = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return f"---\n{body}\n---\n\n"


def post_file_name(post: Post) -> str:
    return f"posts/{post.id}-{slugify(post.title, 'post')}.md"


def exported_posts(user_id: int) -> Select[Any]:
    """The posts an export contains: all but those deleted (by the author or moderators)."""
    return select(Post).where(Post.author_id == user_id, Post.status != "deleted")


def write_posts(writer: Writer, user: User) -> None:
    for batch in _batches(exported_posts(user.id), Post.id):
        for post in batch:
            files, pictures = [], []
            for position, post_file in enumerate(post.files, start=1):
                upload = post_file.upload
                stem = f"posts/{post.id}/{position}-{slugify(upload.original_name.rsplit('.', 1)[0], 'file')}"
                name = writer.add_upload(upload, stem)
                if name:
                    # Links in the Markdown are relative to the posts/ folder it sits in.
                    files.append(name.removeprefix("posts/"))
                    if upload.is_image:
                        pictures.append(files[-1])
            fields = {
                "id": post.id,
                "title": post.title,
                "circle": post.circle.name,
                "circle_slug": post.circle.slug,
                "kind": post.kind,
                "status": post.status,
                "tags": list(post.tags or []),
                "featured": post.is_featured,
                "material": post.is_material,
                "likes": post.like_count,
                "comments": post.comment_count,
                "created_at": _iso(post.created_at),
                "edited_at": _iso(post.edited_at),
                "url": openbadges.base_url() + f"/c/{post.circle.slug}/p/{post.id}",
                "files": files,
            }
            title = f"# {post.title}\n\n" if post.title else ""
            images = "".join(f"\n![]({name})\n" for name in pictures)
            writer.text(
                post_file_name(post), _front_matter(fields) + title + post.body.rstrip() + "\n" + images
            )
            writer.step()


def write_comments(writer: Writer, user: User) -> None:
    query = select(Comment).where(Comment.author_id == user.id, Comment.status != "deleted")
    with writer.stream("comments.md") as raw:
        raw.write(f"# {_('My comments')}\n".encode())
        for batch in _batches(query, Comment.id):
            post_ids = {c.post_id for c in batch}
            titles = dict(
                db.session.execute(select(Post.id, Post.title).where(Post.id.in_(post_ids))).tuples().all()
            )
            for comment in batch:
                heading = _("On “%(title)s”", title=titles.get(comment.post_id) or f"#{comment.post_id}")
                marker = f"<!-- comment {comment.id}, post {comment.post_id} -->"
                block = (
                    f"\n## {heading} · {_iso(comment.created_at)}\n\n{marker}\n\n{comment.body.rstrip()}\n"
                )
                raw.write(block.encode())
            writer.step()


CHECKIN_HEADER = (
    "id",
    "day",
    "campaign",
    "circle",
    "body",
    "makeup",
    "recommended",
    "likes",
    "created_at",
    "image",
)


def write_checkins(writer: Writer, user: User) -> None:
    query = select(Checkin).where(Checkin.user_id == user.id)
    circles: dict[int, str] = {}

    def rows() -> Iterator[Sequence[Any]]:
        for batch in _batches(query, Checkin.id):
            missing = {c.circle_id for c in batch} - circles.keys()
            if missing:
                circles.update(
                    db.session.execute(select(Circle.id, Circle.name).where(Circle.id.in_(missing)))
                    .tuples()
                    .all()
                )
            for checkin in batch:
                image = writer.add_upload(checkin.image, f"checkins/{checkin.id}") if checkin.image else None
                campaign: Campaign = checkin.campaign
                yield (
                    checkin.id,
                    _iso(checkin.day),
                    campaign.title,
                    circles.get(checkin.circle_id, ""),
                    checkin.body,
                    int(checkin.is_makeup),
                    int(checkin.is_recommended),
                    checkin.like_count,
                    _iso(checkin.created_at),
                    image or "",
                )
                writer.step()

    # Pictures are added while the CSV is written: a ZIP can only write one member at a time.
    checkin_rows = list(rows())
    writer.csv("checkins.csv", CHECKIN_HEADER, iter(checkin_rows), bom=True)


POINTS_HEADER = ("id", "created_at", "day", "kind", "points", "growth", "rule", "reason", "reference")


def write_points(writer: Writer, user: User) -> None:
    query = select(PointsEntry).where(PointsEntry.user_id == user.id)

    def rows() -> Iterator[Sequence[Any]]:
        for batch in _batches(query, PointsEntry.id):
            for entry in batch:
                yield (
                    entry.id,
                    _iso(entry.created_at),
                    _iso(entry.day),
                    entry.kind,
                    entry.delta,
                    entry.growth_delta,
                    entry.rule,
                    entry.reason,
                    entry.reference,
                )

    writer.csv("points.csv", POINTS_HEADER, rows(), bom=True)
    writer.step()


ORDERS_HEADER = (
    "id",
    "created_at",
    "item",
    "kind",
    "status",
    "points",
    "prize",
    "recipient",
    "phone",
    "address",
    "tracking_no",
    "coupon_code",
    "note",
)


def write_orders(writer: Writer, user: User) -> None:
    query = select(Order).where(Order.user_id == user.id)

    def rows() -> Iterator[Sequence[Any]]:
        for batch in _batches(query, Order.id):
            for order in batch:
                yield (
                    order.id,
                    _iso(order.created_at),
                    order.item.title,
                    order.item.kind,
                    order.status,
                    order.points_cost,
                    int(order.is_prize),
                    order.recipient,
                    order.phone,
                    order.address,
                    order.tracking_no,
                    order.coupon_code,
                    order.note,
                )

    writer.csv("orders.csv", ORDERS_HEADER, rows(), bom=True)
    writer.step()


def _site_name() -> str:
    with force_locale("zh"):
        return str(current_app.config.get("QUANZI_SITE_NAME") or _("Quanzi"))


def write_badges(writer: Writer, user: User) -> None:
    query = select(BadgeAward).where(BadgeAward.user_id == user.id)
    listing = []
    for batch in _batches(query, BadgeAward.id):
        for award in batch:
            entry: dict[str, Any] = {
                "badge_id": award.badge_id,
                "name": award.badge.name,
                "description": award.badge.description,
                "reason": award.reason,
                "granted_at": _iso(award.created_at),
                "certificate": None,
            }
            certificate: Certificate | None = award.certificate
            if certificate is not None:
                entry["certificate"] = write_certificate(writer, certificate)
            listing.append(entry)
            writer.step()
    writer.text("badges/badges.json", json.dumps(listing, ensure_ascii=False, indent=2) + "\n")


def write_certificate(writer: Writer, certificate: Certificate) -> dict[str, Any]:
    """The baked PNG (the same renderer as /certificates/<code>.png) and its assertion."""
    assertion = openbadges.assertion_document(certificate)
    document = openbadges.revoked_document(certificate) if certificate.is_revoked else assertion
    png = render.certificate_png(certificate, assertion, openbadges.verify_url(certificate), _site_name())
    stem = f"badges/certificates/{certificate.code}"
    writer.archive.writestr(f"{stem}.png", png)
    writer.text(f"{stem}.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return {
        "code": certificate.code,
        "serial": certificate.serial,
        "revoked": certificate.is_revoked,
        "png": f"certificates/{certificate.code}.png",
        "json": f"certificates/{certificate.code}.json",
        "verify_url": openbadges.verify_url(certificate),
    }
