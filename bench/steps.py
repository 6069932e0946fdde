"""bench/run.py's steps beside the main table: worker models, metrics on/off, wrk in a container.

- `worker_models`: catalog-service under gunicorn `sync`, `gthread` and `gevent` (with psycogreen),
  a small grid of worker/thread counts each, then the best cell of each class again, interleaved
  (issue 16). Only the bench picks the class: through gunicorn's own GUNICORN_CMD_ARGS, which
  gunicorn applies over the config file; the services' default stays gthread.
- `metrics_on_off`: GET one good and add + remove with METRICS=on (the default) and METRICS=off,
  alternating in the same run (issue 14).
- `WrkContainer`: compose mode's wrk on the stack's own network (image `shop/wrk:dev`, from
  bench/Dockerfile.wrk), so what is measured is the gateway container, not docker-proxy.

Both local-mode steps restart the catalog (and session) gunicorn on the same port with other
settings, and restart it with the run's own settings at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import run  # bench/, beside this script (run imports this module only inside run())
from shop_stack.local import LocalStack

WORKERS_DIR = run.BENCH / "workers"  # psyco_gevent.py: gevent plus psycogreen for psycopg2
# (workers, threads per worker); for gevent the second figure is --worker-connections.
WORKER_GRID: dict[str, tuple[tuple[int, int], ...]] = {
    "sync": ((2, 1), (3, 1), (4, 1)),
    "gthread": ((2, 4), (3, 4), (2, 8)),
    "gevent": ((2, 100), (3, 100)),
}
KEPT_CLASS = "gthread"  # shop_common/gunicorn_base.py; see worker_verdict()
WORKER_ENDPOINTS = ("good", "search", "add_remove")
METRICS_ENDPOINTS = ("good", "add_remove")
WRK_IMAGE = "shop/wrk:dev"
STOP_GRACE = 2.0  # seconds a restarted part gets to finish its requests before the quick stop
AIRGAP_BASE = "airgap/debian:trixie"  # deploy/airgap/build.sh's Debian base, where it was built


@contextlib.contextmanager
def environ(overrides: dict[str, str | None]) -> Iterator[None]:
    """os.environ with `overrides` (None: unset) while the block runs; the parts copy os.environ."""
    saved = {name: os.environ.get(name) for name in overrides}

    def apply(values: dict[str, str | None]) -> None:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    apply(overrides)
    try:
        yield
    finally:
        apply(saved)


def restart(stack: LocalStack, parts: tuple[str, ...], overrides: dict[str, str | None]) -> None:
    """Stop each part and start it on its port again with `overrides` in its environment.

    SIGTERM first, gunicorn's graceful stop, so the requests nginx still had in flight when wrk
    stopped finish (a quick stop cuts them and the service logs an error each); after STOP_GRACE s
    SIGINT, the quick stop: a gevent worker would otherwise wait out graceful_timeout (20 s) for
    nginx's idle keep-alive connections.
    """
    with environ(overrides):
        for part in parts:
            proc = stack.procs.get(part)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=STOP_GRACE)
            stack.stop_part(part, signal.SIGINT)  # returns at once when it has stopped
            stack.restart_part(part)


def worker_env(worker_class: str, workers: int, threads: int) -> dict[str, str | None]:
    """The catalog's environment for one grid cell (gunicorn_base.py reads the two counts)."""
    env: dict[str, str | None] = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "1"}
    if worker_class == "gthread":
        env |= {"GUNICORN_THREADS": str(threads), "GUNICORN_CMD_ARGS": None}
    elif worker_class == "sync":  # threads must be 1, or gunicorn quietly runs gthread instead
        env["GUNICORN_CMD_ARGS"] = "--worker-class sync"
    else:
        env["GUNICORN_CMD_ARGS"] = (
            f"--worker-class psyco_gevent.PsycoGeventWorker --worker-connections {threads} "
            f"--pythonpath {WORKERS_DIR}"
        )
        # Greenlets share the pool: more connections than the threaded default (5 + 5 overflow).
        env |= {"DB_POOL_SIZE": "10", "DB_MAX_OVERFLOW": "10"}
    return env


