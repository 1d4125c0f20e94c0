"""Certificate pages and Open Badges 2.0 documents (hosted verification).

GET /certificates/<code>        public verification page (valid / revoked), Open Graph tags
GET /certificates/<code>.png    the certificate, baked with its assertion
GET /certificates/<code>.json   the Assertion (410 {"revoked": true, ...} once revoked)
GET /badges/<id>/badgeclass.json, GET /issuer.json
POST /certificates/<code>/share, POST /admin/certificates/<code>/revoke
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, make_response, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.badges import certificates, openbadges, render, rules
from app.badges import services as badges
from app.badges.forms import RevokeForm, ShareForm
from app.badges.models import Certificate
from app.core.errors import Invalid
from app.core.forms import apply_errors
from app.core.htmx import respond
from app.site import services as site

bp = Blueprint("certificates", __name__)

HOUR = 60 * 60
# Opened on its own, a picture becomes a browser-made image document that styles itself
# inline; nothing else may load or run there.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _document(body: dict[str, Any], status: int = 200, max_age: int = 300) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    # Verifiers and wallets fetch these from other origins.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _site_name() -> str:
    with force_locale("zh"):
        return site.site_name()


def _page(
    certificate: Certificate,
    *,
    revoke_form: RevokeForm | None = None,
    share_form: ShareForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    award = certificate.award
    context = {
        "certificate": certificate,
        "award": award,
        "badge": award.badge,
        "holder": award.user,
        "is_holder": current_user.is_authenticated and current_user.id == award.user_id,
        "revoke_form": revoke_form or RevokeForm(),
        "share_form": share_form or ShareForm(),
        "my_circles": rules.circles().of_member(current_user.id) if current_user.is_authenticated else [],
        "png_url": openbadges.absolute("certificates.image", code=certificate.code),
        "page_url": openbadges.verify_url(certificate),
    }
    return render_template("certificates/show.html", **context), status


@bp.route("/certificates/<code>")
def show(code: str) -> ResponseReturnValue:
    return _page(certificates.get_certificate(code))


@bp.route("/certificates/<code>.png")
def image(code: str) -> ResponseReturnValue:
    certificate = certificates.get_certificate(code)
    png = render.certificate_png(
        certificate,
        openbadges.assertion_document(certificate),
        openbadges.verify_url(certificate),
        _site_name(),
    )
    response = make_response(png)
    response.mimetype = "image/png"
    # Short-lived: a revocation must reach shared caches soon.
    response.headers["Cache-Control"] = f"public, max-age={HOUR}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    return response


@bp.route("/certificates/<code>.json")
def assertion(code: str) -> ResponseReturnValue:
    certificate = certificates.get_certificate(code)
    if certificate.is_revoked:
        return _document(openbadges.revoked_document(certificate), status=410, max_age=60)
    return _document(openbadges.assertion_document(certificate), max_age=60)


@bp.route("/badges/<int:badge_id>/badgeclass.json")
def badgeclass(badge_id: int) -> ResponseReturnValue:
    return _document(openbadges.badgeclass_document(badges.get_badge(badge_id)))


@bp.route("/issuer.json")
def issuer() -> ResponseReturnValue:
    return _document(openbadges.issuer_document(), max_age=HOUR)


@bp.post("/certificates/<code>/share")
@login_required
def share(code: str) -> ResponseReturnValue:
    form = ShareForm()
    try:
        certificate = certificates.share_certificate(current_user, code, circle_slug=form.circle.data or "")
    except Invalid as exc:
        apply_errors(form, exc)
        return _page(certificates.get_certificate(code), share_form=form, status=422)
    return respond(
        "certificates/_share.html",
        url_for("certificates.show", code=code),
        notice=_("Shared! Your certificate is on its way to the circle."),
        certificate=certificate,
        share_form=ShareForm(formdata=None),
        shared=True,
        my_circles=rules.circles().of_member(current_user.id),
    )


@bp.post("/admin/certificates/<code>/revoke")
@login_required
def revoke(code: str) -> ResponseReturnValue:
    form = RevokeForm()
    try:
        certificate = certificates.revoke_certificate(current_user, code, reason=form.reason.data or "")
    except Invalid as exc:
        apply_errors(form, exc)
        return _page(certificates.get_certificate(code), revoke_form=form, status=422)
    return respond(
        "certificates/_status.html",
        url_for("certificates.show", code=code),
        notice=_("The certificate is revoked."),
        certificate=certificate,
    )
