"""The prize form hosts and admins see on a weekly board."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

METRIC_LABELS: dict[str, Any] = {
    "points": _l("Points"),
    "checkins": _l("Check-ins"),
    "likes": _l("Likes"),
    "invites": _l("Invites"),
}
KIND_LABELS: dict[str, Any] = {"points": _l("Points"), "item": _l("A store item")}


class PrizeForm(FlaskForm):
    scope = HiddenField()
    metric = SelectField(_l("Board"), choices=[SelectChoice(k, v) for k, v in METRIC_LABELS.items()])
    rank_from = IntegerField(_l("From rank"), validators=[Optional()], default=1)
    rank_to = IntegerField(
        _l("To rank"), validators=[Optional()], description=_l("Leave it blank for a single rank.")
    )
    kind = SelectField(_l("Prize"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    amount = IntegerField(_l("Points each"), validators=[Optional()])
    item_id = SelectField(_l("Store item"), choices=[], validate_choice=False)
