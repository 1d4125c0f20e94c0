"""Account forms. Services validate the rules; these only shape the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class RegisterForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=32)],
        description=_l("3–20 letters, digits or underscores; used for @mentions."),
    )
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Please fill this in.")), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=128)],
        description=_l("At least 8 characters."),
    )
    invite_code = StringField(_l("Invite code (optional)"), validators=[Length(max=16)])


class LoginForm(FlaskForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(_l("Please fill this in."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill this in."))])
    remember = BooleanField(_l("Remember me"), false_values=("", "0", "off", "false", "n"))
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please fill this in."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=128)],
        description=_l("At least 8 characters."),
    )


class SettingsForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Length(max=40)])
    bio = TextAreaField(_l("About me"), validators=[Length(max=500)])
    avatar = FileField(_l("Avatar"), description=_l("JPEG, PNG, GIF or WebP, up to 10 MB."))
    # Month and day only (optional); the service checks the pair (no 02-30).
    birthday_month = SelectField(
        _l("Birthday month"),
        choices=[SelectChoice("", "—")] + [SelectChoice(str(m), str(m)) for m in range(1, 13)],
        validate_choice=False,
        description=_l("Optional: on your birthday you get a points gift."),
    )
    birthday_day = SelectField(
        _l("Birthday day"),
        choices=[SelectChoice("", "—")] + [SelectChoice(str(d), str(d)) for d in range(1, 32)],
        validate_choice=False,
    )
