"""The benchmark's latency part runs against a tiny seeded community (1-2 requests per route)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text

from app.benchseed.cli import seed, write_meta
from app.benchseed.content import SCALES
from app.core.db import db
from app.points.ledger import find_discrepancies
from app.search import indexer
from bench.budgets import check_budgets
from bench.latency import run_latency
from bench.report import markdown


def test_latency_part_of_the_bench_runs(app: Flask) -> None:
    seeded = seed(SCALES["XS"], rng_seed=11)
    db.session.remove()
    indexer.reindex(lambda _n: None)
    db.session.remove()
    write_meta(seeded)
    backend = app.config["SEARCH_BACKEND"]
    keys = ("QUANZI_INSTANCE_DIR", "SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "SQLALCHEMY_ENGINE_OPTIONS")
    overrides = {k: app.config[k] for k in keys}
    routes = run_latency(
        seeded, requests=2, writes=1, warmup=0, search_backends=[backend], overrides=overrides
    )
    summary = {r.name: r.summary() for r in routes}
    # 13 reads, the same 13 with the page cache off, 2 searches, 6 writes.
    assert len(summary) == 13 + 13 + 2 + 6
    assert summary["store (uncached)"]["kind"] == "render"
    for name, row in summary.items():
        assert row["requests"] >= 1, name
        assert all(int(code) < 400 for code in row["statuses"]), (name, row["statuses"])
        assert row["p50_ms"] > 0
    assert summary["home feed"]["statements"] > 0
    assert summary["write: post"]["statuses"] == {"303": 1}
    assert summary["write: redeem"]["statuses"] == {"303": 1}
    # The writes really happened, through the app's own services.
    assert db.session.execute(text("SELECT count(*) FROM post WHERE title LIKE '基准测试%'")).scalar() == 1
    assert (
        db.session.execute(text("SELECT count(*) FROM store_order")).scalar()
        == seeded["rows"]["store_order"] + 1
    )
    assert find_discrepancies() == []

    result: dict[str, Any] = {
        "scale": "XS",
        "date": "today",
        "database": db.engine.dialect.name,
        "environment": {
            "cores": 2,
            "machine": "x",
            "system": "y",
            "load_average_at_start": [0.0],
            "versions": {},
        },
        "routes": list(summary.values()),
    }
    slower = {**summary["store"], "p50_ms": 26.0, "p99_ms": 101.0}
    result["routes"].append(slower)
    problems = check_budgets(result, {"scale": "XS", "routes": [{**summary["store"], "statements": 1}]})
    assert "store: p50 26.0 ms > 25.0 ms" in problems
    assert "store: p99 101.0 ms > 100.0 ms" in problems
    assert any("grows with the data" in p for p in problems)
    result["violations"] = problems
    assert "| write: redeem | write | 1 |" in markdown(result)


def test_a_warm_read_the_page_cache_rendered_again_does_not_count_as_a_varying_statement_count() -> None:
    from bench.latency import Route

    # The page key's minute rolled over once during the run: that request rendered the page.
    route = Route("campaign page", "read", samples=[0.002, 0.002, 0.02], statements=[2, 2], refreshed=[20])
    summary = route.summary()
    assert (summary["statements"], summary["statements_min"], summary["refreshed"]) == (2, 2, 1)
    assert summary["requests"] == 3 and summary["p99_ms"] == 20.0, "its time still counts"
    # Nothing was a hit (a broken cache): the rendered counts are what there is to report.
    broken = Route("campaign page", "read", samples=[0.02, 0.02], refreshed=[20, 21]).summary()
    assert (broken["statements"], broken["statements_min"], broken["refreshed"]) == (21, 20, 0)
