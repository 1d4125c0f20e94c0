"""The one authorization check: `can()` to decide, `require()` to enforce.

Features declare their rules with `@policy("action")`; services call `require(actor,
"action", target)` as their first line and views call `can()` only to hide buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from app.core.errors import Forbidden, NotFound


class Actor(Protocol):
    id: int
    role: str

    @property
    def is_authenticated(self) -> bool: ...


Rule = Callable[[Any, Any], bool]

_rules: dict[str, Rule] = {}
# Actions whose refusal must not reveal that the target exists (private circles): 404.
_hidden: set[str] = set()


def policy(action: str, *, hide: bool = False) -> Callable[[Rule], Rule]:
    """Register the rule deciding `action`; `hide=True` makes a refusal a 404."""

    def register(rule: Rule) -> Rule:
        if action in _rules and _rules[action] is not rule:
            raise ValueError(f"policy {action!r} is defined twice")
        _rules[action] = rule
        if hide:
            _hidden.add(action)
        return rule

    return register


def is_admin(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.role == "admin")


def is_signed_in(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def has_policy(action: str) -> bool:
    """Whether a feature has registered a rule for `action` (seams between features)."""
    return action in _rules


def can(actor: Any, action: str, target: Any = None) -> bool:
    try:
        rule = _rules[action]
    except KeyError:
        raise LookupError(f"no policy for {action!r}") from None
    return bool(rule(actor, target))


def require(actor: Any, action: str, target: Any = None) -> None:
    """Raise Forbidden (or NotFound for hidden actions) unless `actor` may do `action`."""
    if can(actor, action, target):
        return
    if action in _hidden:
        raise NotFound()
    raise Forbidden()
