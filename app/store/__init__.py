"""The redemption store: items, orders, coupons and the admin fulfilment seams."""

from .views import bp

__all__ = ["bp"]
