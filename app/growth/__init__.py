"""Growth loops: KOC host applications and personal invites."""

from .views import bp

__all__ = ["bp"]
