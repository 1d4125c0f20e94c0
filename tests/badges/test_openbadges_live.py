"""Open Badges 2.0 on the live server (gunicorn + seed-demo data): the documents resolve
over real HTTP, and IMS Global's own validator (`badgecheck`, module openbadges.verifier)
accepts the hosted assertion and the baked PNG for the holder's email, and refuses a revoked
one. w3id.org is unreachable here, so a document loader serves the JSON-LD context that
badgecheck ships in `openbadges_context.py`."""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.badges.conftest import openbadges_itxt
from tests.helpers import csrf_from

DEMO_PASSWORD = "quanzi-demo-2026"
CODE_RE = re.compile(r'href="/certificates/([A-Za-z0-9_-]{16,32})"')


def fetch(url: str, opener: Any = None) -> tuple[int, bytes, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get_content_type()


def certificate_code(base: str, username: str) -> str:
    status, body, _ = fetch(f"{base}/u/{username}")
    assert status == 200
    match = CODE_RE.search(body.decode())
    assert match, f"no certificate linked from {username}'s profile"
    return match.group(1)


def test_documents_resolve_on_the_live_server(live_server: str) -> None:
    code = certificate_code(live_server, "zhaoyue")
    status, body, kind = fetch(f"{live_server}/certificates/{code}.json")
    assert status == 200 and kind == "application/json"
    assertion = json.loads(body)
    assert assertion["id"] == f"{live_server}/certificates/{code}.json"
    status, body, _ = fetch(assertion["badge"])
    badge_class = json.loads(body)
    assert status == 200 and badge_class["type"] == "BadgeClass" and badge_class["id"] == assertion["badge"]
    status, body, _ = fetch(badge_class["issuer"])
    issuer = json.loads(body)
    assert status == 200 and issuer["type"] == "Issuer" and issuer["name"] == "圈子"
    for image_url in (badge_class["image"], assertion["image"]):
        status, body, kind = fetch(image_url)
        assert status == 200 and kind == "image/png" and body[:4] == b"\x89PNG"
    status, png, _ = fetch(assertion["image"])
    assert json.loads(openbadges_itxt(png)) == assertion


@contextmanager
def third_party_deprecations_ignored() -> Iterator[None]:
    """badgecheck 1.2 predates its dependencies' current APIs (rfc3986, future): their
    DeprecationWarnings are not ours to fix, and the suite turns warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        yield


@pytest.fixture(scope="module")
def verifier() -> Any:
    with third_party_deprecations_ignored():
        verifier = pytest.importorskip(
            "openbadges.verifier.verifier",
            reason="IMS Global's badgecheck (module openbadges) is not installed in this environment",
        )
        from openbadges.verifier.openbadges_context import (
            OPENBADGES_CONTEXT_V2_DICT,
            OPENBADGES_CONTEXT_V2_URI,
        )
        from openbadges.verifier.utils import CachableDocumentLoader

    class OfflineContexts(CachableDocumentLoader):  # type: ignore[misc]
        """Serves the Open Badges JSON-LD context from the package; the rest over HTTP."""

        def __call__(self, url: str, options: Any = None) -> Any:
            if url.rstrip("/") == OPENBADGES_CONTEXT_V2_URI.rstrip("/"):
                return {"contextUrl": None, "documentUrl": url, "document": OPENBADGES_CONTEXT_V2_DICT}
            return super().__call__(url)

    def verify(badge_input: Any, email: str) -> dict[str, Any]:
        options = dict(verifier.DEFAULT_OPTIONS, use_cache=False)
        options["jsonld_options"] = {"documentLoader": OfflineContexts(use_cache=False)}
        with third_party_deprecations_ignored():
            store = verifier.verification_store(badge_input, {"email": email}, options=options)
            return verifier.generate_report(store, options=options)["report"]

    return verify


def test_badgecheck_accepts_hosted_and_baked(live_server: str, verifier: Any) -> None:
    code = certificate_code(live_server, "zhaoyue")
    hosted = verifier(f"{live_server}/certificates/{code}.json", "zhaoyue@demo.example.com")
    assert hosted["valid"] is True and hosted["errorCount"] == 0, hosted["messages"]
    assert hosted["openBadgesVersion"] == "2.0"
    _, png, _ = fetch(f"{live_server}/certificates/{code}.png")
    baked = verifier(io.BytesIO(png), "zhaoyue@demo.example.com")
    assert baked["valid"] is True and baked["errorCount"] == 0, baked["messages"]
    stranger = verifier(f"{live_server}/certificates/{code}.json", "someone@example.com")
    assert stranger["valid"] is False


def test_badgecheck_refuses_a_revoked_certificate(live_server: str, verifier: Any) -> None:
    code = certificate_code(live_server, "tangmin")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, login_page, _ = fetch(f"{live_server}/auth/login", opener)
    token = csrf_from(login_page.decode())
    form = {"login": "admin", "password": DEMO_PASSWORD, "csrf_token": token}
    opener.open(f"{live_server}/auth/login", urllib.parse.urlencode(form).encode(), timeout=10)
    _, page, _ = fetch(f"{live_server}/certificates/{code}", opener)
    token = csrf_from(page.decode())
    data = urllib.parse.urlencode({"reason": "测试撤销", "csrf_token": token}).encode()
    with opener.open(f"{live_server}/admin/certificates/{code}/revoke", data, timeout=10) as response:
        assert response.status == 200 and response.url.endswith(f"/certificates/{code}")
    status, body, _ = fetch(f"{live_server}/certificates/{code}.json")
    assert status == 410 and json.loads(body)["revoked"] is True
    report = verifier(f"{live_server}/certificates/{code}.json", "tangmin@demo.example.com")
    # badgecheck 1.2 reads the 410 body ({"revoked": true, ...}, no recipient or badge) and
    # refuses it; the holder's email no longer verifies.
    assert report["valid"] is False and report["errorCount"] > 0
