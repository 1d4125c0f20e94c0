"""Share links: the visitor cookie and `?ref=` attribution on every page, the QR route, and
the template globals the share sheet (`share/_sheet.html`) and Open Graph tags use.

GET any page `?ref=<code>`   attribution (SPEC section 4: one of the two writes on a GET)
GET /share/qr.png?url=...    a QR code PNG of a link into this site (other URLs: 404)
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, current_app, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import NotFound
from app.core.htmx import is_htmx
from app.core.permissions import can

from . import services

bp = Blueprint("share", __name__)

VISITOR_COOKIE = "qz_vid"
VISITOR_COOKIE_AGE = 60 * 60 * 24 * 730  # two years: "new visitor" means new to us
# Where a guest's share ref waits for sign-up (the register page prefills the invite code).
SESSION_REF = "share_ref"
_ANYONE = AnonymousUserMixin()


@bp.after_app_request
def _visitor_and_ref(response: Response) -> Response:
    """Give every browser a visitor id on its first page, and credit `?ref=` links.

    Only full HTML pages answered 200 count: a redirect, an error page, a fragment or a
    picture is not "opening a shared page".
    """
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    if is_htmx():
        return response
    visitor_id = request.cookies.get(VISITOR_COOKIE)
    new_visitor = not services.is_visitor_id(visitor_id)
    if new_visitor:
        visitor_id = secrets.token_hex(16)
        response.set_cookie(
            VISITOR_COOKIE, visitor_id, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax"
        )
    code = services.clean_ref(request.args.get(services.REF_PARAM))
    if not code:
        return response
    signed_in = current_user.is_authenticated
    # Only a real member's code waits for sign-up: a junk one would block the form.
    if not signed_in and services.is_member_code(code):
        session[SESSION_REF] = code
    try:
        services.record_visit(
            code,
            visitor_id=visitor_id or "",
            new_visitor=new_visitor,
            viewer_id=current_user.id if signed_in else None,
            user_agent=request.headers.get("User-Agent"),
            path=request.path,
        )
    except SQLAlchemyError:
        # The page is already rendered: a failed attribution costs the sharer two points,
        # never the visitor their page.
        current_app.logger.exception("share attribution failed for ref %s", code)
    return response


@bp.route("/share/qr.png")
def qr() -> ResponseReturnValue:
    url = request.args.get("url", "")
    if not services.is_own_url(url):
        raise NotFound()
    response = make_response(services.qr_png(url))
    response.mimetype = "image/png"
    # The picture depends on the URL alone.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.app_template_global("share_link")
def share_link(path: str) -> str:
    """The viewer's personal absolute link to `path` (`?ref=` when signed in)."""
    return services.personal_link(current_user, path)


@bp.app_template_global("share_rule")
def share_rule() -> tuple[int, int | None]:
    return services.share_rule()


@bp.app_template_global("share_stats")
def share_stats(user_id: int) -> tuple[int, int]:
    """(new visitors, points earned) through a member's share links (for /me/invite)."""
    return services.count_visits(user_id)


@bp.app_template_global("anyone_can")
def anyone_can(action: str, target: Any = None) -> bool:
    """Whether a logged-out visitor may `action` (Open Graph tags only describe such pages)."""
    return can(_ANYONE, action, target)


@bp.app_template_global("public_url")
def public_url(path: str) -> str:
    """An absolute URL of this site for `path`, without any `ref` (og:url, og:image)."""
    return services.strip_ref(services.base_url() + path)
