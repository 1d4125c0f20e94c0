"""The redemption store: items, orders, coupons and the admin fulfilment seams."""

from . import console  # noqa: F401  (registers the console's store pages on bp)
from .views import bp

__all__ = ["bp"]
