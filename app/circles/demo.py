"""Demo circles: public and private, open and by approval (for `flask seed-demo`)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from app.core.db import use_case

from . import services

# (slug, owner, name, description, visibility, join_policy, require_approval, colours)
CIRCLES = [
    (
        "reading",
        "linxi",
        "每周共读",
        "每周读完一本书，周日晚上一起聊读后感。新人请先看置顶的共读指南～",
        "public",
        "open",
        False,
        ((15, 157, 118), (230, 246, 241)),
    ),
    (
        "morning-run",
        "chenmo",
        "早起跑步团",
        "6 点起床，5 公里慢跑。跑完来打卡，互相监督不掉队。",
        "public",
        "open",
        True,
        ((255, 138, 61), (255, 241, 230)),
    ),
    (
        "baking",
        "sutang",
        "零失败烘焙",
        "新手友好的烘焙配方和失败复盘，配方资料都在「资料」里。",
        "public",
        "approval",
        False,
        ((196, 120, 60), (255, 246, 214)),
    ),
    (
        "koc-lounge",
        "linxi",
        "达人休息室",
        "圈主和嘉宾的内部交流圈：运营经验、活动排期、素材共享。",
        "private",
        "approval",
        False,
        ((91, 108, 255), (234, 243, 255)),
    ),
]

MEMBERS = {
    "reading": ["zhaoyue", "wangzhe", "liukun", "zhouyi", "heqing", "fangyu", "tangmin"],
    "morning-run": ["zhaoyue", "guoxiao", "wangzhe", "fangyu"],
    "baking": ["liukun", "heqing", "tangmin"],
    "koc-lounge": ["chenmo", "sutang"],
}
COHOSTS = {"reading": "zhaoyue", "koc-lounge": "chenmo"}
# Join requests waiting in the hosts' queue.
REQUESTS = {"baking": ["zhouyi", "guoxiao"], "koc-lounge": ["heqing"]}


def cover_png(dark: tuple[int, int, int], light: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (720, 720), light)
    draw = ImageDraw.Draw(image)
    draw.ellipse((-120, 380, 480, 980), fill=dark)
    draw.ellipse((380, -160, 860, 320), fill=dark)
    draw.rounded_rectangle((240, 240, 480, 480), radius=60, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    circles: dict[str, Any] = {}
    for slug, owner, name, description, visibility, policy, approval, colours in CIRCLES:
        circle = services.create_circle(
            users[owner],
            name=name,
            slug=slug,
            description=description,
            visibility=visibility,
            join_policy=policy,
            require_approval=approval,
            cover=io.BytesIO(cover_png(*colours)),
            cover_filename="cover.png",
        )
        circles[slug] = circle
        for username in MEMBERS.get(slug, []):
            services.join_circle(users[username], circle)
            if policy == "approval":
                services.moderate_member(users[owner], circle, users[username], "approve")
        if slug in COHOSTS:
            services.moderate_member(users[owner], circle, users[COHOSTS[slug]], "cohost")
        for username in REQUESTS.get(slug, []):
            services.join_circle(users[username], circle)
    ctx["circles"] = circles
