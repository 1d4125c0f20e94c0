"""Admin console views, by area; importing them registers their routes on `admin.bp`."""

from . import dashboard, people, segments, settings, words

__all__ = ["dashboard", "people", "segments", "settings", "words"]
