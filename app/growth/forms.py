"""Growth forms: the KOC host application questionnaire."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class ApplicationForm(FlaskForm):
    real_name = StringField(
        _l("Real name"), validators=[InputRequired(_l("Please fill this in.")), Length(max=40)]
    )
    city = StringField(_l("City"), validators=[InputRequired(_l("Please fill this in.")), Length(max=40)])
    talents = TextAreaField(
        _l("What are you good at?"),
        description=_l("Reading, running, baking, photography… what could you teach or lead?"),
        validators=[InputRequired(_l("Please fill this in.")), Length(max=1000)],
    )
    social_accounts = TextAreaField(
        _l("Other social accounts"),
        description=_l("One per line, e.g. 小红书 @linxi"),
        validators=[Length(max=1000)],
    )
    follower_count = IntegerField(
        _l("Followers in total"),
        validators=[InputRequired(_l("Enter a number of 0 or more.")), NumberRange(min=0, max=1_000_000_000)],
    )
    reason = TextAreaField(
        _l("Why do you want to host a circle?"),
        validators=[InputRequired(_l("Please fill this in.")), Length(max=2000)],
    )
