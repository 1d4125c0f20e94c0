"""Admin console views, by area; importing them registers their routes on `admin.bp`."""

from . import dashboard, people, settings, words

__all__ = ["dashboard", "people", "settings", "words"]
