"""The demo's reading circle carries weekly board prizes with past winners, ledger clean."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import db
from app.demo import seed_all
from app.leaderboards import prizes
from app.leaderboards.models import PrizePayout
from app.points import ledger


def test_demo_board_has_prizes_and_past_winners(app):
    ctx = seed_all()
    scope = prizes.services.resolve_scope(None, "reading")
    offered = prizes.list_prizes(scope)
    assert [(p.rank_from, p.kind, p.amount) for p in offered] == [
        (1, "points", 300),
        (2, "points", 200),
        (3, "item", 0),
    ]
    payouts = db.session.scalars(select(PrizePayout)).all()
    assert len(payouts) >= 3 and all(p.status == "paid" for p in payouts)
    assert {p.user_id for p in payouts} <= {u.id for u in ctx["users"].values()}
    assert prizes.list_payouts(scope).items[0].rank == 1
    assert ledger.find_discrepancies() == []
