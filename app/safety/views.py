"""Blocking a member: POST /u/<username>/block and the list at /me/blocked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import services as accounts
from app.core.errors import Invalid
from app.core.htmx import page_or_fragment, respond

from . import services

bp = Blueprint("safety", __name__)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def has_blocked(user: Any) -> bool:
        return services.is_blocked(current_user, user)

    return {"has_blocked": has_blocked}


@bp.post("/u/<username>/block")
@login_required
def block(username: str) -> ResponseReturnValue:
    target = accounts.get_user_or_404(username)
    state = request.form.get("state", "")
    if state not in ("on", "off"):
        raise Invalid(_("Choose to block or unblock."))
    blocked = services.set_block(current_user, target, on=state == "on")
    if blocked:
        notice = _(
            "You blocked %(name)s. Their posts, comments and notifications are hidden from you.",
            name=target.name,
        )
    else:
        notice = _("You unblocked %(name)s.", name=target.name)
    return respond(
        "safety/_block_button.html",
        url_for("accounts.profile", username=target.username),
        notice=notice,
        target=target,
        blocked=blocked,
        message=notice,
    )


@bp.route("/me/blocked")
@login_required
def blocked_list() -> ResponseReturnValue:
    page = services.list_blocked(current_user, cursor=request.args.get("cursor") or None)
    more_url = url_for("safety.blocked_list", cursor=page.next_cursor) if page.next_cursor else None
    return page_or_fragment("safety/blocked.html", "safety/_blocked_items.html", feed=page, more_url=more_url)
