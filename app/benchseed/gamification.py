"""Weekly check-in campaigns with their runs and check-ins, badges with awards, store items."""

from __future__ import annotations

import random
from typing import Any

from . import words
from .content import DAY, Scale, World, _bump, _cum, _pick
from .sink import Sink

WEEKS = 8
RUN_DAYS = 7


def write_campaigns(sink: Sink, world: World, rng: random.Random, scale: Scale) -> None:
    """Weekly campaigns in the bigger circles over the last WEEKS weeks (the last run is live)."""
    circles = len(world.circle_members) - 1
    count = min(circles, max(2, circles // 2))
    today = world.local_day(world.now)
    # Monday of this week (epoch day 0, 1970-01-01, was a Thursday).
    monday = today - (today + 3) % 7
    first = monday - 7 * (WEEKS - 1)
    share = _cum([len(world.circle_members[c]) ** 0.9 for c in range(1, count + 1)])
    budget = {
        c: round(scale.checkins * (share[c - 1] - (share[c - 2] if c > 1 else 0)) / share[-1])
        for c in range(1, count + 1)
    }
    budget[1] += scale.checkins - sum(budget.values())
    campaigns, runs, raw = [], [], []
    progress: list[tuple[int, int, int, int]] = []
    run_id = 0
    for campaign_id in range(1, count + 1):
        cid = campaign_id
        topic = words.TOPICS[(cid - 1) % len(words.TOPICS)]
        owner = world.circle_owner[cid]
        campaigns.append((
            campaign_id, cid, f"{topic}一周打卡", f"每天分享你的{topic}进展", sink.day(first), RUN_DAYS,
            10, 50, None, 0, True, 0, False, owner, sink.ts(world.day_start(first) - 3 * DAY),
        ))  # fmt: skip
        members, cum = world.circle_members[cid], world.circle_cum[cid]
        per_run = max(1, budget[cid] // WEEKS)
        for week in range(WEEKS):
            run_id += 1
            start = first + 7 * week
            runs.append((run_id, campaign_id, week + 1, sink.day(start), sink.day(start + RUN_DAYS - 1),
                         sink.ts(world.day_start(start) - 3600)))  # fmt: skip
            days = [d for d in range(start, start + RUN_DAYS) if d <= today]
            want = per_run if week < WEEKS - 1 else budget[cid] - per_run * (WEEKS - 1)
            seen: set[int] = set()
            tries = 0
            while want > 0 and tries < 50 * len(members):
                tries += 1
                uid = _pick(rng, members, cum)
                if uid in seen:
                    continue
                seen.add(uid)
                mine = (
                    list(days) if rng.random() < 0.35 else sorted(rng.sample(days, rng.randint(1, len(days))))
                )
                mine = mine[:want]
                want -= len(mine)
                for day in mine:
                    ts = min(world.day_start(day) + rng.uniform(6, 23.5) * 3600, world.now - 60)
                    raw.append((ts, run_id, campaign_id, cid, uid, day))
                progress.append((run_id, uid, len(mine), 1 if len(mine) == RUN_DAYS else 0))
    raw.sort()
    first_checkin: set[int] = set()
    last_of_run: dict[tuple[int, int], float] = {}
    completed_runs = {(r, u) for r, u, _done, full in progress if full}

    def checkin_rows() -> Any:
        for checkin_id, (ts, rid, campaign_id, cid, uid, day) in enumerate(raw, start=1):
            yield (
                checkin_id, rid, campaign_id, cid, uid, sink.day(day),
                rng.choice(words.CHECKIN_BODIES) + "，" + rng.choice(words.FEELINGS),
                False, rng.random() < 0.02, 0, 0, 0, sink.ts(ts),
            )  # fmt: skip
            world.events.append((ts, uid, "checkin", 10, checkin_id, 0, cid, campaign_id, ""))
            world.activity.append((uid, "checkin", f"checkin:{checkin_id}", cid, campaign_id, ts))
            for scope, sid in (("site", 0), ("circle", cid), ("campaign", campaign_id)):
                _bump(world.board_checkins, (scope, sid, uid, day))
            if uid not in first_checkin:
                first_checkin.add(uid)
                inviter = world.invited_by.get(uid)
                if inviter:
                    world.events.append((ts, inviter, "invite", 0, uid, 0, cid, campaign_id, ""))
                    for scope, sid in (("site", 0), ("circle", cid), ("campaign", campaign_id)):
                        _bump(world.board_invites, (scope, sid, inviter, day))
            if (rid, uid) in completed_runs:
                last_of_run[(rid, uid)] = ts

    sink.write("campaign", (
        "id", "circle_id", "title", "prompt", "start_date", "days", "points_per_checkin", "completion_points",
        "badge_id", "makeup_cards", "repeat_weekly", "min_length", "photo_required", "created_by_id",
        "created_at",
    ), campaigns)  # fmt: skip
    sink.write("campaign_run", ("id", "campaign_id", "number", "start_date", "end_date", "created_at"), runs)
    sink.write("checkin", (
        "id", "run_id", "campaign_id", "circle_id", "user_id", "day", "body", "is_makeup", "is_recommended",
        "like_count", "review_count", "comment_count", "created_at",
    ), checkin_rows())  # fmt: skip
    sink.write(
        "campaign_progress",
        ("run_id", "user_id", "done", "makeups_used"),
        ((r, u, d, 0) for r, u, d, _f in progress),
    )
    campaign_of_run = {r[0]: r[1] for r in runs}
    completions = []
    completed_campaigns: set[tuple[int, int]] = set()
    for cid_run, (rid, uid) in enumerate(sorted(last_of_run, key=last_of_run.__getitem__), start=1):
        ts = last_of_run[(rid, uid)]
        campaign_id = campaign_of_run[rid]
        circle_id = campaign_id
        completions.append((cid_run, rid, campaign_id, circle_id, uid, sink.ts(ts)))
        world.events.append((ts + 0.001, uid, "campaign", 50, rid, 0, circle_id, campaign_id, ""))
        if (campaign_id, uid) not in completed_campaigns:
            completed_campaigns.add((campaign_id, uid))
            world.activity.append(
                (uid, "campaign", f"campaign:{campaign_id}:{uid}", circle_id, campaign_id, ts)
            )
    sink.write(
        "campaign_completion",
        ("id", "run_id", "campaign_id", "circle_id", "user_id", "created_at"),
        completions,
    )
    world.meta["campaign"] = 1


def write_badges(sink: Sink, world: World, rng: random.Random, scale: Scale) -> None:
    """Site-wide manual badges; awards go mostly to active members, one per (badge, member)."""
    badges = words.BADGES
    users = list(range(1, world.users + 1))
    cum = _cum(world.weights[1:])
    holders: list[set[int]] = [set() for _ in badges]
    awards: list[tuple[Any, ...]] = []
    room = len(badges) * world.users
    target = min(scale.awards, room)
    while len(awards) < target:
        b = rng.randrange(len(badges))
        uid = _pick(rng, users, cum) if rng.random() < 0.8 else rng.randint(1, world.users)
        if uid in holders[b]:
            continue
        holders[b].add(uid)
        ts = world.now - rng.random() * 150 * DAY
        awards.append((ts, b + 1, uid))
    awards.sort()
    created = sink.ts(world.now - 170 * DAY)
    sink.write(
        "badge",
        ("id", "name", "description", "criteria", "rule", "threshold", "holder_count", "created_by_id",
         "created_at"),
        ((i + 1, name, f"{name}：表彰表现突出的成员", "由运营团队评选", "manual", 0, len(holders[i]), 1,
          created)
         for i, name in enumerate(badges)),
    )  # fmt: skip
    sink.write(
        "badge_award",
        ("id", "badge_id", "user_id", "source", "reason", "granted_by_id", "created_at"),
        ((i, b, u, "manual", "感谢你的贡献", 1, sink.ts(ts)) for i, (ts, b, u) in enumerate(awards, start=1)),
    )


def write_store_items(sink: Sink, world: World) -> list[tuple[int, str, int]]:
    """The catalogue; returns (id, kind, cost) per item."""
    created = sink.ts(world.now - 100 * DAY)
    items = [(i + 1, kind, cost) for i, (kind, _title, cost) in enumerate(words.ITEMS)]
    sink.write(
        "store_item",
        ("id", "title", "description", "kind", "points_cost", "stock", "is_active", "created_by_id",
         "created_at"),
        ((i + 1, title, f"{title}，数量有限，先到先得。", kind, cost, 500 + 37 * i, True, 1, created)
         for i, (kind, title, cost) in enumerate(words.ITEMS)),
    )  # fmt: skip
    return items
