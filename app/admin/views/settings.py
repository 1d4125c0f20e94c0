"""Circles (owner, archive), tiers and earning rules, the audit log, site pages and settings,
the store list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.services import get_by_username
from app.circles import stewardship
from app.core import clock
from app.core.errors import Invalid
from app.core.forms import apply_errors, checkbox
from app.core.htmx import page_or_fragment, respond
from app.core.templating import current_lang
from app.points.rules import list_rules, rule_label
from app.points.tiers import list_tiers
from app.site import services as site
from app.store import catalog

from .. import services
from ..blueprint import bp
from ..forms import ArchiveForm, OwnerForm, PageForm, RuleForm, SiteSettingsForm, TierForm


def _form_errors(form: Any) -> Invalid:
    return Invalid(fields={name: errors[0] for name, errors in form.errors.items() if errors})


# --- Circles -------------------------------------------------------------------------------


@bp.route("/circles")
def circles() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip()[:64]
    page = stewardship.list_all_circles(query=query, cursor=request.args.get("cursor"))
    return page_or_fragment(
        "admin/circles.html",
        "admin/_circle_rows.html",
        listing=page,
        q=query,
        more_url=url_for("admin.circles", q=query or None, cursor=page.next_cursor),
    )


@bp.post("/circles/<int:circle_id>/owner")
def circle_owner(circle_id: int) -> ResponseReturnValue:
    circle = stewardship.get_circle_by_id_or_404(circle_id)
    form = OwnerForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    new_owner = get_by_username(form.username.data or "")
    if new_owner is None:
        raise Invalid(fields={"username": _("No member with this username.")})
    circle = stewardship.assign_owner(current_user, circle, new_owner, reason=form.reason.data or "")
    return respond(
        "admin/_circle_row.html",
        url_for("admin.circles"),
        notice=_("%(name)s now owns %(circle)s.", name=new_owner.name, circle=circle.name),
        circle=circle,
    )


@bp.post("/circles/<int:circle_id>/archive")
def circle_archive(circle_id: int) -> ResponseReturnValue:
    circle = stewardship.get_circle_by_id_or_404(circle_id)
    form = ArchiveForm()
    if not form.validate_on_submit():
        raise _form_errors(form)
    archived = form.action.data == "archive"
    circle = stewardship.set_archived(current_user, circle, archived, reason=form.reason.data or "")
    notice = (
        _("%(circle)s is archived.", circle=circle.name)
        if archived
        else _("%(circle)s is open again.", circle=circle.name)
    )
    return respond("admin/_circle_row.html", url_for("admin.circles"), notice=notice, circle=circle)


# --- Tiers and earning rules ---------------------------------------------------------------


def _render_tiers(forms: dict[Any, TierForm], status: int = 200) -> ResponseReturnValue:
    tiers = list_tiers()
    for tier in tiers:
        forms.setdefault(tier.id, TierForm(obj=tier, prefix=f"t{tier.id}"))
    forms.setdefault(None, TierForm(prefix="new"))
    return render_template("admin/tiers.html", tiers=tiers, forms=forms, lang=current_lang()), status


@bp.route("/tiers")
def tiers() -> ResponseReturnValue:
    return _render_tiers({})


@bp.post("/tiers")
@bp.post("/tiers/<int:tier_id>")
def save_tier(tier_id: int | None = None) -> ResponseReturnValue:
    form = TierForm(prefix=f"t{tier_id}" if tier_id else "new")
    if form.validate_on_submit():
        try:
            services.save_tier(
                current_user,
                tier_id,
                services.TierInput(
                    slug=form.slug.data or "",
                    name_zh=form.name_zh.data or "",
                    name_en=form.name_en.data or "",
                    threshold=form.threshold.data,
                    multiplier_pct=form.multiplier_pct.data,
                    birthday_points=form.birthday_points.data,
                    privileges_zh=form.privileges_zh.data or "",
                    privileges_en=form.privileges_en.data or "",
                    report_weight_pct=form.report_weight_pct.data,
                ),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return respond(
                "admin/_saved.html", url_for("admin.tiers"), notice=_("Tier saved; it applies from now on.")
            )
    return _render_tiers({tier_id: form}, 422)


def _render_rules(forms: dict[str, RuleForm], status: int = 200) -> ResponseReturnValue:
    rules = list_rules()
    for rule in rules:
        forms.setdefault(rule.key, RuleForm(obj=rule, prefix=rule.key))
    return render_template("admin/rules.html", rules=rules, forms=forms, rule_label=rule_label), status


@bp.route("/rules")
def rules() -> ResponseReturnValue:
    return _render_rules({})


@bp.post("/rules/<key>")
def save_rule(key: str) -> ResponseReturnValue:
    form = RuleForm(prefix=key)
    if form.validate_on_submit():
        try:
            services.save_rule(
                current_user,
                key,
                points=form.points.data,
                daily_cap=form.daily_cap.data,
                is_active=checkbox(request.form.get(f"{key}-is_active")),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return respond(
                "admin/_saved.html", url_for("admin.rules"), notice=_("Rule saved; it applies from now on.")
            )
    return _render_rules({key: form}, 422)


# --- Audit log -----------------------------------------------------------------------------


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.route("/audit")
def audit() -> ResponseReturnValue:
    filters = services.AuditFilter(
        actor=(request.args.get("actor") or "")[:32],
        action=(request.args.get("action") or "")[:64],
        circle=(request.args.get("circle") or "")[:40],
        since=_day("since"),
        until=_day("until"),
    )
    page = services.list_audit(current_user, filters, cursor=request.args.get("cursor"))
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return page_or_fragment(
        "admin/audit.html",
        "admin/_audit_rows.html",
        listing=page,
        filters=filters,
        people=services.audit_people(page.items),
        more_url=url_for("admin.audit", cursor=page.next_cursor, **args),
    )


# --- Site pages and the store list ---------------------------------------------------------


@bp.route("/pages/<slug>", methods=["GET", "POST"])
def edit_page(slug: str) -> ResponseReturnValue:
    page = site.get_page(slug)
    form = PageForm(body=page.body if page else "")
    if form.validate_on_submit():
        site.save_page(current_user, slug, form.body.data or "")
        return respond("admin/_saved.html", url_for("admin.edit_page", slug=slug), notice=_("Page saved."))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/page.html", form=form, slug=slug, page=page), status


def _settings_form() -> SiteSettingsForm:
    settings = site.get_settings()
    return SiteSettingsForm(data={"site_name": settings.site_name, "tagline": settings.tagline})


@bp.route("/settings", methods=["GET", "POST"])
def site_settings() -> ResponseReturnValue:
    form = SiteSettingsForm() if request.method == "POST" else _settings_form()
    if form.validate_on_submit():
        logo = form.logo.data if form.logo.data and getattr(form.logo.data, "filename", "") else None
        try:
            site.save_settings(
                current_user,
                site.SettingsInput(
                    site_name=form.site_name.data or "",
                    tagline=form.tagline.data or "",
                    logo=logo.stream if logo else None,
                    logo_filename=logo.filename if logo else None,
                    remove_logo=checkbox(request.form.get("remove_logo")),
                ),
            )
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            return respond(
                "admin/_saved.html", url_for("admin.site_settings"), notice=_("Site settings saved.")
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/settings.html", form=form, settings=site.get_settings(), pages=site.PAGE_SLUGS
    ), status


@bp.route("/store")
def store() -> ResponseReturnValue:
    page = catalog.list_all_items(cursor=request.args.get("cursor"))
    return page_or_fragment(
        "admin/store.html",
        "admin/_store_rows.html",
        listing=page,
        now=clock.now(),
        lang=current_lang(),
        more_url=url_for("admin.store", cursor=page.next_cursor),
    )
