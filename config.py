"""Configuration from the environment, so one code base runs embedded and scaled out.

Every variable in SPEC section 3 and 4 is read here and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def instance_dir() -> Path:
    return Path(os.environ.get("QUANZI_INSTANCE_DIR", "instance")).resolve()


def load_secret_key(directory: Path) -> str:
    """Read the instance's secret key, creating it once.

    Several workers may start at the same moment: the key is written to a temporary file and
    hard-linked into place, which fails if another process won the race, so all of them end
    up reading the same key.
    """
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Flask config mapping for this process's environment (plus test overrides)."""
    overrides = dict(overrides or {})
    inst = Path(overrides.get("QUANZI_INSTANCE_DIR") or instance_dir())
    inst.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{inst / 'quanzi.db'}"
    redis_url = os.environ.get("REDIS_URL") or None
    base_url = (os.environ.get("QUANZI_BASE_URL") or "").rstrip("/") or None
    is_postgres = database_url.startswith("postgresql")
    cfg: dict[str, Any] = {
        "QUANZI_INSTANCE_DIR": str(inst),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if is_postgres else {},
        "REDIS_URL": redis_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "QUANZI_TIMEZONE": os.environ.get("QUANZI_TIMEZONE", "Asia/Shanghai"),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        # Whole-page cache of the main reads (app/core/pagecache.py), per worker process.
        "PAGE_CACHE_ENABLED": env_bool("PAGE_CACHE_ENABLED", True),
        "PAGE_CACHE_PAGES": env_int("PAGE_CACHE_PAGES", 512),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Several sites (or test runs) sharing one Redis keep their counters apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        "QUANZI_BASE_URL": base_url,
        "QUANZI_PROXY_HOPS": env_int("QUANZI_PROXY_HOPS", 0),
        "QUANZI_ICP": os.environ.get("QUANZI_ICP") or None,
        "QUANZI_SITE_NAME": os.environ.get("QUANZI_SITE_NAME") or None,
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND") or ("postgres" if is_postgres else "whoosh"),
        "QUANZI_WEBHOOK_ALLOW_PRIVATE": env_bool("QUANZI_WEBHOOK_ALLOW_PRIVATE", False),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or None,
        # Uploads: one request may carry 9 images and a few attachments.
        "MAX_CONTENT_LENGTH": env_int("QUANZI_MAX_REQUEST_MB", 64) * 1024 * 1024,
        "QUANZI_MAX_IMAGE_BYTES": 10 * 1024 * 1024,
        "QUANZI_MAX_ATTACHMENT_BYTES": 20 * 1024 * 1024,
        "UPLOAD_DIR": str(inst / "uploads"),
        # CSRF tokens live as long as the session: a phone tab left open overnight keeps working.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": bool(base_url and base_url.startswith("https://")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": bool(base_url and base_url.startswith("https://")),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("QUANZI_TIMEZONE", "Asia/Shanghai"),
        # Production cost of argon2id; tests lower it (see tests/conftest.py).
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "SEND_FILE_MAX_AGE_DEFAULT": 60 * 60 * 24 * 365,
    }
    cfg.update(overrides)
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = load_secret_key(Path(cfg["QUANZI_INSTANCE_DIR"]))
    return cfg
