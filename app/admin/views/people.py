"""Members (search, role, ban; links to points and prize) and KOC application review."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.services import get_user_or_404
from app.core.errors import Invalid
from app.core.htmx import page_or_fragment, respond
from app.core.templating import current_lang
from app.growth import services as growth
from app.growth.models import STATUSES
from app.points.services import list_history
from app.points.tiers import get_effective_tier
from app.store.services import list_items

from .. import services
from ..blueprint import bp
from ..forms import ROLE_LABELS, BanForm, ReviewForm, RoleForm


def _form_errors(form: Any) -> Invalid:
    return Invalid(fields={name: errors[0] for name, errors in form.errors.items() if errors})


@bp.route("/users")
def users() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip()[:64]
    page = services.search_users(current_user, query=query, cursor=request.args.get("cursor"))
    return page_or_fragment(
        "admin/users.html",
        "admin/_user_rows.html",
        listing=page,
        q=query,
        more_url=url_for("admin.users", q=query or None, cursor=page.next_cursor),
    )


@bp.route("/users/<username>")
def user_page(username: str) -> ResponseReturnValue:
    target = get_user_or_404(username)
    role_form = RoleForm(role=target.role)
    return render_template(
        "admin/user.html",
        target=target,
        tier=get_effective_tier(target),
        role_form=role_form,
        ledger=list_history(target, limit=10).items,
        items=list_items(),
        lang=current_lang(),
    )


@bp.post("/users/<username>/role")
def set_role(username: str) -> ResponseReturnValue:
    target = get_user_or_404(username)
    form = RoleForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    user = services.change_role(current_user, target, form.role.data or "", reason=form.reason.data or "")
    return respond(
        "admin/_user_state.html",
        url_for("admin.user_page", username=user.username),
        notice=_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]),
        target=user,
    )


@bp.post("/users/<username>/ban")
def ban(username: str) -> ResponseReturnValue:
    target = get_user_or_404(username)
    form = BanForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    banned = form.action.data == "ban"
    user = services.set_banned(current_user, target, banned, reason=form.reason.data or "")
    notice = (
        _("%(name)s is banned and logged out everywhere.", name=user.name)
        if banned
        else _("%(name)s can log in again.", name=user.name)
    )
    return respond(
        "admin/_user_state.html",
        url_for("admin.user_page", username=user.username),
        notice=notice,
        target=user,
    )


@bp.route("/applications")
def applications() -> ResponseReturnValue:
    status = request.args.get("status", "pending")
    status = status if status in STATUSES else "pending"
    page = growth.list_applications(current_user, status=status, cursor=request.args.get("cursor"))
    return render_template("admin/applications.html", listing=page, status=status, statuses=STATUSES)


@bp.post("/applications/<int:application_id>")
def review(application_id: int) -> ResponseReturnValue:
    form = ReviewForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    application = growth.review_application(
        current_user, application_id, action=form.action.data or "", reason=form.reason.data or ""
    )
    notice = (
        _("%(name)s is a host now.", name=application.user.name)
        if application.status == "approved"
        else _("Application declined; %(name)s was told why.", name=application.user.name)
    )
    return respond(
        "admin/_application.html",
        url_for("admin.applications"),
        notice=notice,
        application=application,
    )
