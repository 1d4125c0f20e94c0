"""The points ledger replayed in time order, and everything derived from it.

The generated events (posts, comments, likes received, check-ins, completions, invites, sign-ins,
redemptions) are replayed chronologically exactly as `points.ledger` would pay them: daily caps
per rule (their `points_rule_day` counters), the tier multiplier of the member's growth at that
moment, spends only when the balance covers them. The cached balances, `points_daily`, the
leaderboard rollups, the activity table and the dashboard's rollups are written from the same replay, so
`balance == sum(ledger)`, `growth == sum(growth deltas)` and the rollups hold by construction.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from typing import Any

from . import dashboard
from .content import DAY, HISTORY_DAYS, Scale, World, _bump, _cum
from .sink import Sink


def _cap_filter(
    events: list[tuple[Any, ...]], caps: dict[str, int | None], world: World
) -> tuple[list[tuple[Any, ...]], dict[tuple[int, str, int], int]]:
    """Drop what a daily cap would refuse; returns the kept events and the cap counters."""
    counters: dict[tuple[int, str, int], int] = {}
    kept = []
    for event in events:
        cap = caps.get(event[2])
        if cap is not None:
            key = (event[1], event[2], world.local_day(event[0]))
            if counters.get(key, 0) >= cap:
                continue
            counters[key] = counters.get(key, 0) + 1
        kept.append(event)
    return kept, counters


def _signins(world: World, rng: random.Random, total: int, bonus: tuple[int, int]) -> list[tuple[Any, ...]]:
    """`total` sign-ins shared by activity, as streaks of consecutive days ending at random."""
    today = world.local_day(world.now)
    first = today - HISTORY_DAYS + 1
    users = list(range(1, world.users + 1))
    cum = _cum(world.weights[1:])
    quota: dict[int, int] = {}
    left = total
    while left > 0:
        for _ in range(left):
            uid = users[bisect.bisect(cum, rng.random() * cum[-1])]
            _bump(quota, uid)
        left = sum(max(0, q - HISTORY_DAYS) for q in quota.values())
        quota = {u: min(q, HISTORY_DAYS) for u, q in quota.items()}
        if left and len(quota) == len(users) and all(q == HISTORY_DAYS for q in quota.values()):
            break
    base, extra = bonus
    events = []
    for uid, q in quota.items():
        days: list[int] = []
        remaining = q
        end = today if rng.random() < 0.5 else today - rng.randint(0, HISTORY_DAYS // 3)
        while remaining > 0:
            length = min(remaining, max(1, int(rng.expovariate(1 / 9))) + 1)
            start = max(first, end - length + 1)
            block = [d for d in range(start, end + 1) if d >= first]
            days.extend(block)
            remaining -= len(block)
            end = start - 1 - rng.randint(1, 6)
            if end < first:
                # Out of history: fill the free days from the newest backwards.
                taken = set(days)
                free = [d for d in range(today, first - 1, -1) if d not in taken]
                days.extend(free[:remaining])
                remaining = 0
        streak, previous = 0, None
        for day in sorted(set(days)):
            streak = streak + 1 if previous == day - 1 else 1
            previous = day
            ts = min(world.day_start(day) + rng.uniform(6.5, 23) * 3600, world.now - 120)
            points = base + (extra if streak % 7 == 0 else 0)
            events.append((ts, uid, "signin", points, 0, streak, 0, 0, ""))
    return events


def replay(
    sink: Sink,
    world: World,
    rng: random.Random,
    scale: Scale,
    *,
    caps: dict[str, int | None],
    rule_points: dict[str, int],
    tiers: list[tuple[int, int]],
    items: list[tuple[int, str, int]],
) -> dict[str, int]:
    """Write the ledger and its derivations; returns a few figures for the report."""
    non_signin = sorted(e for e in world.events if e[2] != "signin")
    kept, counters = _cap_filter(non_signin, caps, world)
    want_signins = max(0, scale.ledger - len(kept) - scale.orders)
    signins = _signins(world, rng, want_signins, (rule_points["signin"], rule_points["signin_bonus"]))
    for ts, uid, *_rest in signins:
        counters[(uid, "signin", world.local_day(ts))] = 1
    order_users = list(range(1, world.users + 1))
    order_cum = _cum(world.weights[1:])
    orders = []
    for n in range(scale.orders):
        ts = world.now - rng.random() * 60 * DAY
        uid = order_users[bisect.bisect(order_cum, rng.random() * order_cum[-1])]
        orders.append((ts, uid, "order", 0, rng.randrange(len(items)), n, 0, 0, ""))
    timeline = sorted(kept + signins + orders)
    world.events = []

    points = [0] * (world.users + 1)
    growth = [0] * (world.users + 1)
    daily: dict[tuple[int, int], int] = {}
    # Site-wide points per day (the dashboard's points_day): [issued, redeemed].
    site_days: dict[int, list[int]] = {}
    board_points: dict[tuple[str, int, int, int], int] = {}
    signin_rows: list[tuple[Any, ...]] = []
    order_rows: list[tuple[Any, ...]] = []
    deferred: list[tuple[Any, ...]] = []
    thresholds = sorted(tiers, reverse=True)
    cheapest = min(items, key=lambda item: item[2])
    ledger_id = 0

    def multiplier(uid: int) -> int:
        for threshold, pct in thresholds:
            if growth[uid] >= threshold:
                return pct
        return 100

    def spend(ts: float, uid: int, item: tuple[int, str, int]) -> tuple[Any, ...]:
        nonlocal ledger_id
        ledger_id += 1
        order_id = len(order_rows) + 1
        cost = item[2]
        points[uid] -= cost
        site_days.setdefault(world.local_day(ts), [0, 0])[1] += cost
        status = "done" if item[1] != "physical" else ("shipped" if rng.random() < 0.6 else "pending")
        order_rows.append((order_id, uid, item[0], item[1], cost, status, ts))
        world.activity.append((uid, "order", f"order:{order_id}:{status}", None, order_id, ts))
        key = f"order:{order_id}"
        return (
            ledger_id,
            uid,
            "spend",
            -cost,
            0,
            "redeem",
            "",
            key,
            key,
            None,
            sink.day(world.local_day(ts)),
            sink.ts(ts),
        )

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal ledger_id
        for ts, uid, rule, base, a, b, cid, campaign_id, extra in timeline:
            ts = min(ts, world.now - 1)
            day = world.local_day(ts)
            if rule == "order":
                item = items[a]
                if points[uid] < item[2]:
                    item = cheapest
                if points[uid] < item[2]:
                    deferred.append((ts, uid))
                    continue
                yield spend(ts, uid, item)
                continue
            if rule == "post":
                key = reference = f"post:{a}"
            elif rule == "featured":
                key, reference = f"featured:{a}", f"post:{a}"
            elif rule == "comment":
                key = reference = f"comment:{a}"
            elif rule == "like":
                key, reference = f"like:{extra}:{a}:{b}", f"{extra}:{a}"
            elif rule == "checkin":
                key = reference = f"checkin:{a}"
            elif rule == "invite":
                key, reference = f"invite:{a}", f"user:{a}"
            elif rule == "campaign":
                key, reference = f"campaign:{campaign_id}:run:{a}:{uid}", f"campaign:{campaign_id}"
            else:  # signin
                signin_id = len(signin_rows) + 1
                key, reference = f"signin:{uid}:{sink.day(day)}", f"signin:{signin_id}"
            amount = (base or rule_points[rule]) * multiplier(uid) // 100
            if rule == "signin":
                signin_rows.append((signin_id, uid, sink.day(day), b, amount, sink.ts(ts)))
                world.activity.append((uid, "signin", f"signin:{uid}:{sink.day(day)}", None, None, ts))
            if amount <= 0:
                continue
            ledger_id += 1
            points[uid] += amount
            growth[uid] += amount
            _bump(daily, (uid, day), amount)
            site_days.setdefault(day, [0, 0])[0] += amount
            if rule != "signin" and cid:
                _bump(board_points, ("circle", cid, uid, day), amount)
                if campaign_id and rule in ("checkin", "campaign", "invite"):
                    _bump(board_points, ("campaign", campaign_id, uid, day), amount)
            yield (
                ledger_id,
                uid,
                "earn",
                amount,
                amount,
                rule,
                "",
                reference,
                key,
                None,
                sink.day(day),
                sink.ts(ts),
            )
        # Orders nobody could afford at the time go to whoever can afford them now.
        rich = sorted(range(1, world.users + 1), key=points.__getitem__, reverse=True)
        for n, _order in enumerate(deferred):
            uid = rich[n % len(rich)]
            if points[uid] >= cheapest[2]:
                yield spend(world.now - 300 + n * 0.001, uid, cheapest)

    sink.write(
        "points_entry",
        ("id", "user_id", "kind", "delta", "growth_delta", "rule", "reason", "reference", "idempotency_key",
         "actor_id", "day", "created_at"),
        rows(),
    )  # fmt: skip
    sink.write(
        "signin",
        ("id", "user_id", "day", "streak", "points", "created_at"),
        signin_rows,
    )
    _write_orders(sink, rng, order_rows, items)
    sink.write(
        "points_daily",
        ("user_id", "day", "earned"),
        ((u, sink.day(d), v) for (u, d), v in daily.items()),
    )
    sink.write(
        "points_rule_day",
        ("user_id", "rule", "day", "count"),
        ((u, r, sink.day(d), c) for (u, r, d), c in counters.items()),
    )
    keys = set(board_points) | set(world.board_likes) | set(world.board_checkins) | set(world.board_invites)
    # The week, month and all-time rollups: the day rows summed, as the handlers keep them.
    totals: dict[tuple[Any, ...], list[int]] = {}
    periods: dict[tuple[Any, ...], list[int]] = {}
    for key in keys:
        scope, scope_id, uid, day = key
        figures = (board_points.get(key, 0), world.board_checkins.get(key, 0), world.board_likes.get(key, 0),
                   world.board_invites.get(key, 0))  # fmt: skip
        buckets = [totals.setdefault((scope, scope_id, uid), [0, 0, 0, 0])]
        for period, start in sink.periods(day):
            buckets.append(periods.setdefault((scope, scope_id, period, start, uid), [0, 0, 0, 0]))
        for bucket in buckets:
            for i, value in enumerate(figures):
                bucket[i] += value
    sink.write(
        "leaderboard_day", ("scope", "scope_id", "user_id", "day", "points", "checkins", "likes", "invites"),
        ((s, sid, u, sink.day(d), board_points.get(k, 0), world.board_checkins.get(k, 0),
          world.board_likes.get(k, 0), world.board_invites.get(k, 0))
         for k in sorted(keys) for (s, sid, u, d) in (k,)),
    )  # fmt: skip
    sink.write(
        "leaderboard_period",
        ("scope", "scope_id", "period", "starts_on", "user_id", "points", "checkins", "likes", "invites"),
        ((*k, *v) for k, v in sorted(periods.items())),
    )
    sink.write(
        "leaderboard_total",
        ("scope", "scope_id", "user_id", "points", "checkins", "likes", "invites"),
        ((*k, *v) for k, v in sorted(totals.items())),
    )
    points_periods: dict[tuple[int, str, str], int] = {}
    for (uid, day), amount in daily.items():
        for period, start in sink.periods(day):
            _bump(points_periods, (uid, period, start), amount)
    sink.write(
        "points_period",
        ("user_id", "period", "starts_on", "earned"),
        ((*k, v) for k, v in sorted(points_periods.items())),
    )
    sink.write(
        "points_day", ("day", "issued", "redeemed"),
        ((sink.day(d), issued, redeemed) for d, (issued, redeemed) in site_days.items()),
    )  # fmt: skip
    facts = sorted(world.activity, key=lambda f: f[5])
    sink.write(
        "activity_event", ("id", "user_id", "kind", "circle_id", "ref_id", "ref", "day", "created_at"),
        ((i, u, kind, cid, ref_id, ref, sink.day(world.local_day(ts)), sink.ts(ts))
         for i, (u, kind, ref, cid, ref_id, ts) in enumerate(facts, start=1)),
    )  # fmt: skip
    earned: dict[int, int] = {}
    for (uid, _day), amount in daily.items():
        _bump(earned, uid, amount)
    dashboard.write_rollups(sink, facts, world.local_day)
    sink.execute(
        "UPDATE user_account SET points = ?, growth = ?, earned = ? WHERE id = ?",
        (
            (points[u], growth[u], earned.get(u, 0), u)
            for u in range(1, world.users + 1)
            if points[u] or growth[u]
        ),
    )
    return {"ledger": ledger_id, "signins": len(signin_rows), "orders": len(order_rows)}


def _write_orders(
    sink: Sink, rng: random.Random, order_rows: list[tuple[Any, ...]], items: list[tuple[int, str, int]]
) -> None:
    codes: list[tuple[Any, ...]] = []
    sold: dict[int, int] = {}

    def rows() -> Iterator[tuple[Any, ...]]:
        for order_id, uid, item_id, kind, cost, status, ts in order_rows:
            _bump(sold, item_id)
            code = ""
            if kind == "coupon":
                code = f"QZ{item_id:02d}{order_id:08d}"
                codes.append((len(codes) + 1, item_id, code, order_id))
            physical = kind == "physical"
            yield (
                order_id, uid, item_id, f"bench-{order_id}", status, cost, False,
                "收件人" if physical else "", "13800000000" if physical else "",
                "上海市浦东新区世纪大道 100 号" if physical else "",
                f"SF{order_id:010d}" if status == "shipped" else "", "", code, sink.ts(ts), sink.ts(ts),
            )  # fmt: skip

    sink.write(
        "store_order",
        ("id", "user_id", "item_id", "request_id", "status", "points_cost", "is_prize", "recipient", "phone",
         "address", "tracking_no", "note", "coupon_code", "created_at", "updated_at"),
        rows(),
    )  # fmt: skip
    # A coupon's stock is its unused codes.
    for item_id, kind, _cost in items:
        if kind != "coupon":
            continue
        stock = 500 + 37 * (item_id - 1)
        for n in range(stock):
            codes.append((len(codes) + 1, item_id, f"QZ{item_id:02d}FREE{n:06d}", None))
    sink.write("coupon_code", ("id", "item_id", "code", "order_id"), codes)
