"""Demo sensitive words (for `flask seed-demo`): the spam phrases operators block first."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User

from .services import add_words

# Private-traffic spam and paid fake engagement, the usual first entries on such a list.
WORDS = ["加微信", "加我vx", "代刷", "刷单", "免费领取"]


def seed(ctx: dict[str, Any]) -> None:
    """The admin adds the list through the service, so the audit log shows it too."""
    admin: User | None = ctx.get("users", {}).get("admin")
    if admin is not None:
        add_words(admin, "\n".join(WORDS))
