"""Idle memory of each service and the whole stack; with --compose also image sizes and start time.

    .venv/bin/python bench/footprint.py              # local-process stack (stack/stack.py)
    .venv/bin/python bench/footprint.py --compose    # and the compose stack, images already built

Local mode: memory summed over each part's processes (gunicorn master + workers, nginx master +
workers, PostgreSQL postmaster + backends, Redis), once idle after start and once idle after a
short warm-up (every page read a few times). RSS counts shared pages in every process; PSS
splits them, so the PSS total is what the stack really takes. Compose mode (project shopfoot,
free host ports): `docker image ls shop/*`, the seconds `docker compose up -d --wait` takes on
fresh volumes, and `docker stats --no-stream` per container; then `down -v`.
Writes bench-results/footprint.json and the "footprint" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import report
import run as bench

ROOT = bench.ROOT
AIRGAP = {
    "PYTHON_IMAGE": "airgap/python:3.13-slim",
    "NGINX_IMAGE": "airgap/nginx:1.26",
    "POSTGRES_IMAGE": "airgap/postgres:17",
    "REDIS_IMAGE": "airgap/redis:8",
}


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(x) for x in (task / "children").read_text().split()]
    return out


def memory_kib(pids: list[int]) -> dict[str, int]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return {"processes": len(pids), "rss_kib": rss, "pss_kib": pss}


def local_parts(stack) -> dict[str, dict[str, int]]:
    roots = {name: [proc.pid] for name, proc in stack.procs.items()}
    postmaster = int((stack.workdir / "pg" / "postmaster.pid").read_text().split()[0])
    roots["postgres"] = [postmaster]
    return {name: memory_kib([p for r in pids for p in tree(r)]) for name, pids in sorted(roots.items())}


def warm_up(gateway: str) -> None:
    session = bench.sign_in(gateway, "alice", "alice-demo-1")
    cookie, csrf = session or ("", "")
    for _ in range(30):
        for path in ("/", "/api/catalog/goods?limit=20", "/api/catalog/goods?q=la", "/api/catalog/goods/1"):
            bench.http(gateway + path)
        for path in ("/api/catalog/me/goods", "/api/session/me"):
            bench.http(gateway + path, headers={"Cookie": cookie})
        for method in ("PUT", "DELETE"):
            headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
            bench.http(gateway + "/api/catalog/me/goods/1", method, headers, b"" if method == "PUT" else None)


def measure_local(settle: float) -> dict:
    stack = None
    try:
        stack = bench.LocalStack().start()
        time.sleep(settle)
        idle = local_parts(stack)
        warm_up(stack.gateway_url)
        time.sleep(settle)
        warm = local_parts(stack)
    finally:
        if stack:
            stack.stop()
    return {"idle": idle, "warm": warm}


def docker(*args: str, env: dict | None = None, check: bool = True) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, env=env, timeout=600)
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()[-1000:]}")
    return done.stdout


def measure_compose(project: str, settle: float) -> dict:
    images = [
        dict(zip(("image", "size"), line.split("\t"), strict=True))
        for line in docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}\t{{.Size}}").splitlines()
        if line.startswith(("shop/", "airgap/"))
    ]
    env = {**os.environ, **AIRGAP, "COMPOSE_PROJECT_NAME": project}
    env |= {k: str(bench.free_port()) for k in ("GATEWAY_PORT", "CATALOG_PORT", "SESSION_PORT")}
    compose = ("compose", "-p", project)
    try:
        started = time.monotonic()
        docker(*compose, "up", "-d", "--wait", "--wait-timeout", "300", env=env)
        up_s = time.monotonic() - started
        time.sleep(settle)
        fmt = "{{.Name}}\t{{.MemUsage}}"
        stats = [line.split("\t") for line in docker("stats", "--no-stream", "--format", fmt).splitlines()]
        mine = [{"container": n, "memory": m.split(" / ")[0]} for n, m in stats if n.startswith(project)]
    finally:
        docker(*compose, "down", "-v", "--remove-orphans", env=env, check=False)
    return {"project": project, "images": images, "up_wait_s": round(up_s, 1), "containers": mine}


def kib(size: str) -> int:
    """docker's "76.27MiB" / "1.2GiB" / "900KiB" as KiB."""
    units = {"KiB": 1, "MiB": 1024, "GiB": 1024**2, "kB": 1000 / 1024, "MB": 1e6 / 1024, "B": 1 / 1024}
    unit = next(u for u in units if size.endswith(u))
    return round(float(size.removesuffix(unit)) * units[unit])


