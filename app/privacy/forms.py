"""Privacy forms: asking for an export (CSRF only) and confirming an account deletion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired


class ExportForm(FlaskForm):
    pass


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Please fill this in."))])
    confirm_username = StringField(
        _l("Type your username to confirm"),
        validators=[DataRequired(_l("Please fill this in."))],
    )
