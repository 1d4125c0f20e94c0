"""Campaign, check-in and review forms. Services validate the rules; these shape the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

CHECKBOX_OFF = ("", "0", "off", "false", "n")


class CampaignForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("e.g. 早安打卡 or 读书笔记"))
    prompt = TextAreaField(
        _l("Prompt"), description=_l("What members write about each day, e.g. “What did you read today?”")
    )
    start_date = DateField(_l("First day"), validators=[Optional()])
    days = IntegerField(_l("Days"), default=7, validators=[Optional()])
    points_per_checkin = IntegerField(_l("Points per check-in"), default=10, validators=[Optional()])
    completion_points = IntegerField(_l("Bonus for finishing every day"), default=50, validators=[Optional()])
    badge_id = SelectField(_l("Badge for finishing (with a certificate)"), default="")
    makeup_cards = IntegerField(
        _l("Make-up cards"),
        default=0,
        validators=[Optional()],
        description=_l("How many missed days a member may make up."),
    )
    min_length = IntegerField(
        _l("Minimum text length"),
        default=0,
        validators=[Optional()],
        description=_l("0 means any length."),
    )
    photo_required = BooleanField(_l("A photo is required with every check-in"), false_values=CHECKBOX_OFF)
    repeat_weekly = BooleanField(
        _l("Repeat every week (a new round starts every 7 days)"), false_values=CHECKBOX_OFF
    )
    min_tier = SelectField(
        _l("Who may take part"),
        default="",
        validate_choice=False,
        description=_l("A tier-exclusive campaign: lower tiers see it locked, with the tier they need."),
    )


class CheckinForm(FlaskForm):
    body = TextAreaField(_l("Today's check-in"))
    image = FileField(_l("Photo (optional)"))
    day = HiddenField()


class MakeupForm(FlaskForm):
    body = TextAreaField(_l("What did you do that day?"))
    image = FileField(_l("Photo (optional)"))
    day = SelectField(_l("Day to make up"))


class ReviewForm(FlaskForm):
    body = StringField(_l("Host comment"))


class CheckinCommentForm(FlaskForm):
    # One line, like the hosts' review: the page's only textarea stays the check-in's own.
    body = StringField(_l("Comment"))
