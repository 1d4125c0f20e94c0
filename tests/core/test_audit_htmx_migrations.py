"""The audit writer, the htmx-or-redirect helper, and migrations matching the models."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Blueprint, render_template_string
from sqlalchemy.exc import SAWarning

from app.core import audit
from app.core.db import Base, db, use_case
from app.core.htmx import back_url, created, is_safe_target, respond
from tests.helpers import make_user


def test_audit_record_and_filters(app):
    admin = make_user("auditor", role="admin")
    target = make_user("targeted")

    @use_case
    def act() -> None:
        audit.record(admin, "user.set_role", target, reason="promoted", data={"to": "host"})
        audit.record(admin, "circle.archive", None, circle_id=7)
        audit.record(None, "system.cleanup", None)

    act()
    entries = audit.list_entries()
    assert [e.action for e in entries] == ["system.cleanup", "circle.archive", "user.set_role"]
    first = entries[-1]
    assert (first.actor_id, first.target_type, first.target_id, first.reason) == (
        admin.id,
        "user_account",
        target.id,
        "promoted",
    )
    assert first.data == {"to": "host"} and first.created_at.tzinfo is not None
    assert [e.action for e in audit.list_entries(circle_id=7)] == ["circle.archive"]
    assert [e.action for e in audit.list_entries(actor_id=admin.id, action="user.set_role")] == [
        "user.set_role"
    ]
    assert [e.action for e in audit.list_entries(before_id=entries[0].id, limit=1)] == ["circle.archive"]


@pytest.fixture
def demo_routes(app):
    bp = Blueprint("respond_test", __name__)

    @bp.post("/_r/toggle")
    def toggle():
        return respond(
            "_partials/error.html",
            "/fallback",
            notice="done",
            triggers=["points-changed"],
            status=200,
            message="fragment!",
        )

    @bp.post("/_r/create")
    def create():
        return created("/things/1", notice="made")

    @bp.get("/_r/back")
    def back():
        return render_template_string("{{ url }}", url=back_url("/default"))

    app.register_blueprint(bp)
    return app


def test_respond_redirects_plain_posts_back(demo_routes, client):
    response = client.form("/_r/toggle", {"next": "/me"})
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    response = client.form("/_r/toggle", headers={"Referer": "http://localhost/privacy?x=1"})
    assert response.headers["Location"] == "/privacy?x=1"
    response = client.form(
        "/_r/toggle", {"next": "https://evil.example/"}, headers={"Referer": "https://evil.example/p"}
    )
    assert response.headers["Location"] == "/fallback"


def test_respond_gives_htmx_the_fragment_and_triggers(demo_routes, client):
    response = client.form("/_r/toggle", htmx=True)
    assert response.status_code == 200
    assert "fragment!" in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == '{"points-changed": true}'
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_and_history_restore_requests_get_full_behaviour(demo_routes, client):
    response = client.form("/_r/toggle", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 303


def test_created_redirects_303_or_hx_redirect(demo_routes, client):
    assert client.form("/_r/create").headers["Location"] == "/things/1"
    response = client.form("/_r/create", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/things/1"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/a/b?c=1", True),
        ("//evil", False),
        ("https://x", False),
        ("/\\x", False),
        ("a/b", False),
        ("", False),
        (None, False),
        ("/x\ny", False),
    ],
)
def test_safe_targets(target, safe):
    assert is_safe_target(target) is safe


def test_migrations_match_the_models(app):
    """`db upgrade` builds exactly the schema the models describe, on this database."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # Expression indexes cannot be reflected on SQLite: SQLAlchemy and Alembic warn.
        warnings.simplefilter("ignore", SAWarning)
        warnings.filterwarnings("ignore", "autogenerate skipping", UserWarning)
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    # Expression indexes (lower(username)) cannot be reflected on SQLite; they are not diffs.
    diffs = [
        d
        for d in diffs
        if not (isinstance(d, tuple) and d[0] in {"add_index", "remove_index"} and "lower" in str(d[1]))
    ]
    assert diffs == [], diffs
