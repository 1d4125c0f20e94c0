"""Language choice (cookie, then Accept-Language, then Chinese) and the site time zone."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request

from app.extensions import babel

LANGUAGES = ("zh", "en")
LANG_COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():  # CLI commands and background work speak Chinese
        return "zh"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    # "zh_CN" must be offered too: best_match(["zh_Hans_CN", ...]) misses Chrome's zh-CN.
    match = request.accept_languages.best_match(["zh", "zh_CN", "zh_TW", "en"])
    if match and match.startswith("en"):
        return "en"
    return "zh"


def select_timezone() -> str:
    return str(current_app.config["QUANZI_TIMEZONE"])


def configure_i18n(app: Flask, translations_dir: str) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations_dir
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
