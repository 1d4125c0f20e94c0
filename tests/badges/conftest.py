"""Badge test fixtures: badges made through the services, captured events, fake counters
and a fake circle directory (circles are another feature's; these stand in for it)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from app.badges import rules, services
from app.badges.models import Badge
from app.core import events, permissions
from tests.helpers import image_bytes


@pytest.fixture
def badge(app: Any, admin: Any) -> Badge:
    return services.define_badge(
        admin,
        name="早起达人",
        description="每天 6 点前起床打卡。",
        criteria="连续 21 天早起。",
        image=io.BytesIO(image_bytes("PNG", (300, 300), (240, 160, 40))),
        image_filename="early.png",
    )


@pytest.fixture
def published(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[events.Event]:
    """Events of the badge feature that were published, in order."""
    seen: list[events.Event] = []
    for kind in (events.BadgeGranted,):
        handlers = (*events.handlers_for(kind), seen.append)
        monkeypatch.setitem(events._table, kind, handlers)
    return seen


@pytest.fixture
def counters(app: Any) -> Iterator[dict[tuple[str, int, int | None], int]]:
    """Fake counters for every automatic rule: set values[(rule, user_id, circle_id)]."""
    values: dict[tuple[str, int, int | None], int] = {}

    def make(rule: str) -> rules.Counter:
        return lambda user_id, circle_id: values.get((rule, user_id, circle_id), 0)

    for rule in ("posts", "featured_posts", "signin_streak", "tier", "campaign_completed"):
        rules.register_counter(rule, make(rule))
    yield values
    for rule in ("posts", "featured_posts", "signin_streak", "tier", "campaign_completed"):
        rules.unregister_counter(rule)


@pytest.fixture
def circles(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, rules.CircleRef]:
    """Two fake circles; hostwang moderates "reading" (id 7)."""
    known = {
        "reading": rules.CircleRef(id=7, slug="reading", name="读书会"),
        "running": rules.CircleRef(id=8, slug="running", name="晨跑团"),
    }
    by_id = {c.id: c for c in known.values()}
    directory = rules.CircleDirectory(
        by_id=by_id.get, by_slug=known.get, of_member=lambda _user_id: list(known.values())
    )
    monkeypatch.setattr(rules, "_directory", directory)

    def moderates(actor: Any, circle_id: int) -> bool:
        return bool(getattr(actor, "username", "") == "hostwang" and circle_id == 7)

    monkeypatch.setitem(permissions._rules, "circle.moderate", moderates)
    return known


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Parse a PNG by hand (an independent reader): [(type, data)], CRCs checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[-1][0] == b"IEND"
    return chunks


def openbadges_itxt(data: bytes) -> str:
    """The text of the `openbadges` iTXt chunk (PNG spec 11.3.4.5), or an AssertionError."""
    for kind, body in png_chunks(data):
        if kind != b"iTXt":
            continue
        keyword, rest = body.split(b"\x00", 1)
        if keyword != b"openbadges":
            continue
        compressed, _method = rest[0], rest[1]
        _language, rest = rest[2:].split(b"\x00", 1)
        _translated, text = rest.split(b"\x00", 1)
        return (zlib.decompress(text) if compressed else text).decode("utf-8")
    raise AssertionError("no openbadges iTXt chunk")
