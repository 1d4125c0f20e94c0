"""Serving uploaded files, with the privacy of the circle they belong to."""

from .views import bp

__all__ = ["bp"]