def _cpu_total(row: dict) -> float:
    """A request's CPU in every measured part and wrk, ms (medians per part; not the machine's
    total and softirq, which overlap the parts)."""
    overlapping = ("cpu_machine", "cpu_softirq")
    parts = {k: v for k, v in row.items() if k.startswith("cpu_") and k not in overlapping}
    return sum(float(v["median"]) for v in parts.values() if v)


def _rps(row: dict | None) -> float:
    return float(row["rps_c64"]["median"]) if row and row.get("rps_c64") else 0.0


def worker_models(
    stack: LocalStack, items: dict[str, tuple], grid_seconds: float, runs: int, seconds: float
) -> dict:
    """Every grid cell once (grid_seconds per endpoint at c=64), then each class's best cell `runs` times."""
    items = {key: items[key] for key in WORKER_ENDPOINTS if key in items}
    if not items:
        return {"na": "none of GET one good, search, add + remove answered"}
    cells: list[dict[str, Any]] = []
    try:
        for worker_class, grid in WORKER_GRID.items():
            for workers, threads in grid:
                run.log(f"worker model {worker_class} {workers}x{threads}")
                try:
                    restart(stack, ("catalog",), worker_env(worker_class, workers, threads))
                except Exception as error:  # noqa: BLE001 - a class that cannot start is a row, not a crash
                    run.log(f"{worker_class} {workers}x{threads} did not start: {error}")
                    cells.append(
                        {"class": worker_class, "workers": workers, "threads": threads, "na": str(error)}
                    )
                    continue
                meter = run.Meter(1, grid_seconds)
                meter.measure(items, loads=(64,))
                figures = {key: meter.result(key) for key in items}
                cells.append(
                    {"class": worker_class, "workers": workers, "threads": threads, "endpoints": figures}
                )
        top = {key: max((_rps(c.get("endpoints", {}).get(key)) for c in cells), default=0.0) for key in items}

        def score(cell: dict) -> float:  # mean share of each endpoint's best rps in the grid
            if "na" in cell:
                return -1.0
            return sum(_rps(cell["endpoints"].get(k)) / top[k] for k in items if top[k]) / len(items)

        best: dict[str, dict] = {}
        for cell in cells:
            cell["score"] = score(cell)
            if cell["score"] >= 0 and cell["score"] > best.get(cell["class"], {}).get("score", -1.0):
                best[cell["class"]] = cell
        meter = run.Meter(1, seconds)
        for round_number in range(runs):
            order = list(best.items()) if round_number % 2 == 0 else list(reversed(best.items()))
            for worker_class, cell in order:
                run.log(
                    f"worker model {worker_class} {cell['workers']}x{cell['threads']}, "
                    f"round {round_number + 1}"
                )
                restart(stack, ("catalog",), worker_env(worker_class, cell["workers"], cell["threads"]))
                meter.measure({f"{worker_class}:{k}": v for k, v in items.items()}, loads=(64,))
        rows = {
            worker_class: {
                "workers": cell["workers"],
                "threads": cell["threads"],
                "endpoints": {key: meter.result(f"{worker_class}:{key}") for key in items},
            }
            for worker_class, cell in best.items()
        }
    finally:
        restart(stack, ("catalog",), {})  # the run's own settings again
    return {"grid_s": grid_seconds, "runs": runs, "duration_s": seconds, "cells": cells, "best": rows}


