"""Demo members with Chinese names and generated avatars (for `flask seed-demo`)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from PIL import Image, ImageDraw

from app.core.db import use_case

from . import services
from .models import User

DEMO_PASSWORD = "quanzi-demo-2026"

# (username, display name, role, bio)
PEOPLE = [
    ("admin", "运营小圈", "admin", "圈子运营团队，有问题随时找我。"),
    ("linxi", "林夕", "host", "读书博主，带大家每周读完一本书。"),
    ("chenmo", "陈默", "host", "跑步教练，早起跑步第 6 年。"),
    ("sutang", "苏棠", "host", "烘焙爱好者，分享零失败配方。"),
    ("zhaoyue", "赵玥", "member", "上班族，正在养成早起习惯。"),
    ("wangzhe", "王喆", "member", "程序员，喜欢周末徒步。"),
    ("liukun", "刘堃", "member", "新手妈妈，喜欢记录生活。"),
    ("zhouyi", "周一", "member", "大学生，准备考研。"),
    ("heqing", "何青", "member", "设计师，热爱手账。"),
    ("guoxiao", "郭晓", "member", "健身三个月，体重 -8kg。"),
    ("tangmin", "唐敏", "member", "宠物医生，家有两只猫。"),
    ("fangyu", "方宇", "member", "摄影爱好者。"),
]


def avatar_png(seed: str) -> bytes:
    """A soft two-tone avatar, different for every seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    base = (digest[0] % 120 + 100, digest[1] % 120 + 100, digest[2] % 120 + 100)
    accent = (255 - base[0] // 2, 255 - base[1] // 3, 255 - base[2] // 2)
    image = Image.new("RGB", (256, 256), base)
    draw = ImageDraw.Draw(image)
    draw.ellipse((72, 40, 184, 152), fill=accent)
    draw.ellipse((32, 150, 224, 340), fill=accent)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users: dict[str, User] = {}
    for username, display_name, role, bio in PEOPLE:
        user = services.register(
            username=username,
            email=f"{username}@demo.example.com",
            password=DEMO_PASSWORD,
            role=role,
            display_name=display_name,
        )
        services.update_profile(
            user,
            display_name=display_name,
            bio=bio,
            avatar=io.BytesIO(avatar_png(username)),
            avatar_filename="avatar.png",
        )
        users[username] = user
    ctx["users"] = users
    ctx["password"] = DEMO_PASSWORD
