"""Privacy fixtures: a member with something of everything, built through the services."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, current_app

from app.badges import services as badges
from app.core import clock
from app.posts import services as posts
from app.privacy import exports
from app.store import services as store
from tests.checkins.factories import check_in, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import image_bytes
from tests.store.factories import make_item


@pytest.fixture(autouse=True)
def _wait_for_export_threads(app: Flask) -> Iterator[None]:
    """Background builds must end before the test's database goes away."""
    yield
    assert exports.wait_for_threads(60), "an export thread is still running"


@pytest.fixture
def no_threads(app: Flask) -> Iterator[None]:
    """Deployments with a worker may keep the web process out of it; tests use this too."""
    # Requests run in `app`, test code in its twin (current_app here): switch both.
    configs = [app.config, current_app.config]
    for config in configs:
        config["EXPORTS_IN_PROCESS"] = False
    yield
    for config in configs:
        config["EXPORTS_IN_PROCESS"] = True


@dataclass
class Data:
    circle: Any
    posts: list[Any]
    comment: Any
    checkin: Any
    order: Any
    certificate: Any


@pytest.fixture
def data(app: Flask, member: Any, host: Any, admin: Any) -> Data:
    circle = make_circle(host, slug="reading", name="读书会")
    join(member, circle)
    first = make_post(
        member, circle, body="今天读完了**《活着》**，很受触动。", title="读书笔记：活着", image_count=2
    )
    second = make_post(member, circle, body="第二篇，没有图片。", title="")
    comment = posts.create_comment(member, first, body="补充一句：推荐大家读。")
    today = clock.today()
    campaign = make_campaign(host, circle, today, title="早起打卡")
    now = clock.now()
    result = check_in(
        member,
        campaign,
        now,
        body="六点起床，读了二十页",
        image=io.BytesIO(image_bytes("JPEG", (120, 90))),
        image_filename="morning.jpg",
    )
    item = make_item(admin, title="帆布袋", points_cost=5, kind="virtual", stock=5)
    order = store.redeem(member, item.id, request_id="req-export-0001").order
    badge = badges.define_badge(admin, name="读书达人", description="读完十本书。")
    grant = badges.grant_badge(badge, member, actor=admin, reason="读书会全勤", certificate=True)
    assert now - clock.now() < timedelta(minutes=1)
    return Data(circle, [first, second], comment, result.checkin, order, grant.certificate)


def open_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))
