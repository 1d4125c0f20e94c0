"""Accounts: registration, login, profiles, roles."""

from .views import bp

__all__ = ["bp"]
