"""Admin console forms. Field names follow SPEC section 3 (`role`, `action`, `reason`...)."""

from __future__ import annotations

import uuid

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
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

ROLE_LABELS = {"member": _l("Member"), "host": _l("Host"), "admin": _l("Admin")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class BanForm(FlaskForm):
    action = SelectField(choices=[SelectChoice("ban"), SelectChoice("unban")])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class ReviewForm(FlaskForm):
    action = SelectField(choices=[SelectChoice("approve"), SelectChoice("reject")])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class OwnerForm(FlaskForm):
    username = StringField(
        _l("New owner (username)"), validators=[InputRequired(_l("Please fill this in.")), Length(max=32)]
    )
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class ArchiveForm(FlaskForm):
    action = SelectField(choices=[SelectChoice("archive"), SelectChoice("unarchive")])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class TierForm(FlaskForm):
    slug = StringField(
        _l("Slug"), validators=[Length(max=32)], description=_l("Stable id, e.g. vip (new tiers only).")
    )
    name_zh = StringField(_l("Name (Chinese)"), validators=[Length(max=40)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=40)])
    threshold = IntegerField(_l("Growth needed"), validators=[Optional()])
    multiplier_pct = IntegerField(
        _l("Points multiplier (%)"), validators=[Optional()], description=_l("120 = ×1.2")
    )
    birthday_points = IntegerField(
        _l("Birthday points"),
        validators=[Optional()],
        description=_l("Given on a member's birthday, before the multiplier."),
    )
    report_weight_pct = IntegerField(
        _l("Report weight (%)"),
        validators=[Optional()],
        description=_l("150 = a report by this tier counts as 1.5"),
    )
    privileges_zh = TextAreaField(_l("Privileges (Chinese, one per line)"), validators=[Length(max=2000)])
    privileges_en = TextAreaField(_l("Privileges (English, one per line)"), validators=[Length(max=2000)])


class RuleForm(FlaskForm):
    points = IntegerField(_l("Points"), validators=[Optional()])
    daily_cap = IntegerField(_l("Daily cap"), validators=[Optional()], description=_l("Blank = no cap"))
    is_active = BooleanField(_l("On"))


def fresh_request_id() -> str:
    return uuid.uuid4().hex


class WinbackForm(FlaskForm):
    request_id = HiddenField(default=fresh_request_id)
    silent_days = HiddenField()
    message = TextAreaField(
        _l("Message"),
        default=_l(
            "Long time no see! There is lots of new stuff in the circles: "
            "come back, sign in and collect your points."
        ),
        validators=[Length(max=300)],
    )
    points = IntegerField(
        _l("Points gift"), validators=[Optional()], description=_l("0 = no gift"), default=0
    )
    item_id = SelectField(_l("Store item as a gift"), choices=[], validate_choice=False)


class PageForm(FlaskForm):
    body = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=50_000)])


class SegmentForm(FlaskForm):
    """Save a segment: a name and any of the filters (SPEC: tier, circle, joined between, last
    active between, points range, has badge, campaign completed)."""

    name = StringField(_l("Segment name"), validators=[Length(max=60)])
    tier = SelectField(_l("Tier"), choices=[], validate_choice=False)
    circle = SelectField(_l("Member of circle"), choices=[], validate_choice=False)
    joined_from = DateField(_l("Joined from"), validators=[Optional()])
    joined_to = DateField(_l("Joined until"), validators=[Optional()])
    active_from = DateField(_l("Last active from"), validators=[Optional()])
    active_to = DateField(_l("Last active until"), validators=[Optional()])
    points_min = IntegerField(_l("Points at least"), validators=[Optional()])
    points_max = IntegerField(_l("Points at most"), validators=[Optional()])
    badge_id = SelectField(_l("Has badge"), choices=[], validate_choice=False)
    campaign_id = SelectField(_l("Completed campaign"), choices=[], validate_choice=False)


class SegmentActionForm(FlaskForm):
    request_id = HiddenField(default=fresh_request_id)
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("notify", _l("Send a notification")),
            SelectChoice("points", _l("Grant points")),
            SelectChoice("prize", _l("Grant a store item as a prize")),
            SelectChoice("campaign", _l("Invite to a check-in campaign")),
        ],
    )
    message = TextAreaField(
        _l("Message or reason"),
        validators=[Length(max=300)],
        description=_l("Shown to the members; for points and prizes it is the reason in their records."),
    )
    points = IntegerField(_l("Points"), validators=[Optional()], default=0)
    item_id = SelectField(_l("Store item"), choices=[], validate_choice=False)
    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False)


class SiteSettingsForm(FlaskForm):
    site_name = StringField(
        _l("Site name"), validators=[Length(max=40)], description=_l("Blank = the default name.")
    )
    tagline = StringField(
        _l("Tagline"),
        validators=[Length(max=80)],
        description=_l("Optional; shown on the welcome and login pages."),
    )
    logo = FileField(_l("Logo"), description=_l("A square picture works best (at least 512 × 512)."))
    remove_logo = BooleanField(_l("Use the default logo"))


class SensitiveWordsForm(FlaskForm):
    words = TextAreaField(
        _l("Words or phrases to add"),
        validators=[Length(max=20_000)],
        description=_l("One a line. Matching ignores case and finds them inside longer text."),
    )
