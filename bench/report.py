"""The benchmark result as a Markdown report."""

from __future__ import annotations

from typing import Any


def markdown(result: dict[str, Any]) -> str:
    env = result["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    seed = result.get("seed") or {}
    lines = [
        f"# Quanzi benchmark: scale {result['scale']} on {result['database']}",
        "",
        f"{result['date']} · {env['cores']} cores ({env['machine']}, {env['system']}) · load average "
        f"{env['load_average_at_start'][0]} at start, {env.get('load_average_at_end', ['?'])[0]} at end",
        "",
        f"Versions: {versions}",
        "",
        f"Seeding: {seed.get('seconds')} s wall ({seed.get('cpu_seconds')} s CPU), search index "
        + (f"{seed['search_index_seconds']} s" if seed.get("search_index_seconds") else "not built")
        + (f", Whoosh index {seed['whoosh_index_seconds']} s" if seed.get("whoosh_index_seconds") else ""),
        "",
        *(
            ["Search index not built (`--no-search-index`): the search rows measure an empty index.", ""]
            if seed and seed.get("search_index_seconds") is None
            else []
        ),
        "## Server-side latency (in-process, warm)",
        "",
        "| route | kind | requests | p50 ms | p95 ms | p99 ms | SQL statements | statuses |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]  # fmt: skip
    for row in result["routes"]:
        statements = str(row["statements"])
        if row["statements_min"] != row["statements"]:
            statements = f"{row['statements_min']}–{row['statements']}"
        statuses = " ".join(f"{k}×{v}" for k, v in row["statuses"].items())
        lines.append(
            f"| {row['route']} | {row['kind']} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {statements} | {statuses} |"
        )
    throughput = result.get("throughput")
    if throughput:
        lines += [
            "",
            f"## Throughput under gunicorn ({throughput['workers']} workers, "
            f"{throughput['threads']} client threads, {throughput['seconds_per_target']} s per target)",
            "",
            f"`/healthz` ceiling: {throughput['healthz_rps']} req/s before, "
            f"{throughput['healthz_rps_after']} req/s after.",
            "",
            "| route | audience | req/s | ratio to /healthz | redirects | errors |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for row in throughput["rows"]:
            lines.append(
                f"| {row['route']} | {row['audience']} | {row['rps']} | {row['ratio']} | "
                f"{row.get('redirects', 0)} | {row['errors']} |"
            )
        lines += [
            "",
            "A route answered by redirects (the store sends visitors to the login page) measures "
            "the redirect, not the page.",
        ]
    lines += ["", "## Budgets", ""]
    if result["violations"]:
        lines += [f"- FAILED: {v}" for v in result["violations"]]
    else:
        lines.append("- all budgets met")
    return "\n".join(lines) + "\n"
