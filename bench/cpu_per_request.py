"""CPU per request, part by part, for a few endpoints: the quick before/after check of a change.

    .venv/bin/python bench/cpu_per_request.py --label before
    .venv/bin/python bench/cpu_per_request.py --label after --endpoints good,search,my_goods,add_remove

Starts the local stack and the hello ceiling, loads a small bulk data set, and drives each
endpoint through the gateway at 64 connections, reading every part's CPU from /proc around each
run (bench/cpu.py, as the full run's "Where the CPU goes" table). Throughput on a shared 2-core
machine moves with whatever else runs; the CPU a request costs moves much less, so this is the
figure to compare across a change. Prints a table of medians (min-max) and writes
bench-results/cpu-<label>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

import run  # bench/, beside this script
from shop_stack.local import LocalStack

PARTS = ("nginx", "catalog", "session", "hello", "postgres", "redis")


def measure(args) -> dict:
    stack: LocalStack | None = None
    ceilings: run.Ceilings | None = None
    tmp = Path(tempfile.mkdtemp(prefix="shop-cpu-"))
    meter = run.Meter(args.runs, args.seconds)
    try:
        stack = LocalStack(login_rate=run.LOGIN_RATE, login_burst=run.LOGIN_BURST).start()
        ceilings = run.Ceilings(tmp).start()
        meter.cpu = run.cpu_meter(stack, ceilings)
        base = run.table_counts(stack)
        run.bulk_load(stack, args.users, args.goods, args.links, seed=42)
        counts = run.table_counts(stack)
        bulk_users = (base["users"] + 1, counts["users"])
        session = run.sign_in(stack.gateway_url, "alice", "alice-demo-1")
        items = {"hello": (ceilings.url("proxy"), "get.lua", {"path": "/"})}
        for endpoint in run.endpoints(counts["goods"], bulk_users, session):
            if endpoint.key in args.endpoints:
                reason = run.probe(stack.gateway_url, endpoint, bulk_users)
                if reason:
                    raise SystemExit(f"{endpoint.key}: {reason}")
                items[endpoint.key] = (stack.gateway_url + "/", endpoint.script, endpoint.options)
        meter.measure(items, loads=(64,))
        return {key: meter.result(key) for key in items}
    finally:
        if ceilings:
            ceilings.stop()
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: dict) -> str:
    def cell(row: dict, metric: str) -> str:
        values = (row.get(metric) or {}).get("runs") or []
        if not values or statistics.median(values) < 0.005:
            return "–"
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    lines = [
        "| Request | req/s | " + " | ".join(PARTS) + " | total |",
        "|---" * (len(PARTS) + 3) + "|",
    ]
    for key, row in results.items():
        runs = [row.get(f"cpu_{part}", {}).get("runs") or [0.0] for part in PARTS]
        total = sum(statistics.median(r) for r in runs)
        rps = statistics.median((row.get("rps_c64") or {}).get("runs") or [0.0])
        cells = " | ".join(cell(row, f"cpu_{part}") for part in PARTS)
        lines.append(f"| {key} | {rps:,.0f} | {cells} | **{total:.2f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--label", default="now", help="names the JSON file: bench-results/cpu-<label>.json")
    parser.add_argument(
        "--endpoints",
        type=lambda s: s.split(","),
        default=["good", "search", "user_goods", "my_goods", "session_me", "add_remove"],
        help="keys of bench/run.py's endpoint table (comma-separated); hello is always measured",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="runs per endpoint, interleaved; the median counts"
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--goods", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=run.ROOT / "bench-results")
    args = parser.parse_args()
    run.ensure_wrk()
    run.as_deployed()
    results = measure(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"cpu-{args.label}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nCPU ms per request at c=64, median (min–max) of {args.runs} runs; label {args.label!r}\n")
    print(table(results))


if __name__ == "__main__":
    main()
