"""Run the locust user journey (bench/locustfile.py) against a local-process stack, no Docker.

    .venv/bin/python bench/locust_run.py                 # 60 s, 20 users; writes a docs section
    .venv/bin/python bench/locust_run.py -t 20 --no-docs

Starts stack/stack.py's LocalStack with a loose login rate limit, loads a small bulk data set
(so sign-ins spread over many accounts and search has real matches), runs locust headless for a
bounded time and puts its summary into docs/benchmarks.md (section "locust"), raw figures into
bench-results/locust.json. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import report
import run as bench  # bench/run.py: the stack helpers and the bulk loader

ROOT = bench.ROOT


def locust(host: str, users: int, seconds: int, env: dict[str, str], out: Path) -> list[dict]:
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(bench.BENCH / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 5)),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--host",
        host,
        "--csv",
        str(out / "locust"),
    ]
    done = subprocess.run(cmd, env=env, timeout=seconds + 60, capture_output=True, text=True)
    print(done.stderr[-3000:], flush=True)  # locust prints its summary tables on stderr
    with open(out / "locust_stats.csv") as f:
        return list(csv.DictReader(f))


def summary(rows: list[dict]) -> list[dict]:
    def num(row: dict, key: str) -> float:
        value = row.get(key) or "0"
        return float(value) if value != "N/A" else 0.0

    return [
        {
            "name": row["Name"] if row["Name"] != "Aggregated" else "all requests",
            "method": row["Type"],
            "requests": int(num(row, "Request Count")),
            "failures": int(num(row, "Failure Count")),
            "rps": num(row, "Requests/s"),
            "p50_ms": num(row, "50%"),
            "p95_ms": num(row, "95%"),
            "p99_ms": num(row, "99%"),
        }
        for row in rows
    ]


def markdown(result: dict) -> str:
    meta = result["meta"]
    lines = [
        "## User journey under locust",
        "",
        "`bench/locust_run.py` (the journey is `bench/locustfile.py`): each simulated user browses "
        "goods, searches as it types (2 to 5 letters of one word), views a good, signs in, adds the "
        "good, lists its goods, removes the good and signs out, waiting 0.5–2 s between journeys. "
        "This is a mixed, think-time load, not a saturation test like the wrk figures above.",
        "",
        f"- **Run:** {meta['started']} (UTC), {meta['users']} users for {meta['seconds']} s, locust "
        f"{meta['locust']} on the same {meta['cpus']} CPUs as the stack (it takes CPU from it)",
        f"- **Stack:** local mode, login limit {meta['login_rate']} burst {meta['login_burst']}; data "
        f"{meta['data']['users']:,} users, {meta['data']['goods']:,} goods, {meta['data']['links']:,} links",
        f"- **Load average** at start / end: {meta['loadavg_start']} / {meta['loadavg_end']}",
        "",
        "| Request | method | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        name = f"**{row['name']}**" if row["name"] == "all requests" else row["name"]
        lines.append(
            f"| {name} | {row['method']} | {row['requests']:,} | {row['failures']:,} | {row['rps']:.1f} "
            f"| {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['p99_ms']:.0f} |"
        )
    total = next(r for r in result["rows"] if r["name"] == "all requests")
    share = total["failures"] / max(total["requests"], 1)
    lines += ["", f"Failures: {total['failures']:,} of {total['requests']:,} requests ({share:.2%})."]
    if result.get("failures"):
        lines += ["", "| Failure | count |", "|---|---|"]
        lines += [f"| {f['what'][:120]} | {f['count']} |" for f in result["failures"]]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-u", "--users", type=int, default=20, help="simulated users")
    parser.add_argument("-t", "--seconds", type=int, default=60, help="run time (bounded)")
    parser.add_argument("--bulk-users", type=int, default=1_000)
    parser.add_argument("--goods", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rate, burst = "6000r/m", 1000
    stack = None
    tmp = Path(tempfile.mkdtemp(prefix="shop-locust-"))
    try:
        bench.log("starting the local-process stack ...")
        stack = bench.LocalStack(login_rate=rate, login_burst=burst).start()
        base = bench.table_counts(stack)
        bench.log(f"loading {args.bulk_users} users, {args.goods} goods, {args.links} links ...")
        bench.bulk_load(stack, args.bulk_users, args.goods, args.links, seed=7)
        data = bench.table_counts(stack)
        env = {**os.environ, "SHOP_BULK_USERS": f"{base['users'] + 1}:{data['users']}"}
        loadavg_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        bench.log(f"locust: {args.users} users for {args.seconds} s against {stack.gateway_url} ...")
        rows = summary(locust(stack.gateway_url, args.users, args.seconds, env, tmp))
        failures = []
        if (tmp / "locust_failures.csv").exists():
            with open(tmp / "locust_failures.csv") as f:
                failures = [
                    {"what": f"{r['Method']} {r['Name']}: {r['Error']}", "count": int(r["Occurrences"])}
                    for r in csv.DictReader(f)
                ]
    finally:
        bench.log("stopping ...")
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    version = subprocess.run(
        [sys.executable, "-m", "locust", "--version"], capture_output=True, text=True
    ).stdout.split()
    result = {
        "meta": {
            "started": started,
            "users": args.users,
            "seconds": args.seconds,
            "locust": version[1] if len(version) > 1 else "?",
            "cpus": os.cpu_count(),
            "login_rate": rate,
            "login_burst": burst,
            "data": data,
            "loadavg_start": loadavg_start,
            "loadavg_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        },
        "rows": rows,
        "failures": failures,
    }
    report.publish(result, args.out, "locust", markdown(result), args.docs)


if __name__ == "__main__":
    main()
