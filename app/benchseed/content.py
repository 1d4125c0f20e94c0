"""The people and content of a benchmark community, generated in memory and written in bulk.

Shapes follow real communities: activity per member is Pareto-distributed (a few members do
most of the posting, commenting and liking), circle sizes are Zipf-distributed (a few big
circles, a long tail of small ones), comments and likes pile up on a few hot posts. Every id
is assigned here, so the counters (members, posts, comments, likes, holders) are written
with the rows and agree with them.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from . import words
from .sink import Sink

DAY = 86_400.0


@dataclass(frozen=True)
class Scale:
    users: int
    circles: int
    posts: int
    comments: int
    likes: int
    ledger: int
    checkins: int
    awards: int
    orders: int


M = Scale(20_000, 100, 200_000, 600_000, 1_000_000, 2_000_000, 100_000, 5_000, 20_000)


def scaled(factor: float) -> Scale:
    return Scale(*(max(1, round(v * factor)) for v in vars(M).values()))


SCALES = {
    "XS": Scale(200, 8, 1_000, 3_000, 5_000, 10_000, 500, 50, 100),
    "S": scaled(0.1),
    "M": M,
    "L": scaled(10),
}
# Events per kind go into the ledger rows; sign-ins fill up to the ledger target.
HISTORY_DAYS = 180


@dataclass
class World:
    """What later steps need to know about the generated community."""

    now: float
    tz_offset: float
    users: int
    weights: list[float] = field(default_factory=list)
    invited_by: dict[int, int] = field(default_factory=dict)
    circle_owner: list[int] = field(default_factory=list)  # index = circle id
    circle_private: list[bool] = field(default_factory=list)
    circle_members: list[list[int]] = field(default_factory=list)
    circle_cum: list[list[float]] = field(default_factory=list)
    post_circle: list[int] = field(default_factory=list)  # index = post id
    post_author: list[int] = field(default_factory=list)
    post_ts: list[float] = field(default_factory=list)
    post_live: list[bool] = field(default_factory=list)
    comment_post: list[int] = field(default_factory=list)
    comment_author: list[int] = field(default_factory=list)
    comment_ts: list[float] = field(default_factory=list)
    comment_live: list[bool] = field(default_factory=list)
    # Ledger-bound events: (ts, user, rule, base points, a, b, circle id, campaign id, extra).
    events: list[tuple[Any, ...]] = field(default_factory=list)
    # Activity facts: (user, kind, ref, circle id, ref id, ts).
    activity: list[tuple[Any, ...]] = field(default_factory=list)
    # Rollup counters not tied to points: (scope, scope id, user, epoch day) -> count.
    board_likes: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    board_checkins: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    board_invites: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def local_day(self, ts: float) -> int:
        return int((ts + self.tz_offset) // DAY)

    def day_start(self, epoch_day: int) -> float:
        """The UTC instant a site-local day begins."""
        return epoch_day * DAY - self.tz_offset


def _cum(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, items: list[int], cum: list[float]) -> int:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _bump(counter: dict[Any, int], key: Any, amount: int = 1) -> None:
    counter[key] = counter.get(key, 0) + amount


# --- users and circles ------------------------------------------------------------------


def write_users(sink: Sink, world: World, rng: random.Random, password_hash: str, hosts: int) -> None:
    """Member 1 is the admin, the next `hosts` are circle owners; members join over a year."""
    n = world.users
    world.weights = [0.0] + [min(rng.paretovariate(1.16), 400.0) for _ in range(n)]
    for uid in range(1, hosts + 2):
        world.weights[uid] = max(world.weights[uid], 20.0)
    start = world.now - (HISTORY_DAYS + 220) * DAY
    span = 215 * DAY
    for uid in range(2 + hosts, n + 1):
        if rng.random() < 0.08:
            world.invited_by[uid] = rng.randint(1, uid - 1)

    def rows() -> Any:
        for uid in range(1, n + 1):
            if uid == 1:
                username, role = "bench_admin", "admin"
            elif uid <= hosts + 1:
                username, role = f"host{uid - 1}", "host"
            else:
                username, role = f"u{uid}", "member"
            created = sink.ts(start + span * uid / n)
            yield (
                uid, username, f"{username}@bench.invalid", password_hash, role,
                words.person_name(rng), "" if rng.random() < 0.7 else words.sentence(rng),
                False, 1, f"B{uid:07X}", world.invited_by.get(uid), created, 0, 0,
            )  # fmt: skip

    sink.write(
        "user_account",
        ("id", "username", "email", "password_hash", "role", "display_name", "bio",
         "is_banned", "session_version", "invite_code", "invited_by_id", "created_at", "points", "growth"),
        rows(),
    )  # fmt: skip


def write_circles(sink: Sink, world: World, rng: random.Random, count: int) -> None:
    """Zipf-sized circles; each member joins one to a handful, the busy ones more."""
    n = world.users
    popularity = [1.0 / (i**1.1) for i in range(1, count + 1)]
    pop_cum = _cum(popularity)
    circle_ids = list(range(1, count + 1))
    members: list[dict[int, str]] = [{} for _ in range(count + 1)]
    for cid in circle_ids:
        members[cid][cid + 1] = "owner"  # host<cid> owns circle <cid>
    members[1][1] = members[1].get(1, "cohost")
    for uid in range(2, n + 1):
        joins = min(count, 1 + int(rng.expovariate(1 / (1.2 + min(world.weights[uid], 20) / 10))))
        for _ in range(joins):
            cid = _pick(rng, circle_ids, pop_cum)
            members[cid].setdefault(uid, "member")
    world.circle_owner = [0] + [cid + 1 for cid in circle_ids]
    world.circle_private = [False] + [cid % 10 == 7 for cid in circle_ids]
    world.circle_members = [[]] + [sorted(members[cid]) for cid in circle_ids]
    world.circle_cum = [[]] + [
        _cum([world.weights[u] * (30 if role != "member" else 1) for u, role in sorted(members[cid].items())])
        for cid in circle_ids
    ]
    created = world.now - (HISTORY_DAYS + 230) * DAY

    def circle_rows() -> Any:
        for cid in circle_ids:
            topic = words.TOPICS[(cid - 1) % len(words.TOPICS)]
            name = f"{topic}{words.CIRCLE_SUFFIX[(cid - 1) // len(words.TOPICS) % len(words.CIRCLE_SUFFIX)]}"
            if cid > len(words.TOPICS) * len(words.CIRCLE_SUFFIX):
                name += f" {cid}"
            yield (
                cid, f"q{cid:04d}", name[:60], f"一起{topic}，互相监督，共同进步。", cid + 1,
                "private" if world.circle_private[cid] else "public", "open", False,
                len(members[cid]), 0, sink.ts(created + cid * 3600),
            )  # fmt: skip

    sink.write(
        "circle",
        ("id", "slug", "name", "description", "owner_id", "visibility", "join_policy",
         "require_approval", "member_count", "post_count", "created_at"),
        circle_rows(),
    )  # fmt: skip

    def membership_rows() -> Any:
        for cid in circle_ids:
            for uid, role in sorted(members[cid].items()):
                joined = created + cid * 3600 + (0 if role == "owner" else rng.random() * 200 * DAY)
                yield (cid, uid, role, "active", sink.ts(joined))

    sink.write(
        "circle_membership", ("circle_id", "user_id", "role", "status", "created_at"), membership_rows()
    )
    world.meta["biggest_circle"] = 1


# --- posts, comments, likes ---------------------------------------------------------------


def _sorted_times(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    return sorted(start + (end - start) * rng.random() for _ in range(count))


def write_posts(sink: Sink, world: World, rng: random.Random, scale: Scale) -> None:
    """Posts by members of their circle, chronological ids; counters computed before writing."""
    count = len(world.circle_members) - 1
    volume = _cum([len(world.circle_members[c]) ** 0.9 for c in range(1, count + 1)])
    circles = list(range(1, count + 1))
    times = _sorted_times(rng, scale.posts, world.now - HISTORY_DAYS * DAY, world.now - 600)
    world.post_circle = [0] * (scale.posts + 1)
    world.post_author = [0] * (scale.posts + 1)
    world.post_ts = [0.0, *times]
    world.post_live = [False] * (scale.posts + 1)
    status = ["published"] * (scale.posts + 1)
    for pid in range(1, scale.posts + 1):
        cid = _pick(rng, circles, volume)
        world.post_circle[pid] = cid
        world.post_author[pid] = _pick(rng, world.circle_members[cid], world.circle_cum[cid])
        roll = rng.random()
        if roll < 0.005:
            status[pid] = "pending"
        elif roll < 0.01:
            status[pid] = "hidden"
        elif roll < 0.015:
            status[pid] = "deleted"
        world.post_live[pid] = status[pid] == "published"
    live = [pid for pid in range(1, scale.posts + 1) if world.post_live[pid]]
    # The benchmark's "post with 50 comments": the newest live post of the biggest circle.
    bench_post = max(pid for pid in live if world.post_circle[pid] == 1)
    world.meta["post_with_comments"] = bench_post

    # Comments: hot posts get many (Pareto weights); the bench post exactly 50.
    post_weights = _cum([rng.paretovariate(1.3) for _ in live])
    per_post: dict[int, int] = {}
    given = 0
    while given < scale.comments - 50:
        pid = live[bisect.bisect(post_weights, rng.random() * post_weights[-1])]
        if pid != bench_post:
            _bump(per_post, pid)
            given += 1
    per_post[bench_post] = 50
    comment_status: list[str] = ["visible"]
    world.comment_post, world.comment_author, world.comment_ts, world.comment_live = [0], [0], [0.0], [False]
    comment_parent: list[int | None] = [None]
    visible_count = [0] * (scale.posts + 1)
    for pid in sorted(per_post):
        cid = world.post_circle[pid]
        ts = world.post_ts[pid]
        top_level: list[int] = []
        for _ in range(per_post[pid]):
            ts = min(ts + rng.expovariate(1 / 7200), world.now - 60)
            comment_id = len(world.comment_post)
            roll = rng.random() if pid != bench_post else 1.0
            state = "hidden" if roll < 0.005 else ("deleted" if roll < 0.01 else "visible")
            parent = rng.choice(top_level) if top_level and rng.random() < 0.15 else None
            if parent is None:
                top_level.append(comment_id)
            world.comment_post.append(pid)
            world.comment_author.append(_pick(rng, world.circle_members[cid], world.circle_cum[cid]))
            world.comment_ts.append(ts)
            world.comment_live.append(state == "visible")
            comment_status.append(state)
            comment_parent.append(parent)
            if state == "visible":
                visible_count[pid] += 1

    # Likes: 80% on live posts, 20% on visible comments, piling up on hot ones.
    live_comments = [c for c in range(1, len(world.comment_post)) if world.comment_live[c]]
    post_likes = _like_counts(rng, live, round(scale.likes * 0.8), world)
    comment_likes = _like_counts(
        rng, live_comments, scale.likes - sum(post_likes.values()), world, comments=True
    )

    # Featured, pinned, material; tags.
    featured = {pid for pid in live if rng.random() < 0.02}
    pinned: set[int] = set()
    for cid in circles:
        mine = [pid for pid in live[-2000:] if world.post_circle[pid] == cid]
        if mine:
            pinned.add(mine[-1])
    post_counts = [0] * (count + 1)
    for pid in live:
        post_counts[world.post_circle[pid]] += 1
    world.meta["post_counts"] = post_counts
    tags_of: dict[int, list[str]] = {}

    def post_rows() -> Any:
        for pid in range(1, scale.posts + 1):
            tags = rng.sample(words.TAGS, rng.choice((0, 0, 1, 1, 2, 3)))
            if tags:
                tags_of[pid] = tags
            yield (
                pid, world.post_circle[pid], world.post_author[pid], "post",
                words.title(rng) if rng.random() < 0.6 else "", words.paragraph(rng),
                json.dumps(tags, ensure_ascii=False), status[pid], 1 if pid in pinned else 0,
                pid in featured, rng.random() < 0.03 and world.post_live[pid],
                post_likes.get(pid, 0), visible_count[pid], sink.ts(world.post_ts[pid]),
                # Published once (points and mentions are never repeated on a re-approval).
                sink.ts(world.post_ts[pid]) if status[pid] != "pending" else None,
            )  # fmt: skip

    sink.write(
        "post",
        ("id", "circle_id", "author_id", "kind", "title", "body", "tags", "status", "pin_rank",
         "is_featured", "is_material", "like_count", "comment_count", "created_at", "published_at"),
        post_rows(),
    )  # fmt: skip
    sink.write(
        "post_tag",
        ("post_id", "tag", "circle_id"),
        ((pid, tag, world.post_circle[pid]) for pid, tags in tags_of.items() for tag in tags),
    )

    def comment_rows() -> Any:
        for c in range(1, len(world.comment_post)):
            pid = world.comment_post[c]
            body = rng.choice(words.COMMENTS) if rng.random() < 0.6 else words.sentence(rng)
            yield (
                c, pid, world.post_circle[pid], world.comment_author[c], comment_parent[c], body,
                comment_status[c], comment_likes.get(c, 0), sink.ts(world.comment_ts[c]),
            )  # fmt: skip

    sink.write(
        "comment",
        (
            "id",
            "post_id",
            "circle_id",
            "author_id",
            "parent_id",
            "body",
            "status",
            "like_count",
            "created_at",
        ),
        comment_rows(),
    )
    _write_likes(sink, world, rng, post_likes, comment_likes)

    for pid in live:
        cid, author, ts = world.post_circle[pid], world.post_author[pid], world.post_ts[pid]
        world.events.append((ts, author, "post", 0, pid, 0, cid, 0, ""))
        world.activity.append((author, "post", f"post:{pid}", cid, pid, ts))
        if pid in featured:
            world.events.append((ts + 3600, author, "featured", 0, pid, 0, cid, 0, ""))
    for c in live_comments:
        pid, author, ts = world.comment_post[c], world.comment_author[c], world.comment_ts[c]
        cid = world.post_circle[pid]
        world.events.append((ts, author, "comment", 0, c, 0, cid, 0, ""))
        world.activity.append((author, "comment", f"comment:{c}", cid, c, ts))


def _like_counts(
    rng: random.Random, targets: list[int], total: int, world: World, *, comments: bool = False
) -> dict[int, int]:
    """How many likes each target gets; never more than the members who may see it."""
    counts: dict[int, int] = {}
    if not targets or total <= 0:
        return counts
    cum = _cum([rng.paretovariate(1.1) for _ in targets])
    given = 0
    while given < total:
        target = targets[bisect.bisect(cum, rng.random() * cum[-1])]
        pid = world.comment_post[target] if comments else target
        cid = world.post_circle[pid]
        room = len(world.circle_members[cid]) if world.circle_private[cid] else world.users
        if counts.get(target, 0) < room:
            _bump(counts, target)
            given += 1
    return counts


def _write_likes(
    sink: Sink, world: World, rng: random.Random, post_likes: dict[int, int], comment_likes: dict[int, int]
) -> None:
    """Distinct likers per target (a sample), each like a ledger event for the owner."""
    all_users = range(1, world.users + 1)

    def rows() -> Any:
        like_id = 0
        for kind, counts in (("post", post_likes), ("comment", comment_likes)):
            for target in sorted(counts):
                pid = target if kind == "post" else world.comment_post[target]
                cid = world.post_circle[pid]
                owner = world.post_author[pid] if kind == "post" else world.comment_author[target]
                born = world.post_ts[pid] if kind == "post" else world.comment_ts[target]
                pool = world.circle_members[cid] if world.circle_private[cid] else all_users
                for liker in rng.sample(pool, counts[target]):
                    like_id += 1
                    ts = min(born + rng.expovariate(1 / 21600), world.now - 30)
                    yield (like_id, liker, kind, target, True, sink.ts(ts))
                    world.activity.append((liker, "like", f"like:{kind}:{target}:{liker}", cid, target, ts))
                    if liker != owner:
                        world.events.append((ts, owner, "like", 0, target, liker, cid, 0, kind))
                        day = world.local_day(ts)
                        _bump(world.board_likes, ("site", 0, owner, day))
                        _bump(world.board_likes, ("circle", cid, owner, day))

    sink.write("post_like", ("id", "user_id", "target_kind", "target_id", "active", "created_at"), rows())
