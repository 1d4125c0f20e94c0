"""Points forms: the admin adjustment (sign-in is a bare POST with its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length


class AdjustForm(FlaskForm):
    delta = IntegerField(
        _l("Points (+/-)"), validators=[DataRequired(_l("Enter a whole number other than 0."))]
    )
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)]
    )
