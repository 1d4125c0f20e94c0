"""Small word lists that make synthetic benchmark data read like a Chinese community."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕"
    "彬鹏辉晨宇欣怡子涵浩然思雨佳琪梓轩可馨一诺雅婷俊杰"
)
NICK_PREFIX = [
    "爱读书的",
    "早起的",
    "跑步的",
    "不吃香菜的",
    "会画画的",
    "喜欢猫的",
    "在路上的",
    "认真的",
    "快乐的",
    "安静的",
]
NICK_NOUN = ["小鹿", "鲸鱼", "阿杰", "小满", "橘子", "晴天", "土豆", "木木", "星星", "豆包", "柚子", "团子"]

TOPICS = [
    "读书",
    "跑步",
    "早起",
    "摄影",
    "手帐",
    "烘焙",
    "健身",
    "英语",
    "写作",
    "理财",
    "插画",
    "咖啡",
    "育儿",
    "旅行",
    "瑜伽",
    "编程",
    "围棋",
    "书法",
    "园艺",
    "播客",
]
CIRCLE_SUFFIX = ["打卡圈", "研习社", "俱乐部", "同好会", "训练营", "小组", "读书会", "实验室"]
TAGS = [
    "每日打卡",
    "干货",
    "新手提问",
    "经验分享",
    "书单",
    "好物推荐",
    "周末计划",
    "复盘",
    "早安",
    "晚安",
    "学习笔记",
    "问答",
    "活动",
    "心得",
    "第一次",
    "坚持",
]
SUBJECTS = ["今天", "这周", "早上", "下班后", "周末", "刚才", "最近", "昨晚"]
VERBS = ["读完了", "试了试", "整理了", "坚持了", "分享一下", "记录一下", "复盘了", "学会了"]
OBJECTS = [
    "一本小说",
    "新的训练计划",
    "五公里慢跑",
    "手冲咖啡的方法",
    "一份学习笔记",
    "周末的摄影作品",
    "三十天的早起记录",
    "一个小技巧",
    "理财入门书",
    "英语听力练习",
    "烘焙的配方",
    "旅行攻略",
]
FEELINGS = [
    "感觉很充实。",
    "收获满满！",
    "推荐给大家。",
    "有点难但是值得。",
    "明天继续加油！",
    "欢迎一起交流。",
    "比想象中简单。",
    "谢谢圈主的建议。",
    "大家有什么好方法吗？",
    "坚持就是胜利。",
]
ENGLISH = ["python", "flask", "marathon", "coffee", "reading", "vlog", "english", "notion", "kindle", "ipad"]
COMMENTS = [
    "说得太好了！",
    "学到了，谢谢分享",
    "同感",
    "请问具体怎么做？",
    "加油！",
    "收藏了",
    "我也是这样",
    "打卡支持",
    "太厉害了",
    "有道理",
    "明天我也试试",
    "赞一个 👍",
]
CHECKIN_BODIES = [
    "今天完成了",
    "打卡第一天",
    "继续坚持",
    "读了二十页",
    "跑了三公里",
    "早起成功",
    "练习半小时",
]
BADGES = [
    "早起达人",
    "阅读之星",
    "打卡先锋",
    "热心圈友",
    "优质创作者",
    "分享达人",
    "年度会员",
    "活动达人",
    "新星",
    "干货贡献者",
    "长跑健将",
    "摄影达人",
    "学霸",
    "点赞之王",
    "元老",
    "评论达人",
    "周冠军",
    "月冠军",
    "创意奖",
    "幸运星",
]
ITEMS = [
    ("virtual", "头像挂件·限定款", 100),
    ("virtual", "专属昵称颜色", 200),
    ("virtual", "补签卡", 50),
    ("coupon", "咖啡优惠券", 300),
    ("coupon", "书店代金券", 500),
    ("physical", "圈子定制帆布袋", 800),
    ("physical", "手帐本礼盒", 1200),
    ("physical", "保温杯", 1500),
    ("physical", "蓝牙耳机", 5000),
    ("virtual", "直播课回放", 400),
    ("physical", "限量徽章套装", 600),
    ("virtual", "线上分享会门票", 150),
]


def person_name(rng: random.Random) -> str:
    """A Chinese display name or a nickname."""
    if rng.random() < 0.3:
        return rng.choice(NICK_PREFIX) + rng.choice(NICK_NOUN)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def sentence(rng: random.Random) -> str:
    text = rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS) + "，" + rng.choice(FEELINGS)
    if rng.random() < 0.15:
        text += f" #{rng.choice(ENGLISH)}"
    return text


def paragraph(rng: random.Random, lo: int = 1, hi: int = 4) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(lo, hi)))


def title(rng: random.Random) -> str:
    return rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS)
