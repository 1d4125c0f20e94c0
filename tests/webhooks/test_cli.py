"""`flask --app wsgi webhooks work` as operators run it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.core import events
from app.core.db import db, use_case
from app.webhooks import handlers
from app.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import make_endpoint

ROOT = Path(__file__).resolve().parents[2]


@use_case
def publish(event: events.Event) -> None:
    """Run the webhooks handler alone: other features' handlers would need real rows."""
    handlers.on_event(event)


def test_the_worker_process_delivers_then_stops_cleanly_on_sigterm(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["member.joined"])
    publish(events.CircleJoined(user_id=admin.id, circle_id=1))
    env = {
        **os.environ,
        "QUANZI_INSTANCE_DIR": app.config["QUANZI_INSTANCE_DIR"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "QUANZI_WEBHOOK_ALLOW_PRIVATE": "true",
        "RATELIMIT_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "webhooks", "work", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not receiver.requests and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert receiver.requests, "the worker delivered the queued event"
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    assert "worker started" in output and "1 delivered" in output
    assert receiver.requests[0].signature_ok
    db.session.rollback()
    assert db.session.scalar(select(WebhookDelivery.status)) == "succeeded"
