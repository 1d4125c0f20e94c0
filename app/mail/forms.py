"""The email preferences form. The service validates; this only shapes the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from .compose import CATEGORY_LABELS


class PreferencesForm(FlaskForm):
    replies = BooleanField(
        CATEGORY_LABELS["replies"], description=_l("Comments on my posts, replies, @mentions.")
    )
    moderation = BooleanField(
        CATEGORY_LABELS["moderation"],
        description=_l("Approvals, featured posts, removals; join requests and posts waiting for my review."),
    )
    badges = BooleanField(
        CATEGORY_LABELS["badges"], description=_l("New badges, certificates and member tiers.")
    )
    orders = BooleanField(
        CATEGORY_LABELS["orders"], description=_l("Redemptions placed, shipped or cancelled.")
    )
    digest = BooleanField(
        CATEGORY_LABELS["digest"],
        description=_l("Every Monday: featured posts, campaign progress, your rank and points."),
    )
    language = SelectField(
        _l("Email language"),
        choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")],
        validate_choice=False,
    )
