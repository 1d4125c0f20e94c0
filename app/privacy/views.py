"""Privacy pages: my data export (progress, downloads) and deleting my account.

GET,POST /me/export          ask for an export; its progress, then the ready ZIPs
GET /me/export/<id>.zip      download (owner only: 404 for anyone else, 410 once expired)
GET,POST /me/delete          delete my account (password + typed username)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.badges import openbadges
from app.core import clock
from app.core.errors import Conflict, Invalid
from app.core.forms import apply_errors
from app.core.htmx import is_htmx, page_or_fragment, respond

from . import deletion, exports
from .forms import DeleteAccountForm, ExportForm

bp = Blueprint("privacy", __name__)


def _export_context() -> dict[str, Any]:
    items = exports.list_exports(current_user.id)
    active = next((e for e in items if e.is_active), None)
    return {"exports": items, "active": active, "now": clock.now(), "form": ExportForm()}


@bp.get("/me/export")
@login_required
def export_page() -> ResponseReturnValue:
    response = page_or_fragment("privacy/export.html", "privacy/_export_status.html", **_export_context())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/me/export")
@login_required
def export_request() -> ResponseReturnValue:
    result = exports.request_export(
        current_user, lang=str(get_locale() or "zh")[:2], base_url=openbadges.base_url()
    )
    notice = (
        _("We are preparing your export. It takes a minute or so; you can leave this page.")
        if result.created
        else _("Your export is already being prepared. It will appear here when it is ready.")
    )
    if not is_htmx():
        flash(notice, "success" if result.created else "info")
        return redirect(url_for("privacy.export_page"), code=303)
    return respond(
        "privacy/_export_status.html", url_for("privacy.export_page"), notice=notice, **_export_context()
    )


@bp.get("/me/export/<int:export_id>.zip")
@login_required
def export_download(export_id: int) -> ResponseReturnValue:
    path = exports.downloadable_file(current_user, export_id)
    export = exports.get_export(current_user, export_id)
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.download_name(export),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> ResponseReturnValue:
    form = DeleteAccountForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                deletion.delete_account(
                    current_user,
                    password=form.password.data or "",
                    confirm_username=form.confirm_username.data or "",
                )
            except Invalid as exc:
                apply_errors(form, exc)
            except Conflict as exc:
                form.form_errors.append(str(exc.message))
                status = 409
            else:
                logout_user()
                flash(_("Your account is deleted. Thank you for being part of the community."), "info")
                return redirect(url_for("site.home"), code=303)
    context = {
        "form": form,
        "pending_orders": deletion.count_pending_orders(current_user.id),
        "last_admin": deletion.is_last_admin(current_user),
    }
    return render_template("privacy/delete.html", **context), status
