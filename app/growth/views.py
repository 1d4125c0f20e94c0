"""Growth pages: the KOC application (/apply-host) and my invite link (/me/invite)."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created
from app.points.rules import get_rule

from . import services
from .forms import ApplicationForm

bp = Blueprint("growth", __name__)


def _render_apply(form: ApplicationForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "growth/apply.html",
            form=form,
            application=services.latest_application(current_user),
            may_apply=current_user.role == "member",
        ),
        status,
    )


@bp.route("/apply-host", methods=["GET", "POST"])
@login_required
def apply() -> ResponseReturnValue:
    form = ApplicationForm()
    if request.method == "GET":
        return _render_apply(form)
    if form.validate_on_submit():
        try:
            services.submit_application(
                current_user,
                services.ApplicationInput(
                    real_name=form.real_name.data or "",
                    city=form.city.data or "",
                    talents=form.talents.data or "",
                    social_accounts=form.social_accounts.data or "",
                    follower_count=form.follower_count.data,
                    reason=form.reason.data or "",
                ),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(url_for("growth.apply"), notice=_("Thanks! We will review your application soon."))
    return _render_apply(form, 422)


def _base_url() -> str:
    return str(current_app.config.get("QUANZI_BASE_URL") or request.host_url)


@bp.route("/me/invite")
@login_required
def invite() -> ResponseReturnValue:
    invitees = services.list_invitees(current_user)
    rule = get_rule("invite")
    return render_template(
        "growth/invite.html",
        link=services.invite_url(current_user, _base_url()),
        code=current_user.invite_code,
        invitees=invitees,
        reward_points=rule.points if rule is not None else 0,
        earned=sum(i.reward for i in invitees),
    )


@bp.route("/me/invite/qr.png")
@login_required
def invite_qr() -> ResponseReturnValue:
    response = make_response(services.invite_qr_png(services.invite_url(current_user, _base_url())))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
