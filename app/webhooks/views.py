"""Admin pages for webhooks: endpoints, the delivery log, enable/disable, delete, redeliver."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import created, page_or_fragment, respond

from . import services
from .forms import EndpointForm

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def _form() -> EndpointForm:
    form = EndpointForm()
    form.events.choices = [(name, str(services.EVENT_LABELS[name])) for name in services.EVENTS]
    return form


def _before() -> int | None:
    value = request.args.get("before", "")
    return int(value) if value.isdigit() else None


def _index_page(form: EndpointForm, status: int = 200) -> ResponseReturnValue:
    deliveries, next_before = services.list_deliveries(current_user, before_id=_before())
    context: dict[str, Any] = {
        "form": form,
        "endpoints": services.list_endpoints(current_user),
        "deliveries": deliveries,
        "next_before": next_before,
        "counts": services.count_by_status(current_user),
        "log_url": url_for("webhooks.index"),
        "show_endpoint": True,
    }
    return page_or_fragment("webhooks/index.html", "webhooks/_deliveries.html", status=status, **context)


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    form = _form()
    if request.method == "POST" and form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(
                current_user,
                url=form.url.data or "",
                secret=form.secret.data or "",
                events=list(form.events.data or []),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return created(
                url_for("webhooks.endpoint", endpoint_id=endpoint.id),
                notice=_("Endpoint added. Deliveries start with the next event."),
            )
    return _index_page(form, 422 if request.method == "POST" else 200)


@bp.route("/<int:endpoint_id>")
@login_required
def endpoint(endpoint_id: int) -> ResponseReturnValue:
    hook = services.get_endpoint(current_user, endpoint_id)
    deliveries, next_before = services.list_deliveries(current_user, endpoint_id=hook.id, before_id=_before())
    return page_or_fragment(
        "webhooks/endpoint.html",
        "webhooks/_deliveries.html",
        endpoint=hook,
        deliveries=deliveries,
        next_before=next_before,
        counts=services.count_by_status(current_user, hook.id),
        labels=services.EVENT_LABELS,
        log_url=url_for("webhooks.endpoint", endpoint_id=hook.id),
        show_endpoint=False,
    )


@bp.post("/<int:endpoint_id>/state")
@login_required
def set_state(endpoint_id: int) -> ResponseReturnValue:
    active = request.form.get("state") == "on"
    hook = services.set_endpoint_active(current_user, endpoint_id, active)
    notice = _("Endpoint enabled.") if active else _("Endpoint paused. Nothing is sent until you enable it.")
    return respond(
        "webhooks/_endpoint_state.html",
        url_for("webhooks.endpoint", endpoint_id=hook.id),
        notice=notice,
        endpoint=hook,
    )


@bp.post("/<int:endpoint_id>/delete")
@login_required
def delete(endpoint_id: int) -> ResponseReturnValue:
    services.delete_endpoint(current_user, endpoint_id)
    flash(_("Endpoint deleted."), "success")
    return redirect(url_for("webhooks.index"), code=303)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@login_required
def redeliver(delivery_id: int) -> ResponseReturnValue:
    row = services.redeliver(current_user, delivery_id)
    return respond(
        "webhooks/_delivery.html",
        url_for("webhooks.endpoint", endpoint_id=row.endpoint_id),
        notice=_("Queued again; the worker sends it within moments."),
        delivery=row,
        show_endpoint=request.form.get("show_endpoint") == "y",
    )
