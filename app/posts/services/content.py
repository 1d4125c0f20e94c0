"""Writing posts: create, edit, delete own, and who may see a post."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.accounts import services as accounts
from app.circles.models import Circle
from app.circles.policies import can_see_shadowed, is_moderator, is_shadowed
from app.circles.services import check_can_participate, moderator_ids
from app.core import clock, events, images, uploads
from app.core.db import db, keep_loaded_after_commit, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import can, is_signed_in, policy, require
from app.notifications.services import notify, register_kind
from app.safety.services import find_sensitive

from ..models import Post, PostFile, PostTag
from . import abuse
from .text import MAX_TAGS, mentioned_usernames, normalise_tags

MAX_IMAGES = 9
MAX_ATTACHMENTS = 9
MAX_BODY = 20_000

register_kind("post.mention", _l("%(actor)s mentioned you in a post"))
register_kind("comment.mention", _l("%(actor)s mentioned you in a comment"))
register_kind("post.pending", _l("%(actor)s posted in %(circle)s: waiting for your review"))


@dataclass
class Draft:
    """What a post form carries; files are (stream, filename) pairs."""

    title: str = ""
    body: str = ""
    tags: str = ""
    is_material: bool = False
    images: list[tuple[IO[bytes], str | None]] = field(default_factory=list)
    attachments: list[tuple[IO[bytes], str | None]] = field(default_factory=list)


# --- Policies --------------------------------------------------------------------------------


@policy("post.view", hide=True)
def _can_view(actor: Any, post: Post) -> bool:
    if not can(actor, "circle.view_content", post.circle_id) or not _shadow_allows(actor, post):
        return False
    if post.status == "published":
        return True
    if post.status == "deleted":
        return False
    is_author = is_signed_in(actor) and actor.id == post.author_id
    return is_author or is_moderator(actor, post.circle)


def _shadow_allows(actor: Any, post: Post) -> bool:
    return not post.shadowed or can_see_shadowed(actor, post.circle, post.author_id)


@policy("post.edit")
def _can_edit(actor: Any, post: Post) -> bool:
    return is_signed_in(actor) and actor.id == post.author_id and post.status != "deleted"


@policy("post.delete")
def _can_delete(actor: Any, post: Post) -> bool:
    if not is_signed_in(actor) or post.status == "deleted":
        return False
    return actor.id == post.author_id or is_moderator(actor, post.circle)


# --- Queries ---------------------------------------------------------------------------------


def get_post(actor: Any, circle: Circle, post_id: int) -> Post:
    """A post of `circle` the actor may see, or NotFound (never reveals private posts)."""
    post = db.session.get(Post, post_id)
    if post is None or post.circle_id != circle.id:
        raise NotFound()
    require(actor, "post.view", post)
    return post


# --- Steps -----------------------------------------------------------------------------------


def _validate(draft: Draft, *, existing_images: int = 0, existing_files: int = 0) -> list[str]:
    errors: dict[str, Any] = {}
    title, body = draft.title.strip(), draft.body.strip()
    if len(title) > 120:
        errors["title"] = _l("At most 120 characters.")
    if not body:
        errors["body"] = _l("Write something first.")
    elif len(body) > MAX_BODY:
        errors["body"] = _l("At most %(n)d characters.", n=MAX_BODY)
    tags = normalise_tags(draft.tags)
    if len(tags) > MAX_TAGS:
        errors["tags"] = _l("At most %(n)d tags.", n=MAX_TAGS)
    if existing_images + len(draft.images) > MAX_IMAGES:
        errors["images"] = _l("At most %(n)d pictures per post.", n=MAX_IMAGES)
    if existing_files + len(draft.attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = _l("At most %(n)d files per post.", n=MAX_ATTACHMENTS)
    if errors:
        raise Invalid(fields=errors)
    return tags


def _store_files(post: Post, draft: Draft, owner_id: int) -> None:
    position = len(post.files)
    for stream, filename in draft.images:
        try:
            upload = images.save_image(
                stream,
                owner_id=owner_id,
                variants=images.POST_IMAGE,
                filename=filename,
                circle_id=post.circle_id,
            )
        except Invalid as exc:
            raise Invalid(fields={"images": exc.message}) from exc
        post.files.append(PostFile(upload=upload, position=position))
        position += 1
    for stream, filename in draft.attachments:
        try:
            upload = uploads.save_file(stream, filename, owner_id=owner_id, circle_id=post.circle_id)
        except Invalid as exc:
            raise Invalid(fields={"attachments": exc.message}) from exc
        post.files.append(PostFile(upload=upload, position=position))
        position += 1


def _set_tags(post: Post, tags: list[str], *, new: bool = False) -> None:
    post.tags = tags
    if not new:  # a new post has no rows to replace
        db.session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    for tag in tags:
        db.session.add(PostTag(post_id=post.id, tag=tag, circle_id=post.circle_id))


def change_post_count(circle_id: int, delta: int) -> None:
    db.session.execute(
        update(Circle)
        .where(Circle.id == circle_id)
        .values(post_count=Circle.post_count + delta)
        .execution_options(synchronize_session=False)
    )


def notify_mentions(text: str, *, actor: Any, circle: Circle, url: str, kind: str) -> None:
    """Tell each @mentioned member who can read the circle."""
    for username in mentioned_usernames(text):
        user = accounts.get_by_username(username)
        if user is not None and can(user, "circle.view_content", circle):
            notify(user.id, kind, actor_id=actor.id, url=url)


def post_url(post: Post) -> str:
    return f"/c/{post.circle.slug}/p/{post.id}"


def went_public(post: Post) -> None:
    """A post became visible (created without review, or approved)."""
    change_post_count(post.circle_id, 1)
    if post.published_at is not None:
        # Approved again after an edit held it: visible again (the approval tells search),
        # but published only once: points, webhooks and @mentions are not repeated.
        return
    post.published_at = clock.now()
    _first_published(post)


def _first_published(post: Post) -> None:
    """Points, webhooks and @mentions: once per post, the first time it is visible."""
    events.publish(
        events.PostPublished(
            post_id=post.id, author_id=post.author_id, circle_id=post.circle_id, kind=post.kind
        )
    )
    if not post.shadowed:  # a shadow-muted member's @mentions reach no one
        notify_mentions(
            post.body, actor=post.author, circle=post.circle, url=post_url(post), kind="post.mention"
        )


# --- Use cases -------------------------------------------------------------------------------


@use_case
def create_post(actor: Any, circle: Circle, draft: Draft) -> Post:
    """A member's post; it waits for review in circles that require approval."""
    keep_loaded_after_commit()  # the view reads the new post's id and status
    check_can_participate(actor, circle)
    tags = _validate(draft)
    title, body = draft.title.strip(), draft.body.strip()
    moderator = is_moderator(actor, circle)
    if not moderator:
        abuse.check_post(actor, body=body, title=title, image_count=len(draft.images))
    # Hosts approve their own circle's queue, so their words are not held for it.
    flagged = None if moderator else find_sensitive(title, body, " ".join(tags))
    status = "pending" if (circle.require_approval or flagged) and not moderator else "published"
    now = clock.now()
    post = Post(
        circle_id=circle.id,
        author_id=actor.id,
        title=title,
        body=body,
        tags=tags,
        status=status,
        is_material=bool(draft.is_material and moderator),
        flagged_word=flagged,
        shadowed=is_shadowed(actor, circle),
        created_at=now,
        # Set now, not after the insert: no lazy load of the (empty) files, no second UPDATE.
        published_at=now if status == "published" else None,
        files=[],
    )
    post.circle = circle
    db.session.add(post)
    db.session.flush()
    _set_tags(post, tags, new=True)
    _store_files(post, draft, actor.id)
    db.session.flush()
    if status == "published":
        change_post_count(circle.id, 1)
        _first_published(post)
    else:
        _tell_hosts(actor, circle)
    return post


