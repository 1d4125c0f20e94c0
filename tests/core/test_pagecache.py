"""The whole-page cache: pages come from memory only while nothing was written since."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.core import clock
from app.core.db import db
from app.core.pagecache import current_generation
from app.posts import services as posts
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import csrf_from


@pytest.fixture(autouse=True)
def _one_minute() -> Any:
    """The minute is part of a page's key: a test whose two requests straddle a minute
    boundary would see a miss where it expects a hit. Time stands still unless a test moves it."""
    with clock.freeze(clock.now().replace(second=1)):
        yield


@pytest.fixture
def circle(host: Any, member: Any) -> Any:
    circle = make_circle(host)
    join(member, circle)
    make_post(host, circle, body="第一篇")
    return circle


def _state(response: Any) -> str | None:
    return response.headers.get("X-Page-Cache")


def test_second_view_is_served_from_memory_in_one_statement(circle, member_client, count_queries):
    first = member_client.get("/c/reading")
    assert first.status_code == 200 and _state(first) == "miss"
    with count_queries() as hit:
        second = member_client.get("/c/reading")
    assert _state(second) == "hit"
    # The lazy birthday check loads the member; the cache reads its counter: nothing else.
    assert hit.count == 2
    assert "第一篇" in second.get_data(as_text=True)


def test_any_write_shows_on_the_next_view(circle, host, member, member_client):
    member_client.get("/c/reading")
    assert _state(member_client.get("/c/reading")) == "hit"
    make_post(host, circle, body="刚刚发的新帖")
    fresh = member_client.get("/c/reading")
    assert _state(fresh) == "miss" and "刚刚发的新帖" in fresh.get_data(as_text=True)
    # A like through the page itself (htmx) shows in the count on the next full view.
    post_id = posts.circle_feed(member, circle).items[0].id
    liked = member_client.form(f"/c/reading/p/{post_id}/like", {"state": "on"}, htmx=True)
    assert liked.status_code == 200
    page = member_client.get(f"/c/reading/p/{post_id}")
    assert _state(page) == "miss" and 'aria-pressed="true"' in page.get_data(as_text=True)


def test_reads_and_rolled_back_writes_leave_the_counter_alone(app, circle, member_client):
    before = current_generation()
    member_client.get("/c/reading")
    member_client.get("/leaderboards")
    db.session.rollback()
    assert current_generation() == before
    db.session.execute(text("UPDATE post SET like_count = like_count + 1"))
    db.session.rollback()
    assert current_generation() == before
    db.session.execute(text("UPDATE post SET like_count = like_count + 1"))
    db.session.commit()
    assert current_generation() == before + 1


def test_each_viewer_has_their_own_page(circle, host, member, member_client, anon):
    private = make_circle(host, "inner", visibility="private")
    make_post(host, private, body="圈内机密")
    assert "圈内机密" not in member_client.get("/c/inner").get_data(as_text=True)  # not a member
    owner_client = type(member_client)(member_client.application)
    owner_client.login(host.username)
    owner_page = owner_client.get("/c/inner")
    assert "圈内机密" in owner_page.get_data(as_text=True)
    assert _state(owner_client.get("/c/inner")) == "hit"
    # Neither the member nor a visitor gets the host's cached page.
    assert "圈内机密" not in member_client.get("/c/inner").get_data(as_text=True)
    assert "圈内机密" not in anon.get("/c/inner").get_data(as_text=True)
    home = member_client.get("/")
    assert member.display_name in home.get_data(as_text=True)
    assert member.display_name not in anon.get("/").get_data(as_text=True)


def test_a_cached_page_carries_the_requesters_own_csrf_token(circle, app):
    first, second = app.test_client(), app.test_client()
    page_one = first.get("/c/reading").get_data(as_text=True)
    served = second.get("/c/reading")
    assert _state(served) == "hit"
    token_one, token_two = csrf_from(page_one), csrf_from(served.get_data(as_text=True))
    assert token_one and token_two and token_one != token_two
    # The second browser's token works for its own session (the language switch is a POST).
    switched = second.post("/lang", data={"csrf_token": token_two, "lang": "en", "next": "/"})
    assert switched.status_code == 303
    english = second.get("/c/reading")
    assert _state(english) == "miss" and 'lang="en"' in english.get_data(as_text=True)


def test_htmx_fragments_and_full_pages_are_kept_apart(circle, member_client):
    full = member_client.get("/c/reading")
    fragment = member_client.get("/c/reading", headers={"HX-Request": "true", "HX-Target": "feed"})
    assert "<html" in full.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    again = member_client.get("/c/reading", headers={"HX-Request": "true", "HX-Target": "feed"})
    assert _state(again) == "hit" and "<html" not in again.get_data(as_text=True)


def test_flashes_and_time_move_the_page_on(circle, host, member_client):
    member_client.get("/c/reading")
    assert _state(member_client.get("/c/reading")) == "hit"
    later = clock.now() + timedelta(minutes=5)
    with clock.freeze(later):
        moved = member_client.get("/c/reading")
    assert _state(moved) == "miss"
    with member_client.session_transaction() as session:
        session["_flashes"] = [("success", "已保存")]
    flashed = member_client.get("/c/reading")
    assert _state(flashed) is None and "已保存" in flashed.get_data(as_text=True)


def test_uncached_pages_and_disabled_cache(circle, member_client, app):
    assert _state(member_client.get("/notifications")) is None
    app.extensions.pop("page_cache")
    member_client.get("/c/reading")
    assert _state(member_client.get("/c/reading")) is None


def test_concurrent_writers_each_bump_the_counter_once(app, circle, host):
    """Every committed write moves the counter: no two writers can leave it at one value."""
    before = current_generation()
    writers = 6
    errors: list[BaseException] = []

    def write(n: int) -> None:
        with app.app_context():
            try:
                for attempt in range(20):
                    try:
                        db.session.execute(
                            text("UPDATE circle SET description = :d WHERE slug = 'reading'"), {"d": f"w{n}"}
                        )
                        db.session.commit()
                        return
                    except Exception:  # SQLite: database is locked; try again
                        db.session.rollback()
                        threading.Event().wait(0.05 * (attempt + 1))
                raise AssertionError("writer never committed")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.rollback()
    assert current_generation() == before + writers


def test_savepoints_bump_once_and_queue_bookkeeping_not_at_all(app, circle):
    before = current_generation()
    with db.session.begin_nested():
        db.session.execute(text("UPDATE post SET like_count = like_count + 1"))
    with db.session.begin_nested():
        db.session.execute(text("UPDATE post SET like_count = like_count + 1"))
    db.session.commit()
    assert current_generation() == before + 1, "one commit, however many savepoints inside"
    # Draining the search queue changes nothing a page shows: the cached pages stay valid.
    db.session.execute(text("DELETE FROM search_queue"))
    db.session.commit()
    assert current_generation() == before + 1


def test_the_admin_dashboard_is_cached_per_admin_until_a_write(app, admin, admin_client, member_client):
    from app.admin import services as admin_services
    from tests.helpers import make_user

    assert _state(admin_client.get("/admin/")) == "miss"
    cached = admin_client.get("/admin/")
    assert cached.status_code == 200 and _state(cached) == "hit"
    assert member_client.get("/admin/").status_code == 403, "a member never gets the admin's copy"
    other = make_user("admin2", role="admin")
    db.session.commit()
    admin_services.change_role(other, admin, "member", reason="rotation")
    assert admin_client.get("/admin/").status_code == 403, "the role change was a write: no stale copy"
