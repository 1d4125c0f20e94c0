"""`/leaderboards`: the site, a circle or a campaign; points, check-ins, likes or invites."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core.htmx import page_or_fragment

from . import services
from .models import Title

bp = Blueprint("leaderboards", __name__)


@bp.app_template_global("user_titles")
def user_titles(user_id: int) -> list[Title]:
    """What `leaderboards/_profile_titles.html` lists for a member."""
    return services.list_titles(user_id)


@bp.app_template_global("leaderboard_top")
def leaderboard_top(scope: str, metric: str = "checkins", period: str = "all", limit: int = 10) -> Any:
    """A short board for other pages (the campaign page shows its top 10)."""
    board = services.get_board(current_user, scope=scope, metric=metric, period=period)
    board.rows = board.rows[:limit]
    return board


@bp.app_template_global("title_name")
def title_name(kind: str) -> str:
    return str(services.TITLE_NAMES.get(kind, kind))


@bp.route("/leaderboards")
def index() -> ResponseReturnValue:
    board = services.get_board(
        current_user,
        scope=request.args.get("scope", "site"),
        metric=request.args.get("metric", "points"),
        period=request.args.get("period", "week"),
    )
    return page_or_fragment("leaderboards/index.html", "leaderboards/_board.html", board=board)
