"""docs/benchmarks.md's sections for bench/steps.py: worker models, metrics on/off, compose against local."""

from __future__ import annotations

from report import cell, measured, value

LABELS = {"good": "GET one good", "search": "search suggestions", "add_remove": "add + remove a good"}
KEPT_CLASS = "gthread"  # shop_common/gunicorn_base.py's worker_class (steps.KEPT_CLASS)
METRICS_BUDGET = 0.05  # issue 14: metrics on costs at most 5 % of throughput


def sections(results: dict, other: dict | None = None) -> list[str]:
    """Every section this run (and `other`, a results.json of the other mode) has data for."""
    return (
        worker_table(results)
        + metrics_table(results)
        + edge_cache_table(results)
        + compose_table(results, other)
    )


def _shape(cls: str, workers: int, threads: int) -> str:
    if cls == "gthread":
        return f"{workers} × {threads} threads"
    if cls == "gevent":
        return f"{workers} × {threads} connections"
    return f"{workers} workers"


def worker_table(results: dict) -> list[str]:
    models = results.get("worker_models")
    if not models:
        return []
    if "na" in models:
        return ["## gunicorn worker models (catalog-service)", "", f"Not measured: {models['na']}.", ""]
    keys = [k for k in LABELS if any(k in row["endpoints"] for row in models["best"].values())]
    lines = [
        "## gunicorn worker models (catalog-service)",
        "",
        f"catalog-service under each gunicorn worker class at its best worker/thread count for "
        f"{results['meta']['cpus']} CPUs (session-service unchanged). Best: the highest mean share of "
        f"each endpoint's top req/s over a grid of {models['grid_s']:g} s per cell; then the best "
        f"cell of each class {models['runs']} times × {models['duration_s']:g} s, interleaved, "
        "req/s at 64 connections (p99 ms at 64 connections below it).",
        "",
        "| Worker class | workers × threads | " + " | ".join(LABELS[k] for k in keys) + " |",
        "|---|---|" + "---|" * len(keys),
    ]
    best_rps: dict[str, float] = {}
    for cls, row in models["best"].items():
        cells = []
        for key in keys:
            figures = row["endpoints"].get(key)
            cells.append(f"{cell(figures, 'rps_c64')}<br><sub>p99 {cell(figures, 'p99_c64', 1)}</sub>")
        best_rps[cls] = sum(value(row["endpoints"].get(k), "rps_c64") or 0.0 for k in keys)
        kept = " (kept)" if cls == KEPT_CLASS else ""
        lines.append(
            f"| {cls}{kept} | {_shape(cls, row['workers'], row['threads'])} | " + " | ".join(cells) + " |"
        )
    grid = ", ".join(
        f"{c['class']} {_shape(c['class'], c['workers'], c['threads'])}"
        + (f" {c['score']:.0%}" if "na" not in c else " (did not start)")
        for c in models["cells"]
    )
    lines += ["", f"Grid (mean share of the best cell's req/s): {grid}.", ""]
    lines.append(verdict(best_rps))
    lines.append("")
    return lines


