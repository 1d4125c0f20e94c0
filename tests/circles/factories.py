"""Circle and post factories that go through the services, as users do."""

from __future__ import annotations

import io
from typing import Any

from app.circles import services as circles
from app.posts import services as posts
from tests.helpers import image_bytes


def make_circle(owner: Any, slug: str = "reading", **kwargs: Any) -> Any:
    kwargs.setdefault("name", slug.title() + " circle")
    return circles.create_circle(owner, slug=slug, **kwargs)


def join(user: Any, circle: Any) -> Any:
    return circles.join_circle(user, circle)


def make_post(author: Any, circle: Any, body: str = "你好，大家好", **kwargs: Any) -> Any:
    images = [(io.BytesIO(image_bytes()), f"p{i}.png") for i in range(kwargs.pop("image_count", 0))]
    draft = posts.Draft(body=body, images=images, **kwargs)
    return posts.create_post(author, circle, draft)
