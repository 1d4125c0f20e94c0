"""Demo KOC applications (for `flask seed-demo`): one waiting for review, one declined."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core import clock
from app.core.db import use_case

from . import services

PENDING = services.ApplicationInput(
    real_name="周怡",
    city="南京",
    talents="考研数学 140 分，擅长做复习计划和错题整理，也喜欢带大家一起自习打卡。",
    social_accounts="小红书 @周一考研日记（3.2 万粉）\nB 站 @一起自习吧",
    follower_count=38000,
    reason="想开一个「考研自习室」圈子，每天早上带大家打卡学习，分享资料和复习节奏，让备考不再孤单。",
)
DECLINED = services.ApplicationInput(
    real_name="方宇",
    city="杭州",
    talents="手机摄影、胶片调色",
    social_accounts="",
    follower_count=120,
    reason="想分享一些拍照技巧。",
)


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    with clock.freeze(clock.now() - timedelta(days=6)):
        declined = services.submit_application(users["fangyu"], DECLINED)
    with clock.freeze(clock.now() - timedelta(days=4)):
        services.review_application(
            users["admin"],
            declined.id,
            action="reject",
            reason="目前摄影圈已有圈主，欢迎先在「城市摄影」圈多分享作品，积累一些内容后再来申请～",
        )
    with clock.freeze(clock.now() - timedelta(hours=20)):
        services.submit_application(users["zhouyi"], PENDING)
