"""Throughput under gunicorn: 2 workers on a free loopback port, a small keep-alive load generator.

Each target is hammered for a fixed time by a few threads (http.client, reconnecting when the
worker closes the connection). `/healthz` of the same server in the same run is the ceiling:
every route is reported as requests per second and as a ratio to it.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`gunicorn wsgi:app` with 2 workers, stopped by its own process id."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "RATELIMIT_ENABLED": "false"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.cmd = [
            str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
            "--log-level", "warning", "--chdir", str(ROOT), "wsgi:app",
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _body, _headers = request(self.port, "GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *_exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: str | None = None,
    cookie: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, str, list[tuple[str, str]]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = {"Cookie": cookie, **(headers or {})} if cookie else dict(headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, data, response.getheaders()


def login_cookie(port: int, username: str, password: str) -> str:
    """Log in through the real form (CSRF token included); returns the Cookie header value."""
    status, page, headers = request(port, "GET", "/auth/login")
    cookie = _cookies(headers, "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if status != 200 or token is None:
        raise RuntimeError("could not read the login form")
    form = urllib.parse.urlencode({"login": username, "password": password, "csrf_token": token.group(1)})
    status, _page, headers = request(
        port, "POST", "/auth/login", body=form, cookie=cookie,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/auth/login"},
    )  # fmt: skip
    if status not in (302, 303):
        raise RuntimeError(f"login as {username} answered {status}")
    return _cookies(headers, cookie)


def _cookies(headers: list[tuple[str, str]], previous: str) -> str:
    jar = dict(part.split("=", 1) for part in previous.split("; ") if "=" in part)
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def hammer(port: int, path: str, *, seconds: float, threads: int, cookie: str = "") -> dict[str, Any]:
    """Requests per second for `path` over `seconds` with `threads` keep-alive clients."""
    done = [0] * threads
    redirects = [0] * threads
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn: http.client.HTTPConnection | None = None
        headers = {"Cookie": cookie} if cookie else {}
        while time.monotonic() < stop:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                # A redirect (the store sends visitors to the login page) is an answer too.
                if response.status < 400:
                    done[n] += 1
                    redirects[n] += response.status >= 300
                else:
                    errors[n] += 1
                if response.getheader("Connection", "").lower() == "close" or response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "path": path,
        "requests": sum(done),
        "redirects": sum(redirects),
        "errors": sum(errors),
        "rps": round(sum(done) / elapsed, 1),
    }


def run_throughput(
    meta: dict[str, Any], env: dict[str, str], *, seconds: float, threads: int
) -> dict[str, Any]:
    """healthz (the ceiling), then the main reads anonymous and logged in; ratios to the ceiling."""
    circle, post = meta["circle"], meta["post"]
    reads = {
        "home": "/",
        "circle feed": f"/c/{circle}",
        "post page": f"/c/{circle}/p/{post}",
        "leaderboards": "/leaderboards?scope=site&metric=points&period=week",
        "store": "/store",
    }
    with Server(env) as server:
        cookie = login_cookie(server.port, meta["member"], meta["password"])
        # Warm both workers (templates, translations, segmentation dictionaries).
        for path in [*reads.values(), "/healthz"]:
            hammer(server.port, path, seconds=0.5, threads=threads, cookie=cookie)
        ceiling = hammer(server.port, "/healthz", seconds=seconds, threads=threads)
        rows: list[dict[str, Any]] = []
        for audience, who in (("anonymous", ""), ("logged in", cookie)):
            for name, path in reads.items():
                result = hammer(server.port, path, seconds=seconds, threads=threads, cookie=who)
                rows.append({"route": name, "audience": audience, **result})
        ceiling_after = hammer(server.port, "/healthz", seconds=seconds, threads=threads)
    # The ceiling is measured before and after the routes; their mean evens out drift.
    reference = (ceiling["rps"] + ceiling_after["rps"]) / 2
    for row in rows:
        row["ratio"] = round(row["rps"] / reference, 3) if reference else 0.0
    return {
        "workers": 2,
        "threads": threads,
        "seconds_per_target": seconds,
        "healthz_rps": ceiling["rps"],
        "healthz_rps_after": ceiling_after["rps"],
        "rows": rows,
    }
