"""Email pages: my email preferences, and the signed one-click unsubscribe link (no login)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.templating import current_lang
from app.extensions import csrf

from . import services
from .compose import CATEGORY_LABELS
from .forms import PreferencesForm
from .models import CATEGORIES

bp = Blueprint("mail", __name__)


def _masked(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


@bp.route("/me/email", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    form = PreferencesForm()
    if request.method == "GET":
        saved = services.get_preferences(current_user.id)
        for name in CATEGORIES:
            getattr(form, name).data = saved.allows(name)
        # Until they save, emails are in Chinese; the form proposes the language they browse in.
        form.language.data = saved.language if saved.saved else current_lang()
    elif form.validate_on_submit():
        try:
            services.update_preferences(
                current_user,
                categories={name: bool(getattr(form, name).data) for name in CATEGORIES},
                language=form.language.data or "",
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your email settings are saved."), "success")
            return redirect(url_for("mail.preferences"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "mail/preferences.html", form=form, enabled=services.is_enabled(), email=current_user.email
    ), status


@bp.route("/email/unsubscribe/<token>", methods=["GET"])
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """The confirm page a human sees (a GET changes nothing: link scanners follow links)."""
    found = services.check_unsubscribe(token)
    return render_template(
        "mail/unsubscribe.html",
        token=token,
        email=_masked(found.email),
        category_label=CATEGORY_LABELS[found.category],
        done=False,
    )


# RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF
# token; the signed token in the URL is the authorization.
@bp.route("/email/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
def unsubscribe(token: str) -> ResponseReturnValue:
    found = services.unsubscribe(token)
    return render_template(
        "mail/unsubscribe.html",
        token=token,
        email=_masked(found.email),
        category_label=CATEGORY_LABELS[found.category],
        done=True,
    )
