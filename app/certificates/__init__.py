"""Certificates: public verification pages, baked PNGs and Open Badges 2.0 documents."""

from .views import bp

__all__ = ["bp"]
