"""The sensitive-word form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class WordsForm(FlaskForm):
    words = TextAreaField(
        _l("Words or phrases to add"),
        validators=[Length(max=20_000)],
        description=_l("One a line. Matching ignores case and finds them inside longer text."),
    )
