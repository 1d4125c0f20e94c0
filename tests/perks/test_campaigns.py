"""Tier-exclusive campaigns: seen by everyone, locked below the tier (看得见体验不到), open to a trial."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.checkins import services as checkins
from app.checkins.models import Campaign, Checkin
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Forbidden, Invalid
from app.points import ledger
from app.store import services as store
from tests.checkins.factories import make_campaign
from tests.circles.factories import join, make_circle
from tests.helpers import TestClient, make_user

from .factories import at, member_with_points, trial_card

LOCKED = "高级会员专属 · 升级后可参加"


@pytest.fixture
def vip(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign = make_campaign(host, circle, clock.today(), title="高级早起营", days=7, min_tier="advanced")
    return circle, campaign


def checkin_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Checkin)) or 0)


def client_for(app, username: str) -> TestClient:
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login(username)
    return c


def test_host_sets_the_minimum_tier_on_the_form(host, host_client):
    make_circle(host, "reading")
    page = host_client.get("/c/reading/campaigns/new").get_data(as_text=True)
    assert 'name="min_tier"' in page and 'value="advanced"' in page and "高级会员及以上" in page
    fields = {"title": "尊享读书会", "start_date": clock.today().isoformat(), "days": "7"}
    bad = host_client.form("/c/reading/campaigns/new", {**fields, "min_tier": "gold"})
    assert bad.status_code == 422 and "尊享读书会" in bad.get_data(as_text=True)
    assert 'id="min_tier-error"' in bad.get_data(as_text=True)
    ok = host_client.form("/c/reading/campaigns/new", {**fields, "min_tier": "premium"})
    campaign = db.session.scalars(select(Campaign)).one()
    assert ok.status_code == 303 and checkins.campaign_tier(campaign).slug == "premium"
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.create")).one()
    assert audit.data["min_tier"] == "premium"
    everyone = host_client.form("/c/reading/campaigns/new", {**fields, "title": "公开打卡", "min_tier": ""})
    assert everyone.status_code == 303
    assert db.session.scalars(select(Campaign).where(Campaign.title == "公开打卡")).one().min_tier_id is None


def test_unknown_tier_is_invalid_in_the_service(host):
    circle = make_circle(host, "svc")
    with pytest.raises(Invalid) as info:
        make_campaign(host, circle, clock.today(), min_tier="diamond")
    assert "min_tier" in info.value.fields


def test_a_lower_tier_sees_it_locked_and_is_refused(vip, member, member_client):
    circle, campaign = vip
    url = f"/c/{circle.slug}/campaigns/{campaign.id}"
    page = member_client.get(url).get_data(as_text=True)
    assert LOCKED in page and 'data-tier-locked="advanced"' in page
    assert 'href="/tiers"' in page and 'class="checkin-form' not in page
    tab = member_client.get(f"/c/{circle.slug}?tab=checkins").get_data(as_text=True)
    assert "高级早起营" in tab and LOCKED in tab
    mine = member_client.get("/checkins").get_data(as_text=True)
    assert "高级早起营" in mine and LOCKED in mine
    refused = member_client.form(url + "/checkin", {"body": "今天六点起床跑步"})
    assert refused.status_code == 403 and LOCKED in refused.get_data(as_text=True)
    htmx = member_client.form(url + "/checkin", {"body": "今天六点起床跑步"}, htmx=True)
    assert htmx.status_code == 403
    assert checkin_count() == 0
    with pytest.raises(Forbidden):
        checkins.record_checkin(member, campaign, body="直接调用服务也不行")
    db.session.rollback()
    assert checkin_count() == 0


def test_the_tier_and_a_trial_of_it_may_check_in(app, vip, admin):
    circle, campaign = vip
    advanced = make_user("advancedm")
    ledger.adjust_balance(advanced.id, delta=1000, reason="test", actor_id=None)
    trying = member_with_points("trying", 300)
    for user in (advanced, trying):
        join(user, circle)
    card_id = trial_card(admin, "advanced", days=7).id
    url = f"/c/{circle.slug}/campaigns/{campaign.id}"
    c_adv, c_try = client_for(app, "advancedm"), client_for(app, "trying")
    page = c_adv.get(url).get_data(as_text=True)
    assert LOCKED not in page and 'data-tier-exclusive="advanced"' in page and "高级会员专属" in page
    assert c_adv.form(url + "/checkin", {"body": "高级会员打卡成功"}).status_code == 303
    assert c_try.form(url + "/checkin", {"body": "还没有体验卡呢"}).status_code == 403
    store.redeem(db.session.get(type(trying), trying.id), card_id, request_id="req-camp-trial")
    assert LOCKED not in c_try.get(url).get_data(as_text=True)
    assert c_try.form(url + "/checkin", {"body": "用体验卡来打卡啦"}).status_code == 303
    assert checkin_count() == 2


def test_after_the_trial_lapses_the_campaign_locks_again(app, host, admin):
    today = date(2026, 12, 4)
    circle = make_circle(host, "lapse")
    trying = member_with_points("lapsing", 300)
    join(trying, circle)
    campaign = make_campaign(host, circle, today, days=14, min_tier="advanced")
    card_id = trial_card(admin, "advanced", days=3).id
    with clock.freeze(at(today)):
        store.redeem(db.session.get(type(trying), trying.id), card_id, request_id="req-lapse-01")
        assert checkins.record_checkin(trying, campaign, body="第一天用体验卡打卡").created
    with clock.freeze(at(date(2026, 12, 8))), pytest.raises(Forbidden):
        checkins.record_checkin(trying, campaign, body="体验结束以后再打卡")
    db.session.rollback()
    assert checkin_count() == 1


def test_lists_cost_the_same_queries_for_one_or_many_exclusive_campaigns(
    app, host, member, member_client, count_queries
):
    circle = make_circle(host, "many")
    join(member, circle)
    make_campaign(host, circle, clock.today(), title="专属一", min_tier="advanced")
    member_client.get("/checkins")
    with count_queries() as one:
        member_client.get("/checkins")
    for i in range(3):
        make_campaign(host, circle, clock.today(), title=f"专属{i + 2}", min_tier="advanced")
    with count_queries() as four:
        html = member_client.get("/checkins").get_data(as_text=True)
    assert html.count('data-tier-locked="advanced"') == 4
    four.assert_count(one.count)
