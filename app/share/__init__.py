"""Share links that earn points (分享得积分): personal `?ref=` links, share sheets, QR codes."""

from .views import bp

__all__ = ["bp"]
