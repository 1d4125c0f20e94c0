"""The speed budgets of issue 9, checked against one benchmark result."""

from __future__ import annotations

from typing import Any

READ_P50_MS = 25.0
READ_P99_MS = 100.0
WRITE_P50_MS = 30.0
SEARCH_P50_MS = 60.0
ANONYMOUS_RATIO = 0.40
LOGGED_IN_RATIO = 0.20
SEED_M_SECONDS = 300.0
# Whoosh is held to the search budget at scale S and below only; PostgreSQL at every scale.
WHOOSH_BUDGET_SCALES = ("XS", "S")


def check_budgets(result: dict[str, Any], smaller: dict[str, Any] | None) -> list[str]:
    """Every failed budget as one line naming the route, the figure and the budget."""
    problems: list[str] = []
    scale = result["scale"]
    for row in result["routes"]:
        name, kind = row["route"], row["kind"]
        bad = {k: v for k, v in row["statuses"].items() if int(k) >= 400}
        if bad:
            problems.append(f"{name}: error statuses {bad}")
        if kind == "read":
            if row["p50_ms"] > READ_P50_MS:
                problems.append(f"{name}: p50 {row['p50_ms']} ms > {READ_P50_MS} ms")
            if row["p99_ms"] > READ_P99_MS:
                problems.append(f"{name}: p99 {row['p99_ms']} ms > {READ_P99_MS} ms")
        elif kind == "write":
            if row["p50_ms"] > WRITE_P50_MS:
                problems.append(f"{name}: p50 {row['p50_ms']} ms > {WRITE_P50_MS} ms")
        elif kind == "search":
            held = row["backend"] == "postgres" or scale in WHOOSH_BUDGET_SCALES
            if held and row["p50_ms"] > SEARCH_P50_MS:
                problems.append(f"{name}: p50 {row['p50_ms']} ms > {SEARCH_P50_MS} ms")
        if kind != "write" and row["statements"] != row["statements_min"]:
            spread = f"{row['statements_min']}..{row['statements']}"
            problems.append(f"{name}: statement count varies between requests ({spread})")
    if smaller is not None:
        # Reads only: a write's count depends on the member's state (first like, cap reached,
        # campaign completed), not on the size of the data.
        before = {r["route"]: r["statements"] for r in smaller.get("routes", []) if r["kind"] != "write"}
        for row in result["routes"]:
            was = before.get(row["route"])
            if was is not None and row["statements"] > was:
                problems.append(
                    f"{row['route']}: {row['statements']} statements at {scale}, "
                    f"{was} at {smaller['scale']} (grows with the data)"
                )
    throughput = result.get("throughput")
    if throughput:
        for row in throughput["rows"]:
            floor = ANONYMOUS_RATIO if row["audience"] == "anonymous" else LOGGED_IN_RATIO
            if row["ratio"] < floor:
                problems.append(
                    f"throughput {row['route']} ({row['audience']}): {row['ratio']} of /healthz < {floor}"
                )
    seconds = (result.get("seed") or {}).get("seconds")
    if scale == "M" and seconds and seconds > SEED_M_SECONDS:
        problems.append(f"seed-bench M: {seconds} s > {SEED_M_SECONDS} s")
    return problems
