"""The site clock: "now", the site time zone, and what a day and a week are.

Tests move time with `freeze(...)`; nothing else in the app calls `datetime.now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"

_now_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _now_source is not None:
        return _now_source().astimezone(UTC)
    return datetime.now(UTC)


@contextmanager
def freeze(instant: datetime) -> Iterator[None]:
    """Pin `now()` to `instant` (aware) while the block runs."""
    global _now_source
    if instant.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    previous = _now_source
    _now_source = lambda: instant  # noqa: E731
    try:
        yield
    finally:
        _now_source = previous


def site_tz() -> ZoneInfo:
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("QUANZI_TIMEZONE") or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def local(instant: datetime) -> datetime:
    """`instant` in the site time zone."""
    return instant.astimezone(site_tz())


def today() -> date:
    """Today's calendar date in the site time zone."""
    return local(now()).date()


def day_of(instant: datetime) -> date:
    return local(instant).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which `day` starts in the site time zone."""
    return datetime.combine(day, time.min, tzinfo=site_tz()).astimezone(UTC)


def week_start(day: date) -> date:
    """Monday of the week containing `day` (weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def periods_of(day: date) -> tuple[tuple[str, date], tuple[str, date]]:
    """The week and the month `day` falls in, as (period, first day): the rollups' keys."""
    return ("week", week_start(day)), ("month", month_start(day))
