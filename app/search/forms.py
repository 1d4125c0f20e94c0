"""The search form (a GET form: no CSRF token, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), render_kw={"enterkeyhint": "search", "autocomplete": "off"})
    circle = SelectField(_l("Circle"), choices=[], validate_choice=False)
    order = SelectField(
        _l("Order"),
        choices=[SelectChoice("relevant", _l("Most relevant")), SelectChoice("newest", _l("Newest"))],
        default="relevant",
        validate_choice=False,
    )
