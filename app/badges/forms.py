"""Badge and certificate forms. Services validate the rules; these only shape the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

CHECKBOX_OFF = ("", "0", "off", "false", "n")


def rule_choices() -> list[tuple[str, str]]:
    return [
        ("manual", str(_l("Granted by hand"))),
        ("campaign_completed", str(_l("Completed N check-in campaigns"))),
        ("posts", str(_l("Published N posts"))),
        ("featured_posts", str(_l("N posts featured"))),
        ("signin_streak", str(_l("Signed in N days in a row"))),
        ("tier", str(_l("Reached member tier N (1 = advanced, 2 = premium)"))),
    ]


class BadgeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the badge a name.")), Length(max=60)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=500)], description=_l("What the badge stands for.")
    )
    criteria = TextAreaField(
        _l("How to earn it"),
        validators=[Length(max=1000)],
        description=_l("Shown on the badge page and in the Open Badges document."),
    )
    image = FileField(_l("Picture"), description=_l("A square PNG looks best; without one we draw a medal."))
    rule = SelectField(_l("How it is earned"), default="manual")
    threshold = IntegerField(
        _l("Threshold (N)"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("For automatic badges: the number the member must reach."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()


class GrantForm(FlaskForm):
    usernames = TextAreaField(
        _l("Usernames"),
        validators=[Length(max=60000)],
        description=_l("Separated by commas or new lines."),
    )
    csv_file = FileField(_l("…or a CSV file"), description=_l("One username per row, in the first column."))
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    certificate = BooleanField(_l("Issue a certificate"), false_values=CHECKBOX_OFF, default=True)


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason for revoking"),
        validators=[DataRequired(_l("Say why the certificate is revoked.")), Length(max=500)],
    )


class ShareForm(FlaskForm):
    circle = StringField(_l("Circle"), validators=[DataRequired(_l("Choose a circle to share in."))])
