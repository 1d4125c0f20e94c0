"""Blocking a member (POST /u/<username>/block, /me/blocked) and /admin/sensitive-words."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import services as accounts
from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import page_or_fragment, respond
from app.core.permissions import require

from . import services
from .forms import WordsForm

bp = Blueprint("safety", __name__)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def has_blocked(user: Any) -> bool:
        return services.is_blocked(current_user, user)

    return {"has_blocked": has_blocked}


@bp.post("/u/<username>/block")
@login_required
def block(username: str) -> ResponseReturnValue:
    target = accounts.get_user_or_404(username)
    state = request.form.get("state", "")
    if state not in ("on", "off"):
        raise Invalid(_("Choose to block or unblock."))
    blocked = services.set_block(current_user, target, on=state == "on")
    if blocked:
        notice = _(
            "You blocked %(name)s. Their posts, comments and notifications are hidden from you.",
            name=target.name,
        )
    else:
        notice = _("You unblocked %(name)s.", name=target.name)
    return respond(
        "safety/_block_button.html",
        url_for("accounts.profile", username=target.username),
        notice=notice,
        target=target,
        blocked=blocked,
        message=notice,
    )


@bp.route("/me/blocked")
@login_required
def blocked_list() -> ResponseReturnValue:
    page = services.list_blocked(current_user, cursor=request.args.get("cursor") or None)
    more_url = url_for("safety.blocked_list", cursor=page.next_cursor) if page.next_cursor else None
    return page_or_fragment("safety/blocked.html", "safety/_blocked_items.html", feed=page, more_url=more_url)


def _words_page(form: WordsForm, status: int = 200) -> ResponseReturnValue:
    return render_template("safety/words.html", form=form, words=services.list_words(current_user)), status


@bp.route("/admin/sensitive-words", methods=["GET", "POST"])
@login_required
def words() -> ResponseReturnValue:
    require(current_user, "safety.manage_words")
    form = WordsForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            added = services.add_words(current_user, form.words.data or "")
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = (
                _("Added %(n)d to the list.", n=len(added)) if added else _("Those are on the list already.")
            )
            return respond("safety/_notice.html", url_for("safety.words"), notice=notice, message=notice)
    return _words_page(form, 422 if request.method == "POST" else 200)


@bp.post("/admin/sensitive-words/<int:word_id>/delete")
@login_required
def remove_word(word_id: int) -> ResponseReturnValue:
    require(current_user, "safety.manage_words")
    removed = services.remove_word(current_user, word_id)
    notice = _("Removed “%(word)s”.", word=removed) if removed else _("That word was already removed.")
    return respond("safety/_notice.html", url_for("safety.words"), notice=notice, message=notice)
