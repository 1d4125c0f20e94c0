"""The lazy birthday perk: a member's first request of the day pays it if cron has not.

SPEC section 4 allows this one write on a GET. It stays cheap: the session remembers the
day (and the birthday) it checked, so a member costs one ledger lookup on their birthday and
no query at all on other days (the user row is loaded for the page anyway), never one per
request. Setting the birthday to today later that day changes the mark, so it is seen.
"""

from __future__ import annotations

from flask import Blueprint, request, session
from flask_login import current_user

from app.core import clock

from .birthdays import is_birthday, is_paid, pay_birthday

bp = Blueprint("perks", __name__)

SESSION_KEY = "perks_day"
# Files and health checks never pay (nor load the member for it).
SKIP_ENDPOINTS = {"static", "media.serve", "site.healthz"}


@bp.before_app_request
def lazy_birthday() -> None:
    if "_user_id" not in session or request.endpoint is None or request.endpoint in SKIP_ENDPOINTS:
        return
    if not current_user.is_authenticated:
        return
    today = clock.today()
    birthday = current_user.birthday
    mark = f"{today.isoformat()}/{birthday.isoformat() if birthday else ''}"
    if session.get(SESSION_KEY) == mark:
        return
    if is_birthday(birthday, today) and not is_paid(current_user.id, today.year):
        pay_birthday(current_user.id)
    session[SESSION_KEY] = mark
