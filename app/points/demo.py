"""Demo points (for `flask seed-demo`): four weeks of believable earning and sign-in streaks.

Everything goes through the real services (`sign_in`, `award_points`) with the clock frozen
on past days, so ledger rows, daily caps, the `points_daily` rollup, streak bonuses, tier
multipliers and tier-ups are exactly what the live app would have produced: `points audit`
passes afterwards. Members end up spread over all three tiers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.core import clock
from app.core.db import use_case

from .ledger import award_points
from .signin import sign_in

HISTORY_DAYS = 28


@dataclass(frozen=True)
class Habit:
    """How active a member has been: chances per day and how much at most."""

    signin: float  # chance of signing in on a given day (streaks grow from it)
    posts: int  # posts on an active day, at most
    comments: int
    likes: int  # likes received on an active day, at most
    checkin: float  # chance of a campaign check-in
    featured: int  # posts featured over the whole history
    invites: int  # friends who checked in for the first time
    campaigns: int  # check-in campaigns completed (one a week at most)
    active: float = 0.8  # chance that a day has any posting at all
    checkin_points: int = 10  # what the member's campaigns pay per check-in
    campaign_points: int = 50  # ...and on completion
    today: bool = False  # already signed in today


# Hosts reach 尊享 (5000), regulars 高级 (1000), newer members stay 普通会员. Kept to a few
# hundred ledger rows in all: every award is a real use case, and the demo seeds in seconds.
HABITS: dict[str, Habit] = {
    "linxi": Habit(1.0, 2, 1, 2, 1.0, 20, 16, 4, 0.9, 20, 200, today=True),
    "chenmo": Habit(1.0, 2, 1, 2, 1.0, 20, 18, 4, 0.85, 20, 200, today=True),
    "sutang": Habit(0.95, 1, 1, 2, 0.8, 8, 4, 3, 0.7, 15, 100),
    "heqing": Habit(0.95, 1, 1, 1, 0.85, 5, 3, 3, 0.6, 15, 100, today=True),
    "zhaoyue": Habit(0.9, 1, 1, 1, 0.9, 4, 2, 3, 0.5, 15, 100),
    "guoxiao": Habit(0.85, 1, 1, 1, 0.8, 3, 1, 3, 0.5, 15, 100),
    "wangzhe": Habit(0.6, 1, 1, 1, 0.4, 1, 0, 0, 0.3),
    "tangmin": Habit(0.5, 1, 1, 1, 0.3, 0, 0, 0, 0.3),
    "fangyu": Habit(0.45, 1, 1, 1, 0.2, 1, 0, 0, 0.25),
    "zhouyi": Habit(0.7, 1, 1, 1, 0.5, 0, 0, 0, 0.2),
    "liukun": Habit(0.4, 1, 1, 1, 0.2, 0, 0, 0, 0.2),
}

# What each member writes about (post titles double as the ledger's reasons).
TOPICS: dict[str, list[str]] = {
    "linxi": [
        "一周读完《被讨厌的勇气》：我划下的 5 句话",
        "读书会第 12 期书单公布",
        "如何在通勤路上读完一本书",
        "《置身事内》读书笔记（上）",
        "《置身事内》读书笔记（下）",
        "给新人的三本入门书",
        "本周共读：《人类简史》第 3 章",
    ],
    "chenmo": [
        "晨跑第 30 天：配速终于进 6 了",
        "新手跑步最容易犯的 3 个错误",
        "跑前热身 10 分钟跟练",
        "周末 LSD 长距离路线分享",
        "跑鞋怎么选？一篇讲清楚",
        "膝盖不舒服时该怎么调整",
    ],
    "sutang": [
        "零失败戚风蛋糕配方",
        "空气炸锅版蛋挞，15 分钟出炉",
        "烘焙新手必备的 6 件工具",
        "周末做了一炉全麦面包",
        "奶油打发失败的原因都在这",
    ],
    "heqing": ["我的 11 月手账排版", "手账胶带收纳小技巧", "用一页纸规划一周", "新买的钢笔墨水试色"],
    "zhaoyue": ["早起第 21 天，我的变化", "早起后的一小时我都做什么", "分享一个超好用的番茄钟 App"],
    "guoxiao": ["健身三个月对比照", "减脂期的一日三餐", "居家无器械训练 20 分钟"],
    "wangzhe": ["周末徒步：十里画廊路线", "程序员如何保护颈椎", "徒步装备清单"],
    "tangmin": ["猫咪换季掉毛怎么办", "给新手铲屎官的建议"],
    "fangyu": ["手机拍出好看的秋天", "胶片模拟参数分享"],
    "zhouyi": ["考研数学复习计划", "图书馆占座日记"],
    "liukun": ["宝宝的第一次爬行", "新手妈妈的碎片时间"],
}

CAMPAIGNS = ["「21 天早起挑战」", "「一周读完一本书」", "「7 天跑步打卡」", "「周末烘焙打卡」"]
CHECKIN_PROMPTS = ["早安打卡", "读书笔记", "跑步打卡", "今日份练习"]
FRIENDS = ["小周", "阿杰", "Momo", "小鹿", "豆豆", "老陈", "安安", "Kiki", "大雄", "橙子", "小满", "七七"]


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.site_tz())


class _Day:
    """Awards on one past day, each at its own minute so the history reads like a real day."""

    def __init__(self, user: Any, day: date) -> None:
        self.user, self.day, self.minute, self.count = user, day, 7 * 60 + 30, 0

    def award(self, rule: str, reason: str, *, points: int | None = None, step: int = 37) -> None:
        self.minute = min(self.minute + step, 23 * 60 + 50)
        self.count += 1
        key = f"demo:{rule}:{self.user.id}:{self.day.isoformat()}:{self.count}"
        with clock.freeze(_at(self.day, self.minute // 60, self.minute % 60)):
            award_points(
                self.user.id, rule=rule, idempotency_key=key, points=points, reference=key, reason=reason
            )


def _spread(rng: random.Random, total: int, days: list[date]) -> set[date]:
    return set(rng.sample(days, min(total, len(days))))


def _history(user: Any, habit: Habit, days: list[date]) -> None:
    rng = random.Random(f"quanzi-demo-{user.username}")
    titles = TOPICS.get(user.username, ["今天的小记录"])
    featured_days = _spread(rng, habit.featured, days)
    invite_days = _spread(rng, habit.invites, days[3:])
    campaign_days = {days[i] for i in range(6, len(days), 7)[: habit.campaigns]}
    friends = iter(rng.sample(FRIENDS, len(FRIENDS)))
    for index, day in enumerate(days):
        if rng.random() < habit.signin:
            with clock.freeze(_at(day, 7, rng.randrange(0, 30))):
                sign_in(user)
        today = _Day(user, day)
        if rng.random() < habit.checkin:
            prompt = CHECKIN_PROMPTS[index % len(CHECKIN_PROMPTS)]
            today.award("checkin", f"{prompt} · 第 {index % 7 + 1} 天", points=habit.checkin_points)
        if rng.random() < habit.active:
            written = [titles[(index + n) % len(titles)] for n in range(rng.randint(1, habit.posts))]
            for title in written:
                today.award("post", f"《{title}》")
            for _ in range(rng.randint(0, habit.comments)):
                today.award("comment", f"评论了《{rng.choice(TOPICS[rng.choice(list(TOPICS))])}》", step=11)
            for _ in range(rng.randint(0, habit.likes)):
                today.award("like", f"《{rng.choice(written)}》", step=5)
            if day in featured_days:
                today.award("featured", f"《{written[0]}》被设为精华")
        if day in invite_days:
            today.award("invite", f"好友「{next(friends, '新朋友')}」完成了首次打卡", points=None)
        if day in campaign_days:
            today.award(
                "campaign",
                f"完成打卡活动{CAMPAIGNS[index // 7 % len(CAMPAIGNS)]}",
                points=habit.campaign_points,
            )


@use_case
def seed(ctx: dict[str, Any]) -> None:
    """Give the demo members weeks of points history, streaks, and tiers from 普通 to 尊享."""
    users = ctx["users"]
    first = clock.today() - timedelta(days=HISTORY_DAYS)
    days = [first + timedelta(days=n) for n in range(HISTORY_DAYS)]
    for username, habit in HABITS.items():
        user = users.get(username)
        if user is None:
            continue
        _history(user, habit, days)
        if habit.today:
            sign_in(user)
