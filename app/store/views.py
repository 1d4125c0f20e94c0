"""Store pages: browse, item, redeem, my orders; admin: fulfilment queue, prizes.

The console's item pages (new, edit, stock, sale, coupon pools) are in `console.py`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.services import get_user_or_404
from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, page_or_fragment, respond
from app.core.permissions import can, require
from app.core.templating import current_lang
from app.points.tiers import get_effective_tier

from . import fulfilment, services
from .forms import KIND_LABELS, FulfilForm, PrizeForm, RedeemForm
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
