"""The site shell: home, health check, language, policy pages."""

from .views import bp

__all__ = ["bp"]
