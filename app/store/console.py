"""The admin console's store pages: new item, edit, stock, sale on/off, coupon code pools.

Admins only (`admin_only`: logged out -> login page, anyone else -> 403); the services check
the same policy again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.circles import services as circles
from app.core import clock
from app.core.errors import Conflict, Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, is_htmx, respond
from app.core.permissions import require
from app.core.templating import current_lang
from app.points.tiers import list_tiers

from . import catalog, pool, services
from .forms import CodesForm, ItemEditForm, ItemForm, RemoveCodeForm, SaleForm, StockForm, parse_local
from .models import COUPON, StoreItem
from .views import bp


def admin_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        require(current_user, "admin.access")
        return view(*args, **kwargs)

    return wrapper


def _tier_choices() -> list[SelectChoice]:
    lang = current_lang()
    return [SelectChoice("", _("Everyone"))] + [SelectChoice(t.slug, t.name(lang)) for t in list_tiers()]


def _with_choices(form: ItemForm) -> ItemForm:
    form.min_tier.choices = _tier_choices()
    form.trial_tier.choices = [SelectChoice("", _("Choose a tier")), *_tier_choices()[1:]]
    return form


def _parse_when(field: Any) -> Any:
    try:
        return parse_local(field.data)
    except ValueError as exc:
        raise Invalid(fields={field.name: _("Use a date and time like 2026-12-01T10:00.")}) from exc


def _item_input(form: ItemForm) -> catalog.ItemInput:
    """The form as the catalog's input (bad datetimes raise Invalid on their field)."""
    errors: dict[str, Any] = {}
    when: dict[str, Any] = {}
    for name in ("starts_at", "ends_at"):
        try:
            when[name] = _parse_when(getattr(form, name))
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    return catalog.ItemInput(
        title=form.title.data or "",
        kind=form.kind.data or "",
        points_cost=form.points_cost.data,
        stock=form.stock.data,
        description=form.description.data or "",
        per_user_limit=form.per_user_limit.data,
        min_tier=form.min_tier.data or "",
        starts_at=when["starts_at"],
        ends_at=when["ends_at"],
        coupon_codes=catalog.parse_codes(form.coupon_codes.data or ""),
        circle=form.circle.data or "",
        trial_tier=form.trial_tier.data or "",
        trial_days=form.trial_days.data,
    )


def _upload(form: ItemForm) -> Any:
    return form.image.data if form.image.data and getattr(form.image.data, "filename", "") else None


