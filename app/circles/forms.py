"""Circle forms. Services validate the rules; these only shape the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class CircleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please fill this in.")), Length(max=60)])
    slug = StringField(
        _l("Address"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=40)],
        description=_l("Lowercase letters, digits and dashes: /c/your-address"),
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    cover = FileField(_l("Cover picture"), description=_l("JPEG, PNG, GIF or WebP, up to 10 MB."))
    visibility = SelectField(
        _l("Who can read it"),
        choices=[
            SelectChoice("public", _l("Public: anyone can read")),
            SelectChoice("private", _l("Private: members only")),
        ],
        default="public",
    )
    join_policy = SelectField(
        _l("How people join"),
        choices=[
            SelectChoice("open", _l("Anyone can join")),
            SelectChoice("approval", _l("Hosts approve each request")),
            SelectChoice("tier", _l("Members of a tier and up")),
            SelectChoice("ticket", _l("With a ticket from the store")),
        ],
        default="open",
    )
    min_tier = StringField(
        _l("Minimum tier"), validators=[Length(max=32)], description=_l("Tier slug, e.g. advanced.")
    )
    require_approval = BooleanField(
        _l("New posts need a host's approval"), false_values=("", "0", "off", "false", "n")
    )
