"""Store pages: browse, item, redeem, my orders; admin: new item, fulfilment queue, prizes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.services import get_user_or_404
from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, page_or_fragment, respond
from app.core.permissions import can, require
from app.core.templating import current_lang
from app.points.tiers import get_effective_tier, list_tiers

from . import catalog, fulfilment, services
from .forms import KIND_LABELS, FulfilForm, ItemForm, PrizeForm, RedeemForm, parse_local
from .models import KINDS

bp = Blueprint("store", __name__)


def _form_errors(form: Any) -> Invalid:
    return Invalid(fields={name: errors[0] for name, errors in form.errors.items() if errors})


@bp.app_context_processor
def _store_globals() -> dict[str, Any]:
    return {"store_kind_labels": KIND_LABELS}


@bp.route("/store")
@login_required
def index() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    items = services.list_items(kind if kind in KINDS else None)
    return render_template(
        "store/index.html",
        items=items,
        kind=kind if kind in KINDS else None,
        kinds=KINDS,
        kinds_on_sale=services.list_kinds_on_sale(),
        tier=get_effective_tier(current_user),
        lang=current_lang(),
    )


def _render_item(item: Any, form: RedeemForm, status: int = 200) -> ResponseReturnValue:
    used = services.count_redeemed(current_user.id, item.id) if item.per_user_limit else 0
    return (
        render_template(
            "store/item.html",
            item=item,
            form=form,
            locked=not can(current_user, "store.redeem", item),
            on_sale=services.is_on_sale(item),
            used=used,
            lang=current_lang(),
        ),
        status,
    )


@bp.route("/store/<int:item_id>")
@login_required
def item_page(item_id: int) -> ResponseReturnValue:
    return _render_item(services.get_item(item_id), RedeemForm())


@bp.post("/store/<int:item_id>/redeem")
@login_required
def redeem(item_id: int) -> ResponseReturnValue:
    item = services.get_item(item_id)
    form = RedeemForm()
    if form.validate_on_submit():
        try:
            result = services.redeem(
                current_user,
                item.id,
                request_id=form.request_id.data or "",
                recipient=form.recipient.data or "",
                phone=form.phone.data or "",
                address=form.address.data or "",
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = (
                _("Redeemed! Here is your order.") if result.created else _("You already placed this order.")
            )
            return created(url_for("store.order_page", order_id=result.order.id), notice=notice)
    return _render_item(item, form, 422)


@bp.route("/me/redemptions")
@login_required
def orders() -> ResponseReturnValue:
    page = services.list_my_orders(current_user, cursor=request.args.get("cursor"))
    return page_or_fragment("store/orders.html", "store/_order_rows.html", listing=page)


@bp.route("/me/redemptions/<int:order_id>")
@login_required
def order_page(order_id: int) -> ResponseReturnValue:
    return render_template("store/order.html", order=services.get_my_order(current_user, order_id))


# --- Admin seams (the admin console builds on these) ------------------------------------


def _tier_choices() -> list[SelectChoice]:
    lang = current_lang()
    return [SelectChoice("", _("Everyone"))] + [SelectChoice(t.slug, t.name(lang)) for t in list_tiers()]


@bp.route("/admin/store/new", methods=["GET", "POST"])
@login_required
def admin_new_item() -> ResponseReturnValue:
    require(current_user, "admin.access")
    form = ItemForm()
    form.min_tier.choices = _tier_choices()
    form.trial_tier.choices = [SelectChoice("", _("Choose a tier")), *_tier_choices()[1:]]
    if form.validate_on_submit():
        upload = form.image.data if form.image.data and form.image.data.filename else None
        try:
            data = catalog.ItemInput(
                title=form.title.data or "",
                kind=form.kind.data or "",
                points_cost=form.points_cost.data,
                stock=form.stock.data,
                description=form.description.data or "",
                per_user_limit=form.per_user_limit.data,
                min_tier=form.min_tier.data or "",
                starts_at=_parse_when(form.starts_at),
                ends_at=_parse_when(form.ends_at),
                coupon_codes=catalog.parse_codes(form.coupon_codes.data or ""),
                circle=form.circle.data or "",
                trial_tier=form.trial_tier.data or "",
                trial_days=form.trial_days.data,
            )
            item = catalog.create_item(
                current_user,
                data,
                image=upload.stream if upload else None,
                image_filename=upload.filename if upload else None,
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(url_for("store.item_page", item_id=item.id), notice=_("The item is in the store."))
    status = 422 if request.method == "POST" else 200
    return render_template("store/admin_new.html", form=form), status


def _parse_when(field: Any) -> Any:
    try:
        return parse_local(field.data)
    except ValueError as exc:
        raise Invalid(fields={field.name: _("Use a date and time like 2026-12-01T10:00.")}) from exc


@bp.route("/admin/redemptions")
@login_required
def admin_orders() -> ResponseReturnValue:
    require(current_user, "admin.access")
    status = request.args.get("status") or None
    page = fulfilment.list_orders(status=status, cursor=request.args.get("cursor"))
    return page_or_fragment(
        "store/admin_orders.html", "store/_admin_order_rows.html", listing=page, status_filter=status
    )


@bp.post("/admin/redemptions/<int:order_id>")
@login_required
def admin_fulfil(order_id: int) -> ResponseReturnValue:
    require(current_user, "admin.access")
    form = FulfilForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    order = fulfilment.fulfil_order(
        current_user,
        order_id,
        action=form.action.data or "",
        tracking_no=form.tracking_no.data or "",
        reason=form.reason.data or "",
    )
    notice = _("Order shipped.") if order.status == "shipped" else _("Order cancelled and refunded.")
    return respond("store/_admin_order_row.html", url_for("store.admin_orders"), notice=notice, order=order)


@bp.post("/admin/users/<username>/prize")
@login_required
def admin_prize(username: str) -> ResponseReturnValue:
    require(current_user, "admin.access")
    target = get_user_or_404(username)
    form = PrizeForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    order = fulfilment.grant_prize(
        current_user, target, form.item_id.data or 0, reason=form.reason.data or ""
    )
    return respond(
        "store/_admin_order_row.html",
        url_for("store.admin_orders"),
        notice=_("Prize granted to %(name)s.", name=target.name),
        order=order,
    )
