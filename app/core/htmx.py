"""The one htmx-or-redirect helper, and safe "back" targets.

A plain form POST answers 303 to where the user came from; the same POST from htmx answers
200 with the fragment to swap (and HX-Trigger events such as `points-changed`). The choice
depends only on the kind of request, never on DOM ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import flash, make_response, redirect, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    """A real htmx partial request (not boosted navigation, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def is_safe_target(target: str | None) -> bool:
    """Same-origin relative paths only: no scheme, no host, no `//evil`, no backslashes."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def back_url(default: str) -> str:
    """Where a plain POST returns to: the form's `next`, else a same-origin Referer."""
    candidate = request.form.get("next") or request.args.get("next")
    if is_safe_target(candidate):
        return str(candidate)
    referrer = request.referrer
    if referrer:
        absolute = urljoin(request.host_url, referrer)
        own = urlsplit(request.host_url)
        parts = urlsplit(absolute)
        if (parts.scheme, parts.netloc) == (own.scheme, own.netloc):
            path = parts.path or "/"
            return path + (f"?{parts.query}" if parts.query else "")
    return default


def _with_triggers(response: Response, triggers: Iterable[str] | dict[str, Any] | None) -> Response:
    if triggers:
        payload = triggers if isinstance(triggers, dict) else {name: True for name in triggers}
        response.headers["HX-Trigger"] = json.dumps(payload)
    return response


def respond(
    fragment: str,
    redirect_to: str,
    *,
    notice: str | None = None,
    triggers: Iterable[str] | dict[str, Any] | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    """Answer a state-changing POST: htmx gets `fragment`, a plain POST a 303 back."""
    if is_htmx():
        response = make_response(render_template(fragment, **context), status)
        return _with_triggers(response, triggers)
    if notice:
        flash(notice, "success")
    return redirect(back_url(redirect_to), code=303)


def page_or_fragment(page: str, fragment: str, *, status: int = 200, **context: Any) -> Response:
    """A GET that htmx may ask for in part (tabs, infinite scroll); browsers get the page."""
    template = fragment if is_htmx() else page
    return make_response(render_template(template, **context), status)


def created(location: str, *, notice: str | None = None) -> Response:
    """A successful create: 303 to the new object's page (htmx follows it as a redirect)."""
    if notice:
        flash(notice, "success")
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
