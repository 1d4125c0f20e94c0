"""Share links that earn points (分享得积分).

A member's share link is any page of the site plus `?ref=<their invite code>`: one code
serves invites and shares. When a *new visitor* opens it (a browser without our `qz_vid`
cookie), the sharer earns the `share_visit` earning rule through the ledger (tier
multiplier, daily cap from the rule), exactly once per (sharer, visitor browser).

What "new" cannot tell apart, and what then bounds it: a browser that refuses cookies, or a
chat app's in-app browser with its own cookie jar, looks new every time; WeChat's link
preview fetcher sends an ordinary mobile browser user agent, so it cannot be told from a
person. The rule's daily cap (5 visits by default) is what keeps those from farming points.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.badges.openbadges import base_url as site_base_url
from app.core import clock
from app.core.db import db, use_case
from app.growth.services import invite_qr_png
from app.points.ledger import award_points
from app.points.rules import get_rule

from .models import ShareVisit

RULE = "share_visit"
REF_PARAM = "ref"
# A visitor id is ours (secrets.token_hex(16)); anything else in the cookie is ignored.
VISITOR_ID_RE = re.compile(r"^[0-9a-f]{32}$")
REF_RE = re.compile(r"^[A-Za-z0-9]{4,16}$")
# Link-preview and crawler user agents (lower case substrings). Not exhaustive on purpose:
# WeChat's preview fetcher looks like a phone browser, and the daily cap bounds the rest.
BOT_MARKERS = (
    "bot",
    "spider",
    "crawl",
    "preview",
    "whatsapp",
    "telegrambot",
    "facebookexternalhit",
    "slurp",
    "curl/",
    "wget/",
    "python-requests",
    "headlesschrome",
)
MAX_URL = 500


def base_url() -> str:
    """The public origin absolute links start with (SPEC section 4)."""
    return site_base_url()


def is_bot(user_agent: str | None) -> bool:
    """Whether a user agent is a crawler or link-preview fetcher (or says nothing at all)."""
    agent = (user_agent or "").strip().lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def is_visitor_id(value: str | None) -> bool:
    return bool(value and VISITOR_ID_RE.match(value))


def clean_ref(value: str | None) -> str:
    """The invite code a `?ref=` carries, upper-cased, or "" when it cannot be one."""
    value = (value or "").strip()
    return value.upper() if REF_RE.match(value) else ""


def is_member_code(code: str) -> bool:
    """Whether `code` is a member's invite code (what registration will accept)."""
    sharer = accounts.get_by_invite_code(code) if code else None
    return sharer is not None and not sharer.is_banned


def strip_ref(url: str) -> str:
    """The URL without any `ref` parameter (what Open Graph's og:url should name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != REF_PARAM]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def personal_link(user: Any, path: str) -> str:
    """The absolute link to `path` that credits `user` (`?ref=<invite code>`); plain for guests."""
    url = strip_ref(base_url() + path)
    code = getattr(user, "invite_code", None) if getattr(user, "is_authenticated", False) else None
    if not code:
        return url
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{REF_PARAM}={code}"


def is_own_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) link into this very site (the QR route's guard)."""
    if not url or len(url) > MAX_URL:
        return False
    try:
        parts, own = urlsplit(url), urlsplit(base_url())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def qr_png(url: str) -> bytes:
    """A QR code of `url` as PNG bytes (the invite page's QR maker)."""
    return invite_qr_png(url)


def share_rule() -> tuple[int, int | None]:
    """(base points, daily cap) of the share rule, for the share sheet's promise."""
    rule = get_rule(RULE)
    if rule is None or not rule.is_active:
        return 0, None
    return rule.points, rule.daily_cap


@use_case
def record_visit(
    code: str,
    *,
    visitor_id: str,
    new_visitor: bool,
    viewer_id: int | None,
    user_agent: str | None,
    path: str = "",
) -> ShareVisit | None:
    """Credit the member whose invite code is `code` for a new visitor, once per browser.

    Nothing happens (None) for an unknown code, a returning browser, the sharer themself,
    or a bot; a repeat of the same (sharer, visitor) is refused by the unique constraint,
    and the ledger's idempotency key pays it at most once even so.
    """
    code = clean_ref(code)
    if not code or not new_visitor or not is_visitor_id(visitor_id) or is_bot(user_agent):
        return None
    sharer = accounts.get_by_invite_code(code)
    if sharer is None or sharer.is_banned or sharer.id == viewer_id:
        return None
    visit = ShareVisit(
        sharer_id=sharer.id,
        visitor_id=visitor_id,
        path=path[:255],
        day=clock.today(),
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        return None
    entry = award_points(
        sharer.id,
        rule=RULE,
        idempotency_key=f"share:{sharer.id}:{visitor_id}",
        reference=f"share:{visit.id}",
        reason=path[:200],
    )
    visit.points = entry.delta if entry is not None else 0
    return visit


def count_visits(user_id: int) -> tuple[int, int]:
    """(visits, points earned) through a member's share links, all time."""
    row = db.session.execute(
        select(func.count(ShareVisit.id), func.coalesce(func.sum(ShareVisit.points), 0)).where(
            ShareVisit.sharer_id == user_id
        )
    ).one()
    return int(row[0]), int(row[1])
