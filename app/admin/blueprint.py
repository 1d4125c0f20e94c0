"""The admin blueprint and its one gate: every /admin page of this blueprint is admins-only.

Logged out -> the login page; signed in without `admin.access` -> 403. Services check the
same policy again (`require`) so a CLI or test caller gets the same answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core.permissions import require
from app.extensions import login_manager
from app.growth.services import count_pending

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(current_user, "admin.access")
    return None


@bp.app_context_processor  # the layout also frames other features' console pages (store)
def _admin_nav() -> dict[str, Any]:
    return {"admin_pending_applications": count_pending}
