"""Full-text search over posts and comments (Whoosh embedded, PostgreSQL full-text at scale)."""

from .views import bp

__all__ = ["bp"]
