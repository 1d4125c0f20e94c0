"""Personal data: export ZIPs built in the background, and account deletion."""

from .views import bp

__all__ = ["bp"]
