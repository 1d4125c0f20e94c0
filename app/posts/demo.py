"""Demo posts, materials, comments, likes, a report and a review queue (for `flask seed-demo`)."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw

from app.core import clock
from app.core.db import use_case

from . import services

GUIDE = """欢迎来到**每周共读**！📚

1. 每周一公布本周书目，周日晚 8 点线上聊读后感；
2. 读书笔记请带上话题 #读书笔记，方便大家检索；
3. 好的笔记会被圈主设为精华，还有积分奖励。

有问题直接在评论区 @林夕 就好～"""

READING_POSTS = [
    (
        "zhaoyue",
        "",
        "今天读完了《被讨厌的勇气》第三夜，“课题分离”这个概念太受用了：别人怎么看我，是别人的课题。",
        "读书笔记 心理学",
        1,
    ),
    (
        "wangzhe",
        "周末读书角",
        "周末去了图书馆，三个小时读完半本《人类简史》，推荐给想入门历史的朋友。",
        "读书笔记",
        2,
    ),
    ("liukun", "", "带娃间隙只能读十分钟，但坚持了两周，已经读完一本绘本育儿书了 💪", "坚持", 0),
    (
        "zhouyi",
        "考研党的阅读节奏",
        "每天早上背单词前读 20 页闲书，效率反而更高。大家有类似的经验吗？",
        "考研 读书方法",
        0,
    ),
    ("heqing", "", "给这周的书做了一页手账，分享一下～", "手账 读书笔记", 3),
    ("fangyu", "", "拍了一张书房的照片，阳光正好，适合读书。", "生活", 1),
    ("tangmin", "", "猫咪陪读的一天，它比我还认真 🐱", "生活", 2),
    ("zhaoyue", "", "第四夜读完了。“共同体感觉”这部分需要再读一遍，有点抽象。", "读书笔记", 0),
    ("wangzhe", "", "推荐一个读书方法：每章读完用三句话写下要点，一周后再回看。", "读书方法", 0),
    ("liukun", "", "今天在通勤路上听完了一本有声书，也算读书吗？😄", "讨论", 0),
    ("zhouyi", "", "读《刻意练习》有感：舒适区外一点点，才是成长区。", "读书笔记", 0),
    ("heqing", "", "书签 DIY，用干花做的，送给共读圈的朋友们～", "手账", 2),
    ("fangyu", "", "读完《摄影的艺术》，原来构图也有这么多讲究。", "读书笔记 摄影", 1),
    ("tangmin", "", "本周读书进度 60%，周日前一定读完！", "打卡", 0),
    ("zhaoyue", "", "分享一段喜欢的话：“所谓的自由，就是被别人讨厌。”", "摘抄", 0),
    ("wangzhe", "", "有没有人一起读《三体》？想组个小分队。", "讨论 三体", 0),
    ("liukun", "", "给宝宝读绘本的时候，自己也被治愈了。", "亲子阅读", 1),
    ("zhouyi", "", "读书笔记模板分享：问题—观点—例子—我的行动。", "读书方法", 0),
    ("heqing", "", "周日线上分享会的海报做好了，欢迎大家来！", "活动", 1),
    ("fangyu", "", "终于读完了拖了半年的一本书，成就感满满。", "坚持", 0),
    ("tangmin", "", "我发现睡前读纸质书比刷手机睡得好多了。", "生活", 0),
    ("zhaoyue", "", "这周的书单投票开始啦，大家在评论区说说想读什么～", "书单", 0),
]

RUN_POSTS = [
    ("zhaoyue", "", "第 12 天早起成功，5 公里 32 分钟，配速进步了！", "早起 跑步", 1),
    ("guoxiao", "", "雨天在跑步机上跑了 6 公里，不算偷懒吧 😂", "跑步", 0),
]

BAKING_MATERIAL = """整理了最常用的 **8 寸戚风蛋糕** 配方：

- 低筋面粉 85g，鸡蛋 5 个，细砂糖 60g
- 玉米油 40g，牛奶 50g
- 烤箱 150℃ 上下火，50 分钟

