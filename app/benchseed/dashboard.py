"""The dashboard's rollups (`activity_day`, `activity_last_day`), computed from the same
activity facts the seeder writes to `activity_event`, as `admin.tracking` would have kept them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .content import _bump
from .sink import Sink

ACTIVE = frozenset(("signin", "post", "comment", "like", "checkin"))
_SITE_COUNTERS = {"post": 2, "checkin": 3, "register": 4}


def write_rollups(sink: Sink, facts: Sequence[tuple[Any, ...]], local_day: Callable[[float], int]) -> None:
    """`facts` are (user, kind, ref, circle, ref id, ts) in time order."""
    latest: dict[tuple[str, int, int], int] = {}
    # (scope, scope id, day) -> [active, actions, posts, checkins, registers, latest]
    counters: dict[tuple[str, int, int], list[int]] = {}
    seen_on: dict[int, int] = {}

    def row(scope: str, scope_id: int, day: int) -> list[int]:
        found = counters.get((scope, scope_id, day))
        if found is None:
            found = counters[(scope, scope_id, day)] = [0, 0, 0, 0, 0, 0]
        return found

    for uid, kind, _ref, cid, ref_id, ts in facts:
        day = local_day(ts)
        scopes: list[tuple[str, int]] = []
        if kind in ACTIVE:
            scopes.append(("site", 0))
            # In time order, a member's first fact of a day is the one that finds another day.
            if seen_on.get(uid) != day:
                seen_on[uid] = day
                row("site", 0, day)[0] += 1
            if cid is not None:
                scopes.append(("circle", cid))
                row("circle", cid, day)[1] += 1
        if kind in _SITE_COUNTERS:
            row("site", 0, day)[_SITE_COUNTERS[kind]] += 1
        if ref_id is not None and kind in ("checkin", "campaign"):
            scopes.append(("checkin" if kind == "checkin" else "done", ref_id))
        for scope, scope_id in scopes:
            latest[(scope, scope_id, uid)] = day
    by_day: dict[tuple[str, int, int], int] = {}
    for (scope, scope_id, _uid), day in latest.items():
        _bump(by_day, (scope, scope_id, day))
    for key, n in by_day.items():
        row(*key)[5] += n
    sink.write(
        "activity_last_day",
        ("scope", "scope_id", "user_id", "day", "previous_day"),
        ((scope, sid, uid, sink.day(day), None) for (scope, sid, uid), day in latest.items()),
    )
    sink.write(
        "activity_day",
        ("scope", "scope_id", "day", "active", "actions", "posts", "checkins", "registers", "latest"),
        ((scope, sid, sink.day(day), *values) for (scope, sid, day), values in counters.items()),
    )
