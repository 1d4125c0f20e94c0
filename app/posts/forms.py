"""Post, comment and report forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length


class PostForm(FlaskForm):
    title = StringField(_l("Title (optional)"), validators=[Length(max=120)])
    body = TextAreaField(
        _l("What would you like to share?"),
        description=_l("Markdown works: **bold**, lists, links. Mention someone with @username."),
    )
    tags = StringField(
        _l("Topics"),
        validators=[Length(max=300)],
        description=_l("Separate with spaces or #, e.g. #读书 #打卡"),
    )
    images = MultipleFileField(_l("Pictures (up to 9)"))
    attachments = MultipleFileField(
        _l("Files"), description=_l("PDF, slides, spreadsheets… up to 20 MB each.")
    )
    is_material = BooleanField(
        _l("Add to the materials library"), false_values=("", "0", "off", "false", "n")
    )


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[Length(max=2000)])
    parent_id = HiddenField()


class ReportForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class ReportThresholdForm(FlaskForm):
    report_threshold = StringField(
        _l("Hide automatically at report weight"),
        validators=[Length(max=12)],
        description=_l(
            "An ordinary member's report weighs 1, higher tiers and reliable reporters more. "
            "Reported content is hidden until you review it once its reports add up to this."
        ),
    )
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=500)])