def mib(kib: int) -> str:
    return f"{kib / 1024:,.1f}"


def markdown(result: dict) -> str:
    local = result["local"]
    lines = [
        "## Footprint",
        "",
        f"`bench/footprint.py`, {result['started']} (UTC), {result['cpus']} CPUs. Local mode: memory of each "
        "part of the local-process stack, summed over its processes, idle "
        f"{result['settle_s']:g} s after start, then idle again after a warm-up (30 rounds of every page, "
        "sign-in, add/remove). RSS counts shared pages (the forked gunicorn workers share the master's "
        "code) once per process, PSS divides them, so the PSS total is the honest stack total.",
        "",
        "| Part | processes | RSS MiB idle | PSS MiB idle | RSS MiB warm | PSS MiB warm |",
        "|---|---|---|---|---|---|",
    ]
    for name in local["idle"]:
        idle, warm = local["idle"][name], local["warm"][name]
        lines.append(
            f"| {name} | {idle['processes']} | {mib(idle['rss_kib'])} | {mib(idle['pss_kib'])} "
            f"| {mib(warm['rss_kib'])} | {mib(warm['pss_kib'])} |"
        )
    total = {
        when: {k: sum(p[k] for p in local[when].values()) for k in ("processes", "rss_kib", "pss_kib")}
        for when in ("idle", "warm")
    }
    lines.append(
        f"| **whole stack** | {total['idle']['processes']} | {mib(total['idle']['rss_kib'])} "
        f"| **{mib(total['idle']['pss_kib'])}** | {mib(total['warm']['rss_kib'])} "
        f"| **{mib(total['warm']['pss_kib'])}** |"
    )
    compose = result.get("compose")
    if compose:
        lines += [
            "",
            f"Compose mode (project `{compose['project']}`, air-gapped stand-in base images, images built "
            f"beforehand): `docker compose up -d --wait` on fresh volumes, including PostgreSQL's first "
            f"init, the migration and the demo seed, took **{compose['up_wait_s']:g} s** to all healthy.",
            "",
            "| Container | memory (`docker stats`, idle) |",
            "|---|---|",
        ]
        lines += [f"| {c['container']} | {c['memory']} |" for c in compose["containers"]]
        total_kib = sum(kib(c["memory"]) for c in compose["containers"])
        lines.append(f"| **all containers** | **{mib(total_kib)}MiB** |")
        lines += ["", "| Image | size (`docker image ls`) |", "|---|---|"]
        lines.insert(
            len(lines) - 2,
            "The `airgap/*` base images are this machine's stand-ins (Debian trixie with distribution "
            "packages), larger than the official slim ones, so `shop/*` sizes here are upper bounds.\n",
        )
        lines += [f"| {i['image']} | {i['size']} |" for i in compose["images"]]
    elif "compose_error" in result:
        lines += ["", f"Compose mode failed: {result['compose_error']}"]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compose", action="store_true", help="also measure the compose stack")
    parser.add_argument("--project", default="shopfoot", help="compose project name")
    parser.add_argument("--settle", type=float, default=10, help="idle seconds before each reading")
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
        "cpus": os.cpu_count(),
        "settle_s": args.settle,
    }
    bench.log("local-process stack ...")
    result["local"] = measure_local(args.settle)
    if args.compose:
        bench.log(f"compose stack ({args.project}) ...")
        try:
            result["compose"] = measure_compose(args.project, args.settle)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            result["compose_error"] = str(error)[:500]
    report.publish(result, args.out, "footprint", markdown(result), args.docs)


if __name__ == "__main__":
    main()
