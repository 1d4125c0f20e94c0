"""Site shell: home, health, language switch, policy pages, the site's name and logo."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.local import LocalProxy

from app.core.htmx import back_url, page_or_fragment
from app.core.i18n import LANG_COOKIE, LANGUAGES
from app.core.markdown import render_markdown
from app.posts import services as posts

from . import services

bp = Blueprint("site", __name__)


@bp.app_context_processor
def _site_identity() -> dict[str, Any]:
    """The operator's site name, tagline and logo on every page.

    Lazy proxies: the settings are read (once per request) only when a template prints one,
    so fragments such as the polled unread badge cost no query for them.
    """
    return {
        "site_name": LocalProxy(lambda: services.get_settings().name),
        "site_tagline": LocalProxy(lambda: services.get_settings().tagline),
        "site_logo": LocalProxy(lambda: services.get_settings().logo_url()),
        "site_settings": LocalProxy(services.get_settings),
    }


@bp.route("/")
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("site/home.html", user=current_user, feed=None)
    page = posts.home_feed(current_user, cursor=request.args.get("cursor") or None)
    return page_or_fragment(
        "site/home.html",
        "posts/_feed_items.html",
        user=current_user,
        feed=page,
        liked=posts.liked_ids(current_user, "post", [p.id for p in page.items]),
        more_url=url_for("site.home", cursor=page.next_cursor),
        show_circle=True,
    )


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    ok = services.database_ok()
    body = {"status": "ok" if ok else "error", "db": "ok" if ok else "error"}
    return jsonify(body), 200 if ok else 503


@bp.post("/lang")
def switch_language() -> ResponseReturnValue:
    lang = request.form.get("lang", "")
    response = make_response(redirect(back_url(url_for("site.home")), code=303))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True)
    return response


@bp.route("/privacy")
@bp.route("/terms")
def policy_page() -> ResponseReturnValue:
    slug = request.path.strip("/")
    page = services.get_page(slug)
    body = render_markdown(page.body) if page and page.body.strip() else None
    return render_template("site/policy.html", slug=slug, body=body, page=page)


@bp.route("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    response = make_response(render_template("site/manifest.webmanifest"))
    response.mimetype = "application/manifest+json"
    return response
