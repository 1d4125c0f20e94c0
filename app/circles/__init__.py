"""Circles: discover, create, membership, roles and member moderation."""

from .views import bp

__all__ = ["bp"]