@bp.route("/admin/store/new", methods=["GET", "POST"])
@admin_only
def admin_new_item() -> ResponseReturnValue:
    form = _with_choices(ItemForm())
    if form.validate_on_submit():
        upload = _upload(form)
        try:
            item = catalog.create_item(
                current_user,
                _item_input(form),
                image=upload.stream if upload else None,
                image_filename=upload.filename if upload else None,
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(url_for("store.item_page", item_id=item.id), notice=_("The item is in the store."))
    status = 422 if request.method == "POST" else 200
    return render_template("store/admin_new.html", form=form), status


# --- Edit, stock, sale -----------------------------------------------------------------------


def _local_input(value: Any) -> str:
    return value.astimezone(clock.site_tz()).strftime("%Y-%m-%dT%H:%M") if value else ""


def _edit_form(item: StoreItem) -> ItemEditForm:
    circle = circles.get_circle_by_id(item.circle_id) if item.circle_id else None
    form = ItemEditForm(
        data={
            "title": item.title,
            "description": item.description,
            "kind": item.kind,
            "points_cost": item.points_cost,
            "stock": item.stock,
            "per_user_limit": item.per_user_limit,
            "min_tier": item.min_tier.slug if item.min_tier else "",
            "starts_at": _local_input(item.starts_at),
            "ends_at": _local_input(item.ends_at),
            "circle": circle.slug if circle else "",
            "trial_tier": item.trial_tier.slug if item.trial_tier else "",
            "trial_days": item.trial_days,
            "expected_stock": str(item.stock),
        }
    )
    return form


def _stock_form(item: StoreItem) -> StockForm:
    return StockForm(formdata=None, data={"mode": "add", "expected": str(item.stock)})


def _render_edit(
    item: StoreItem,
    *,
    form: ItemEditForm | None = None,
    stock_form: StockForm | None = None,
    sale_form: SaleForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    form = _with_choices(form or _edit_form(item))
    return (
        render_template(
            "store/admin_edit.html",
            item=item,
            form=form,
            stock_form=stock_form or _stock_form(item),
            sale_form=sale_form or SaleForm(formdata=None),
            kind_locked=catalog.has_orders(item.id),
            counts=pool.count_codes(item.id) if item.kind == COUPON else None,
            on_sale=services.is_on_sale(item),
            tz=str(clock.site_tz()),
            lang=current_lang(),
        ),
        status,
    )


def _int_or_none(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


@bp.route("/admin/store/<int:item_id>/edit", methods=["GET", "POST"])
@admin_only
def admin_edit_item(item_id: int) -> ResponseReturnValue:
    item = catalog.get_any_item(item_id)
    if request.method == "GET":
        return _render_edit(item)
    form = _with_choices(ItemEditForm())
    status = 422
    if form.validate_on_submit():
        upload = _upload(form)
        try:
            catalog.update_item(
                current_user,
                item.id,
                _item_input(form),
                expected_stock=_int_or_none(form.expected_stock.data),
                image=upload.stream if upload else None,
                image_filename=upload.filename if upload else None,
            )
        except Conflict as exc:
            # The stock moved meanwhile: show the new figure, keep everything else typed.
            form.stock.errors = [str(exc.message)]
            item = catalog.get_any_item(item_id)
            form.expected_stock.data = str(item.stock)
            status = 409
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            edit_url = url_for("store.admin_edit_item", item_id=item.id)
            return respond("admin/_saved.html", edit_url, notice=_("Item saved."))
    return _render_edit(item, form=form, status=status)


@bp.post("/admin/store/<int:item_id>/stock")
@admin_only
def admin_stock(item_id: int) -> ResponseReturnValue:
    item = catalog.get_any_item(item_id)
    form = StockForm()
    status = 422
    if form.validate_on_submit():
        try:
            item = catalog.adjust_stock(
                current_user,
                item.id,
                mode=form.mode.data or "",
                amount=form.amount.data,
                expected=_int_or_none(form.expected.data),
                reason=form.reason.data or "",
            )
        except Conflict as exc:
            form.amount.errors = [str(exc.message)]
            item = catalog.get_any_item(item_id)
            form.expected.data = str(item.stock)
            status = 409
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = _("Stock is now %(n)d.", n=item.stock)
            if is_htmx():
                return render_template(
                    "store/_admin_stock.html", item=item, stock_form=_stock_form(item), notice=notice
                )
            return respond(
                "admin/_saved.html", url_for("store.admin_edit_item", item_id=item.id), notice=notice
            )
    if is_htmx():
        # htmx swaps only 2xx/422: a conflict comes back as the card with the fresh figure.
        status = 200 if status == 409 else status
        return render_template("store/_admin_stock.html", item=item, stock_form=form), status
    return _render_edit(item, stock_form=form, status=status)


@bp.post("/admin/store/<int:item_id>/sale")
@admin_only
def admin_sale(item_id: int) -> ResponseReturnValue:
    item = catalog.get_any_item(item_id)
    form = SaleForm()
    if not form.validate_on_submit():
        return _render_edit(item, sale_form=form, status=422)
    on = form.action.data == "on"
    item = catalog.set_on_sale(current_user, item.id, on, reason=form.reason.data or "")
    notice = (
        _("%(title)s is on sale again.", title=item.title)
        if on
        else _("%(title)s is off sale: members no longer see it.", title=item.title)
    )
    return respond(
        "store/_admin_sale.html",
        url_for("store.admin_edit_item", item_id=item.id),
        notice=notice,
        item=item,
        sale_form=SaleForm(formdata=None),
    )


# --- Coupon code pools -------------------------------------------------------------------------


def _render_pool(item: StoreItem, form: CodesForm, status: int = 200) -> ResponseReturnValue:
    status_filter = request.args.get("status", "unused")
    status_filter = status_filter if status_filter in pool.STATUSES else "unused"
    listing = pool.list_codes(item.id, status=status_filter, cursor=request.args.get("cursor"))
    context = {
        "item": item,
        "form": form,
        "counts": pool.count_codes(item.id),
        "listing": listing,
        "status": status_filter,
        "orders": pool.orders_of(listing.items) if status_filter == "used" else {},
        "remove_form": RemoveCodeForm(formdata=None),
        "more_url": url_for(
            "store.admin_pool", item_id=item.id, status=status_filter, cursor=listing.next_cursor
        ),
    }
    if is_htmx() and request.method == "GET":
        return render_template("store/_admin_codes.html", **context)
    return render_template("store/admin_pool.html", **context), status


@bp.route("/admin/store/<int:item_id>/codes", methods=["GET", "POST"])
@admin_only
def admin_pool(item_id: int) -> ResponseReturnValue:
    item = pool.get_coupon_item(item_id)
    form = CodesForm()
    if request.method == "GET":
        return _render_pool(item, CodesForm(formdata=None))
    if form.validate_on_submit():
        try:
            added = pool.add_codes(current_user, item.id, form.coupon_codes.data or "")
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            notice = _("%(n)d codes added to the pool.", n=added)
            return respond("admin/_saved.html", url_for("store.admin_pool", item_id=item.id), notice=notice)
    return _render_pool(item, form, 422)


@bp.post("/admin/store/<int:item_id>/codes/<int:code_id>/remove")
@admin_only
def admin_remove_code(item_id: int, code_id: int) -> ResponseReturnValue:
    item = pool.get_coupon_item(item_id)
    form = RemoveCodeForm()
    if not form.validate_on_submit():
        raise Invalid(fields={n: e[0] for n, e in form.errors.items() if e})
    code = pool.remove_code(current_user, item.id, code_id, reason=form.reason.data or "")
    return respond(
        "store/_admin_code_removed.html",
        url_for("store.admin_pool", item_id=item.id),
        notice=_("Code %(code)s removed.", code=code.code),
        code=code,
    )
