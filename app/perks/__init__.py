"""Perks: birthday points (生日福利), paid by `flask perks daily` or lazily on a member's first visit."""

from .views import bp

__all__ = ["bp"]
