"""`flask seed-bench --scale S|M|L`: a large synthetic community for the benchmark, fast.

Rows go in by bulk (executemany on SQLite with the seeding connection's syncs off and the
secondary indexes built after the load; COPY on PostgreSQL), never through the ORM. The
search index is built afterwards by the ordinary reindex and timed on its own.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import hash_password
from app.core import clock
from app.core.db import db
from app.points.models import PointsRule, Tier
from app.search import indexer

from . import content, gamification, ledger
from .content import SCALES, Scale, World
from .sink import Sink, epoch

BENCH_PASSWORD = "bench-pass-2026"
META_FILE = "bench-seed.json"
TABLES_WITH_IDS = (
    "user_account", "circle", "post", "comment", "post_like", "campaign", "campaign_run", "checkin",
    "campaign_completion", "badge", "badge_award", "store_item", "store_order", "coupon_code",
    "points_entry", "signin", "activity_event",
)  # fmt: skip
LOADED_TABLES = (
    *TABLES_WITH_IDS, "circle_membership", "post_tag", "campaign_progress", "points_daily",
    "points_rule_day", "points_period", "points_day", "leaderboard_day", "leaderboard_period",
    "leaderboard_total", "activity_day", "activity_last_day",
)  # fmt: skip


def scale_for(name: str, users: int | None = None) -> Scale:
    """A named scale, optionally resized so that it has `users` members (everything in proportion)."""
    base = SCALES[name.upper()]
    if users is None:
        return base
    return content.scaled(users / content.M.users)


def expected_rows(scale: Scale) -> int:
    """Rows the progress bar counts (a close estimate: memberships, rollups and activity vary)."""
    return (
        scale.users * 4 + scale.posts * 3 + scale.comments * 2 + scale.likes * 2 + scale.ledger * 3
        + scale.checkins * 3 + scale.awards + scale.orders * 2
    )  # fmt: skip


def seed(scale: Scale, *, rng_seed: int = 2026, progress: Any = None) -> dict[str, Any]:
    """Fill an empty, migrated database; returns the report (counts, seconds, ids the bench uses)."""
    if db.session.scalar(select(func.count()).select_from(User)):
        raise click.ClickException("seed-bench needs an empty database (run it on a fresh instance)")
    rules = {r.key: r for r in db.session.scalars(select(PointsRule))}
    caps = {key: (r.daily_cap if r.is_active else 0) for key, r in rules.items()}
    rule_points = {key: r.points for key, r in rules.items()}
    tiers = [(t.threshold, t.multiplier_pct) for t in db.session.scalars(select(Tier))]
    password_hash = hash_password(BENCH_PASSWORD)
    db.session.remove()
    # The seeder's own connection switches the journal off: no other connection may be open.
    db.engine.dispose()
    now = clock.now()
    offset = clock.local(now).utcoffset()
    world = World(now=epoch(now), tz_offset=offset.total_seconds() if offset else 0.0, users=scale.users)
    rng = random.Random(rng_seed)
    started = time.monotonic()
    cpu_started = time.process_time()
    sink = Sink(db.engine, progress)
    steps: dict[str, float] = {}
    try:
        sink.drop_indexes(LOADED_TABLES)
        for name, step in (
            ("users", lambda: content.write_users(sink, world, rng, password_hash, scale.circles)),
            ("circles", lambda: content.write_circles(sink, world, rng, scale.circles)),
            ("posts, comments, likes", lambda: content.write_posts(sink, world, rng, scale)),
            ("campaigns, check-ins", lambda: gamification.write_campaigns(sink, world, rng, scale)),
            ("badges", lambda: gamification.write_badges(sink, world, rng, scale)),
        ):
            t0 = time.monotonic()
            step()
            steps[name] = round(time.monotonic() - t0, 2)
        t0 = time.monotonic()
        items = gamification.write_store_items(sink, world)
        figures = ledger.replay(
            sink, world, rng, scale, caps=caps, rule_points=rule_points, tiers=tiers, items=items
        )
        sink.execute(
            "UPDATE circle SET post_count = ? WHERE id = ?",
            ((count, cid) for cid, count in enumerate(world.meta["post_counts"]) if cid),
        )
        steps["ledger, rollups, activity"] = round(time.monotonic() - t0, 2)
        t0 = time.monotonic()
        sink.restore_indexes()
        steps["indexes"] = round(time.monotonic() - t0, 2)
        t0 = time.monotonic()
        sink.finish(TABLES_WITH_IDS)
        steps["analyze"] = round(time.monotonic() - t0, 2)
    finally:
        sink.close()
    circle_slug = f"q{1:04d}"
    report: dict[str, Any] = {
        "scale": vars(scale),
        "seconds": round(time.monotonic() - started, 1),
        # Wall time depends on what else the machine runs; the CPU time of this process does not.
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "steps": steps,
        "rows": sink.counts,
        "figures": figures,
        "password": BENCH_PASSWORD,
        "admin": "bench_admin",
        "host": "host1",
        "member": _busy_member(world),
        "circle": circle_slug,
        "private_circle": "q0007" if scale.circles >= 7 else None,
        "post": world.meta["post_with_comments"],
        "campaign": world.meta["campaign"],
        "database": db.engine.dialect.name,
    }
    return report


def _busy_member(world: World) -> str:
    """An ordinary member of the biggest circle with plenty of history (for /me pages)."""
    hosts = len(world.circle_members) - 1
    members = [u for u in world.circle_members[1] if u > hosts + 1]
    best = max(members[:2000], key=lambda u: world.weights[u])
    return f"u{best}"


def build_search_index() -> float:
    """The ordinary `search reindex`, timed; returns seconds."""
    total = indexer.total_documents()
    started = time.monotonic()
    with click.progressbar(
        length=total, label=f"Search index ({current_app.config['SEARCH_BACKEND']})"
    ) as bar:
        indexer.reindex(bar.update)
    return time.monotonic() - started


def write_meta(report: dict[str, Any]) -> Path:
    path = Path(current_app.instance_path) / META_FILE
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@click.command("seed-bench")
@click.option("--scale", "scale_name", type=click.Choice(sorted(SCALES), case_sensitive=False), default="S",
              show_default=True, help="S (2,000 members), M (20,000), L (200,000); XS: tests.")  # fmt: skip
@click.option(
    "--users", type=int, default=None, help="Resize the scale to this many members (in proportion)."
)
@click.option("--seed", "rng_seed", type=int, default=2026, show_default=True, help="Random seed.")
@click.option("--search-index/--no-search-index", default=True, show_default=True,
              help="Build the search index afterwards (timed separately).")  # fmt: skip
@with_appcontext
def seed_bench_command(scale_name: str, users: int | None, rng_seed: int, search_index: bool) -> None:
    """Generate a large synthetic community into an empty database (for `make bench`)."""
    scale = scale_for(scale_name, users)
    click.echo(f"seed-bench {scale_name.upper()}: {scale.users} members, {scale.posts} posts, "
               f"{scale.comments} comments, {scale.likes} likes, {scale.ledger} ledger rows")  # fmt: skip
    with click.progressbar(length=expected_rows(scale), label="Seeding") as bar:
        report = seed(scale, rng_seed=rng_seed, progress=bar.update)
    click.echo(
        f"seeded in {report['seconds']}s ({report['cpu_seconds']}s CPU): "
        + ", ".join(f"{k} {v}s" for k, v in report["steps"].items())
    )
    click.echo("rows: " + ", ".join(f"{k} {v}" for k, v in sorted(report["rows"].items())))
    if search_index:
        report["search_index_seconds"] = round(build_search_index(), 1)
        click.echo(f"search index built in {report['search_index_seconds']}s")
    path = write_meta(report)
    click.echo(f"benchmark facts written to {path.name} in the instance directory")
