"""Integration points badges need from features they must not import.

Automatic badge rules count things other features own (posts, featured posts, sign-in
streaks, tiers, completed campaigns). Each owning feature provides a *counter*:
`counter(user_id, circle_id) -> current value` (circle_id None: site-wide), and
`app/wiring.py` registers it here. Badges also show circle names and offer "show off" in a
member's circles; the circles feature provides those lookups the same way.

Nothing here imports another feature: unwired counters simply never grant, unwired circle
lookups find nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .models import AUTOMATIC_RULES

Counter = Callable[[int, int | None], int]


@dataclass(frozen=True)
class CircleRef:
    id: int
    slug: str
    name: str


_counters: dict[str, Counter] = {}


def _no_circle(_key: object) -> CircleRef | None:
    return None


def _no_circles(_user_id: int) -> list[CircleRef]:
    return []


@dataclass
class CircleDirectory:
    """How badges look circles up: by id, by slug, and the circles a member belongs to."""

    by_id: Callable[[int], CircleRef | None] = _no_circle
    by_slug: Callable[[str], CircleRef | None] = _no_circle
    of_member: Callable[[int], list[CircleRef]] = _no_circles


_directory = CircleDirectory()


def configure(counters: Mapping[str, Counter] | None = None, circles: CircleDirectory | None = None) -> None:
    """Install the counters and circle lookups (called by `app.wiring.install`)."""
    for rule in counters or {}:
        if rule not in AUTOMATIC_RULES:
            raise ValueError(f"{rule!r} is not an automatic badge rule")
    _counters.clear()
    _counters.update(counters or {})
    global _directory
    _directory = circles or CircleDirectory()


def register_counter(rule: str, counter: Counter) -> None:
    """Provide the counter for one automatic rule (replacing any previous one)."""
    if rule not in AUTOMATIC_RULES:
        raise ValueError(f"{rule!r} is not an automatic badge rule")
    _counters[rule] = counter


def unregister_counter(rule: str) -> None:
    _counters.pop(rule, None)


def counter_for(rule: str) -> Counter | None:
    return _counters.get(rule)


def wired_rules() -> list[str]:
    """The automatic rules that can be evaluated now, in declaration order."""
    return [rule for rule in AUTOMATIC_RULES if rule in _counters]


def circles() -> CircleDirectory:
    return _directory
