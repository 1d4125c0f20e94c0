"""Site pages and health."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.core import audit, clock
from app.core.db import db, use_case
from app.core.errors import NotFound
from app.core.permissions import is_admin, policy, require

from .models import SitePage

PAGE_SLUGS = ("privacy", "terms")


@policy("site.edit_pages")
def _can_edit_pages(actor: Any, _target: Any) -> bool:
    return is_admin(actor)


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def get_page(slug: str) -> SitePage | None:
    if slug not in PAGE_SLUGS:
        raise NotFound()
    return db.session.get(SitePage, slug)


@use_case
def save_page(actor: Any, slug: str, body: str) -> SitePage:
    require(actor, "site.edit_pages")
    if slug not in PAGE_SLUGS:
        raise NotFound()
    page = db.session.get(SitePage, slug) or SitePage(slug=slug)
    page.body = body
    page.updated_by_id = actor.id
    page.updated_at = clock.now()
    db.session.add(page)
    audit.record(actor, "site.edit_page", None, data={"slug": slug})
    return page
