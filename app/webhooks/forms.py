"""The endpoint form. The service validates the rules; this only shapes the fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, SelectMultipleField, StringField
from wtforms.validators import Length


class EventChecklist:
    """Checkboxes (one per event name) sent as repeated `events` values; tap-sized rows."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        chosen = set(field.data or [])
        items = []
        for value, label, _selected, _render_kw in field.iter_choices():
            checked = " checked" if value in chosen else ""
            items.append(
                f'<label class="wh-event-choice"><input type="checkbox" name="{escape(field.name)}" '
                f'value="{escape(value)}"{checked}> <span><code>{escape(value)}</code>'
                f"<small>{escape(label)}</small></span></label>"
            )
        invalid = ' aria-invalid="true"' if field.errors else ""
        return Markup(
            f'<div class="wh-events" id="{escape(field.id)}" role="group"{invalid}>{"".join(items)}</div>'
        )


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Endpoint URL"),
        validators=[Length(max=2000)],
        description=_l("A public https:// address that accepts POST requests with a JSON body."),
    )
    secret = StringField(
        _l("Signing secret (optional)"),
        validators=[Length(max=200)],
        description=_l("Used to sign every delivery. Leave it blank and we generate a strong one."),
    )
    events = SelectMultipleField(
        _l("Events"),
        choices=[],
        validate_choice=False,
        widget=EventChecklist(),
        description=_l("We send a delivery when any of these happens."),
    )
