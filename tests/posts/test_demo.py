"""`flask seed-demo` builds a believable community: circles, posts, a queue for the hosts."""

from __future__ import annotations

from sqlalchemy import func, select

from app.circles.models import Circle
from app.core import clock
from app.core.db import db
from app.demo import seed_all
from app.posts import services
from app.posts.models import Post


def test_demo_has_circles_posts_and_a_moderation_queue(app):
    ctx = seed_all()
    circles = {c.slug: c for c in db.session.scalars(select(Circle))}
    assert {"reading", "morning-run", "baking", "koc-lounge"} <= set(circles)
    assert circles["koc-lounge"].is_private
    linxi, chenmo = ctx["users"]["linxi"], ctx["users"]["chenmo"]
    page = services.circle_feed(None, circles["reading"])
    assert len(page.items) == 20 and page.next_cursor and page.items[0].is_pinned
    assert all(p.created_at <= clock.now() for p in page.items)
    [flagged] = services.get_queue(linxi, circles["reading"]).reports
    assert flagged.weight == "2.5" and [r.weight_pct for r in flagged.reports] == [150, 100]
    assert flagged.post is not None and flagged.post.status == "published"
    assert services.get_queue(chenmo, circles["morning-run"]).pending_posts
    assert services.get_queue(ctx["users"]["sutang"], circles["baking"]).join_requests
    materials = db.session.scalar(select(func.count()).select_from(Post).where(Post.is_material.is_(True)))
    assert materials >= 3