def _tell_hosts(actor: Any, circle: Circle) -> None:
    for host_id in moderator_ids(circle):
        notify(
            host_id,
            "post.pending",
            actor_id=actor.id,
            url=f"/c/{circle.slug}/manage#pending",
            params={"circle": circle.name},
        )


@use_case
def create_certificate_post(
    actor: Any, circle: Circle, *, certificate_code: str, title: str, body: str
) -> Post:
    """晒证书: a post of kind certificate; sharing the same one in a circle again is a no-op."""
    check_can_participate(actor, circle)
    existing = db.session.scalar(
        select(Post).where(
            Post.author_id == actor.id,
            Post.circle_id == circle.id,
            Post.certificate_code == certificate_code,
            Post.status.in_(("pending", "published")),
        )
    )
    if existing is not None:
        return existing
    status = "pending" if circle.require_approval and not is_moderator(actor, circle) else "published"
    post = Post(
        circle_id=circle.id,
        author_id=actor.id,
        title=title[:120],
        body=body,
        tags=[],
        kind="certificate",
        certificate_code=certificate_code,
        status=status,
        shadowed=is_shadowed(actor, circle),
        created_at=clock.now(),
    )
    post.circle = circle
    db.session.add(post)
    db.session.flush()
    if status == "published":
        went_public(post)
    return post


