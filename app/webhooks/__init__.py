"""Webhooks: signed outbound deliveries of domain events to endpoints admins register."""

from .views import bp

__all__ = ["bp"]
