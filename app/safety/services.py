"""Blocking members and the sensitive-word list: the rules, the one SQL filter, the matcher.

`not_blocked_by(viewer, column)` is the one filter every list uses to drop what a blocked
member wrote: a NOT EXISTS on the block table's primary key, so a feed keeps its number of
statements. `find_sensitive()` matches text against the admins' list, compiled once per
process and reloaded only when the list's version row changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, exists, select, true, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import audit, clock
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid
from app.core.pagination import Page, keyset
from app.core.permissions import is_admin, is_signed_in, policy, require

from .models import Block, SensitiveWord, SensitiveWordState

MAX_WORD = 64
MAX_WORDS_PER_ADD = 200


# --- Policies ----------------------------------------------------------------------------


@policy("user.block")
def _can_block(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


@policy("safety.manage_words")
def _can_manage_words(actor: Any, _target: Any) -> bool:
    return is_admin(actor)


# --- Blocking ----------------------------------------------------------------------------


def not_blocked_by(viewer: Any, author_column: Any) -> ColumnElement[bool]:
    """SQL: `author_column` is not a member `viewer` blocked (always true when logged out).

    A correlated NOT EXISTS on the primary key (blocker_id, blocked_id): no extra statement,
    one index probe per candidate row. A NULL author (a deleted account) is never blocked.
    """
    if not is_signed_in(viewer):
        return true()
    return not_blocked_by_id(viewer.id, author_column)


def not_blocked_by_id(viewer_id: int, author_column: Any) -> ColumnElement[bool]:
    """`not_blocked_by` for a viewer known only by id (the unread badge)."""
    return ~exists().where(Block.blocker_id == viewer_id, Block.blocked_id == author_column)


def has_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` blocked `blocked_id` (one primary-key lookup)."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None


def is_blocked(viewer: Any, target: Any) -> bool:
    """Whether the viewer blocked `target` (False for anonymous viewers and themselves)."""
    if not is_signed_in(viewer) or target is None or viewer.id == target.id:
        return False
    return has_blocked(viewer.id, target.id)


def blocked_ids(viewer: Any) -> set[int]:
    """Everyone the viewer blocked, for filtering lists built outside SQL (search hits)."""
    if not is_signed_in(viewer):
        return set()
    return set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == viewer.id)))


@use_case
def set_block(actor: Any, target: User, *, on: bool) -> bool:
    """Block (on) or unblock (off) `target`; a repeat changes nothing. Returns the new state.

    Private: the blocked member is not told, and nothing they can see changes.
    """
    require(actor, "user.block", target)
    if target.id == actor.id:
        raise Conflict(_l("You cannot block yourself."))
    if not on:
        db.session.execute(delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == target.id))
        return False
    if has_blocked(actor.id, target.id):
        return True
    try:
        with db.session.begin_nested():
            db.session.add(Block(blocker_id=actor.id, blocked_id=target.id, created_at=clock.now()))
    except IntegrityError:
        pass  # a double tap in another request blocked first: the state is what was asked
    return True


def list_blocked(actor: Any, *, cursor: str | None = None, limit: int = 50) -> Page[Block]:
    """The members the actor blocked (one SELECT a page, on the primary key)."""
    require(actor, "user.block")
    query = select(Block).where(Block.blocker_id == actor.id)
    return keyset(query, [(Block.blocked_id, True)], cursor=cursor, limit=limit)


# --- Sensitive words -----------------------------------------------------------------------


def normalise(text: str) -> str:
    """What matching compares: NFKC (full-width letters become ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


@dataclass(frozen=True)
class _Matcher:
    version: int
    pattern: re.Pattern[str] | None


def _current_version() -> int:
    return int(db.session.scalar(select(SensitiveWordState.version).where(SensitiveWordState.id == 1)) or 0)


def _matcher() -> _Matcher:
    """The compiled list, cached per app (process); one primary-key read checks it is current."""
    version = _current_version()
    cached: _Matcher | None = current_app.extensions.get("quanzi_sensitive_words")
    if cached is not None and cached.version == version:
        return cached
    words = sorted(db.session.scalars(select(SensitiveWord.word)), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words)) if words else None
    matcher = _Matcher(version=version, pattern=pattern)
    current_app.extensions["quanzi_sensitive_words"] = matcher
    return matcher


def find_sensitive(*texts: str) -> str | None:
    """The first listed word found in any of `texts` (case-insensitive substring), or None."""
    pattern = _matcher().pattern
    if pattern is None:
        return None
    for text in texts:
        found = pattern.search(normalise(text))
        if found:
            return found.group(0)
    return None


def list_words(actor: Any) -> list[SensitiveWord]:
    """The whole list, alphabetically (an admin page; the list stays small)."""
    require(actor, "safety.manage_words")
    return list(db.session.scalars(select(SensitiveWord).order_by(SensitiveWord.word).limit(5000)))


def _bump_version() -> None:
    db.session.execute(
        update(SensitiveWordState)
        .where(SensitiveWordState.id == 1)
        .values(version=SensitiveWordState.version + 1)
        .execution_options(synchronize_session=False)
    )


def parse_words(text: str) -> list[str]:
    """One word or phrase a line, normalised, blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        word = normalise(" ".join(line.split()))
        if word:
            seen.setdefault(word, None)
    return list(seen)


@use_case
def add_words(actor: Any, text: str) -> list[str]:
    """Add the words of `text` (one a line); returns those that were new. Audited."""
    require(actor, "safety.manage_words")
    words = parse_words(text)
    if not words:
        raise Invalid(fields={"words": _l("Write at least one word or phrase.")})
    if len(words) > MAX_WORDS_PER_ADD:
        raise Invalid(fields={"words": _l("At most %(n)d lines at a time.", n=MAX_WORDS_PER_ADD)})
    too_long = [w for w in words if len(w) > MAX_WORD]
    if too_long:
        raise Invalid(fields={"words": _l("Each line can have at most %(n)d characters.", n=MAX_WORD)})
    existing = set(db.session.scalars(select(SensitiveWord.word).where(SensitiveWord.word.in_(words))))
    added = []
    for word in words:
        if word in existing:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(SensitiveWord(word=word, created_by_id=actor.id, created_at=clock.now()))
        except IntegrityError:
            continue  # another admin added it at the same moment
        added.append(word)
    if added:
        _bump_version()
        audit.record(actor, "safety.words_added", reason="、".join(added)[:500], data={"words": added})
    return added


@use_case
def remove_word(actor: Any, word_id: int) -> str | None:
    """Take a word off the list (gone already: nothing happens). Audited."""
    require(actor, "safety.manage_words")
    word = db.session.get(SensitiveWord, word_id)
    if word is None:
        return None
    text = word.word
    result = db.session.execute(delete(SensitiveWord).where(SensitiveWord.id == word_id))
    if result.rowcount:  # type: ignore[attr-defined]
        _bump_version()
        audit.record(actor, "safety.word_removed", reason=text, data={"word": text})
    return text