@use_case
def edit_post(actor: Any, post: Post, draft: Draft) -> Post:
    """The author changes their post (files can be added; the rest is replaced)."""
    require(actor, "post.view", post)
    require(actor, "post.edit", post)
    tags = _validate(draft, existing_images=len(post.images), existing_files=len(post.attachments))
    post.title, post.body = draft.title.strip(), draft.body.strip()
    moderator = is_moderator(actor, post.circle)
    if moderator:
        post.is_material = draft.is_material
    post.edited_at = clock.now()
    _set_tags(post, tags)
    _store_files(post, draft, actor.id)
    flagged = None if moderator else find_sensitive(post.title, post.body, " ".join(tags))
    post.flagged_word = flagged  # what the hosts' queue shows is always the current text's
    if flagged:
        _hold_for_review(actor, post)
    events.publish(events.PostEdited(post_id=post.id, author_id=post.author_id, circle_id=post.circle_id))
    return post


def _hold_for_review(actor: Any, post: Post) -> None:
    """An edit added a sensitive word: a published post goes back to the hosts' queue."""
    result = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.status == "published")
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return  # pending already (or hidden by the hosts): nothing becomes public
    db.session.expire(post, ["status"])
    change_post_count(post.circle_id, -1)
    events.publish(events.PostVisibilityChanged(post_id=post.id, circle_id=post.circle_id, status="pending"))
    _tell_hosts(actor, post.circle)


@use_case
def delete_own_post(actor: Any, post: Post) -> None:
    """The author removes their post (soft delete)."""
    require(actor, "post.view", post)
    require(actor, "post.edit", post)
    was_published = post.status == "published"
    result = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.status != "deleted")
        .values(status="deleted")
        .execution_options(synchronize_session=False)
    )
    db.session.expire(post, ["status"])
    if result.rowcount and was_published:  # type: ignore[attr-defined]
        change_post_count(post.circle_id, -1)
    if result.rowcount:  # type: ignore[attr-defined]
        events.publish(
            events.PostVisibilityChanged(post_id=post.id, circle_id=post.circle_id, status="deleted")
        )


def list_pending(circle: Circle, limit: int = 50) -> list[Post]:
    query = (
        select(Post)
        .where(Post.circle_id == circle.id, Post.status == "pending")
        .order_by(Post.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def count_published_posts(user_id: int, circle_id: int | None = None) -> int:
    """Posts by `user_id` that are published (check-ins are not posts), optionally in a circle."""
    query = (
        select(func.count()).select_from(Post).where(Post.author_id == user_id, Post.status == "published")
    )
    if circle_id is not None:
        query = query.where(Post.circle_id == circle_id)
    return int(db.session.scalar(query) or 0)


def count_featured_posts(user_id: int, circle_id: int | None = None) -> int:
    """Published posts by `user_id` that hosts featured (精华)."""
    query = (
        select(func.count())
        .select_from(Post)
        .where(Post.author_id == user_id, Post.status == "published", Post.is_featured.is_(True))
    )
    if circle_id is not None:
        query = query.where(Post.circle_id == circle_id)
    return int(db.session.scalar(query) or 0)
