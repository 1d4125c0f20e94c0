"""Site pages, site settings (name, tagline, logo) and health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from flask import current_app, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.core import audit, clock, images
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import is_admin, policy, require

from .models import SitePage, SiteSetting

PAGE_SLUGS = ("privacy", "terms")
SETTING_KEYS = ("site_name", "tagline", "logo", "logo_type")
NAME_MAX, TAGLINE_MAX = 40, 80
# The logo: square, small for the header, 192/512 for the web app manifest's icons.
LOGO_VARIANTS = (images.Variant("s192", 192, True), images.Variant("s512", 512, True))


@policy("site.edit_pages")
def _can_edit_pages(actor: Any, _target: Any) -> bool:
    return is_admin(actor)


@policy("site.edit_settings")
def _can_edit_settings(actor: Any, _target: Any) -> bool:
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


# --- Site settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSettings:
    """What operators set; empty strings mean "use the default"."""

    site_name: str = ""
    tagline: str = ""
    logo: str = ""  # the logo upload's key
    logo_type: str = ""  # its content type (image/png or image/jpeg)

    @property
    def name(self) -> str:
        """The site name: the operator's, else QUANZI_SITE_NAME, else 圈子/Quanzi."""
        return self.site_name or str(current_app.config.get("QUANZI_SITE_NAME") or _("Quanzi"))

    def logo_url(self, variant: str = "s192") -> str | None:
        return url_for("media.serve", key=self.logo, variant=variant) if self.logo else None


_CACHE = "_quanzi_site_settings"


def get_settings() -> SiteSettings:
    """The settings, read once per request (or app context) and cached in `g`."""
    cached = g.get(_CACHE)
    if cached is None:
        try:
            rows = db.session.execute(select(SiteSetting.key, SiteSetting.value)).all()
        except SQLAlchemyError:
            # An error page after a failed transaction still renders, with the defaults.
            return SiteSettings()
        values = {key: value for key, value in rows if key in SETTING_KEYS}
        cached = SiteSettings(**values)
        setattr(g, _CACHE, cached)
    return cached


def site_name() -> str:
    return get_settings().name


@dataclass
class SettingsInput:
    site_name: str
    tagline: str
    logo: IO[bytes] | None = None
    logo_filename: str | None = None
    remove_logo: bool = False


def _put(key: str, value: str, actor: Any) -> None:
    row = db.session.get(SiteSetting, key) or SiteSetting(key=key)
    row.value, row.updated_by_id, row.updated_at = value, actor.id, clock.now()
    db.session.add(row)


@use_case
def save_settings(actor: Any, data: SettingsInput) -> SiteSettings:
    """Save the site name, tagline and logo (re-encoded by the image pipeline); audited."""
    require(actor, "site.edit_settings")
    name, tagline = " ".join(data.site_name.split()), " ".join(data.tagline.split())
    errors: dict[str, Any] = {}
    if len(name) > NAME_MAX:
        errors["site_name"] = _l("Use at most %(n)d characters.", n=NAME_MAX)
    if len(tagline) > TAGLINE_MAX:
        errors["tagline"] = _l("Use at most %(n)d characters.", n=TAGLINE_MAX)
    if errors:
        raise Invalid(fields=errors)
    before = get_settings()
    after = {"site_name": name, "tagline": tagline, "logo": before.logo, "logo_type": before.logo_type}
    if data.logo is not None:
        try:
            upload = images.save_image(
                data.logo, owner_id=actor.id, variants=LOGO_VARIANTS, filename=data.logo_filename
            )
        except Invalid as exc:
            raise Invalid(fields={"logo": exc.message}) from exc
        after["logo"], after["logo_type"] = upload.key, upload.content_type
    elif data.remove_logo:
        after["logo"], after["logo_type"] = "", ""
    old = {key: getattr(before, key) for key in SETTING_KEYS}
    changed = [key for key in SETTING_KEYS if old[key] != after[key]]
    for key in changed:
        _put(key, after[key], actor)
    if changed:
        audit.record(
            actor,
            "site.settings",
            None,
            data={
                "before": {k: old[k] for k in changed if k != "logo_type"},
                "after": {k: after[k] for k in changed if k != "logo_type"},
            },
        )
    g.pop(_CACHE, None)
    return SiteSettings(**after)
