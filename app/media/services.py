"""Who may fetch an uploaded file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.db import db
from app.core.errors import NotFound
from app.core.permissions import can, policy, require
from app.core.uploads import Upload


@policy("upload.view", hide=True)
def _can_view_upload(actor: Any, upload: Upload) -> bool:
    # A circle's files follow the circle's privacy (the circles feature owns that rule).
    if upload.circle_id is None:
        return True
    return can(actor, "circle.view_content", upload.circle_id)


def get_viewable_upload(actor: Any, key: str, variant: str) -> Upload:
    upload = db.session.scalar(select(Upload).where(Upload.key == key))
    if upload is None or variant not in upload.variants:
        raise NotFound()
    require(actor, "upload.view", upload)
    return upload
