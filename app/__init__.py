"""Quanzi: the app factory, a short list of configure/register steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import (
    accounts,
    admin,
    badges,
    certificates,
    checkins,
    circles,
    growth,
    leaderboards,
    mail,
    media,
    notifications,
    perks,
    points,
    posts,
    privacy,
    safety,
    search,
    share,
    site,
    store,
    webhooks,
    wiring,
)
from app.accounts.cli import users_cli
from app.accounts.services import load_user_from_session
from app.accounts.views import unauthorized
from app.badges.cli import badges_cli
from app.benchseed.cli import seed_bench_command
from app.checkins.cli import campaigns_cli
from app.core.cli import backup_command
from app.core.db import configure_sqlite, db
from app.core.deferred import configure_deferred
from app.core.error_pages import configure_errors
from app.core.i18n import configure_i18n
from app.core.pagecache import configure_page_cache
from app.core.security import configure_security
from app.core.templating import PageEnvironment, configure_templates
from app.demo import seed_demo_command
from app.extensions import csrf, htmx, limiter, login_manager, migrate
from app.leaderboards.cli import leaderboards_cli
from app.mail.cli import mail_cli
from app.perks.cli import perks_cli
from app.points.cli import points_cli
from app.privacy.cli import exports_cli
from app.search.cli import search_cli
from app.webhooks.cli import webhooks_cli
from config import build_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    config = build_config(overrides)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config["QUANZI_INSTANCE_DIR"],
    )
    app.jinja_environment = PageEnvironment  # before anything touches app.jinja_env
    app.config.update(config)
    configure_extensions(app)
    configure_i18n(app, str(ROOT / "translations"))
    configure_security(app)
    configure_errors(app)
    configure_templates(app)
    register_blueprints(app)
    register_cli(app)
    wiring.install()
    configure_deferred(app)
    configure_page_cache(app)  # last: its hooks wrap everyone else's
    return app


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user_from_session)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    for feature in (
        site,
        accounts,
        media,
        circles,
        posts,
        notifications,
        points,
        store,
        badges,
        certificates,
        checkins,
        leaderboards,
        webhooks,
        mail,
        search,
        safety,
        growth,
        perks,
        privacy,
        share,
        admin,
    ):
        app.register_blueprint(feature.bp)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bench_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(points_cli)
    app.cli.add_command(badges_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(leaderboards_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(perks_cli)
    app.cli.add_command(exports_cli)
