"""`flask webhooks work [--once]`: the delivery worker for webhooks and email (run it next to gunicorn)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask.cli import AppGroup

from . import delivery

webhooks_cli = AppGroup("webhooks", help="Deliver outbound webhooks.")


@webhooks_cli.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option("--interval", default=2.0, show_default=True, help="Seconds to sleep when nothing is due.")
def work(once: bool, interval: float) -> None:
    """Send due webhook deliveries and emails, retrying failures with backoff; stops on SIGTERM."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"webhooks: signal {signum}, finishing the current delivery", err=True)
        stop.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    signals = (signal.SIGTERM, signal.SIGINT) if in_main_thread else ()
    previous = {sig: signal.signal(sig, _stop) for sig in signals}
    reports: dict[str, delivery.Report] = {}
    try:
        if once:
            reports = delivery.drain_all(stop)
        else:
            click.echo(f"webhooks: worker started (checking every {interval:g}s)")
            delivery.run_worker(stop, interval=interval, totals=reports)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    report = reports.get("webhooks", delivery.Report())
    click.echo(f"webhooks: {report.sent} delivered, {report.failed} failed, {report.lost} lease(s) lost")
    for name, other in reports.items():
        if name != "webhooks":
            click.echo(f"{name}: {other.sent} sent, {other.failed} failed, {other.lost} lease(s) lost")
