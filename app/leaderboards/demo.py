"""Demo titles (for `flask seed-demo`): close last week so its top 3 wear their titles."""

from __future__ import annotations

from typing import Any

from app.core.db import use_case

from . import services


@use_case
def seed(ctx: dict[str, Any]) -> None:
    ctx["titles"] = services.close_week()
