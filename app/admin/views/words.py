"""The sensitive-word list (敏感词): add words one a line, remove them (the safety feature's rules)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import respond
from app.safety import services as safety

from ..blueprint import bp
from ..forms import SensitiveWordsForm


def _page(form: SensitiveWordsForm, status: int = 200) -> ResponseReturnValue:
    words = safety.list_words(current_user)
    return render_template("admin/sensitive_words.html", form=form, words=words), status


@bp.route("/sensitive-words", methods=["GET", "POST"])
def sensitive_words() -> ResponseReturnValue:
    form = SensitiveWordsForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            added = safety.add_words(current_user, form.words.data or "")
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = (
                _("Added %(n)d to the list.", n=len(added)) if added else _("Those are on the list already.")
            )
            return respond(
                "admin/_notice.html", url_for("admin.sensitive_words"), notice=notice, message=notice
            )
    return _page(form, 422 if request.method == "POST" else 200)


@bp.post("/sensitive-words/<int:word_id>/delete")
def remove_sensitive_word(word_id: int) -> ResponseReturnValue:
    removed = safety.remove_word(current_user, word_id)
    notice = _("Removed “%(word)s”.", word=removed) if removed else _("That word was already removed.")
    return respond("admin/_notice.html", url_for("admin.sensitive_words"), notice=notice, message=notice)
