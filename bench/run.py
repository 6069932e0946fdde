"""Benchmark the stack through the gateway with wrk, next to the ceilings it cannot beat.

    .venv/bin/python bench/run.py            # full run, about 10 minutes; writes docs/benchmarks.md
    .venv/bin/python bench/run.py --quick    # 1 run of 2 s on 10k goods, to check the harness
    .venv/bin/python bench/run.py --mode compose --quick   # the same against docker-compose.yml

Loads bulk data step by step (10k, 100k, 1M rows; 10M with --huge), measures search and a
user's goods page at each step, and the full endpoint list at the main data set, together with
three ceilings: nginx minimal (static file), the gateway (same file), Flask hello behind nginx.
Results: bench-results/results.json, docs/benchmarks.md and docs/bench/*.png. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import report  # bench/, beside this script
import report_steps
from cpu import CpuMeter
from shop_stack.compose import ComposeStack
from shop_stack.local import LocalStack
from shop_stack.settings import setting
from shop_stack.system import ensure_binaries, find_binary, free_port, http_ok, wait_until

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "lua"
# Every simulated client signs in from this one address: a login limit far above the default.
LOGIN_RATE, LOGIN_BURST = "600r/m", 50
# Compose mode: the gateway as wrk's container sees it on the `edge` network (docker-compose.yml).
INNER_GATEWAY = "http://gateway:8080/"

# Bulk good names start with these adjectives (catalog_service/cli.py), so every prefix matches.
PREFIXES = "am az bra bri ce cop cor cr du go iv ja li map mis ol on pe qu ru sa sil sl sm ste ve wa wo"
UNCACHED_COOKIE = "bench=no-edge-cache"
GOOD_PATH = "/api/catalog/goods/{id}"
# Metrics on/off: their cost (a few percent) is below one 5 s run's noise, so more rounds than --runs.
METRICS_RUNS = 10
FULL_PAGE = 20  # links per user on the first load step, so every measured user page is full


@dataclass
class Endpoint:
    key: str
    label: str
    script: str
    ceiling: str  # "nginx" (static) or "hello" (API)
    options: dict[str, str] = field(default_factory=dict)
    target_ratio: float | None = None
    write: bool = False


# --- helpers -------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def as_deployed() -> None:
    """Run the services (and the hello ceiling) with compose's settings where `make run` differs.

    ACCESS_LOG: compose turns gunicorn's line per request off (the gateway logs every request), the
    local stack keeps it for development. The figures are about the deployment, so off here too.
    """
    os.environ["ACCESS_LOG"] = setting("ACCESS_LOG")


def ensure_wrk() -> str:
    """Return the wrk binary (scripts/setup.sh installs it when it can)."""
    ensure_binaries({"wrk": "wrk"})
    return shutil.which("wrk") or "wrk"


def http(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None):
    """One request; returns (status, headers, body) and never raises for HTTP errors."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError as error:
        return 0, {}, str(error).encode()


def sign_in(gateway: str, username: str, password: str) -> tuple[str, str] | None:
    """Sign in through the gateway; return (Cookie header value, CSRF token) or None."""
    body = json.dumps({"username": username, "password": password}).encode()
    headers = {"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"}
    status, answer_headers, answer = http(f"{gateway}/api/session/login", "POST", headers, body)
    if status != 200:
        log(f"sign-in failed: HTTP {status} {answer[:200]!r}")
        return None
    cookies = [c.split(";", 1)[0] for c in answer_headers.get_all("Set-Cookie") or []]
    cookie = "; ".join(c for c in cookies if c.startswith("sid="))
    return cookie, json.loads(answer)["csrf_token"]


def table_counts(stack: LocalStack | ComposeStack) -> dict[str, int]:
    row = stack.psql(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM goods), "
        "(SELECT count(*) FROM users_goods)"
    )
    users, goods, links = (int(x) for x in row.split("|"))
    return {"users": users, "goods": goods, "links": links}


def bulk_load(stack: LocalStack | ComposeStack, users: int, goods: int, links: int, seed: int) -> None:
    """Add rows with the catalog's bulk generator, then VACUUM so autovacuum stays out of the runs."""
    args = ["seed", "bulk", "--users", str(users), "--goods", str(goods), "--links", str(links)]
    args += ["--seed", str(seed)]
    stack.catalog_cli(args)  # compose: in the catalog image, on the compose network
    for table in ("users", "goods", "users_goods"):
        stack.psql(f"VACUUM (ANALYZE) {table}")


def log_dir(stack: LocalStack | ComposeStack) -> Path:
    """The directory holding the stack's <part>.log files (compose: fetched from the containers now)."""
    return stack.save_logs() if isinstance(stack, ComposeStack) else stack.workdir / "logs"


