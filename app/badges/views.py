"""Badge pages: catalogue, badge with holders, badge pictures, and the admin console pages
(define, list, grant). Circle hosts define their circle's badges at /c/<slug>/badges/new."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Forbidden, Invalid, NotFound
from app.core.forms import apply_errors, checkbox
from app.core.htmx import created, is_htmx, page_or_fragment
from app.core.permissions import can, is_admin

from . import render, rules, services
from .forms import BadgeForm, GrantForm
from .models import BadgeAward

bp = Blueprint("badges", __name__)

DAY = 60 * 60 * 24


@bp.app_template_global("user_badges")
def user_badges(user_id: int) -> list[BadgeAward]:
    """What `badges/_profile_badges.html` lists for a member."""
    return services.list_user_badges(user_id)


def _require_admin() -> None:
    if not is_admin(current_user):
        raise Forbidden()


# --- Public pages ------------------------------------------------------------------------


@bp.route("/badges")
def index() -> ResponseReturnValue:
    badges = services.list_badges()
    mine = (
        {award.badge_id for award in services.list_user_badges(current_user.id)}
        if current_user.is_authenticated
        else set()
    )
    return render_template("badges/index.html", badges=badges, mine=mine)


@bp.route("/badges/<int:badge_id>")
def show(badge_id: int) -> ResponseReturnValue:
    badge = services.get_badge(badge_id)
    holders = services.list_holders(badge, cursor=request.args.get("cursor"))
    circle = rules.circles().by_id(badge.circle_id) if badge.circle_id is not None else None
    mine = services.get_award(badge.id, current_user.id) if current_user.is_authenticated else None
    return page_or_fragment(
        "badges/show.html", "badges/_holders.html", badge=badge, holders=holders, circle=circle, mine=mine
    )


@bp.route("/badges/<int:badge_id>/image.png")
def image(badge_id: int) -> ResponseReturnValue:
    badge = services.get_badge(badge_id)
    response = make_response(render.badge_png(badge))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = f"public, max-age={DAY}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- Defining badges ---------------------------------------------------------------------


def _define(form: BadgeForm, circle_id: int | None) -> ResponseReturnValue | None:
    """Create the badge from a submitted form; None when the form must be shown again."""
    if not form.validate_on_submit():
        return None
    upload = form.image.data if form.image.data and getattr(form.image.data, "filename", "") else None
    try:
        badge = services.define_badge(
            current_user,
            name=form.name.data or "",
            description=form.description.data or "",
            criteria=form.criteria.data or "",
            rule=form.rule.data or "manual",
            threshold=form.threshold.data,
            image=upload.stream if upload else None,
            image_filename=upload.filename if upload else None,
            circle_id=circle_id,
        )
    except Invalid as exc:
        apply_errors(form, exc)
        return None
    return created(
        url_for("badges.show", badge_id=badge.id),
        notice=_("The badge “%(name)s” is ready.", name=badge.name),
    )


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@login_required
def admin_new() -> ResponseReturnValue:
    _require_admin()
    form = BadgeForm()
    done = _define(form, None)
    if done is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render_template("badges/new.html", form=form, circle=None), status


@bp.route("/c/<slug>/badges/new", methods=["GET", "POST"])
@login_required
def circle_new(slug: str) -> ResponseReturnValue:
    circle = rules.circles().by_slug(slug)
    if circle is None:
        raise NotFound()
    form = BadgeForm()
    if request.method == "POST":
        done = _define(form, circle.id)
        if done is not None:
            return done
    elif not can(current_user, "badge.define", circle.id):
        raise Forbidden()
    status = 422 if request.method == "POST" else 200
    return render_template("badges/new.html", form=form, circle=circle), status


# --- Admin list and grants ---------------------------------------------------------------


@bp.route("/admin/badges")
@login_required
def admin_index() -> ResponseReturnValue:
    _require_admin()
    return render_template("badges/admin_index.html", badges=services.list_badges(site_only=False))


def _grant_page(badge: Any, form: GrantForm, report: dict[str, Any] | None, status: int = 200) -> Any:
    return page_or_fragment(
        "badges/admin_grant.html",
        "badges/_grant_report.html",
        status=status,
        badge=badge,
        form=form,
        report=report,
    )


@bp.route("/admin/badges/<int:badge_id>/grant", methods=["GET", "POST"])
@login_required
def admin_grant(badge_id: int) -> ResponseReturnValue:
    _require_admin()
    badge = services.get_badge(badge_id)
    form = GrantForm()
    if request.method == "GET":
        report_id = request.args.get("report", type=int)
        report = services.get_grant_report(badge, report_id) if report_id else None
        return _grant_page(badge, form, report)
    if not form.validate_on_submit():
        return _grant_page(badge, form, None, 422)
    names = [form.usernames.data or ""]
    upload = (
        form.csv_file.data if form.csv_file.data and getattr(form.csv_file.data, "filename", "") else None
    )
    try:
        if upload is not None:
            names.extend(services.usernames_from_csv(upload.stream))
        result = services.grant_by_usernames(
            current_user,
            badge,
            usernames=names,
            reason=form.reason.data or "",
            certificate=checkbox(request.form.get("certificate")),
        )
    except Invalid as exc:
        apply_errors(form, exc)
        return _grant_page(badge, form, None, 422)
    notice = _(
        "Granted to %(granted)d, %(already)d already had it, %(unknown)d unknown.",
        granted=len(result.granted),
        already=len(result.already),
        unknown=len(result.unknown),
    )
    report = services.get_grant_report(badge, result.audit_id or 0)
    if is_htmx():
        return render_template("badges/_grant_report.html", badge=badge, report=report)
    flash(notice, "success")
    return redirect(url_for("badges.admin_grant", badge_id=badge.id, report=result.audit_id), code=303)
