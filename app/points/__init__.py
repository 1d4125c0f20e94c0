"""Points: ledger, earning rules, tiers, daily sign-in and the task centre."""

from .views import bp

__all__ = ["bp"]