def worker_restarts(logs: Path, names: tuple[str, ...]) -> dict[str, int]:
    """gunicorn worker recycling so far (max_requests): each restart is a cold worker, a p99 spike."""
    counts = {}
    for name in names:
        with contextlib.suppress(OSError):
            text = (logs / f"{name}.log").read_text(errors="replace")
            counts[name] = text.count("Autorestarting worker")
    return counts


def keep_events(*where: Path) -> None:
    """Copy worker lifecycle, warning and error lines out of the logs before the stack deletes them."""
    *dirs, target = where
    words = (
        "Booting worker",
        "Autorestarting",
        "Worker exiting",
        "WARNING",
        "ERROR",
        "CRITICAL",
        "[warn]",
        "[error]",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w") as out:
        for log_file in sorted(p for d in dirs for p in d.glob("*.log")):
            with contextlib.suppress(OSError), open(log_file, errors="replace") as lines:
                out.writelines(f"{log_file.stem}: {x}" for x in lines if any(w in x for w in words))


def load_plan(args) -> list[dict[str, int]]:
    """Cumulative (users, goods, links) steps: each scaling size, plus the main data set."""
    points = {(s, s) for s in args.sizes} | {(args.goods, args.links)}
    plan: list[dict[str, int]] = []
    goods = links = 0
    for g, n in sorted(points, key=lambda p: (p[0] + p[1], p)):
        goods, links = max(goods, g), max(links, n)
        users = args.users if plan else min(args.users, max(1, links // FULL_PAGE))
        plan.append(
            {
                "users": users,
                "goods": goods,
                "links": links,
                "main": int((goods, links) == (args.goods, args.links)),
            }
        )
    return plan


# --- wrk -----------------------------------------------------------------------------------
def run_wrk(
    url: str,
    script: str,
    options: dict[str, str],
    connections: int,
    seconds: float,
    docker: list[str] | None = None,
) -> dict | None:
    """One wrk run; returns rps, p50/p99 in ms and the error share, or None if wrk failed.

    `docker`: the `docker run ...` words that start wrk in a container instead (compose mode's
    in-network runs, steps.WrkContainer); the image's entry point is wrk, its workdir bench/lua.
    """
    threads = 2 if connections >= 16 else 1
    cmd = [
        *(docker or ["wrk"]),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        script,
        url,
        "--",
        *(f"{k}={v}" for k, v in options.items()),
    ]
    try:
        done = subprocess.run(cmd, cwd=LUA, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        return None
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        log(f"wrk failed ({done.returncode}): {done.stderr.strip()[:300]}")
        return None
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw["errors"].values())
    requests = max(raw["requests"], 1)
    if raw["requests"] == 0:  # every connection waited the whole run: the latency is at least that long
        log(f"{script} {options.get('path', '')}: no request finished in {seconds:g} s at c={connections}")
        stalled_ms = seconds * 1000
        return {"rps": 0.0, "p50_ms": stalled_ms, "p99_ms": stalled_ms, "error_share": 0.0, "stalled": True}
    measured = {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "error_share": errors / requests,
    }
    if raw.get("answers"):  # zipf_search.lua: answers the gateway's edge cache gave
        measured["hit_share"] = raw["hits"] / raw["answers"]
    return measured


def summarize(samples: list[float]) -> dict | None:
    if not samples:
        return None
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": samples}


class Meter:
    """Collects wrk runs per item; rounds interleave items so drifting machine noise hits all alike."""

    def __init__(self, runs: int, seconds: float) -> None:
        self.runs, self.seconds = runs, seconds
        self.cpu: CpuMeter | None = None  # CPU per request, part by part, at c=64
        self.samples: dict[str, dict[str, list[float]]] = {}
        self.errors: dict[str, float] = {}
        self.stalls: dict[str, int] = {}  # runs in which no request finished at all

    def measure(self, items: dict[str, tuple], loads: tuple[int, ...] = (64, 8)) -> None:
        """items: key -> (url, script, options) or (url, script, options, docker words for run_wrk)."""
        # Warm up first, at the highest load measured: every thread's pooled connection opened and
        # its statements prepared, the caches filled. After a restart (the metrics and worker-model
        # steps), one second at 8 connections left c=64 runs paying for that: CPU per request 40 %
        # above the main table's and swinging 1.4-2.4 ms between runs of one configuration.
        for url, script, options, *docker in items.values():
            run_wrk(url, script, options, max(loads), 2, *docker)
        for round_number in range(1, self.runs + 1):
            log(f"round {round_number}/{self.runs}: {', '.join(items)}")
            for key, (url, script, options, *docker) in items.items():
                for connections in loads:
                    cpu_before = self.cpu.snapshot() if self.cpu and connections == 64 else None
                    result = run_wrk(url, script, options, connections, self.seconds, *docker)
                    if result is None:
                        continue
                    bucket = self.samples.setdefault(key, {})
                    if self.cpu and cpu_before and result.get("requests"):
                        spent = CpuMeter.per_request(cpu_before, self.cpu.snapshot(), result["requests"])
                        for part, ms in spent.items():
                            bucket.setdefault(f"cpu_{part}", []).append(ms)
                    if connections == 64:
                        bucket.setdefault("rps_c64", []).append(result["rps"])
                        bucket.setdefault("p99_c64", []).append(result["p99_ms"])
                    else:
                        bucket.setdefault("p50_c8", []).append(result["p50_ms"])
                        bucket.setdefault("p99_c8", []).append(result["p99_ms"])
                        bucket.setdefault("rps_c8", []).append(result["rps"])
                    self.errors[key] = max(self.errors.get(key, 0.0), result["error_share"])
                    self.stalls[key] = self.stalls.get(key, 0) + int(result.get("stalled", False))

    def result(self, key: str) -> dict:
        bucket = self.samples.pop(key, {})
        out = {metric: summarize(values) for metric, values in bucket.items()}
        out["error_share"] = self.errors.pop(key, None)
        out["stalled_runs"] = self.stalls.pop(key, 0)
        return out


# --- ceilings ------------------------------------------------------------------------------
@dataclass
class Ceilings:
    """nginx minimal (static file + proxy) and the Flask hello app under the services' gunicorn settings."""

    workdir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start(self) -> Ceilings:
        self.ports = {"static": free_port(), "proxy": free_port(), "hello": free_port()}
        self.workdir.chmod(0o755)  # nginx workers run as nobody when started by root
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.workdir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        # The catalog's gunicorn settings (gthread, WEB_CONCURRENCY x GUNICORN_THREADS, keepalive),
        # but no max_requests recycling: a ceiling is the steady state, not cold workers.
        env = {
            **os.environ,
            "BIND": f"127.0.0.1:{self.ports['hello']}",
            "GUNICORN_CMD_ARGS": "--max-requests 0",
        }
        conf = str(ROOT / "catalog-service" / "gunicorn.conf.py")
        self._spawn("hello", [sys.executable, "-m", "gunicorn", "-c", conf, "hello:app"], env, BENCH)
        wait_until(lambda: http_ok(self.url("hello")), "hello app", 30, self.procs["hello"])
        text = (BENCH / "nginx-ceiling.conf").read_text()
        for name, value in {
            "STATIC_PORT": self.ports["static"],
            "PROXY_PORT": self.ports["proxy"],
            "HELLO_PORT": self.ports["hello"],
            "STATIC_ROOT": ROOT / "static-ui",
        }.items():
            text = text.replace(f"@{name}@", str(value))
        (self.workdir / "nginx.conf").write_text(text)
        nginx = find_binary("nginx") or "nginx"
        self._spawn("nginx", [nginx, "-p", str(self.workdir), "-c", "nginx.conf", "-g", "daemon off;"])
        wait_until(
            lambda: http_ok(self.url("static")) and http_ok(self.url("proxy")),
            "ceiling nginx",
            15,
            self.procs["nginx"],
        )
        return self

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/"

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.procs.clear()

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> None:
        out = open(self.workdir / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)


# --- the run -------------------------------------------------------------------------------
def endpoints(goods: int, bulk_users: tuple[int, int], session: tuple[str, str] | None) -> list[Endpoint]:
    cookie, csrf = session or ("", "")
    ids = {"first": "1", "last": str(goods)}
    users = {"first": str(bulk_users[0]), "last": str(bulk_users[1])}
    signed_in = {"cookie": cookie}
    # Any cookie makes the gateway skip its edge cache (gateway/conf/edge-cache.conf): these rows
    # measure the service behind it. steps.edge_cache measures the cache.
    uncached = {"cookie": UNCACHED_COOKIE}
    api = "hello"  # the ceiling every API row is held against
    return [
        Endpoint("static", "static UI `/`", "get.lua", "nginx", {"path": "/"}, 0.8),
        Endpoint("good", "GET one good", "by_id.lua", api, {**ids, **uncached, "path": GOOD_PATH}, 0.6),
        Endpoint(
            "search",
            "search suggestions",
            "search.lua",
            api,
            {**uncached, "prefixes": PREFIXES.replace(" ", ",")},
            0.5,
        ),
        Endpoint(
            "user_goods",
            "a user's goods page",
            "by_id.lua",
            api,
            {**users, "path": "/api/catalog/users/{id}/goods"},
            0.4,
        ),
        Endpoint(
            "my_goods", "my goods (signed in)", "get.lua", api, {"path": "/api/catalog/me/goods", **signed_in}
        ),
        Endpoint(
            "session_me", "GET /api/session/me", "get.lua", api, {"path": "/api/session/me", **signed_in}, 0.6
        ),
        Endpoint(
            "add_remove",
            "add + remove a good",
            "add_remove.lua",
            api,
            {**ids, **signed_in, "csrf": csrf},
            0.25,
            write=True,
        ),
    ]


def probe(gateway: str, endpoint: Endpoint, bulk_users: tuple[int, int]) -> str | None:
    """Return None if the endpoint answers 2xx, else a short reason (the row then reads n/a)."""
    headers = {}
    if endpoint.options.get("cookie") is not None:
        if not endpoint.options["cookie"]:
            return "no session (sign-in failed)"
        headers["Cookie"] = endpoint.options["cookie"]
    if endpoint.options.get("csrf"):
        headers["X-CSRF-Token"] = endpoint.options["csrf"]
    calls = {
        "good": [("GET", "/api/catalog/goods/1")],
        "search": [("GET", "/api/catalog/goods?q=am&limit=10")],
        "user_goods": [("GET", f"/api/catalog/users/{bulk_users[0]}/goods")],
        "add_remove": [("PUT", "/api/catalog/me/goods/1"), ("DELETE", "/api/catalog/me/goods/1")],
    }.get(endpoint.key, [("GET", endpoint.options.get("path", "/"))])
    for method, path in calls:
        body = b"" if method == "PUT" else None
        status, _, answer = http(gateway + path, method, headers, body)
        if not 200 <= status < 300:
            return f"{method} {path.split('?')[0]}: HTTP {status}"
    return None


def cpu_meter(stack: LocalStack, ceilings: Ceilings | None = None) -> CpuMeter:
    """The local stack's parts by process tree, with the ceilings' nginx and hello when given, and
    the machine's total. Built again after a part restarts: new pids."""
    postmaster = int((stack.workdir / "pg" / "postmaster.pid").read_text().split()[0])
    roots = {
        "nginx": [stack.procs["gateway"].pid],
        "catalog": [stack.procs["catalog"].pid],
        "session": [stack.procs["session"].pid],
        "postgres": [postmaster],
        "redis": [stack.procs["redis"].pid],
    }
    if ceilings is not None:
        roots["nginx"].append(ceilings.procs["nginx"].pid)
        roots["hello"] = [ceilings.procs["hello"].pid]
    return CpuMeter(roots, machine=True)


# compose service -> the part it is in CPU_PARTS (bench/report.py)
COMPOSE_PARTS = {
    "gateway": "nginx",
    "catalog-service": "catalog",
    "session-service": "session",
    "postgres": "postgres",
    "redis": "redis",
}


def compose_cpu_meter(stack: ComposeStack, ceilings: Ceilings) -> CpuMeter:
    """The compose stack's parts by their containers' process trees (seen from the host, as any
    process), the Docker engine's processes and the machine's total; the ceilings as in local mode."""
    roots: dict[str, list[int]] = {part: [] for part in COMPOSE_PARTS.values()}
    for service, part in COMPOSE_PARTS.items():
        for container in stack.compose("ps", "-q", service, capture_output=True, timeout=60).stdout.split():
            inspect = ["docker", "inspect", "-f", "{{.State.Pid}}", container]
            pid = subprocess.run(inspect, capture_output=True, text=True, check=True, timeout=60).stdout
            roots[part].append(int(pid))
    roots["nginx"].append(ceilings.procs["nginx"].pid)
    roots["hello"] = [ceilings.procs["hello"].pid]
    return CpuMeter(roots, engine=True, machine=True)


def run(args) -> dict:
    stack: LocalStack | ComposeStack | None = None
    ceilings: Ceilings | None = None
    meter = Meter(args.runs, args.duration)
    results: dict = {"meta": machine_info(args), "ceilings": {}, "endpoints": {}, "scaling": [], "plan": []}
    tmp = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    import steps  # bench/; it imports this module, so not at the top

    wrk_container: steps.WrkContainer | None = None
    try:
        started = time.monotonic()
        if args.mode == "compose":
            compose = ComposeStack("shop-bench", LOGIN_RATE, LOGIN_BURST)
            log(
                "starting the compose stack (project shop-bench; the first run builds the images; "
                f"output in {compose.workdir}/compose-up.out) ..."
            )
            stack = compose.start()
            results["meta"].update(compose_versions(compose))
            log(f"building {steps.WRK_IMAGE} (wrk on the stack's network) ...")
            wrk_container = steps.WrkContainer(compose.project).build()
            results["meta"]["wrk_container"] = wrk_container.version()
        else:
            log("starting the local-process stack ...")
            stack = LocalStack(login_rate=LOGIN_RATE, login_burst=LOGIN_BURST).start()
        log(f"stack up in {time.monotonic() - started:.0f} s")
        ceilings = Ceilings(tmp).start()
        if isinstance(stack, LocalStack):
            meter.cpu = cpu_meter(stack, ceilings)
        else:
            meter.cpu = compose_cpu_meter(stack, ceilings)
        log(f"gateway {stack.gateway_url}, nginx {ceilings.url('static')}, hello {ceilings.url('proxy')}")
        base = table_counts(stack)  # the demo data
        first_user = base["users"] + 1  # bulk users get the next serial ids
        gateway = stack.gateway_url
        for step in load_plan(args):
            counts = table_counts(stack)
            want = {k: max(0, base[k] + step[k] - counts[k]) for k in ("users", "goods", "links")}
            log(f"loading +{want['users']} users, +{want['goods']} goods, +{want['links']} links ...")
            started = time.monotonic()
            bulk_load(stack, want["users"], want["goods"], want["links"], seed=len(results["plan"]) + 42)
            counts = table_counts(stack)
            counts["load_s"] = round(time.monotonic() - started, 1)
            results["plan"].append(counts)
            log(f"data: {counts}")
            first_step_users = results["plan"][0]["users"] - base["users"]
            bulk_users = (first_user, first_user + max(first_step_users, 1) - 1)
            session = sign_in(gateway, args.username, args.password)
            todo = endpoints(counts["goods"], bulk_users, session)
            if not step["main"]:
                todo = [e for e in todo if e.key in ("search", "user_goods")]
            items, skipped = {}, {}
            for endpoint in todo:
                reason = probe(gateway, endpoint, bulk_users)
                if reason:
                    log(f"{endpoint.key}: n/a ({reason})")
                    skipped[endpoint.key] = reason
                elif wrk_container:  # compose: from inside the network, to the gateway's container
                    items[endpoint.key] = (
                        INNER_GATEWAY,
                        endpoint.script,
                        endpoint.options,
                        wrk_container.words(),
                    )
                else:
                    items[endpoint.key] = (gateway + "/", endpoint.script, endpoint.options)
            if step["main"] and wrk_container:  # one row through the published port: docker-proxy's cost
                items["static_published"] = (gateway + "/", "get.lua", {"path": "/"})
            if step["main"]:
                items["ceiling_nginx"] = (ceilings.url("static"), "get.lua", {"path": "/"})
                items["ceiling_hello"] = (ceilings.url("proxy"), "get.lua", {"path": "/"})
                meter.measure(items)
            else:
                meter.measure(items, loads=(8,))
            measured = {key: meter.result(key) for key in items}
            point = {"users": counts["users"], "goods": counts["goods"], "links": counts["links"]}
            for key in ("search", "user_goods"):
                point[key] = measured.get(key) or {"na": skipped.get(key, "not measured")}
            results["scaling"].append(point)
            if step["main"]:
                for endpoint in todo:
                    row = measured.get(endpoint.key) or {"na": skipped.get(endpoint.key, "wrk failed")}
                    row.update(
                        label=endpoint.label,
                        ceiling=endpoint.ceiling,
                        write=endpoint.write,
                        target_ratio=endpoint.target_ratio,
                    )
                    results["endpoints"][endpoint.key] = row
                results["ceilings"] = {
                    "nginx": measured.get("ceiling_nginx"),
                    "hello": measured.get("ceiling_hello"),
                }
                results["main_data"] = point
                if "static_published" in measured:
                    results["published"] = measured["static_published"]
                results["worker_restarts"] = worker_restarts(log_dir(stack), ("catalog", "session"))
                results["worker_restarts"].update(worker_restarts(tmp, ("hello",)))
                if args.profile and isinstance(stack, LocalStack):  # after the figures: sampling costs CPU
                    import profiles  # bench/; it imports this module, so not at the top

                    out = ROOT / "docs" / "bench" if args.docs else args.out / "profiles"
                    results["profiles"] = profiles.profile_all(
                        stack, ceilings, counts["goods"], bulk_users, session, args.profile_seconds, out
                    )
                if args.worker_models and isinstance(stack, LocalStack):
                    log("worker models: catalog-service under sync, gthread and gevent ...")
                    results["worker_models"] = steps.worker_models(
                        stack, items, args.grid_seconds, args.runs, args.duration
                    )
                if "search" in items:
                    log("edge cache: search suggestions as visitors, a Zipf mix of prefixes ...")
                    url, _, _, *docker = items["search"]
                    results["edge_cache"] = steps.edge_cache(url, args.runs, args.duration, *docker)
                if args.metrics_step and isinstance(stack, LocalStack):
                    log("metrics on and off ...")
                    results["metrics_on_off"] = steps.metrics_on_off(
                        stack, items, max(args.runs, METRICS_RUNS), args.duration
                    )
    finally:
        if stack:
            keep_events(log_dir(stack), tmp, args.out / "service-events.log")
        log("stopping ...")
        if ceilings:
            ceilings.stop()
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["meta"]["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["meta"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["targets"] = evaluate(results)
    return results


# --- targets -------------------------------------------------------------------------------
def median(row: dict | None, metric: str) -> float | None:
    if not row or not row.get(metric):
        return None
    return float(row[metric]["median"])


def ratio(results: dict, key: str) -> float | None:
    row = results["endpoints"].get(key)
    if not row or "na" in row:
        return None
    ceiling = median(results["ceilings"].get(row["ceiling"]), "rps_c64")
    mine = median(row, "rps_c64")
    return mine / ceiling if mine and ceiling else None


AUTH_CPU_MS = 0.3  # session-service CPU per /auth


def evaluate(results: dict) -> list[dict]:
    """Every target as {name, goal, value, passed}; passed is None when it could not be measured."""
    targets = []
    for key, row in results["endpoints"].items():
        if row.get("target_ratio") is not None:
            value = ratio(results, key)
            ceiling = "nginx minimal" if row["ceiling"] == "nginx" else "Flask hello"
            targets.append(
                {
                    "key": key,
                    "kind": "ratio",
                    "name": f"{row['label']}: throughput vs {ceiling}",
                    "goal": f">= {row['target_ratio']:.0%}",
                    "value": value,
                    "unit": "ratio",
                    "passed": None if value is None else value >= row["target_ratio"],
                }
            )
    for key, row in results["endpoints"].items():
        limit = 25.0 if row["write"] else 15.0
        value = median(row, "p99_c8")
        targets.append(
            {
                "key": key,
                "kind": "p99",
                "name": f"{row['label']}: p99 at 8 connections",
                "goal": f"<= {limit:g} ms",
                "value": value,
                "unit": "ms",
                "passed": None if value is None else value <= limit,
            }
        )
    # Issue 16: the gateway's identity check at about the cost of its work. Each add or remove is
    # one /auth, so session-service's CPU per request of that row is its CPU per /auth.
    auth = median(results["endpoints"].get("add_remove"), "cpu_session")
    if results["meta"]["mode"] == "local":
        targets.append(
            {
                "key": "add_remove",
                "kind": "auth",
                "name": "session-service CPU per `/auth` (add + remove)",
                "goal": f"<= {AUTH_CPU_MS:g} ms",
                "value": auth,
                "unit": "cpu_ms",
                "passed": None if auth is None else auth <= AUTH_CPU_MS,
            }
        )
    points = results["scaling"]
    for key, label in (("user_goods", "a user's goods page"), ("search", "search suggestions")):
        first = median(points[0][key], "p50_c8") if points else None
        last = median(points[-1][key], "p50_c8") if points else None
        value = last / first if first and last else None
        targets.append(
            {
                "key": key,
                "kind": "scaling",
                "name": f"{label}: p50 at the largest size vs the smallest",
                "goal": "<= 1.2x",
                "value": value,
                "unit": "x",
                "passed": None if value is None else value <= 1.2,
            }
        )
    return targets


# --- output --------------------------------------------------------------------------------
def code_version() -> str:
    """The code measured: the last commit that changed anything outside docs/ (so committing a run's
    report keeps the version), with "+changes" when the working tree differs from it there."""
    outside_docs = ["--", ".", ":(exclude)docs"]
    git = ["git", "-C", str(ROOT)]
    last = subprocess.run([*git, "log", "-1", "--format=%h", *outside_docs], capture_output=True, text=True)
    status = [*git, "status", "--porcelain", "--untracked-files=no", *outside_docs]
    changed = subprocess.run(status, capture_output=True, text=True).stdout.strip()
    return (last.stdout.strip() or "?") + ("+changes" if changed else "")


def keep_run(out: Path, results: dict) -> None:
    """Keep this run's results in OUT/history/, for the spread across runs (runs_of_this_code)."""
    history = out / "history"
    history.mkdir(parents=True, exist_ok=True)
    meta = results["meta"]
    name = f"{meta['started'].replace(':', '')}-{meta['mode']}.json"
    (history / name).write_text(json.dumps(results) + "\n")


def data_set(results: dict) -> tuple:
    """The main data set's size (its entry also holds that step's figures)."""
    data = results.get("main_data") or {}
    return data.get("users"), data.get("goods"), data.get("links")


def runs_of_this_code(out: Path, results: dict) -> list[dict]:
    """Every kept run of the same code, mode and main data set as `results` (itself included when
    kept), oldest first: the spread across runs in docs/benchmarks.md."""
    meta, same = results["meta"], []
    for path in sorted((out / "history").glob("*.json")):
        with contextlib.suppress(ValueError, KeyError):
            kept = json.loads(path.read_text())
            mine = (kept["meta"].get("code"), kept["meta"]["mode"], data_set(kept))
            if mine == (meta["code"], meta["mode"], data_set(results)):
                same.append(kept)
    return sorted(same, key=lambda kept: kept["meta"]["started"])


def machine_info(args) -> dict:
    def first_line(cmd: list[str]) -> str:
        with contextlib.suppress(Exception):
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        return "?"

    cpu = next(
        (
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "nginx": first_line([find_binary("nginx") or "nginx", "-v"]),
        "postgres": first_line([find_binary("postgres") or "postgres", "--version"]),
        "redis": first_line([find_binary("redis-server") or "redis-server", "--version"]),
        "wrk": first_line(["wrk", "-v"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "gunicorn": {
            "workers": os.environ.get("WEB_CONCURRENCY", "2"),
            "threads": os.environ.get("GUNICORN_THREADS", "4"),
            "worker_class": "gthread",
            "access_log": os.environ.get("ACCESS_LOG", "on"),
        },
        "runs": args.runs,
        "duration_s": args.duration,
        "note": args.note,
        "mode": args.mode,
    }


def compose_versions(stack: ComposeStack) -> dict:
    """What a compose run measured: engine, Compose, the base images and the servers inside them."""

    def first_line(*cmd: str) -> str:
        with contextlib.suppress(Exception):
            env = {**os.environ, **stack.env}
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        return "?"

    names = ("PYTHON_IMAGE", "NGINX_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE")
    images = {name: stack.env.get(name, "?") for name in names}
    exec_in = ("docker", "compose", "-p", stack.project, "exec", "-T")
    postgres = first_line(*exec_in, "postgres", "postgres", "--version")
    redis = first_line(*exec_in, "redis", "redis-server", "--version").split(" sha=")[0]
    return {
        "project": stack.project,
        "docker": first_line("docker", "version", "--format", "{{.Server.Version}}"),
        "compose": first_line("docker", "compose", "version", "--short"),
        "images": images,
        "gateway_nginx": first_line(*exec_in, "gateway", "nginx", "-v").removeprefix("nginx version: "),
        "postgres": f"{postgres} ({images['POSTGRES_IMAGE']})",
        "redis": f"{redis} ({images['REDIS_IMAGE']})",
    }


def fmt(row: dict | None, metric: str, digits: int = 0) -> str:
    return report.cell(row, metric, digits, spread="({})")


def print_summary(results: dict) -> None:
    print(f"\n=== {results['meta']['mode']} mode: throughput (c=64) and latency (c=8), median (min–max) ===")
    rows = [
        ("nginx minimal (ceiling)", results["ceilings"].get("nginx")),
        ("Flask hello via nginx (ceiling)", results["ceilings"].get("hello")),
    ]
    rows += [(row["label"], row) for row in results["endpoints"].values()]
    for label, row in rows:
        if not row or "na" in row:
            print(f"  {label:34} n/a  {row.get('na', '') if row else ''}")
            continue
        print(
            f"  {label:34} {fmt(row, 'rps_c64'):>26} rps   p50 {fmt(row, 'p50_c8', 1):>18} ms"
            f"   p99 {fmt(row, 'p99_c8', 1):>18} ms"
        )
    print("\n=== latency vs data size (c=8, p50 ms) ===")
    for point in results["scaling"]:
        print(
            f"  goods {point['goods']:>10,}  links {point['links']:>10,}"
            f"   search {fmt(point['search'], 'p50_c8', 2):>20}"
            f"   user's goods {fmt(point['user_goods'], 'p50_c8', 2):>20}"
        )
    print(f"\ngunicorn worker restarts (max_requests) up to the main step: {results.get('worker_restarts')}")
    print("\n=== targets ===")
    for target in results["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "N/A "}[target["passed"]]
        print(f"  {verdict}  {target['name']} {target['goal']}: {report.measured(target, units=True)}")
    passed = sum(1 for t in results["targets"] if t["passed"])
    print(f"\n{passed} of {len(results['targets'])} targets pass.\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("local", "compose"), default="local")
    parser.add_argument("--users", type=int, default=10_000, help="users in the main data set")
    parser.add_argument("--goods", type=int, default=100_000, help="goods in the main data set")
    parser.add_argument("--links", type=int, default=1_000_000, help="user-good links in the main data set")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 100_000, 1_000_000],
        help="goods = links at each scaling step (comma-separated)",
    )
    parser.add_argument("--huge", action="store_true", help="add a 10M goods / 10M links step (slow to load)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s on 10k goods, no docs")
    parser.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/benchmarks.md and charts (default: yes, unless --quick)",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="flame graphs of each service under load after the main step (bench/profiles.py; "
        "local mode; default: yes, unless --quick)",
    )
    parser.add_argument("--profile-seconds", type=float, default=15, help="sampling time per flame graph")
    parser.add_argument(
        "--worker-models",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="catalog-service under gunicorn sync, gthread and gevent, a small grid each (bench/steps.py; "
        "local mode; default: yes)",
    )
    parser.add_argument(
        "--grid-seconds", type=float, default=3, help="seconds per endpoint per worker-model grid cell"
    )
    parser.add_argument(
        "--metrics-step",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="GET one good and add + remove with METRICS=on and off (local mode; default: yes)",
    )
    parser.add_argument(
        "--compose",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="after a local run, the compose stack on the main data set too, for the compose-vs-local "
        "table (default: yes, unless --quick)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="a results.json of the other mode (e.g. bench-results/local/results.json) for the "
        "compose-vs-local table, instead of measuring both modes",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="results directory")
    parser.add_argument("--username", default="alice")
    parser.add_argument("--password", default="alice-demo-1")
    parser.add_argument("--note", default="", help="free text for the report, e.g. what else was running")
    parser.add_argument(
        "--report",
        action="store_true",
        help="measure nothing: write docs/benchmarks.md again from OUT/results.json and the kept runs "
        "of its code (after a change to the report itself)",
    )
    args = parser.parse_args()
    if args.report:
        write_report(args)
        return
    if args.quick:
        args.runs, args.duration = 1, 2
        args.users, args.goods, args.links, args.sizes = 500, 10_000, 10_000, [1_000, 10_000]
    if args.huge:
        args.sizes.append(10_000_000)
    if args.docs is None:
        args.docs = not args.quick
    if args.profile is None:
        args.profile = not args.quick and args.mode == "local"
    if args.worker_models is None:
        args.worker_models = args.mode == "local"
    if args.metrics_step is None:
        args.metrics_step = args.mode == "local"
    if args.compose is None:
        args.compose = not args.quick and args.mode == "local" and not args.compare
    if args.quick:
        args.grid_seconds = min(args.grid_seconds, 1)
    if args.profile and args.mode == "compose":
        parser.error("--profile needs local mode: py-spy samples the local stack's processes")
    if args.mode == "compose" or args.compose:
        ensure_binaries({"nginx": "nginx"})  # the ceilings run on the host
        for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
            # The containers get gunicorn.conf.py's defaults; the hello ceiling must run the same.
            if os.environ.pop(name, None):
                log(f"compose mode: ignoring {name}, the containers do not receive it")
    ensure_wrk()
    as_deployed()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup in finally blocks

    results = run(args)
    if args.compose:  # the deployment, measured after the code: main data set only, no profiles
        log("compose pass: the same endpoints against docker-compose.yml ...")
        compose_args = argparse.Namespace(**{**vars(args), "mode": "compose", "sizes": []})
        compose_args.profile = compose_args.worker_models = compose_args.metrics_step = False
        compose_args.compose = False
        compose_args.out = args.out / "compose"  # its service-events.log beside the local one
        results["compose"] = run(compose_args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    # Per mode too, for a later run of the other mode: --compare bench-results/<mode>/results.json
    (args.out / args.mode).mkdir(exist_ok=True)
    (args.out / args.mode / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if results.get("compose"):
        (args.out / "compose").mkdir(exist_ok=True)
        (args.out / "compose" / "results.json").write_text(json.dumps(results["compose"], indent=2) + "\n")
    other = json.loads(args.compare.read_text()) if args.compare else None
    keep_run(args.out, results)
    runs = runs_of_this_code(args.out, results)
    print_summary(results)
    print(report_steps.text(results, other, runs))
    log(f"results: {args.out / 'results.json'}; {len(runs)} run(s) of this code in {args.out / 'history'}")
    if args.docs:
        report.write(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "bench", other, runs)
        log("wrote docs/benchmarks.md and docs/bench/*.png")


def write_report(args) -> None:
    """--report: docs/benchmarks.md from the last results and the kept runs of the same code."""
    results = json.loads((args.out / "results.json").read_text())
    other = json.loads(args.compare.read_text()) if args.compare else None
    runs = runs_of_this_code(args.out, results)
    report.write(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "bench", other, runs)
    log(f"wrote docs/benchmarks.md from {args.out / 'results.json'} and {len(runs)} kept run(s) of its code")


if __name__ == "__main__":
    main()
