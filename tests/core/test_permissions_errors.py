"""can()/require() and the mapping of domain errors to responses."""

from __future__ import annotations

import pytest
from flask import Blueprint

from app.core import permissions
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.permissions import can, policy, require
from tests.helpers import make_user


@policy("test.only_owner")
def _only_owner(actor, target) -> bool:
    return actor is not None and actor.id == target


@policy("test.secret", hide=True)
def _secret(actor, target) -> bool:
    return False


def test_can_and_require(app):
    user = make_user("owner1")
    assert can(user, "test.only_owner", user.id)
    assert not can(user, "test.only_owner", user.id + 1)
    with pytest.raises(Forbidden):
        require(user, "test.only_owner", user.id + 1)
    with pytest.raises(NotFound):
        require(user, "test.secret")


def test_unknown_action_is_a_programming_error(app):
    with pytest.raises(LookupError):
        can(None, "no.such.action")


def test_a_policy_cannot_be_defined_twice():
    with pytest.raises(ValueError):
        policy("test.only_owner")(lambda a, t: True)


def test_admin_helpers(app):
    admin = make_user("boss11", role="admin")
    member = make_user("pleb11")
    assert permissions.is_admin(admin) and not permissions.is_admin(member)
    assert not permissions.is_admin(None)


@pytest.fixture
def error_routes(app):
    bp = Blueprint("errors_test", __name__)

    @bp.route("/_t/<kind>", methods=["GET", "POST"])
    def raise_it(kind: str):
        raise {
            "invalid": Invalid("bad input"),
            "forbidden": Forbidden(),
            "missing": NotFound(),
            "conflict": Conflict("sold out"),
        }[kind]

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize(
    ("kind", "status", "text"),
    [
        ("invalid", 422, "bad input"),
        ("forbidden", 403, "没有权限"),
        ("missing", 404, "页面不存在"),
        ("conflict", 409, "sold out"),
    ],
)
def test_domain_errors_become_pages(error_routes, client, kind, status, text):
    response = client.get(f"/_t/{kind}")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)


def test_domain_errors_become_fragments_for_htmx(error_routes, client):
    response = client.get("/_t/conflict", headers={"HX-Request": "true"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "<html" not in body and "sold out" in body and 'class="toast' in body
    assert response.headers["HX-Reswap"] == "none"