def metrics_on_off(stack: LocalStack, items: dict[str, tuple], runs: int, seconds: float) -> dict:
    """METRICS=on and off for both services, alternating (on/off, off/on, ...), c=64: req/s and the
    CPU per request of every part. On these 2 shared CPUs throughput is about 2 CPUs over that CPU,
    and the CPU figure moves much less between runs than req/s does (wrk shares the CPUs)."""
    items = {key: items[key] for key in METRICS_ENDPOINTS if key in items}
    if not items:
        return {"na": "neither GET one good nor add + remove answered"}
    meter = run.Meter(1, seconds)
    try:
        for round_number in range(runs):
            for state in ("on", "off") if round_number % 2 == 0 else ("off", "on"):
                run.log(f"metrics {state}, round {round_number + 1}/{runs}")
                restart(stack, ("catalog", "session"), {"METRICS": state})
                meter.cpu = run.cpu_meter(stack)  # the restarted services' new process trees
                meter.measure({f"{key}:{state}": v for key, v in items.items()}, loads=(64,))
    finally:
        restart(stack, ("catalog", "session"), {})
    rows = {}
    for key in items:
        on, off = meter.result(f"{key}:on"), meter.result(f"{key}:off")
        cost = 1 - _rps(on) / _rps(off) if _rps(on) and _rps(off) else None
        cpu_on, cpu_off = _cpu_total(on), _cpu_total(off)
        cpu_cost = 1 - cpu_off / cpu_on if cpu_on and cpu_off else None
        rows[key] = {"on": on, "off": off, "cost": cost}
        rows[key] |= {"cpu_on": cpu_on, "cpu_off": cpu_off, "cpu_cost": cpu_cost}
    return {"runs": runs, "duration_s": seconds, "endpoints": rows}


def zipf_prefixes() -> list[str]:
    """The search box's prefixes, most asked first: the bench's usual ones, then every two letters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    usual = run.PREFIXES.split()
    return usual + [a + b for a in letters for b in letters if a + b not in usual]


def edge_cache(url: str, runs: int, seconds: float, docker: list[str] | None = None) -> dict:
    """Search suggestions as visitors without cookies, so the gateway's edge cache answers what it
    holds: prefixes Zipf-weighted (bench/lua/zipf_search.lua), c=64. req/s, p99 and the share of
    answers served from the cache, next to the main table's search row (the cache bypassed)."""
    prefixes = zipf_prefixes()
    options = {"prefixes": ",".join(prefixes)}
    samples = [run.run_wrk(url, "zipf_search.lua", options, 64, seconds, docker) for _ in range(runs)]
    done = [sample for sample in samples if sample]
    if not done:
        return {"na": "wrk failed"}
    return {
        "runs": runs,
        "duration_s": seconds,
        "prefixes": len(prefixes),
        **{
            metric: run.summarize([sample[metric] for sample in done if metric in sample])
            for metric in ("rps", "p99_ms", "hit_share", "error_share")
        },
    }


class WrkContainer:
    """wrk in a throwaway container on the compose project's `edge` network, as any outside client."""

    def __init__(self, project: str) -> None:
        self.network = f"{project}_edge"

    def build(self) -> WrkContainer:
        """Build shop/wrk:dev (a few seconds once the Debian layer is cached)."""
        base = AIRGAP_BASE if _image_exists(AIRGAP_BASE) else "debian:trixie-slim"
        cmd = ["docker", "build", "-q", "-f", str(run.BENCH / "Dockerfile.wrk"), "--build-arg"]
        cmd += [f"BASE_IMAGE={base}", "-t", WRK_IMAGE, str(run.BENCH)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"building {WRK_IMAGE} failed: {done.stderr.strip()[-500:]}")
        return self

    def words(self) -> list[str]:
        """The command prefix for run.run_wrk: the scripts mounted read-only, nothing else shared."""
        return ["docker", "run", "--rm", "--network", self.network, "-v", f"{run.LUA}:/lua:ro", WRK_IMAGE]

    def version(self) -> str:
        done = subprocess.run([*self.words(), "-v"], capture_output=True, text=True, timeout=60)
        return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "?"


def _image_exists(image: str) -> bool:
    done = subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=60)
    return done.returncode == 0
