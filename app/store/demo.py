"""Demo store (for `flask seed-demo`): a stocked 积分商城 and orders in every status.

Items are created by the demo admin through `catalog.create_item` with generated pictures
going through the image pipeline; members redeem through `services.redeem` and the admin
ships and cancels through `fulfilment`, all with the clock frozen on recent past days.
Circle tickets need the circles feature; until it exists the demo has none.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from app.core import clock
from app.core.db import db, use_case

from . import catalog, fulfilment, pool, services
from .models import CouponCode
from .pictures import product_png

# (key, picture, input)
ITEMS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "tote",
        "tote",
        {
            "title": "圈子定制帆布袋",
            "kind": "physical",
            "points_cost": 800,
            "stock": 48,
            "per_user_limit": 2,
            "description": "加厚 12 安帆布，能装下一台 14 寸笔记本和两本书。"
            "背面印着小圈子的 logo，通勤、逛书店都合适。全国包邮，兑换后 3 个工作日内发货。",
        },
    ),
    (
        "coupon",
        "coupon",
        {
            "title": "满100减20优惠券",
            "kind": "coupon",
            "points_cost": 300,
            "per_user_limit": 3,
            "description": "合作书店全场通用，满 100 元立减 20 元，可与店内活动叠加。"
            "兑换后立即拿到券码，结账时出示即可，有效期 30 天。",
            "coupon_codes": [f"QZ20-{n:04d}-{(n * 7919) % 10000:04d}" for n in range(1, 41)],
        },
    ),
    (
        "frame",
        "frame",
        {
            "title": "专属头像框 · 星光",
            "kind": "virtual",
            "points_cost": 150,
            "stock": 999,
            "per_user_limit": 1,
            "description": "限量星光头像框，兑换后运营同学会在 1 个工作日内为你的头像换上，"
            "在帖子、评论和榜单里都看得到。",
        },
    ),
    (
        "notebook",
        "notebook",
        {
            "title": "打卡手账本",
            "kind": "physical",
            "points_cost": 500,
            "stock": 30,
            "per_user_limit": 1,
            "description": "A5 点阵内页，附 12 周打卡表和习惯追踪页，适合配合「一周打卡」一起用。",
        },
    ),
    (
        "cup",
        "cup",
        {
            "title": "随行保温杯",
            "kind": "physical",
            "points_cost": 1200,
            "stock": 20,
            "per_user_limit": 1,
            "min_tier": "advanced",
            "description": "高级会员专属。316 不锈钢内胆，保温 12 小时，晨跑、上班都带得走。",
        },
    ),
    (
        "giftbox",
        "giftbox",
        {
            "title": "尊享 · 年度精选礼盒",
            "kind": "physical",
            "points_cost": 3000,
            "stock": 10,
            "per_user_limit": 1,
            "min_tier": "premium",
            "description": "尊享会员专属好礼：圈主们亲自挑选的书、手冲咖啡豆和定制书签，附一张手写感谢卡。",
        },
    ),
    (
        "trial",
        "crown",
        {
            "title": "高级会员7天体验卡",
            "kind": "tier_trial",
            "points_cost": 300,
            "stock": 200,
            "per_user_limit": 1,
            "trial_tier": "advanced",
            "trial_days": 7,
            "description": "立即体验 7 天高级会员：所有积分 1.2 倍，解锁高级会员专属商品。"
            "到期自动恢复，不影响成长值。",
        },
    ),
]

ADDRESSES = {
    "sutang": ("苏棠", "13800138021", "上海市徐汇区漕溪北路 88 号 5 楼"),
    "heqing": ("何青", "13911112222", "杭州市西湖区文三路 259 号 3 幢 701"),
    "chenmo": ("陈默", "13622223333", "广州市天河区体育西路 103 号"),
    "linxi": ("林夕", "13533334444", "北京市海淀区中关村大街 27 号 1102"),
}


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = clock.today() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.site_tz())


def _stock_the_store(admin: Any) -> dict[str, Any]:
    items: dict[str, Any] = {}
    with clock.freeze(_at(30, 10)):
        for key, picture, fields in ITEMS:
            items[key] = catalog.create_item(
                admin,
                catalog.ItemInput(**fields),
                image=io.BytesIO(product_png(picture)),
                image_filename=f"{picture}.png",
            )
    return items


def _redeem(user: Any, item: Any, days_ago: int, hour: int, *, ship_to: str | None = None) -> Any:
    recipient, phone, address = ADDRESSES[ship_to] if ship_to else ("", "", "")
    with clock.freeze(_at(days_ago, hour, 20)):
        result = services.redeem(
            user,
            item.id,
            request_id=uuid.uuid4().hex,
            recipient=recipient,
            phone=phone,
            address=address,
        )
    return result.order


def _console_upkeep(admin: Any, items: dict[str, Any]) -> None:
    """What operators do in the console: a stock top-up and a second batch of coupon codes."""
    with clock.freeze(_at(2, 10, 30)):
        catalog.adjust_stock(admin, items["tote"].id, mode="add", amount=20, reason="第二批帆布袋到货")
    with clock.freeze(_at(2, 11)):
        batch = "\n".join(f"QZ20-B{n:03d}-{(n * 4271) % 10000:04d}" for n in range(1, 11))
        pool.add_codes(admin, items["coupon"].id, batch)
    with clock.freeze(_at(2, 11, 5)):
        typo = db.session.scalars(
            select(CouponCode.id).where(
                CouponCode.item_id == items["coupon"].id, CouponCode.code == "QZ20-B010-2710"
            )
        ).one()
        pool.remove_code(admin, items["coupon"].id, typo, reason="书店反馈这张券码无效，已作废")


@use_case
def seed(ctx: dict[str, Any]) -> None:
    """Stock the store and place orders in every status (pending, shipped, cancelled, done)."""
    users = ctx["users"]
    admin = users["admin"]
    items = _stock_the_store(admin)

    # In the order they happened, so order numbers grow with time.
    _redeem(users["linxi"], items["coupon"], 12, 19)
    _redeem(users["sutang"], items["frame"], 10, 13)
    shipped = _redeem(users["sutang"], items["tote"], 9, 21, ship_to="sutang")
    with clock.freeze(_at(8, 15)):
        fulfilment.fulfil_order(admin, shipped.id, action="ship", tracking_no="SF1402938475621")
    cancelled = _redeem(users["chenmo"], items["notebook"], 7, 12, ship_to="chenmo")
    with clock.freeze(_at(6, 11)):
        fulfilment.fulfil_order(
            admin,
            cancelled.id,
            action="cancel",
            reason="这批手账本印刷有瑕疵，先为你取消订单并退回积分，补货后第一时间通知你。",
        )
    _redeem(users["guoxiao"], items["coupon"], 5, 8)
    _redeem(users["tangmin"], items["frame"], 4, 18)
    _redeem(users["linxi"], items["giftbox"], 3, 20, ship_to="linxi")
    _redeem(users["wangzhe"], items["trial"], 2, 21)
    with clock.freeze(_at(1, 10)):
        fulfilment.grant_prize(admin, users["zhouyi"], items["frame"].id, reason="11 月读书打卡活动全勤奖")
    _redeem(users["heqing"], items["tote"], 1, 22, ship_to="heqing")
    _console_upkeep(admin, items)
    _redeem(users["sutang"], items["coupon"], 1, 12)
    db.session.flush()
    ctx["store_items"] = items
