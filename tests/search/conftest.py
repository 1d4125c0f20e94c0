"""Search fixtures: every test runs once per backend the database in use can serve.

On SQLite only Whoosh can run (PostgreSQL full-text search needs PostgreSQL); with
TEST_DATABASE_URL set the same tests run for both backends.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask, current_app

from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user

BACKENDS = ["whoosh", "postgres"] if os.environ.get("TEST_DATABASE_URL") else ["whoosh"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, app: Flask) -> str:
    """The search backend under test, set on the request app and the test code's twin."""
    name: str = request.param
    app.config["SEARCH_BACKEND"] = name
    current_app.config["SEARCH_BACKEND"] = name
    return name


@pytest.fixture
def world(app: Flask, backend: str, host: Any, member: Any) -> dict[str, Any]:
    """A public and a private circle with posts, the member belonging to the private one."""
    public = make_circle(host, "reading", name="周末生活")
    private = make_circle(host, "secret", name="私密小组", visibility="private")
    join(member, public)
    join(member, private)
    outsider = make_user("outsider", display_name="路人")
    join(outsider, public)
    return {
        "public": public,
        "private": private,
        "outsider": outsider,
        "pub_post": make_post(host, public, "周末我们在小区里组织了跑步活动，欢迎大家参加", title="周末活动"),
        "secret_post": make_post(host, private, "私密圈子里的跑步训练计划，只给成员看", title="训练计划"),
    }
