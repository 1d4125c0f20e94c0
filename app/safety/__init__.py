"""Safety: members blocking members, and the admins' sensitive-word list (敏感词)."""

from .views import bp

__all__ = ["bp"]
