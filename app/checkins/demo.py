"""Demo campaigns (for `flask seed-demo`): a running 早安打卡 week and a finished 读书笔记 one."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import Any

from PIL import Image, ImageDraw

from app.circles import services as circles
from app.core import clock
from app.core.db import use_case

from . import services

MORNING = [
    "6:10 起床，喝了一杯温水，拉伸 10 分钟，状态不错！",
    "今天跑了 5 公里，配速 6 分 20，比上周快了一点点 🏃",
    "早起读了 20 页《原则》，边读边做笔记。",
    "雨天没出门，在家做了一组瑜伽，也算动起来了。",
    "闹钟响了第一遍就起来了，给自己点个赞！",
    "早餐：燕麦 + 鸡蛋 + 一根香蕉，元气满满。",
    "和楼下的猫打了个招呼，然后出门晨跑。",
]
NOTES = [
    "读完第一章：先把目标写下来，再拆成每天能做的小事。",
    "今天的收获：痛苦 + 反思 = 进步。",
    "做了一页思维导图，把书里的五步流程串起来了。",
    "读到「极度透明」这一节，想起了我们团队的周会。",
    "摘抄：最大的错误是不肯面对自己的错误。",
    "今天只读了 10 页，但认真想了每一段。",
    "全书读完！最大的体会是：把原则写下来，才会真正执行。",
]


def _photo(seed: int) -> bytes:
    """A soft sunrise picture, different for every seed."""
    image = Image.new("RGB", (640, 480), (255, 236 - seed * 6 % 40, 210))
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 200 + seed * 7 % 60, 420, 400), fill=(255, 160, 70))
    draw.rectangle((0, 360, 640, 480), fill=(120, 190 - seed * 5 % 50, 150))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _at(day: Any, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.site_tz())


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users, all_circles = ctx["users"], ctx["circles"]
    today = clock.today()
    run_circle = all_circles["morning-run"]
    # More members warm the morning campaign up.
    for username in ("liukun", "zhouyi", "heqing", "tangmin"):
        circles.join_circle(users[username], run_circle)

    start = today - timedelta(days=4)
    with clock.freeze(_at(start, 6, 0)):
        morning = services.create_campaign(
            users["chenmo"],
            run_circle,
            services.CampaignDraft(
                title="早安打卡",
                prompt="每天早上说说你几点起床、做了什么，配一张清晨的照片更好。",
                start_date=start,
                days=7,
                makeup_cards=1,
                min_length=5,
            ),
        )
    # (username, days checked in counted from the start, with a photo on even days)
    regulars = {
        "zhaoyue": [0, 1, 2, 3, 4],
        "guoxiao": [0, 1, 2, 3],
        "wangzhe": [0, 2, 3, 4],
        "fangyu": [1, 2, 4],
        "liukun": [0, 1, 3, 4],
        "zhouyi": [2, 3],
        "heqing": [0, 1, 2, 3, 4],
        "chenmo": [0, 1, 2, 3, 4],
    }
    made: list[Any] = []
    for offset in range(5):
        day = start + timedelta(days=offset)
        for i, (username, days) in enumerate(regulars.items()):
            if offset not in days or (offset == 4 and username == "fangyu"):
                continue
            with clock.freeze(_at(day, 6 + i % 3, 5 + i * 6)):
                photo = _photo(offset * 10 + i) if (offset + i) % 2 == 0 else None
                result = services.record_checkin(
                    users[username],
                    morning,
                    body=MORNING[(offset + i) % len(MORNING)],
                    image=io.BytesIO(photo) if photo else None,
                    image_filename="morning.jpg" if photo else None,
                )
                made.append(result.checkin)
    circle_host = users["chenmo"]
    with clock.freeze(_at(today, 9, 0)):
        for checkin in made[1::5]:
            services.set_recommended(circle_host, run_circle, checkin, True)
        for checkin, text in zip(
            made[2::6], ["坚持得真好，继续保持！", "照片好有氛围感 👍", "配速进步明显！"], strict=False
        ):
            services.review_checkin(circle_host, run_circle, checkin, body=text)
        for i, checkin in enumerate(made):
            for liker in list(regulars)[: (i % 4) + 1]:
                if users[liker].id != checkin.user_id:
                    services.set_checkin_like(users[liker], run_circle, checkin, True)
        cheers = ["早起的人运气不会差！", "一起加油 💪", "明天我也六点起", "这条路线看着好舒服"]
        for i, checkin in enumerate(made[::3]):
            commenter = list(regulars)[(i + 1) % len(regulars)]
            if users[commenter].id != checkin.user_id:
                services.comment_on_checkin(
                    users[commenter], run_circle, checkin, body=cheers[i % len(cheers)]
                )

    reading = all_circles["reading"]
    badge = ctx.get("badges", {}).get("reading")
    finished = today - timedelta(days=20)
    with clock.freeze(_at(finished, 8, 0)):
        notes = services.create_campaign(
            users["linxi"],
            reading,
            services.CampaignDraft(
                title="读书笔记",
                prompt="每天读一点《原则》，写下一句收获。",
                start_date=finished,
                days=7,
                completion_points=80,
                badge_id=badge.id if badge is not None else None,
            ),
        )
    finishers = {"zhaoyue": 7, "wangzhe": 7, "liukun": 7, "fangyu": 5, "tangmin": 3}
    for offset in range(7):
        day = finished + timedelta(days=offset)
        for i, (username, length) in enumerate(finishers.items()):
            if offset >= length:
                continue
            with clock.freeze(_at(day, 21, 10 + i * 7)):
                services.record_checkin(users[username], notes, body=NOTES[(offset + i) % len(NOTES)])
    ctx["campaigns"] = {"morning": morning, "notes": notes}
