"""Member segments: sizes, member lists, CSV, saved filters and bulk actions."""

from __future__ import annotations

import logging

from flask import Response, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.errors import Conflict, Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, page_or_fragment, respond
from app.core.templating import current_lang
from app.store.services import list_items

from .. import exports, segments
from ..blueprint import bp
from ..forms import SegmentActionForm, SegmentForm

log = logging.getLogger("quanzi.admin")


def _segment_form() -> SegmentForm:
    form = SegmentForm()
    form.tier.choices = [SelectChoice("", _("Any tier"))] + [
        SelectChoice(slug, name) for slug, name in segments.tier_choices(current_lang())
    ]
    form.circle.choices = [SelectChoice("", _("Any circle"))] + [
        SelectChoice(slug, name) for slug, name in segments.circle_choices()
    ]
    form.badge_id.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(str(i), name) for i, name in segments.badge_choices()
    ]
    form.campaign_id.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(str(i), title) for i, title in segments.campaign_choices()
    ]
    return form


def _action_form() -> SegmentActionForm:
    form = SegmentActionForm()
    form.item_id.choices = [SelectChoice("", _("Choose an item"))] + [
        SelectChoice(str(item.id), f"{item.title} · {item.stock}") for item in list_items() if item.stock > 0
    ]
    form.campaign_id.choices = [SelectChoice("", _("Choose a campaign"))] + [
        SelectChoice(str(i), title) for i, title in segments.campaign_choices()
    ]
    return form


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _render_index(form: SegmentForm, status: int = 200) -> ResponseReturnValue:
    return page_or_fragment(
        "admin/segments.html",
        "admin/segments.html",
        status=status,
        rows=segments.list_segments(current_user),
        form=form,
    )


@bp.route("/segments")
def segment_list() -> ResponseReturnValue:
    return _render_index(_segment_form())


@bp.post("/segments")
def save_segment() -> ResponseReturnValue:
    form = _segment_form()
    if form.validate_on_submit():
        filters = segments.Filters(
            tier=form.tier.data or "",
            circle=form.circle.data or "",
            joined_from=form.joined_from.data,
            joined_to=form.joined_to.data,
            active_from=form.active_from.data,
            active_to=form.active_to.data,
            points_min=form.points_min.data,
            points_max=form.points_max.data,
            badge_id=_int_or_none(form.badge_id.data),
            campaign_id=_int_or_none(form.campaign_id.data),
        )
        try:
            saved = segments.save_segment(current_user, name=form.name.data or "", filters=filters)
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(url_for("admin.segment_page", key=saved.id), notice=_("Segment saved."))
    return _render_index(form, 422)


def _param() -> int | None:
    return request.args.get("n", type=int)


def _render_segment(key: str, form: SegmentActionForm, status: int = 200) -> ResponseReturnValue:
    segment = segments.get_segment(current_user, key, param=_param())
    listing = segments.page_members(segment, cursor=request.args.get("cursor"))
    return page_or_fragment(
        "admin/segment.html",
        "admin/_segment_rows.html",
        status=status,
        segment=segment,
        size=segments.size(segment),
        listing=listing,
        more_url=url_for("admin.segment_page", key=key, n=_param(), cursor=listing.next_cursor),
        funnel=segments.funnel(segment) if segment.key == "new" else None,
        actions=segments.list_actions(segment),
        form=form,
        lang=current_lang(),
    )


@bp.route("/segments/<key>")
def segment_page(key: str) -> ResponseReturnValue:
    return _render_segment(key, _action_form())


@bp.post("/segments/<key>")
def segment_action(key: str) -> ResponseReturnValue:
    segment = segments.get_segment(current_user, key, param=_param())
    form = _action_form()
    status = 422
    if form.validate_on_submit():
        try:
            result = segments.run_action(
                current_user,
                segment,
                request_id=form.request_id.data or "",
                action=form.action.data or "",
                message=form.message.data or "",
                points=form.points.data or 0,
                item_id=_int_or_none(form.item_id.data),
                campaign_id=_int_or_none(form.campaign_id.data),
            )
        except Conflict as exc:
            apply_errors(form, exc)
            status = 409
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = (
                _("Done for %(n)d members.", n=result.sent)
                if result.created
                else _("This action was already done; nothing happened twice.")
            )
            return respond(
                "admin/_segment_done.html",
                url_for("admin.segment_page", key=key, n=_param()),
                notice=notice,
                result=result,
                segment=segment,
            )
    return _render_segment(key, form, status)


@bp.post("/segments/<key>/delete")
def delete_segment(key: str) -> ResponseReturnValue:
    segments.delete_segment(current_user, key)
    return created(url_for("admin.segment_list"), notice=_("Segment deleted."))


@bp.route("/segments/<key>.csv")
def segment_export(key: str) -> ResponseReturnValue:
    segment = segments.get_segment(current_user, key, param=_param())
    log.info("admin %s exported segment %s", current_user.username, segment.action_key)
    exporter = exports.Exporter(segments.EXPORT_HEADERS, lambda: segments.export_rows(segment))
    response = Response(stream_with_context(exports.stream_csv(exporter)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="quanzi-segment-{key}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
