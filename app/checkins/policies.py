"""Who may create campaigns, see them, check in and moderate check-ins (circle rules reused)."""

from __future__ import annotations

from typing import Any

from app.core.permissions import can, is_signed_in, policy


@policy("campaign.create")
def _can_create(actor: Any, circle: Any) -> bool:
    """Owners and co-hosts of the circle (and admins)."""
    return can(actor, "circle.moderate", circle)


@policy("campaign.view", hide=True)
def _can_view(actor: Any, circle: Any) -> bool:
    """Whoever may read the circle's content: private circles answer 404 to outsiders."""
    return can(actor, "circle.view_content", circle)


@policy("checkin.create")
def _can_check_in(actor: Any, circle: Any) -> bool:
    """Active members of the circle."""
    return can(actor, "circle.participate", circle)


@policy("checkin.moderate")
def _can_moderate(actor: Any, circle: Any) -> bool:
    """Recommend (推荐) and review (点评): the circle's hosts."""
    return can(actor, "circle.moderate", circle)


@policy("checkin.like")
def _can_like(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


@policy("checkin.comment")
def _can_comment(actor: Any, circle: Any) -> bool:
    """Members who may take part in the circle (muted ones are refused by the service)."""
    return can(actor, "circle.participate", circle)
