"""`python -m bench` / `make bench`: seed if needed, measure, report, check the budgets.

python -m bench --scale M                      # SQLite in instance/bench-M
DATABASE_URL=postgresql+psycopg://... python -m bench --scale M
python -m bench --scale S --report-only        # CI smoke: budgets reported, not enforced
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .budgets import WHOOSH_BUDGET_SCALES, check_budgets
from .report import markdown

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
META_FILE = "bench-seed.json"
SEED_FIELDS = (
    "scale", "seconds", "cpu_seconds", "steps", "rows", "search_index_seconds", "whoosh_index_seconds",
)  # fmt: skip
DEFAULT_REQUESTS = {"XS": 3, "S": 40, "M": 100, "L": 100}


def parse(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default=env.get("BENCH_SCALE") or "S", type=str.upper)
    parser.add_argument("--database-url", default=env.get("DATABASE_URL") or "")
    parser.add_argument(
        "--instance",
        default=env.get("BENCH_INSTANCE") or "",
        help="instance dir (default instance/bench-<scale>[-pg])",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=int(env.get("BENCH_REQUESTS") or 0),
        help="measured requests per read route",
    )
    parser.add_argument(
        "--writes", type=int, default=int(env.get("BENCH_WRITES") or 0), help="requests per write route"
    )
    parser.add_argument("--warmup", type=int, default=int(env.get("BENCH_WARMUP") or 3))
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(env.get("BENCH_SECONDS") or 5),
        help="throughput time per target",
    )
    parser.add_argument("--threads", type=int, default=int(env.get("BENCH_THREADS") or 4))
    parser.add_argument("--no-throughput", action="store_true", help="skip the gunicorn part")
    parser.add_argument("--report-only", action="store_true", help="report the budgets, never fail on them")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--seed-args", default=env.get("BENCH_SEED_ARGS") or "", help="extra seed-bench options"
    )
    args = parser.parse_args(argv)
    args.requests = args.requests or DEFAULT_REQUESTS.get(args.scale, 40)
    args.writes = args.writes or max(2, args.requests // 2)
    return args


def _flask(env: dict[str, str], *command: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], env=env, cwd=ROOT, check=True)


def _ensure_postgres_database(url: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of the benchmarked app, seeding a fresh instance when it has no data yet."""
    is_pg = args.database_url.startswith("postgresql")
    instance = Path(
        args.instance or ROOT / "instance" / f"bench-{args.scale}{'-pg' if is_pg else ''}"
    ).resolve()
    env = {**os.environ, "QUANZI_INSTANCE_DIR": str(instance), "RATELIMIT_ENABLED": "false"}
    env.pop("SEARCH_BACKEND", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    meta_path = instance / META_FILE
    if not meta_path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        print(
            f"bench: seeding scale {args.scale} into {instance.name} ({'PostgreSQL' if is_pg else 'SQLite'})"
        )
        if is_pg:
            _ensure_postgres_database(args.database_url)
        else:
            (instance / "quanzi.db").unlink(missing_ok=True)
        _flask(env, "db", "upgrade")
        _flask(env, "seed-bench", "--scale", args.scale, *args.seed_args.split())
        if is_pg and args.scale in WHOOSH_BUDGET_SCALES and "--no-search-index" not in args.seed_args.split():
            # Where Whoosh is held to a budget, report it beside PostgreSQL: build its index
            # too. Above S it is not (a pure-Python index of 800,000 documents takes hours).
            started = time.monotonic()
            _flask({**env, "SEARCH_BACKEND": "whoosh"}, "search", "reindex")
            seeded = json.loads(meta_path.read_text(encoding="utf-8"))
            seeded["whoosh_index_seconds"] = round(time.monotonic() - started, 1)
            meta_path.write_text(json.dumps(seeded, ensure_ascii=False, indent=2), encoding="utf-8")
    return env, json.loads(meta_path.read_text(encoding="utf-8"))


def environment(database_url: str) -> dict[str, Any]:
    versions = {
        name: _version(name) for name in ("flask", "sqlalchemy", "gunicorn", "whoosh-reloaded", "psycopg")
    }
    versions["python"] = platform.python_version()
    if database_url.startswith("postgresql"):
        engine = sa.create_engine(database_url)
        with engine.connect() as conn:
            versions["postgresql"] = str(conn.scalar(sa.text("SHOW server_version")))
        engine.dispose()
    else:
        versions["sqlite"] = sqlite3.sqlite_version
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": [round(x, 2) for x in load],
        "versions": versions,
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    env, meta = prepare(args)
    # The in-process app reads its configuration from the environment, like gunicorn's.
    for key in ("QUANZI_INSTANCE_DIR", "DATABASE_URL", "RATELIMIT_ENABLED"):
        if key in env:
            os.environ[key] = env[key]
        else:
            os.environ.pop(key, None)
    os.environ.pop("SEARCH_BACKEND", None)
    from .latency import run_latency  # the app reads the environment at import time
    from .load import run_throughput

    database = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    backends = ["whoosh"]
    if database == "postgresql":
        backends = ["postgres"] + (["whoosh"] if meta.get("whoosh_index_seconds") is not None else [])
    started = time.monotonic()
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "database": database,
        "environment": environment(args.database_url),
        "seed": {k: meta.get(k) for k in SEED_FIELDS},
        "settings": {"requests": args.requests, "writes": args.writes, "warmup": args.warmup,
                     "seconds": args.seconds, "threads": args.threads},
    }  # fmt: skip
    print(f"bench: latency ({args.requests} requests per read route, {args.writes} per write)")
    routes = run_latency(
        meta, requests=args.requests, writes=args.writes, warmup=args.warmup, search_backends=backends
    )
    result["routes"] = [r.summary() for r in routes]
    if not args.no_throughput:
        print(f"bench: throughput under gunicorn ({args.seconds}s per target, {args.threads} threads)")
        result["throughput"] = run_throughput(meta, env, seconds=args.seconds, threads=args.threads)
    result["environment"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    smaller = _smaller_run(out, args.scale, database)
    result["violations"] = check_budgets(result, smaller)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"bench-{args.scale}-{database}"
    text = markdown(result)
    for target in (f"{name}-{stamp}", f"{name}-latest"):
        (out / f"{target}.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (out / f"{target}.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"bench: results in {out}/{name}-{stamp}.json and .md")
    if result["violations"] and not args.report_only:
        print(f"bench: {len(result['violations'])} budget(s) failed", file=sys.stderr)
        return 1
    return 0


SCALE_ORDER = ["XS", "S", "M", "L"]


def _smaller_run(out: Path, scale: str, database: str) -> dict[str, Any] | None:
    """The latest result of a smaller scale on the same database: statement counts must match it."""
    if scale not in SCALE_ORDER:
        return None
    for smaller in reversed(SCALE_ORDER[: SCALE_ORDER.index(scale)]):
        path = out / f"bench-{smaller}-{database}-latest.json"
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    return None
