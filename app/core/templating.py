"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, url_for
from flask.templating import Environment
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from app.core import clock
from app.core.permissions import can
from app.core.uploads import Upload


class PageEnvironment(Environment):
    """Flask's Jinja environment with each template's globals as one flat dict.

    Jinja keeps them as a ChainMap over the environment's, and turns that into a set on
    every context and every `{% from %}` import: about a hundred times for one feed page of
    cards. Every global is registered while the app is built, before a template loads, so
    a snapshot sees them all (as Jinja itself did before 3.0).
    """

    def make_globals(self, d: Any) -> Any:
        return {**self.globals, **(d or {})}


@lru_cache(maxsize=256)
def _asset_version(static_folder: str, filename: str) -> str:
    path = Path(static_folder) / filename
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def asset(filename: str) -> str:
    """A static URL that changes when the file does (static files are cached for a year)."""
    version = _asset_version(str(current_app.static_folder), filename)
    return url_for("static", filename=filename, v=version)


def media_url(upload: Upload | None, variant: str) -> str | None:
    if upload is None:
        return None
    chosen = variant if variant in upload.variants else (upload.variants[0] if upload.variants else variant)
    return url_for("media.serve", key=upload.key, variant=chosen)


def local_time(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def relative_time(value: datetime | None) -> str:
    """ "just now", "5 minutes ago", then a date: what feeds show."""
    if value is None:
        return ""
    seconds = int((clock.now() - value).total_seconds())
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("%(n)d min ago", n=seconds // 60)
    if seconds < 86400:
        return _("%(n)d h ago", n=seconds // 3600)
    if seconds < 86400 * 7:
        return _("%(n)d d ago", n=seconds // 86400)
    return format_datetime(value, "yyyy-MM-dd")


def current_lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def configure_templates(app: Flask) -> None:
    app.jinja_env.globals.update(asset=asset, media_url=media_url, can=can, current_lang=current_lang)
    app.jinja_env.filters.update(local_time=local_time, relative_time=relative_time)

    # The site's name, tagline and logo are operator settings: the site feature provides them.
    @app.context_processor
    def _site() -> dict[str, Any]:
        return {"icp": app.config.get("QUANZI_ICP")}
