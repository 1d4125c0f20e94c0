"""Admin console forms. Field names follow SPEC section 3 (`role`, `action`, `reason`...)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
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
