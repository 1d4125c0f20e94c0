"""`/leaderboards`: the site, a circle or a campaign; points, check-ins, likes or invites.

POST /leaderboards/prizes                 attach a weekly prize (hosts: their circle's boards)
POST /leaderboards/prizes/<id>/remove     stop a prize (its history stays)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, is_htmx
from app.core.permissions import can
from app.store import services as store

from . import prizes, services
from .forms import METRIC_LABELS, PrizeForm
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


@bp.app_template_global("prize_metric")
def prize_metric(metric: str) -> str:
    """A board's metric for people ("Points", "Check-ins")."""
    return str(METRIC_LABELS.get(metric, metric))


def _prize_form(board: services.Board, form: PrizeForm | None = None) -> PrizeForm:
    form = form or PrizeForm(formdata=None, scope=board.scope.key, metric=board.metric)
    items = [(str(item.id), f"{item.title} · {item.stock}") for item in store.list_items()]
    form.item_id.choices = [("", "—"), *items]
    return form


def _render(board: services.Board, form: PrizeForm | None = None, status: int = 200) -> ResponseReturnValue:
    may_manage = can(current_user, "leaderboards.manage_prizes", board.scope)
    context = {
        "board": board,
        "prizes": prizes.list_prizes(board.scope),
        "history": prizes.list_payouts(board.scope, cursor=request.args.get("history")),
        "may_manage": may_manage,
        "prize_form": _prize_form(board, form) if may_manage else None,
    }
    if is_htmx() and status == 200:
        return render_template("leaderboards/_board.html", **context)
    return render_template("leaderboards/index.html", **context), status


@bp.route("/leaderboards")
def index() -> ResponseReturnValue:
    board = services.get_board(
        current_user,
        scope=request.args.get("scope", "site"),
        metric=request.args.get("metric", "points"),
        period=request.args.get("period", "week"),
    )
    return _render(board)


def _form_again(form: PrizeForm, scope: str, metric: str) -> ResponseReturnValue:
    """The board page again with the host's input and its errors (422)."""
    board = services.get_board(current_user, scope=scope, metric=metric, period="week")
    return _render(board, _prize_form(board, form), 422)


@bp.post("/leaderboards/prizes")
@login_required
def add_prize() -> ResponseReturnValue:
    form = PrizeForm()
    scope = (form.scope.data or "site").strip()
    metric = form.metric.data if form.metric.data in services.METRICS else "points"
    if not form.validate():
        return _form_again(form, scope, metric)
    item_id = (form.item_id.data or "").strip()
    data = prizes.PrizeInput(
        metric=form.metric.data or "",
        rank_from=form.rank_from.data,
        rank_to=form.rank_to.data,
        kind=form.kind.data or "",
        amount=form.amount.data,
        item_id=int(item_id) if item_id.isdigit() else None,
    )
    try:
        prize = prizes.create_prize(current_user, scope, data)
    except Invalid as exc:
        apply_errors(form, exc)
        return _form_again(form, scope, metric)
    board_url = url_for(
        "leaderboards.index", scope=prizes.scope_of(prize).key, metric=prize.metric, period="week"
    )
    return created(
        board_url + "#prizes", notice=_("The prize is on the board. It is paid when the week closes.")
    )


@bp.post("/leaderboards/prizes/<int:prize_id>/remove")
@login_required
def remove_prize(prize_id: int) -> ResponseReturnValue:
    prize = prizes.remove_prize(current_user, prize_id)
    board_url = url_for(
        "leaderboards.index", scope=prizes.scope_of(prize).key, metric=prize.metric, period="week"
    )
    return created(board_url + "#prizes", notice=_("The prize is removed; past winners stay in the history."))
