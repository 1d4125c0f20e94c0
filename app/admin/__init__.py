"""Admin console: dashboard, members, applications, circles, tiers and rules, audit, exports."""

from . import views  # noqa: F401  (registers the console's routes on bp)
from .blueprint import bp

__all__ = ["bp"]
