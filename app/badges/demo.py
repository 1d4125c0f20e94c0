"""Demo badges and certificates (for `flask seed-demo`)."""

from __future__ import annotations

import io
from typing import Any

from app.core.db import use_case

from . import render, services

# (key, name, description, criteria, rule, threshold)
BADGES = [
    (
        "early",
        "早起达人",
        "每天 6 点前起床打卡，迎接每一个清晨。",
        "在「早起打卡」活动中连续 21 天早起。",
        "manual",
        0,
    ),
    (
        "reading",
        "读书打卡七日",
        "坚持七天读书打卡，养成阅读的好习惯。",
        "完成一期七日读书打卡活动。",
        "campaign_completed",
        1,
    ),
    ("star", "活跃之星", "本周最活跃的圈友，感谢你的热情分享！", "周榜前三名由运营团队颁发。", "manual", 0),
    ("writer", "优质创作者", "内容多次被圈主评为精华。", "累计 3 篇帖子被设为精华。", "featured_posts", 3),
    ("signin", "签到达人", "连续签到一个月，风雨无阻。", "连续签到 30 天。", "signin_streak", 30),
]

# (badge key, username, reason)
GRANTS = [
    ("early", "zhaoyue", "「21 天早起挑战」全勤完成"),
    ("early", "chenmo", "带领跑团完成 21 天晨跑"),
    ("early", "guoxiao", "「21 天早起挑战」全勤完成"),
    ("reading", "zhouyi", "完成《原则》七日共读"),
    ("reading", "heqing", "完成《原则》七日共读"),
    ("reading", "linxi", "完成《原则》七日共读"),
    ("star", "wangzhe", "11 月第 3 周活跃榜第一名"),
    ("star", "tangmin", "11 月第 3 周活跃榜第二名"),
]


def _medal_png(name: str) -> bytes:
    buffer = io.BytesIO()
    render.medal(name).save(buffer, format="PNG")
    return buffer.getvalue()


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    admin = users["admin"]
    badges = {}
    for key, name, description, criteria, rule, threshold in BADGES:
        badges[key] = services.define_badge(
            admin,
            name=name,
            description=description,
            criteria=criteria,
            rule=rule,
            threshold=threshold,
            image=io.BytesIO(_medal_png(name)),
            image_filename=f"{key}.png",
        )
    certificates = []
    for key, username, reason in GRANTS:
        grant = services.grant_badge(
            badges[key], users[username], actor=admin, reason=reason, certificate=True
        )
        certificates.append(grant.certificate)
    ctx["badges"] = badges
    ctx["certificates"] = certificates
