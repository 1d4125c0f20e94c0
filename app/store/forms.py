"""Store forms: redeem (with a fresh request_id), new/edit item, stock, sale, coupon pool,
fulfilment, prize."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core import clock

from .models import KINDS

KIND_LABELS: dict[str, Any] = {
    "physical": _l("Gift"),
    "coupon": _l("Coupon"),
    "ticket": _l("Circle ticket"),
    "virtual": _l("Virtual"),
    "tier_trial": _l("Tier trial"),
}


def fresh_request_id() -> str:
    return uuid.uuid4().hex


class RedeemForm(FlaskForm):
    request_id = HiddenField(default=fresh_request_id)
    recipient = StringField(_l("Recipient"), validators=[Optional(), Length(max=40)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    address = TextAreaField(_l("Delivery address"), validators=[Optional(), Length(max=300)])


def parse_local(value: str | None) -> datetime | None:
    """An ISO datetime typed in the site time zone -> aware UTC (blank -> None)."""
    text = (value or "").strip()
    if not text:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.site_tz())
    return parsed.astimezone(UTC)


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please fill this in.")), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    image = FileField(_l("Item picture"))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS])
    points_cost = IntegerField(_l("Cost in points"), validators=[Optional()])
    stock = IntegerField(
        _l("Stock"), validators=[Optional()], description=_l("Coupons: the number of codes.")
    )
    per_user_limit = IntegerField(
        _l("Limit per member"), validators=[Optional()], description=_l("Blank = no limit.")
    )
    min_tier = SelectField(_l("Minimum tier"), choices=[], validate_choice=False)
    starts_at = StringField(
        _l("Sale starts"), validators=[Optional()], description=_l("e.g. 2026-12-01T10:00")
    )
    ends_at = StringField(_l("Sale ends"), validators=[Optional()])
    coupon_codes = TextAreaField(_l("Coupon codes"), description=_l("One per line; each goes to one member."))
    circle = StringField(_l("Circle (slug, for tickets)"), validators=[Length(max=64)])
    trial_tier = SelectField(_l("Tier to try"), choices=[], validate_choice=False)
    trial_days = IntegerField(_l("Trial days"), validators=[Optional()])


class ItemEditForm(ItemForm):
    # The stock the form showed: a changed `stock` is a compare-and-set against it.
    expected_stock = HiddenField()


class StockForm(FlaskForm):
    mode = SelectField(
        _l("Change"),
        choices=[SelectChoice("add", _l("Add to stock")), SelectChoice("set", _l("Set to"))],
        validate_choice=False,
    )
    amount = IntegerField(
        _l("Amount"), validators=[Optional()], description=_l("To take stock away, add a negative number.")
    )
    expected = HiddenField()
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])


class SaleForm(FlaskForm):
    action = SelectField(choices=[SelectChoice("off"), SelectChoice("on")])
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])


class CodesForm(FlaskForm):
    coupon_codes = TextAreaField(_l("Codes to add"), description=_l("One per line; each goes to one member."))


class RemoveCodeForm(FlaskForm):
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])


class FulfilForm(FlaskForm):
    action = SelectField(choices=[SelectChoice("ship"), SelectChoice("cancel")], validate_choice=False)
    tracking_no = StringField(_l("Tracking number"), validators=[Length(max=64)])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class PrizeForm(FlaskForm):
    item_id = IntegerField(_l("Item"), validators=[DataRequired(_l("Choose an item from the store."))])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
