"""Configuration from the environment, the secret key, CLI commands, translations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.points.models import PointsEntry, SignIn
from app.points.tiers import get_effective_tier
from app.store.models import Order, StoreItem
from config import build_config, load_secret_key

ROOT = Path(__file__).resolve().parents[2]


def test_environment_drives_the_config(monkeypatch, tmp_path):
    monkeypatch.setenv("QUANZI_INSTANCE_DIR", str(tmp_path / "inst"))
    monkeypatch.setenv("QUANZI_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("QUANZI_BASE_URL", "https://q.example.com/")
    monkeypatch.setenv("QUANZI_PROXY_HOPS", "1")
    monkeypatch.setenv("QUANZI_ICP", "沪ICP备1号")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    cfg = build_config()
    assert cfg["QUANZI_INSTANCE_DIR"] == str(tmp_path / "inst")
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'quanzi.db'}"
    assert cfg["QUANZI_TIMEZONE"] == "Europe/Berlin"
    assert cfg["RATELIMIT_ENABLED"] is False
    assert cfg["QUANZI_BASE_URL"] == "https://q.example.com"
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["QUANZI_PROXY_HOPS"] == 1
    assert cfg["QUANZI_ICP"] == "沪ICP备1号"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert cfg["SEARCH_BACKEND"] == "whoosh"
    assert cfg["WTF_CSRF_TIME_LIMIT"] is None
    assert (tmp_path / "inst" / "secret_key").exists()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.delenv("REDIS_URL")
    cfg = build_config()
    assert cfg["SEARCH_BACKEND"] == "postgres" and cfg["RATELIMIT_STORAGE_URI"] == "memory://"


def test_secret_key_is_created_once_even_under_a_race(tmp_path):
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(load_secret_key(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) > 40
    assert load_secret_key(tmp_path) == keys[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".secret_key")], "no temp files left"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def create_args(username: str, email: str, role: str) -> list[str]:
    return [
        "users",
        "create",
        "--username",
        username,
        "--email",
        email,
        "--password",
        "long-enough-1",
        "--role",
        role,
    ]


def test_users_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=create_args("cliadmin", "c@example.com", "admin"))
    assert result.exit_code == 0, result.output
    assert "created cliadmin (admin)" in result.output
    assert db.session.scalar(select(User.role).where(User.username == "cliadmin")) == "admin"
    again = runner.invoke(args=create_args("cliadmin", "d@example.com", "member"))
    assert again.exit_code == 1 and "username" in again.output


def test_seed_demo_is_believable_and_runs_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    users = db.session.scalars(select(User)).all()
    assert len(users) >= 10
    assert all(u.avatar_id for u in users)
    assert any(u.display_name == "林夕" and u.role == "host" for u in users)
    assert any(u.role == "admin" for u in users)
    # The points economy: the books balance, every tier has members, sign-in streaks run,
    # the store has every kind there is a feature for, and orders sit in every status.
    audit = runner.invoke(args=["points", "audit"])
    assert audit.exit_code == 0, audit.output
    tiers = {get_effective_tier(u).slug for u in users if u.role != "admin"}
    assert tiers == {"normal", "advanced", "premium"}
    assert db.session.scalar(select(func.max(SignIn.streak))) >= 14
    assert db.session.scalar(select(func.count()).select_from(PointsEntry)) > 300
    kinds = set(db.session.scalars(select(StoreItem.kind)))
    assert {"physical", "coupon", "virtual", "tier_trial"} <= kinds
    assert db.session.scalar(select(func.count()).where(StoreItem.min_tier_id.is_not(None))) >= 1
    assert all(item.image_id for item in db.session.scalars(select(StoreItem)))
    orders = db.session.scalars(select(Order)).all()
    assert {o.status for o in orders} == {"pending", "shipped", "cancelled", "done"}
    assert all(o.tracking_no for o in orders if o.status == "shipped")
    assert any(o.coupon_code for o in orders if o.status == "done")
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == len(users)


def test_backup_writes_a_consistent_copy(app, tmp_path):
    from tests.helpers import make_user

    make_user("backup1")
    runner = app.test_cli_runner()
    target = tmp_path / "copy" / "quanzi.db"
    result = runner.invoke(args=["backup", str(target)])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code == 2 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("select username from user_account").fetchall() == [("backup1",)]
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)


def test_every_message_has_a_chinese_translation():
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 message(s) without a Chinese translation" in result.stdout


def test_the_translation_catalogue_lives_in_zh(app, client):
    assert (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.mo").exists()
    assert "欢迎回来" in client.get(
        "/auth/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    ).get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/auth/login", "/auth/register", "/privacy", "/terms", "/nope"])
def test_pages_render_in_english(client, url):
    html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Home" in html
    assert not any(word in html for word in ("首页", "登录", "注册")), "no Chinese UI strings in English"
