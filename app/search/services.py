"""Searching what a member may see: permissions, ordering, pages and snippets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Select, func, select, union

from app.circles.models import Circle, Membership
from app.circles.services import get_circle, my_circle_ids
from app.core.db import db
from app.core.permissions import is_admin, is_signed_in, policy, require
from app.posts.models import Post, PostTag
from app.safety.services import blocked_ids

from . import adapters, indexer, pg_backend
from .adapters import Shown
from .text import highlight_terms, query_terms

PER_PAGE = 10
MAX_PAGE = 50
MAX_QUERY = 100
ORDERS = ("relevant", "newest")
# Suggested tags come from this many of the newest posts one may read.
RECENT_POSTS = 2000


@policy("search.query")
def _can_search(_actor: Any, _target: Any) -> bool:
    # Everyone may search; what they find is limited to the circles they may read.
    return True


@dataclass
class Hit:
    shown: Shown
    title: Markup
    snippet: Markup


@dataclass
class Results:
    query: str
    terms: list[str]
    order: str
    page: int
    circle: Circle | None
    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False
    notice: Any = None


def denied_circles(actor: Any) -> Select[Any] | None:
    """Circle ids whose content the actor may not read (None: everything is readable).

    Private circles they are not an active member of, and circles that banned them. Decided
    at query time from the database, so joining, leaving, bans and a circle going private
    change results at once, without touching the index.
    """
    if is_admin(actor):
        return None
    private = select(Circle.id).where(Circle.visibility == "private")
    if not is_signed_in(actor):
        return private
    mine = select(Membership.circle_id).where(Membership.user_id == actor.id, Membership.status == "active")
    banned = select(Membership.circle_id).where(Membership.user_id == actor.id, Membership.status == "banned")
    return select(union(private.where(Circle.id.not_in(mine)), banned).subquery().c[0])


def _clip(raw: str) -> tuple[str, Any]:
    text = " ".join((raw or "").split())
    if len(text) > MAX_QUERY:
        return text[:MAX_QUERY], _l(
            "Your search was long: only its first %(n)d characters were used.", n=MAX_QUERY
        )
    return text, None


def search(
    actor: Any, query: str, *, circle_slug: str | None = None, order: str = "relevant", page: int = 1
) -> Results:
    """One page of posts and comments matching `query` that the actor may read."""
    require(actor, "search.query")
    text, notice = _clip(query)
    circle = None
    if circle_slug:
        circle = get_circle(circle_slug)
        require(actor, "circle.view_content", circle)
    order = order if order in ORDERS else "relevant"
    page = min(max(page, 1), MAX_PAGE)
    terms = query_terms(text)
    results = Results(query=text, terms=terms, order=order, page=page, circle=circle, notice=notice)
    if not terms:
        if text:
            results.notice = _l("Type a word or two: punctuation and symbols alone are not searched.")
        return results
    chosen = indexer.backend()
    denied = denied_circles(actor)
    options: dict[str, Any] = {
        "circle_id": circle.id if circle else None,
        "newest": order == "newest",
        "page": page,
        "per_page": PER_PAGE,
    }
    if chosen is pg_backend:
        raw, results.has_next = pg_backend.search(terms, highlight_terms(text), denied=denied, **options)
    else:
        ids = list(db.session.scalars(denied)) if denied is not None else None
        raw, results.has_next = chosen.search(terms, denied=ids, **options)
    results.hits = _hydrate(raw, hidden_authors=blocked_ids(actor) if raw else set())
    return results


def _hydrate(raw: list[dict[str, Any]], *, hidden_authors: set[int] | None = None) -> list[Hit]:
    """Load the cards of a page of hits: one query per kind, whatever the page size."""
    shown: dict[tuple[str, int], Shown] = {}
    for kind, ids in adapters.group([(h["kind"], h["ref_id"]) for h in raw]).items():
        shown.update({(kind, ref_id): c for ref_id, c in adapters.ADAPTERS[kind].show(ids).items()})
    hits = []
    for item in raw:
        card = shown.get((item["kind"], item["ref_id"]))
        if card is None:
            continue  # hidden or deleted since it was indexed: the database has the last word
        if hidden_authors and card.author.id in hidden_authors:
            continue  # written by a member the searcher blocked
        title = item["title"] or escape(card.title)
        snippet = item["snippet"] or escape(card.body[:160])
        hits.append(Hit(shown=card, title=title, snippet=snippet))
    return hits


def suggested_tags(actor: Any, limit: int = 8) -> list[str]:
    """The tags most used lately in circles the actor may read (ideas for an empty search).

    "Lately" is the newest RECENT_POSTS posts, so the cost stays the same however much the
    community has written (the post-id index gives them; the tag key finds their tags).
    """
    recent = select(Post.id).where(Post.status == "published").order_by(Post.id.desc()).limit(RECENT_POSTS)
    denied = denied_circles(actor)
    if denied is not None:
        recent = recent.where(Post.circle_id.not_in(denied))
    query = (
        select(PostTag.tag)
        .where(PostTag.post_id.in_(select(recent.subquery().c.id)))
        .group_by(PostTag.tag)
        .order_by(func.count().desc(), PostTag.tag)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def my_circles(actor: Any) -> list[Circle]:
    """The circles a member can narrow a search to."""
    ids = my_circle_ids(actor)
    if not ids:
        return []
    return list(db.session.scalars(select(Circle).where(Circle.id.in_(ids)).order_by(Circle.name)).unique())
