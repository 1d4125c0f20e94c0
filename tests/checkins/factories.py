"""Campaign factories through the services, with the clock pinned in the site zone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.checkins import services
from app.core import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def make_campaign(host: Any, circle: Any, start: date, **kwargs: Any) -> Any:
    kwargs.setdefault("title", "早安打卡")
    with clock.freeze(at(start, 0, 1)):
        return services.create_campaign(host, circle, services.CampaignDraft(start_date=start, **kwargs))


def check_in(
    user: Any, campaign: Any, when: datetime, body: str = "今天六点起床，跑了五公里", **kwargs: Any
) -> Any:
    with clock.freeze(when):
        return services.record_checkin(user, campaign, body=body, **kwargs)
