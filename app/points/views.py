"""Points pages: sign-in, the header chip, tiers, the task centre, my ledger; admin adjust."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_skeleton
from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.services import get_user_or_404
from app.core.errors import Invalid
from app.core.htmx import page_or_fragment, respond
from app.core.permissions import require
from app.core.templating import current_lang

from . import services, signin, tasks, tiers
from .forms import AdjustForm
from .rules import entry_detail, rule_label

bp = Blueprint("points", __name__)

CHART_W, CHART_H = 300, 96


def month_day(day: date) -> str:
    """A short date in the reader's language: 12月11日, Dec 11."""
    return format_skeleton("MMMd", day, locale=get_locale() or "zh")


@bp.app_context_processor
def _points_globals() -> dict[str, Any]:
    return {
        "points_signin_state": signin.get_signin_state,
        "points_rule_label": rule_label,
        "points_entry_detail": entry_detail,
        "points_tier_status": tiers.get_tier_status,
        "month_day": month_day,
    }


def _form_errors(form: Any) -> Invalid:
    return Invalid(fields={name: errors[0] for name, errors in form.errors.items() if errors})


@bp.post("/signin")
@login_required
def sign_in() -> ResponseReturnValue:
    result = signin.sign_in(current_user)
    if result.created:
        notice = _(
            "Signed in! +%(n)d points, %(days)d-day streak.",
            n=result.signin.points,
            days=result.signin.streak,
        )
    else:
        notice = _("You have already signed in today. See you tomorrow!")
    return respond(
        "points/_signin_card.html",
        url_for("site.home"),
        notice=notice,
        triggers=["points-changed"] if result.created else None,
        signin_state=signin.get_signin_state(current_user),
    )


@bp.route("/points/chip")
@login_required
def chip() -> ResponseReturnValue:
    return render_template("_partials/points_chip.html")


@bp.route("/tiers")
@login_required
def tier_list() -> ResponseReturnValue:
    progress = tiers.get_progress(current_user)
    return render_template(
        "points/tiers.html",
        progress=progress,
        status=tiers.get_tier_status(current_user),
        tiers=tiers.list_tiers(),
        lang=current_lang(),
    )


@bp.route("/tasks")
@login_required
def task_centre() -> ResponseReturnValue:
    return render_template(
        "points/tasks.html",
        daily=tasks.list_daily_tasks(current_user),
        newbie=tasks.list_newbie_tasks(current_user),
        signin_state=signin.get_signin_state(current_user),
    )


def _chart(series: list[tuple[Any, int]]) -> dict[str, Any]:
    """Bar geometry for the server-rendered 30-day SVG (no chart script needed)."""
    top = max((value for _day, value in series), default=0) or 1
    slot = CHART_W / len(series)
    bars = []
    for i, (day, value) in enumerate(series):
        height = round(value * (CHART_H - 16) / top, 1) if value else 0
        bars.append(
            {
                "x": round(i * slot + 1, 1),
                "w": round(slot - 2, 1),
                "y": CHART_H - height,
                "h": height,
                "day": day,
                "value": value,
            }
        )
    return {
        "bars": bars,
        "width": CHART_W,
        "height": CHART_H,
        "total": sum(v for _d, v in series),
        "top": top,
    }


@bp.route("/me/points")
@login_required
def history() -> ResponseReturnValue:
    page = services.list_history(current_user, cursor=request.args.get("cursor"))
    return page_or_fragment(
        "points/history.html",
        "points/_history_rows.html",
        listing=page,
        chart=_chart(services.daily_earned(current_user)),
        progress=tiers.get_progress(current_user),
        lang=current_lang(),
    )


@bp.post("/admin/users/<username>/points")
@login_required
def admin_adjust(username: str) -> ResponseReturnValue:
    require(current_user, "admin.access")
    target = get_user_or_404(username)
    form = AdjustForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    entry = services.adjust_points(
        current_user, target, delta=form.delta.data or 0, reason=form.reason.data or ""
    )
    applied = entry.delta if entry is not None else 0
    return respond(
        "points/_adjusted.html",
        url_for("accounts.profile", username=target.username),
        notice=_("%(name)s's points changed by %(n)d.", name=target.name, n=applied),
        target=target,
        applied=applied,
    )
