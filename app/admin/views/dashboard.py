"""The operating dashboard, the lapsing list with win-back sends, and CSV exports."""

from __future__ import annotations

import logging

from flask import Response, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import respond
from app.core.templating import current_lang
from app.store.services import list_items

from .. import analytics, charts, exports, lapsing
from ..blueprint import bp
from ..forms import WinbackForm

log = logging.getLogger("quanzi.admin")


def _period() -> int:
    days = request.args.get("days", type=int) or 30
    return days if days in analytics.PERIODS else 30


@bp.route("")
@bp.route("/")
def dashboard() -> ResponseReturnValue:
    days = _period()
    win = analytics.window(days)
    tiers = analytics.tier_distribution()
    rates = analytics.campaign_completion(win)
    circles = analytics.top_circles(win)
    return render_template(
        "admin/dashboard.html",
        days=days,
        periods=analytics.PERIODS,
        win=win,
        totals=analytics.totals(win),
        active=charts.bars(analytics.daily_active(win)),
        content=charts.grouped_bars(analytics.posts_and_checkins(win)),
        flow=charts.lines(analytics.points_flow(win)),
        tiers=tiers,
        tier_top=max((n for _t, n in tiers), default=0),
        rates=rates,
        circles=circles,
        circle_top=max((a for _c, a, _m in circles), default=0),
        lapsing_count=lapsing.count_lapsing(current_user, silent_days=7),
        export_names=exports.export_names(),
        lang=current_lang(),
    )


def _silent_days() -> int:
    raw = request.values.get("silent_days", type=int) or 7
    return raw if raw in lapsing.SILENT_CHOICES else 7


def _winback_form() -> WinbackForm:
    form = WinbackForm()
    form.item_id.choices = [SelectChoice("", _("No item"))] + [
        SelectChoice(str(item.id), f"{item.title} · {item.stock}") for item in list_items() if item.stock > 0
    ]
    return form


def _render_lapsing(form: WinbackForm, silent_days: int, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "admin/lapsing.html",
            rows=lapsing.list_lapsing(current_user, silent_days=silent_days),
            silent_days=silent_days,
            choices=lapsing.SILENT_CHOICES,
            form=form,
            sends=lapsing.list_sends(),
            lang=current_lang(),
        ),
        status,
    )


@bp.route("/lapsing")
def lapsing_list() -> ResponseReturnValue:
    return _render_lapsing(_winback_form(), _silent_days())


@bp.post("/lapsing")
def winback() -> ResponseReturnValue:
    silent_days = _silent_days()
    form = _winback_form()
    if form.validate_on_submit():
        everyone = request.form.get("scope") == "all"
        ids = [int(v) for v in request.form.getlist("user_ids") if v.isdigit()]
        try:
            result = lapsing.send_winback(
                current_user,
                request_id=form.request_id.data or "",
                user_ids=None if everyone else ids,
                silent_days=silent_days,
                message=form.message.data or "",
                points=form.points.data or 0,
                item_id=int(form.item_id.data) if (form.item_id.data or "").isdigit() else None,
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = (
                _("Win-back message sent to %(n)d members.", n=result.sent)
                if result.created
                else _("This win-back was already sent; nothing was sent twice.")
            )
            return respond(
                "admin/_winback_done.html",
                url_for("admin.lapsing_list", silent_days=silent_days),
                notice=notice,
                result=result,
            )
    return _render_lapsing(form, silent_days, 422)


@bp.route("/export/<name>.csv")
def export(name: str) -> ResponseReturnValue:
    exporter = exports.get_exporter(name)
    # A download is a read: logged, not audited (no writes on a GET, SPEC section 4).
    log.info("admin %s exported %s.csv", current_user.username, name)
    response = Response(stream_with_context(exports.stream_csv(exporter)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="quanzi-{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
