"""GET /media/<key>/<variant>: uploaded images inline, attachments as downloads."""

from __future__ import annotations

from flask import Blueprint, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.circles import services as circles
from app.core.errors import NotFound

from . import services

bp = Blueprint("media", __name__)

YEAR = 60 * 60 * 24 * 365


@bp.route("/media/<key>/<variant>")
def serve(key: str, variant: str) -> ResponseReturnValue:
    upload = services.get_viewable_upload(current_user, key, variant)
    path = upload.path(variant)
    if not path.is_file():
        raise NotFound()
    if upload.is_image:
        response = send_file(path, mimetype=upload.content_type, max_age=YEAR, conditional=True)
    else:
        response = send_file(
            path,
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name=upload.original_name,
            max_age=YEAR,
            conditional=True,
        )
    # Files are immutable (a new upload gets a new key); private circles' files never sit in
    # shared caches.
    shared = upload.circle_id is None or circles.is_public(upload.circle_id)
    visibility = "public" if shared else "private"
    response.headers["Cache-Control"] = f"{visibility}, max-age={YEAR}, immutable"
    return response
