"""GET /notifications, POST /notifications/read-all and the polled unread badge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.htmx import page_or_fragment, respond

from . import services

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    def unread_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.count_unread(current_user.id)

    return {"unread_count": unread_count}


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    page = services.list_notifications(current_user, cursor=request.args.get("cursor") or None)
    items = [services.render(n) for n in page.items]
    return page_or_fragment("notifications/index.html", "notifications/_items.html", items=items, feed=page)


@bp.post("/notifications/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    services.mark_all_read(current_user)
    return respond(
        "_partials/unread_badge.html",
        url_for("notifications.index"),
        notice=_("All caught up."),
        triggers=["notifications-read"],
        count=0,
    )


@bp.route("/notifications/unread")
@login_required
def unread() -> ResponseReturnValue:
    """The tab bar badge, polled by htmx: one indexed COUNT."""
    return render_template("_partials/unread_badge.html", count=services.count_unread(current_user.id))
