"""Discover, create, join/leave, and host actions on members."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import services as accounts
from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, page_or_fragment, respond

from . import services
from .forms import CircleForm
from .policies import membership_of

bp = Blueprint("circles", __name__)


@bp.route("/circles")
def discover() -> ResponseReturnValue:
    page = services.list_circles(cursor=request.args.get("cursor") or None)
    memberships = services.list_my_memberships(current_user)
    return page_or_fragment(
        "circles/discover.html", "circles/_cards.html", feed=page, memberships=memberships
    )


@bp.route("/circles/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    if current_user.role not in ("host", "admin"):
        abort(403)
    form = CircleForm()
    if form.validate_on_submit():
        cover = form.cover.data if form.cover.data and form.cover.data.filename else None
        try:
            circle = services.create_circle(
                current_user,
                name=form.name.data or "",
                slug=form.slug.data or "",
                description=form.description.data or "",
                visibility=form.visibility.data or "public",
                join_policy=form.join_policy.data or "open",
                min_tier=form.min_tier.data or "",
                require_approval=bool(form.require_approval.data),
                cover=cover.stream if cover else None,
                cover_filename=cover.filename if cover else None,
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(url_for("posts.circle", slug=circle.slug), notice=_("Your circle is ready!"))
    status = 422 if request.method == "POST" else 200
    return render_template("circles/new.html", form=form), status


def _join_fragment(slug: str, notice: str) -> ResponseReturnValue:
    circle = services.get_circle(slug)
    return respond(
        "circles/_join.html",
        url_for("posts.circle", slug=slug),
        notice=notice,
        circle=circle,
        membership=membership_of(current_user, circle),
    )


@bp.post("/c/<slug>/join")
@login_required
def join(slug: str) -> ResponseReturnValue:
    membership = services.join_circle(current_user, services.get_circle(slug))
    notice = _("Welcome aboard!") if membership.is_active else _("Request sent. A host will review it soon.")
    return _join_fragment(slug, notice)


@bp.post("/c/<slug>/leave")
@login_required
def leave(slug: str) -> ResponseReturnValue:
    services.leave_circle(current_user, services.get_circle(slug))
    return _join_fragment(slug, _("You have left the circle."))


@bp.post("/c/<slug>/members/<username>/moderate")
@login_required
def moderate_member(slug: str, username: str) -> ResponseReturnValue:
    circle = services.get_circle(slug)
    target = accounts.get_user_or_404(username)
    action = request.form.get("action", "")
    if action not in services.MEMBER_ACTIONS:
        raise Invalid(_("Unknown action."), fields={"action": _("Unknown action.")})
    raw_days = (request.form.get("days") or "").strip()
    if raw_days and not raw_days.isdigit():
        raise Invalid(_("Mute for 1 to 365 days."), fields={"days": _("Mute for 1 to 365 days.")})
    membership = services.moderate_member(
        current_user,
        circle,
        target,
        action,
        days=int(raw_days) if raw_days else None,
        reason=request.form.get("reason", ""),
    )
    return respond(
        "circles/_member_row.html",
        url_for("posts.manage", slug=slug),
        notice=_("Done."),
        circle=circle,
        member=membership,
        target=target,
    )
