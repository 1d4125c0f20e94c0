"""Unbound Flask extensions; `create_app` binds them. Nothing else instantiates these."""

from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from app.core.db import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
htmx = HTMX()

__all__ = ["babel", "csrf", "db", "htmx", "limiter", "login_manager", "migrate"]
