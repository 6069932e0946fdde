"""Flame graphs of each service under load: which functions a request's CPU goes to.

    .venv/bin/python bench/profiles.py            # its own local stack; about 3 minutes
    .venv/bin/python bench/run.py                 # runs the same step after the main one

py-spy samples a gunicorn master and its workers (`--subprocesses`, idle threads left out, so
the samples follow the CPU) while wrk drives one endpoint through the gateway at 64
connections, the load of the throughput figures. Each service the request reaches gets its own
graph: docs/bench/profile-<endpoint>-<service>.svg. The Flask hello ceiling is profiled the
same way, as the floor every API request pays (gunicorn, Flask, the JSON). The heaviest
functions and packages of each graph (self time: the samples in which the function itself was
running) are printed and written to bench-results/profiles.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import run  # bench/, beside this script: the stack, data, sign-in and wrk helpers
from shop_stack.local import LocalStack

DOCS = run.ROOT / "docs" / "bench"
SVG = "{http://www.w3.org/2000/svg}"
FG = "{http://github.com/jonhoo/inferno}"  # the sample counts py-spy writes on each frame
WARM_UP = 2.0  # seconds of load before sampling starts: pools filled, code paths warm


@dataclass(frozen=True)
class Profile:
    endpoint: str  # a key of run.endpoints(), or "hello"
    services: tuple[str, ...]  # the processes (LocalStack.procs / Ceilings.procs keys) sampled


# Calls worth naming in every graph, by qualified name: their inclusive share says what a layer costs.
LANDMARKS = (
    (
        "gunicorn: the worker's main loop (poller, hand-offs to threads)",
        "ThreadWorker.wait_for_and_dispatch_events",
    ),
    ("gunicorn: read and parse the request", "Parser.__next__"),
    ("gunicorn: write the response", "Response.write"),
    ("gunicorn: access log line", "Logger.access"),
    ("session-service: /auth answered before Flask", "AuthCheck.__call__"),
    ("Flask: the whole app (wsgi_app)", "Flask.wsgi_app"),
    ("Flask: request context (session opened)", "RequestContext.push"),
    ("Flask: before-request hooks", "Flask.preprocess_request"),
    ("Flask: the view (dispatch_request)", "Flask.dispatch_request"),
    ("Flask: after-request hooks, session saved", "Flask.process_response"),
    ("Flask: teardown", "RequestContext.pop"),
    ("SQLAlchemy Connection.execute (incl. psycopg2)", "Connection.execute"),
    ("rows to JSON (jsonify)", "jsonify"),
    ("Redis command (redis-py)", "Redis.execute_command"),
    ("identity assertion signed", "sign_identity"),
    ("identity assertion verified", "verify_identity"),
    ("metrics: one request counted", "_Figures.observe_request"),
)

PROFILES = (
    Profile("good", ("catalog",)),
    Profile("search", ("catalog",)),
    Profile("add_remove", ("catalog", "session")),
    Profile("hello", ("hello",)),
)


def py_spy() -> str:
    """The py-spy binary from the venv (bench/requirements.txt), else from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        sys.exit("py-spy is missing: .venv/bin/pip install -r bench/requirements.txt")
    return found


def record(pids: dict[str, int], url: str, script: str, options: dict, seconds: float, out: dict[str, Path]):
    """Sample every process in `pids` for `seconds` under wrk's c=64 load; returns wrk's result."""
    result: dict = {}
    load = threading.Thread(
        target=lambda: result.update(run.run_wrk(url, script, options, 64, seconds + WARM_UP + 1) or {})
    )
    load.start()
    time.sleep(WARM_UP)
    spies = []
    for name, pid in pids.items():
        cmd = [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--function",
            "--gil",
            "--rate",
            "200",
        ]
        cmd += ["--duration", str(int(seconds)), "--format", "flamegraph", "--output", str(out[name])]
        spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for spy in spies:
        _, errors = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0:
            run.log(f"py-spy failed ({spy.returncode}): {errors.strip()[-300:]}")
    load.join()
    return result


def frames(svg: Path) -> list[tuple[str, int, int, float]]:
    """(function, first sample, samples, y) of every frame in a py-spy (inferno) flame graph."""
    found = []
    # S314: the SVG is the file py-spy just wrote here, not input from elsewhere
    for group in ET.parse(svg).getroot().iter(f"{SVG}g"):  # noqa: S314
        title, rect = group.find(f"{SVG}title"), group.find(f"{SVG}rect")
        if title is None or rect is None or not title.text or rect.get(f"{FG}w") is None:
            continue
        name = title.text.rpartition(" (")[0]
        found.append(
            (name, int(rect.get(f"{FG}x", "0")), int(rect.get(f"{FG}w", "0")), float(rect.get("y", "0")))
        )
    return found