def verdict(best_rps: dict[str, float]) -> str:
    """The line saying which class is kept and why, from this run's figures."""
    kept = best_rps.get(KEPT_CLASS)
    if not kept:
        return f"**Kept: {KEPT_CLASS}** (not measured in this run)."
    winner = max(best_rps, key=lambda k: best_rps[k])
    if winner == KEPT_CLASS:
        return (
            f"**Kept: {KEPT_CLASS}**, the fastest here; it also needs no monkey-patching (psycopg2, Redis "
            "and the HTTP client stay plain blocking code) and keeps nginx's keep-alive connections."
        )
    gain = best_rps[winner] / kept - 1
    return (
        f"**Kept: {KEPT_CLASS}.** {winner} did {gain:.0%} more requests summed over these endpoints in this "
        "run; a switch needs the gain repeated on a quiet machine (this 2-CPU box shares its cores with "
        "wrk and other work), and "
        + (
            "gevent brings monkey-patching and psycogreen into both services."
            if winner == "gevent"
            else "sync workers drop nginx's keep-alive connections and serve one request each."
        )
    )


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def metrics_table(results: dict) -> list[str]:
    step = results.get("metrics_on_off")
    if not step:
        return []
    if "na" in step:
        return ["## Metrics on and off", "", f"Not measured: {step['na']}.", ""]
    lines = [
        "## Metrics on and off",
        "",
        f"Both services with `METRICS=on` (the default: Prometheus counters and histograms per request) "
        f"and `METRICS=off`, alternating in the same run ({step['runs']} × {step['duration_s']:g} s "
        "each) at 64 connections: req/s, and the CPU a request costs in every part of the stack "
        f"(services, nginx, PostgreSQL, Redis, wrk). Budget: metrics on costs at most {METRICS_BUDGET:.0%} "
        "of throughput.",
        "",
        "| Endpoint | req/s on | req/s off | cost by req/s | CPU ms on | CPU ms off | cost by CPU "
        "| within 5 % |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, row in step["endpoints"].items():
        cost, cpu_cost = row.get("cost"), row.get("cpu_cost")
        judged = cpu_cost if cpu_cost is not None else cost
        ok = "n/a" if judged is None else ("yes" if judged <= METRICS_BUDGET else "**no**")
        cpu = f"{_ms(row.get('cpu_on'))} | {_ms(row.get('cpu_off'))} | {_share(cpu_cost)}"
        lines.append(
            f"| {LABELS.get(key, key)} | {cell(row['on'], 'rps_c64')} | {cell(row['off'], 'rps_c64')} | "
            f"{_share(cost)} | {cpu} | {ok} |"
        )
    lines += [
        "",
        "Cost by req/s = 1 − on ÷ off (medians); cost by CPU = 1 − off ÷ on (the medians of each part's "
        "CPU per request, summed): the share of throughput metrics take when the CPUs are the limit, as "
        "they are here (throughput ≈ 2 CPUs ÷ CPU per request). The verdict reads the CPU figure: "
        "req/s between two 5 s runs on these shared CPUs moves by more than the metrics cost, either "
        "way (a negative cost is that noise).",
        "",
    ]
    return lines


def edge_cache_table(results: dict) -> list[str]:
    step = results.get("edge_cache")
    if not step:
        return []
    if "na" in step:
        return ["## Edge cache", "", f"Not measured: {step['na']}.", ""]
    search = results.get("endpoints", {}).get("search")
    hello = value(results.get("ceilings", {}).get("hello"), "rps_c64")
    cached = value(step, "rps")
    hits = value(step, "hit_share")
    return [
        "## Edge cache",
        "",
        "Search suggestions for visitors without cookies may come from the gateway's cache for the rest "
        "of the second (`gateway/conf/caching.conf`). The main table's rows send a cookie, so they "
        f"measure catalog-service behind it; this row does not: {step['runs']} × {step['duration_s']:g} s "
        f"at 64 connections, prefixes drawn from {step['prefixes']} with Zipf-like weights (the k-th "
        "asked 1/k as often as the first; `bench/lua/zipf_search.lua`).",
        "",
        "| Search suggestions | req/s c=64 | of Flask hello | p99 ms c=64 | served from the cache |",
        "|---|---|---|---|---|",
        f"| cache bypassed (main table) | {cell(search, 'rps_c64')} | "
        f"{_ratio(value(search, 'rps_c64'), hello)} | {cell(search, 'p99_c64', 1)} | none |",
        f"| Zipf mix, visitors | {cell(step, 'rps')} | {_ratio(cached, hello)} | {cell(step, 'p99_ms', 1)} | "
        f"{'n/a' if hits is None else f'{hits:.1%}'} |",
        "",
    ]


def _ratio(rps: float | None, ceiling: float | None) -> str:
    return "n/a" if not rps or not ceiling else f"{rps / ceiling:.0%}"


def _pair(results: dict, other: dict | None) -> tuple[dict, dict] | None:
    """(local, compose) results from this run (its compose pass) or from --compare."""
    runs = [results, results.get("compose"), other]
    local = next((r for r in runs if r and r["meta"]["mode"] == "local"), None)
    compose = next((r for r in runs if r and r["meta"]["mode"] == "compose"), None)
    return (local, compose) if local and compose else None


def compose_table(results: dict, other: dict | None) -> list[str]:
    pair = _pair(results, other)
    if not pair:
        return []
    local, compose = pair
    lines = [
        "## Compose against local",
        "",
        f"The same endpoints against `docker-compose.yml` (run started {compose['meta']['started']}) and "
        f"the local-process stack (run started {local['meta']['started']}), req/s at 64 connections "
        "and p99 at 8. In compose mode wrk runs in a container on the stack's `edge` network "
        f"(`{compose['meta'].get('wrk_container', 'wrk')}`, image `shop/wrk:dev` from "
        "`bench/Dockerfile.wrk`) against the gateway container, as any client of the published "
        "service would reach it without Docker's loopback forwarding; the ceilings are the host's "
        "nginx and hello app in both modes, driven by the host's wrk.",
        "",
        "| Endpoint | local req/s | compose req/s | compose ÷ local | local p99 ms | compose p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    rows = [
        ("**ceiling:** nginx minimal", local["ceilings"].get("nginx"), compose["ceilings"].get("nginx")),
        (
            "**ceiling:** Flask hello via nginx",
            local["ceilings"].get("hello"),
            compose["ceilings"].get("hello"),
        ),
    ]
    rows += [(row["label"], row, compose["endpoints"].get(key)) for key, row in local["endpoints"].items()]
    for label, mine, theirs in rows:
        if not mine or "na" in mine or not theirs or "na" in theirs:
            lines.append(f"| {label} | {cell(mine, 'rps_c64')} | {cell(theirs, 'rps_c64')} | n/a | | |")
            continue
        a, b = value(mine, "rps_c64"), value(theirs, "rps_c64")
        share = f"{b / a:.0%}" if a and b else "n/a"
        lines.append(
            f"| {label} | {cell(mine, 'rps_c64')} | {cell(theirs, 'rps_c64')} | {share} | "
            f"{cell(mine, 'p99_c8', 2)} | {cell(theirs, 'p99_c8', 2)} |"
        )
    published = compose.get("published")
    if published:
        inner = value(compose["endpoints"].get("static"), "rps_c64")
        mine = value(published, "rps_c64")
        share = f"{mine / inner:.0%} of the in-network figure" if mine and inner else "n/a"
        lines.append(
            f"| static UI `/` through the **published port** (host wrk → docker-proxy) | – | "
            f"{cell(published, 'rps_c64')} | {share} | – | {cell(published, 'p99_c8', 2)} |"
        )
    lines += [
        "",
        "The published-port row is what a client on the host itself measures: loopback connections to "
        "a published port go through the `docker-proxy` process (the engine's default userland "
        "proxy), a copy of every byte in user space; the row above it is the same file from inside "
        "the network.",
        "",
    ]
    return lines + compose_cpu_table(local, compose)


def _machine_split(row: dict | None) -> dict[str, float] | None:
    """A row's CPU per request (ms): the stack's parts, the Docker engine, the rest of the machine
    (wrk, the kernel, anything else running) and the machine's total and softirq share."""
    parts = {key: value(row, f"cpu_{key}") for key in ("nginx", "catalog", "session", "postgres", "redis")}
    machine = value(row, "cpu_machine")
    if machine is None or parts["nginx"] is None:
        return None
    split = {
        "nginx": parts["nginx"] or 0.0,
        "services": (parts["catalog"] or 0.0) + (parts["session"] or 0.0),
        "data": (parts["postgres"] or 0.0) + (parts["redis"] or 0.0),
        "engine": value(row, "cpu_engine") or 0.0,
        "machine": machine,
        "softirq": value(row, "cpu_softirq") or 0.0,
    }
    split["rest"] = machine - sum(split[key] for key in ("nginx", "services", "data", "engine"))
    return split


def compose_cpu_table(local: dict, compose: dict) -> list[str]:
    """Where the machine's CPU per request goes in each mode: what compose adds, measured."""
    rows = []
    for key, row in local["endpoints"].items():
        mine, theirs = _machine_split(row), _machine_split(compose["endpoints"].get(key))
        if mine and theirs:
            rows.append((key, row["label"], mine, theirs))
    if not rows:
        return []
    lines = [
        "### Where compose's extra CPU goes",
        "",
        "CPU per request (ms; medians of the c=64 runs) of the whole machine and its parts, read from /proc "
        "in both modes: the gateway's nginx, the two services, PostgreSQL + Redis (in compose, the "
        "containers' processes as the host sees them), the Docker engine's own processes (dockerd, "
        "containerd, the containers' shims, docker-proxy) and the rest of the machine: wrk (in compose, "
        "in its container, with its container's start), the kernel's work outside these processes "
        "(softirq: network packets, over loopback locally, over veth and the bridge in compose) and "
        "anything else running. Throughput on 2 busy CPUs is about 2 CPUs ÷ the machine's total.",
        "",
        "| Endpoint | mode | nginx | services | PostgreSQL + Redis | Docker engine | rest | of it softirq "
        "| machine |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, label, mine, theirs in rows:
        for mode, split in (("local", mine), ("compose", theirs)):
            columns = ("nginx", "services", "data", "engine", "rest", "softirq", "machine")
            cells = " | ".join(f"{split[k]:.3f}" for k in columns)
            lines.append(f"| {label if mode == 'local' else ''} | {mode} | {cells} |")
    static = next(((mine, theirs) for key, _, mine, theirs in rows if key == "static"), None)
    if static:
        mine, theirs = static
        lines += [
            "",
            f"For the static UI the machine spends {theirs['machine']:.3f} ms per request in compose against "
            f"{mine['machine']:.3f} ms locally ({mine['machine'] / theirs['machine']:.0%} as much, which is "
            f"what bounds compose's throughput against local's): the Docker engine "
            f"{theirs['engine']:.3f} ms (containerd-shim copies each block of the gateway's access log to "
            f"dockerd, whose json-file driver encodes and writes each line: gateway/conf/logging.conf), "
            f"nginx {theirs['nginx']:.3f} against {mine['nginx']:.3f} ms (its sockets on a veth pair "
            f"instead of loopback), and the rest {theirs['rest']:.3f} against {mine['rest']:.3f} ms "
            f"(softirq {theirs['softirq']:.3f} against {mine['softirq']:.3f}: packets through veth, the "
            f"bridge and its netfilter hooks; and wrk in a container).",
        ]
    lines += _upstream_note(compose, rows)
    return [*lines, ""]


def _upstream_note(compose: dict, rows: list) -> list[str]:
    """Why the API rows' nginx costs more in compose when the gateway's nginx predates 1.27.3."""
    version = str(compose["meta"].get("gateway_nginx", "")).removeprefix("nginx/")
    try:
        older = tuple(int(part) for part in version.split(".")[:3]) < (1, 27, 3)
    except ValueError:
        return []
    api = [(mine["nginx"], theirs["nginx"]) for key, _, mine, theirs in rows if key != "static"]
    if not older or not api:
        return []
    local_ms = sum(mine for mine, _ in api) / len(api)
    compose_ms = sum(theirs for _, theirs in api) / len(api)
    return [
        "",
        f"The compose gateway here runs nginx {version}, older than 1.27.3, so `gateway/render.sh` "
        "re-resolves the service names per request through a variable, and such a `proxy_pass` has "
        "no upstream keepalive pool: every API call opens new connections to the services (local "
        "mode and nginx 1.27.3 or later keep a pool). The gateway's nginx then costs "
        f"{compose_ms:.2f} ms per API request on average over the rows above, against {local_ms:.2f} ms "
        "locally, and more as a run goes on: the closed connections wait in TIME_WAIT until the "
        "ephemeral ports toward a service run short and every connect() searches for a free one "
        "(bench/README.md).",
    ]


def text(results: dict, other: dict | None = None, runs: list[dict] | None = None) -> str:
    """The same sections for the terminal summary."""
    return "\n".join(sections(results, other) + across_runs(results, runs or []))


def across_runs(results: dict, runs: list[dict]) -> list[str]:
    """Each target's figure in every kept run of this code: how far one run's verdicts can be trusted."""
    if len(runs) < 2:
        return []
    headers = [
        f"{run['meta']['started'][5:16].replace('T', ' ')} (load {run['meta']['loadavg_start'][0]})"
        for run in runs
    ]
    lines = [
        "## Across runs",
        "",
        f"Every run of this code (`{results['meta']['code']}`, {results['meta']['mode']} mode, the same main "
        f"data set) kept in `bench-results/history/`: {len(runs)} runs, each target's figure in each (UTC "
        "start and load average then; ratios are of the same run's ceiling) and the spread. The "
        "sections above are the last run's.",
        "",
        "| Target | " + " | ".join(headers) + " | spread |",
        "|---|" + "---|" * (len(runs) + 1),
    ]
    for target in results["targets"]:
        found = [
            next((t for t in run.get("targets", []) if t["name"] == target["name"]), None) for run in runs
        ]
        values = [t["value"] for t in found if t and t["value"] is not None]
        cells = [(measured(t) + ("" if t["passed"] else " ✗")) if t else "–" for t in found]
        spread = "–"
        if values:
            low, high = min(values), max(values)
            spread = f"{measured(target, value=low)}–{measured(target, value=high)}"
        lines.append(f"| {target['name']} | " + " | ".join(cells) + f" | {spread} |")
    passed = [sum(1 for t in run.get("targets", []) if t["passed"]) for run in runs]
    lines += [
        "",
        "✗: missed in that run. Targets passing per run: "
        + ", ".join(str(n) for n in passed)
        + f" of {len(results['targets'])}.",
        "",
    ]
    return lines
