"""Rendering an email: subject, text and HTML parts in the member's language, absolute links,
and the signed one-click unsubscribe link (RFC 8058) every message carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from app.badges.openbadges import base_url

from .models import CATEGORIES, LANGUAGES

CATEGORY_LABELS = {
    "replies": _l("Replies and mentions"),
    "moderation": _l("Moderation of my posts and circles"),
    "badges": _l("Badges, certificates and tiers"),
    "orders": _l("Store orders"),
    "digest": _l("Weekly digest"),
}
_SALT = "quanzi.mail.unsubscribe"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def absolute(path: str) -> str:
    """An absolute link for a path of this site (QUANZI_BASE_URL, the request, or the CLI default)."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + "/" + path.lstrip("/")


def mail_domain() -> str:
    """The host part of Message-IDs and of the default sender."""
    return urlsplit(base_url()).hostname or "localhost"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def unsubscribe_token(user_id: int, category: str) -> str:
    """A signed token naming one member and one category (no expiry: old emails keep working)."""
    return str(_serializer().dumps([user_id, category]))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, category) from a token, or None when it is forged or malformed."""
    try:
        value: Any = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] not in CATEGORIES
    ):
        return None
    return value[0], value[1]


def unsubscribe_url(user_id: int, category: str) -> str:
    return absolute(f"/email/unsubscribe/{unsubscribe_token(user_id, category)}")


def compose(
    template: str, *, user: Any, category: str, language: str, subject: Any, **context: Any
) -> Composed:
    """Render `email/<template>.txt` and `.html` for `user` in `language` (zh or en).

    `subject` may be a lazy string or a callable, evaluated in the member's language.
    """
    language = language if language in LANGUAGES else "zh"
    unsubscribe = unsubscribe_url(user.id, category)
    with force_locale(language):
        ctx = {
            "user": user,
            "lang": language,
            "category": category,
            "category_label": str(CATEGORY_LABELS[category]),
            "unsubscribe_url": unsubscribe,
            "settings_url": absolute("/me/email"),
            "home_url": absolute("/"),
            "absolute": absolute,
            # Chinese text takes the full-width colon.
            "colon": "：" if language == "zh" else ": ",
            **context,
        }
        title = str(subject() if callable(subject) else subject)
        ctx["subject"] = title
        text = render_template(f"email/{template}.txt", **ctx)
        html = render_template(f"email/{template}.html", **ctx)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        # Lets members (and their mail filters) sort our emails by category.
        "X-Quanzi-Category": category,
    }
    return Composed(subject=" ".join(title.split())[:200], text=text, html=html, headers=headers)