def summarize(svg: Path, top: int = 12) -> dict:
    """Self samples by function and by package: a frame's samples minus those of its callees."""
    found = frames(svg)
    root = next((f for f in found if f[0] == "all"), None)
    if root is None:
        return {"samples": 0, "functions": [], "packages": [], "landmarks": []}
    # Rows by distance from the root frame, whichever way the graph grows: depth 0 is "all".
    depth_of = {
        y: depth for depth, y in enumerate(sorted({f[3] for f in found}, key=lambda y: abs(y - root[3])))
    }
    by_depth: dict[int, list[tuple[str, int, int, float]]] = collections.defaultdict(list)
    for frame in found:
        by_depth[depth_of[frame[3]]].append(frame)
    own: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    within: collections.Counter[str] = collections.Counter()  # inclusive: the function and its callees
    for depth, row in by_depth.items():
        callees = by_depth.get(depth + 1, [])
        for name, x, width, _ in row:
            if name == "all" or name.startswith("process "):
                continue
            mine = width - sum(w for _, cx, w, _ in callees if x <= cx < x + width)
            within[name] += width
            own[name] += mine
            packages[package_of(name)] += mine
    total = root[2]

    def shares(counter: collections.Counter[str]) -> list[list]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(top)]

    by_call: collections.Counter[str] = collections.Counter()
    for name, n in within.items():
        by_call[name.rpartition(" (")[0]] += n
    landmarks = [[label, round(100 * by_call[call] / total, 1)] for label, call in LANDMARKS if by_call[call]]
    return {
        "samples": total,
        "functions": shares(own),
        "packages": shares(packages),
        "landmarks": landmarks,
    }


def package_of(frame: str) -> str:
    """`execute (sqlalchemy/engine/base.py:1400)` -> sqlalchemy; `send (socket.py:...)` -> socket."""
    where = frame.rpartition(" (")[2].rstrip(")")
    path = where.rsplit(":", 1)[0]
    if "/" not in path:
        return path.removesuffix(".py") or frame
    return path.split("/", 1)[0]


def profile_all(
    stack: LocalStack,
    ceilings: run.Ceilings | None,
    goods: int,
    bulk_users: tuple[int, int],
    session: tuple[str, str] | None,
    seconds: float,
    out_dir: Path = DOCS,
) -> dict:
    """Record every profile in PROFILES against a running, loaded stack; returns the summaries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    endpoints = {e.key: e for e in run.endpoints(goods, bulk_users, session)}
    summaries = {}
    for profile in PROFILES:
        if profile.endpoint == "hello":
            if ceilings is None:
                continue
            url, script, options = ceilings.url("proxy"), "get.lua", {"path": "/"}
            procs = ceilings.procs
        else:
            endpoint = endpoints[profile.endpoint]
            reason = run.probe(stack.gateway_url, endpoint, bulk_users)
            if reason:
                run.log(f"profile {profile.endpoint}: skipped ({reason})")
                continue
            url, script, options = stack.gateway_url + "/", endpoint.script, endpoint.options
            procs = stack.procs
        svgs = {
            name: out_dir / f"profile-{profile.endpoint.replace('_', '-')}-{name}.svg"
            for name in profile.services
        }
        run.log(f"profiling {profile.endpoint} ({', '.join(profile.services)}) for {seconds:g} s at c=64 ...")
        result = record(
            {name: procs[name].pid for name in profile.services}, url, script, options, seconds, svgs
        )
        for name, svg in svgs.items():
            if svg.exists():
                summary = summarize(svg)
                summary["rps_while_sampled"] = round(result.get("rps", 0.0))
                summaries[f"{profile.endpoint}/{name}"] = summary
    return summaries


def print_summaries(summaries: dict) -> None:
    for key, summary in summaries.items():
        rate = summary["rps_while_sampled"]
        print(f"\n=== {key}: {summary['samples']} samples, {rate} req/s while sampled ===")
        print("  packages (self %): " + ", ".join(f"{name} {share}" for name, share in summary["packages"]))
        print("  heaviest functions, self %:")
        for name, share in summary["functions"]:
            print(f"    {share:5.1f}  {name}")
        print("  landmarks, inclusive % (the call and all it calls):")
        for label, share in summary["landmarks"]:
            print(f"    {share:5.1f}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--goods", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15, help="sampling time per profile")
    parser.add_argument("--out", type=Path, default=DOCS, help="where the SVGs go")
    parser.add_argument("--results", type=Path, default=run.ROOT / "bench-results")
    args = parser.parse_args()
    run.ensure_wrk()
    run.as_deployed()
    py_spy()
    stack: LocalStack | None = None
    ceilings: run.Ceilings | None = None
    tmp = Path(tempfile.mkdtemp(prefix="shop-profile-"))
    try:
        run.log("starting the local-process stack ...")
        stack = LocalStack(login_rate=run.LOGIN_RATE, login_burst=run.LOGIN_BURST).start()
        ceilings = run.Ceilings(tmp).start()
        base = run.table_counts(stack)
        run.log(f"loading {args.users} users, {args.goods} goods, {args.links} links ...")
        run.bulk_load(stack, args.users, args.goods, args.links, seed=42)
        counts = run.table_counts(stack)
        bulk_users = (base["users"] + 1, counts["users"])
        session = run.sign_in(stack.gateway_url, "alice", "alice-demo-1")
        summaries = profile_all(stack, ceilings, counts["goods"], bulk_users, session, args.seconds, args.out)
    finally:
        run.log("stopping ...")
        if ceilings:
            ceilings.stop()
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "profiles.json").write_text(json.dumps(summaries, indent=2) + "\n")
    print_summaries(summaries)
    run.log(f"flame graphs in {args.out}, summaries in {args.results / 'profiles.json'}")


if __name__ == "__main__":
    main()