完整步骤和常见失败原因见附件。"""


def picture(seed: str) -> bytes:
    digest = hashlib.sha256(seed.encode()).digest()
    base = (digest[0] % 80 + 160, digest[1] % 80 + 150, digest[2] % 80 + 140)
    image = Image.new("RGB", (960, 720), base)
    draw = ImageDraw.Draw(image)
    for i in range(4):
        x = digest[3 + i] * 3
        y = digest[8 + i] * 2
        r = 80 + digest[12 + i] % 120
        shade = (base[0] - 60 + i * 10, base[1] - 40, base[2] - 50 + i * 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _images(seed: str, count: int) -> list[tuple[Any, str | None]]:
    return [(io.BytesIO(picture(f"{seed}-{i}")), f"photo{i + 1}.jpg") for i in range(count)]


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users, circles = ctx["users"], ctx["circles"]
    reading, running, baking, lounge = (
        circles["reading"],
        circles["morning-run"],
        circles["baking"],
        circles["koc-lounge"],
    )
    start = clock.now() - timedelta(days=3)
    step = 0

    def at() -> Any:
        nonlocal step
        step += 1
        return clock.freeze(start + timedelta(hours=step))

    with at():
        guide = services.create_post(
            users["linxi"],
            reading,
            services.Draft(title="共读圈使用指南（新人必看）", body=GUIDE, tags="置顶 新人"),
        )
    services.moderate_post(users["linxi"], guide, "pin")
    with at():
        material = services.create_post(
            users["linxi"],
            reading,
            services.Draft(
                title="本月书单 + 读书笔记模板",
                body="整理了本月的 4 本书和我常用的读书笔记模板，下载后可以直接打印。",
                tags="书单 资料",
                is_material=True,
                attachments=[
                    (
                        io.BytesIO("读书笔记模板\n问题：\n观点：\n例子：\n我的行动：\n".encode()),
                        "读书笔记模板.txt",
                    )
                ],
                images=_images("booklist", 1),
            ),
        )
    posts = []
    for i, (author, title, body, tags, image_count) in enumerate(READING_POSTS):
        with at():
            posts.append(
                services.create_post(
                    users[author],
                    reading,
                    services.Draft(title=title, body=body, tags=tags, images=_images(f"r{i}", image_count)),
                )
            )
    services.moderate_post(users["linxi"], posts[0], "feature", reason="笔记写得很清楚")
    services.moderate_post(users["zhaoyue"], posts[4], "feature")
    for post in (posts[0], posts[4], posts[-1], material):
        for liker in ("wangzhe", "liukun", "heqing", "fangyu", "zhouyi"):
            if liker != post.author.username:
                with at():
                    services.set_like(users[liker], "post", post, True)
    with at():
        first = services.create_comment(users["linxi"], posts[0], body="写得真好！课题分离是整本书的核心 👍")
    with at():
        services.create_comment(users["zhaoyue"], posts[0], body="谢谢林夕老师～ @linxi", parent_id=first.id)
    with at():
        services.create_comment(users["wangzhe"], posts[-1], body="想读《三体》+1")
    with at():
        services.create_comment(users["heqing"], posts[-1], body="投《小王子》一票 🌹")
    with at():
        services.set_like(users["zhaoyue"], "comment", first, True)
    with at():
        services.report(users["tangmin"], "post", posts[9], reason="感觉和读书关系不大，像是广告")
    with at():
        # A 高级会员's report weighs 1.5: the queue shows 2.5 of the circle's 3.0 threshold.
        services.report(users["heqing"], "post", posts[9], reason="文末有购买链接，疑似软广")

    # Morning runners: posts need approval, so the host's queue has work.
    with at():
        services.create_post(
            users["chenmo"],
            running,
            services.Draft(
                title="跑前热身 5 个动作",
                body="跑前一定要热身：高抬腿、弓步走、开合跳……",
                tags="热身 资料",
                is_material=True,
            ),
        )
    for i, (author, title, body, tags, image_count) in enumerate(RUN_POSTS):
        with at():
            services.create_post(
                users[author],
                running,
                services.Draft(title=title, body=body, tags=tags, images=_images(f"run{i}", image_count)),
            )
    with at():
        services.create_post(
            users["sutang"],
            baking,
            services.Draft(
                title="8 寸戚风蛋糕配方（零失败版）",
                body=BAKING_MATERIAL,
                tags="戚风 配方",
                is_material=True,
                images=_images("cake", 3),
                attachments=[(io.BytesIO("戚风蛋糕完整步骤……".encode()), "戚风蛋糕配方.txt")],
            ),
        )
    with at():
        services.create_post(
            users["liukun"],
            baking,
            services.Draft(
                body="第一次做戚风就成功了！感谢苏棠老师的配方 🎂", tags="作业", images=_images("cake-hw", 2)
            ),
        )
    with at():
        services.create_post(
            users["linxi"],
            lounge,
            services.Draft(
                title="下周活动排期", body="周一开启一周早起打卡，周三直播答疑，周日颁发证书。", tags="排期"
            ),
        )
    ctx["posts"] = posts
