"""What each kind of document looks like to search: one small adapter per kind.

An adapter turns database rows into `Doc`s (only what may be found: published posts, visible
comments of published posts), lists every id for a rebuild, and loads what a result card
shows. A new kind (check-ins) is one more `Adapter(...)` registered here and a handler in
`app/wiring.py` that calls `indexer.enqueue(kind, id)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.circles.models import Circle
from app.core.db import db
from app.core.markdown import plain_excerpt
from app.posts.models import Comment, Post
from app.posts.services import post_url

from .text import plain_text

Key = tuple[str, int]
BATCH = 500


@dataclass(frozen=True)
class Doc:
    """One searchable document, as both backends index it."""

    kind: str
    ref_id: int
    circle_id: int
    post_id: int | None
    created_at: datetime
    title: str
    body: str
    tags: str = ""
    author: str = ""
    circle: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref_id}"


@dataclass
class Shown:
    """What a result card needs, loaded from the database for one page of hits."""

    kind: str
    ref_id: int
    url: str
    title: str
    body: str
    circle: Circle
    author: User
    created_at: datetime
    post: Post
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Adapter:
    kind: str
    # ids -> the Docs of those that may be found (the others leave the index).
    load: Callable[[Sequence[int]], list[Doc]]
    # Every id that may be found, in batches, for a rebuild.
    batches: Callable[[], Iterator[list[int]]]
    # ids -> cards of those still visible (a stale index entry never shows).
    show: Callable[[Sequence[int]], dict[int, Shown]]
    # Documents whose visibility follows this one (a post's comments).
    dependents: Callable[[Sequence[int]], list[Key]] = lambda _ids: []


ADAPTERS: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    """Make a document kind searchable."""
    ADAPTERS[adapter.kind] = adapter
    return adapter


def _author_text(display_name: str | None, username: str) -> str:
    return f"{display_name or ''} {username}".strip()


def _id_batches(query: Any, column: Any) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(db.session.scalars(query.where(column > last).order_by(column).limit(BATCH)))
        if not ids:
            return
        yield ids
        last = ids[-1]


# --- Posts -----------------------------------------------------------------------------------


def _load_posts(ids: Sequence[int]) -> list[Doc]:
    # Plain columns, not entities: the caller's session may hold these posts with unsaved
    # state or loaded collections that an index refresh must not touch.
    query = (
        select(
            Post.id,
            Post.circle_id,
            Post.created_at,
            Post.title,
            Post.body,
            Post.tags,
            User.display_name,
            User.username,
            Circle.name,
        )
        .join(User, User.id == Post.author_id)
        .join(Circle, Circle.id == Post.circle_id)
        .where(Post.id.in_(ids), Post.status == "published", Post.shadowed.is_(False))
    )
    return [
        Doc(
            kind="post",
            ref_id=row.id,
            circle_id=row.circle_id,
            post_id=row.id,
            created_at=row.created_at,
            title=row.title,
            body=plain_text(row.body),
            tags=" ".join(row.tags or []),
            author=_author_text(row.display_name, row.username),
            circle=row.name,
        )
        for row in db.session.execute(query)
    ]


def _post_batches() -> Iterator[list[int]]:
    return _id_batches(select(Post.id).where(Post.status == "published", Post.shadowed.is_(False)), Post.id)


def _post_comments(ids: Sequence[int]) -> list[Key]:
    query = select(Comment.id).where(Comment.post_id.in_(ids))
    return [("comment", cid) for cid in db.session.scalars(query)]


def _show_posts(ids: Sequence[int]) -> dict[int, Shown]:
    query = select(Post).where(Post.id.in_(ids), Post.status == "published", Post.shadowed.is_(False))
    return {
        p.id: Shown(
            kind="post",
            ref_id=p.id,
            url=post_url(p),
            title=p.title,
            body=plain_excerpt(p.body, 160),
            circle=p.circle,
            author=p.author,
            created_at=p.created_at,
            post=p,
            extra={"likes": p.like_count, "comments": p.comment_count},
        )
        for p in db.session.scalars(query).unique()
    }


# --- Comments --------------------------------------------------------------------------------


def _visible_comments(ids: Sequence[int]) -> Any:
    return (
        select(Comment, Post)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.id.in_(ids),
            Comment.status == "visible",
            Comment.shadowed.is_(False),
            Post.status == "published",
            Post.shadowed.is_(False),
        )
    )


def _load_comments(ids: Sequence[int]) -> list[Doc]:
    query = (
        select(
            Comment.id,
            Comment.circle_id,
            Comment.post_id,
            Comment.created_at,
            Comment.body,
            User.display_name,
            User.username,
            Circle.name,
        )
        .join(Post, Post.id == Comment.post_id)
        .join(User, User.id == Comment.author_id)
        .join(Circle, Circle.id == Comment.circle_id)
        .where(
            Comment.id.in_(ids),
            Comment.status == "visible",
            Comment.shadowed.is_(False),
            Post.status == "published",
            Post.shadowed.is_(False),
        )
    )
    return [
        Doc(
            kind="comment",
            ref_id=row.id,
            circle_id=row.circle_id,
            post_id=row.post_id,
            created_at=row.created_at,
            title="",
            body=row.body,
            author=_author_text(row.display_name, row.username),
            circle=row.name,
        )
        for row in db.session.execute(query)
    ]


def _comment_batches() -> Iterator[list[int]]:
    query = (
        select(Comment.id)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.status == "visible",
            Comment.shadowed.is_(False),
            Post.status == "published",
            Post.shadowed.is_(False),
        )
    )
    return _id_batches(query, Comment.id)


def _show_comments(ids: Sequence[int]) -> dict[int, Shown]:
    return {
        c.id: Shown(
            kind="comment",
            ref_id=c.id,
            url=post_url(p) + f"#comment-{c.id}",
            title=p.title or plain_excerpt(p.body, 30),
            body=c.body,
            circle=p.circle,
            author=c.author,
            created_at=c.created_at,
            post=p,
            extra={"likes": c.like_count},
        )
        for c, p in db.session.execute(_visible_comments(ids)).unique()
    }


register(
    Adapter(
        kind="post",
        load=_load_posts,
        batches=_post_batches,
        show=_show_posts,
        dependents=_post_comments,
    )
)
register(Adapter(kind="comment", load=_load_comments, batches=_comment_batches, show=_show_comments))


def load_docs(keys: Sequence[Key]) -> list[Doc]:
    """The current Docs of these keys (the keys without one must leave the index)."""
    docs: list[Doc] = []
    for kind, ids in group(keys).items():
        docs.extend(ADAPTERS[kind].load(ids))
    return docs


def with_dependents(keys: Sequence[Key]) -> list[Key]:
    """`keys` plus the documents whose visibility follows them, without duplicates."""
    out = list(dict.fromkeys(keys))
    for kind, ids in group(keys).items():
        for key in ADAPTERS[kind].dependents(ids):
            if key not in out:
                out.append(key)
    return out


def group(keys: Sequence[Key]) -> dict[str, list[int]]:
    """{kind: [ids]} for the known kinds (unknown kinds are dropped)."""
    out: dict[str, list[int]] = {}
    for kind, ref_id in keys:
        if kind in ADAPTERS:
            out.setdefault(kind, []).append(ref_id)
    return out


def all_batches() -> Iterator[tuple[str, Iterator[list[int]]]]:
    """(kind, id batches) for every kind, for a rebuild."""
    for kind, adapter in ADAPTERS.items():
        yield kind, adapter.batches()
