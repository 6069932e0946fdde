"""docs/benchmarks.md and its two charts, written from bench/run.py's results."""

from __future__ import annotations

import json
import re
from pathlib import Path

VERDICT = {True: "PASS", False: "**FAIL**", None: "n/a"}
WRK_WHERE = {
    "local": "wrk on the same machine, loopback",
    "compose": "wrk in a container on the stack's network against the gateway container "
    "(the ceilings and the published-port row: the host's wrk, loopback)",
}


def measured(target: dict, units: bool = False, value: float | None = None) -> str:
    """A target's figure (or `value` in its unit) as the doc and the summary show it."""
    figure = target["value"] if value is None else value
    if figure is None:
        return "n/a"
    ms = " ms" if units else ""
    shown = {"ratio": f"{figure:.0%}", "ms": f"{figure:.1f}{ms}", "cpu_ms": f"{figure:.2f}{ms}"}
    return shown.get(target["unit"], f"{figure:.2f}×")


def cell(row: dict | None, metric: str, digits: int = 0, spread: str = "<sub>{}</sub>") -> str:
    """The median of a metric's runs, then their min–max range put in `spread` (one run: no range)."""
    if not row or not row.get(metric):
        return "n/a"
    s = row[metric]
    if len(s["runs"]) == 1:
        return f"{s['median']:,.{digits}f}"
    return f"{s['median']:,.{digits}f} " + spread.format(f"{s['min']:,.{digits}f}–{s['max']:,.{digits}f}")


def value(row: dict | None, metric: str, part: str = "median") -> float | None:
    return float(row[metric][part]) if row and row.get(metric) else None


def write(
    results: dict, doc: Path, charts: Path, other: dict | None = None, runs: list[dict] | None = None
) -> None:
    """`other`: a results.json of the other mode (run.py --compare), for the compose-vs-local table;
    `runs`: every kept run of the same code (run.runs_of_this_code), for the spread across runs."""
    charts.mkdir(parents=True, exist_ok=True)
    throughput_chart(results, charts / "throughput.png")
    scaling_chart(results, charts / "latency-vs-size.png")
    kept = [kept_section(doc, name) for name in KEPT]
    text = markdown(results, charts.relative_to(doc.parent), other, runs)
    doc.write_text(text + "".join(k for k in kept if k))


# Sections written by bench/locust_run.py, bench/footprint.py (and the compose locust note, by hand):
# a wrk run keeps them as they are.
KEPT = ("locust", "locust-compose", "footprint")


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def kept_section(doc: Path, name: str) -> str | None:
    """The marked section `name` of the current doc, markers included, or None."""
    text = doc.read_text() if doc.exists() else ""
    start, end = _markers(name)
    if start not in text or end not in text:
        return None
    return "\n" + text[text.index(start) : text.index(end) + len(end)] + "\n"


def put_section(doc: Path, name: str, body: str) -> None:
    """Replace the marked section `name` of the doc with `body`, or append it."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    start, end = _markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)


def publish(result: dict, out: Path, name: str, text: str, docs: bool) -> None:
    """Write out/NAME.json, print the section's markdown and, with `docs`, put it in docs/benchmarks.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(text)
    if docs:
        put_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", name, text)
        print(f"wrote the {name} section of docs/benchmarks.md", flush=True)


def pyplot():
    """matplotlib's pyplot, drawing to files only; imported here, so the rest needs no matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def stack_note(meta: dict) -> str:
    """How the measured stack ran: local processes, or containers (then which images and engine)."""
    if meta["mode"] != "compose":
        return "stack/stack.py; PostgreSQL fsync and synchronous_commit off"
    images = ", ".join(meta.get("images", {}).values())
    return (
        f"docker-compose.yml as project `{meta.get('project')}`, Docker {meta.get('docker')}, "
        f"Compose {meta.get('compose')}; images {images}; gateway {meta.get('gateway_nginx')}, "
        "the host's nginx only for the ceilings; PostgreSQL with its default durability"
    )


def markdown(results: dict, charts: Path, other: dict | None = None, runs: list[dict] | None = None) -> str:
    import report_steps  # bench/; it imports this module

    meta, ceilings = results["meta"], results["ceilings"]
    data = results.get("main_data", {})
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); how to run it and how to read it: "
        "[bench/README.md](../bench/README.md). Raw figures: `bench-results/results.json`.",
        "",
        "## This run",
        "",
        f"- **Date:** {meta['started']} to {meta.get('finished', '?')} (UTC)",
        f"- **Machine:** {meta['cpus']} CPUs ({meta['cpu']}), {meta['memory_gib']} GiB RAM, {meta['os']}",
        f"- **Software:** Python {meta['python']}, {meta['nginx'].removeprefix('nginx version: ')}, "
        f"{meta['postgres']}, "
        f"{meta['redis'].split(' sha=')[0]}, {meta['wrk'].split(' [')[0]}",
        f"- **Stack:** {meta['mode']} mode ({stack_note(meta)}); "
        f"gunicorn {meta['gunicorn']['worker_class']}, {meta['gunicorn']['workers']} workers × "
        f"{meta['gunicorn']['threads']} threads for both services and the hello app, "
        f"access log {meta['gunicorn'].get('access_log', 'on')}",
        f"- **Main data set:** {data.get('users', 0):,} users, {data.get('goods', 0):,} goods, "
        f"{data.get('links', 0):,} user-good links",
        f"- **Method:** {WRK_WHERE.get(meta['mode'], WRK_WHERE['local'])}; {meta['runs']} runs of "
        f"{meta['duration_s']:g} s "
        "per figure, interleaved across endpoints; median shown with min–max in small print",
        f"- **Load average** at start / end: {' '.join(meta['loadavg_start'])} / "
        f"{' '.join(meta.get('loadavg_end', []))}",
    ]
    if results.get("worker_restarts"):
        restarts = ", ".join(f"{name} {n}" for name, n in results["worker_restarts"].items())
        lines.append(
            f"- **gunicorn worker restarts** (`max_requests`) up to the end of the main step: {restarts}"
        )
    if meta.get("note"):
        lines.append(f"- **Other activity:** {meta['note']}")
    lines += [
        "",
        "## Throughput and latency",
        "",
        "Requests/s at 64 connections; p50 and p99 latency at 8 connections. *Ratio* is the "
        "endpoint's median throughput over its ceiling's: static files against nginx minimal, "
        "API calls against the Flask hello app behind nginx.",
        "",
        "| Endpoint | req/s (c=64) | ratio | p50 ms (c=8) | p99 ms (c=8) |",
        "|---|---|---|---|---|",
    ]
    for label, row in (
        ("**ceiling:** nginx minimal, static `index.html`", ceilings.get("nginx")),
        ("**ceiling:** Flask hello via nginx", ceilings.get("hello")),
    ):
        lines.append(
            f"| {label} | {cell(row, 'rps_c64')} | – | {cell(row, 'p50_c8', 2)} | {cell(row, 'p99_c8', 2)} |"
        )
    for row in results["endpoints"].values():
        if "na" in row:
            lines.append(f"| {row['label']} | n/a ({row['na']}) | | | |")
            continue
        mine, top = value(row, "rps_c64"), value(ceilings.get(row["ceiling"]), "rps_c64")
        share = f"{mine / top:.0%}" if mine and top else "n/a"
        errors = f" ⚠ {row['error_share']:.1%} errors" if row.get("error_share") else ""
        if row.get("stalled_runs"):
            errors += f" ⚠ {row['stalled_runs']} stalled run(s)"
        lines.append(
            f"| {row['label']}{errors} | {cell(row, 'rps_c64')} | {share} | "
            f"{cell(row, 'p50_c8', 2)} | {cell(row, 'p99_c8', 2)} |"
        )
    lines += ["", f"![Throughput against the ceilings]({charts}/throughput.png)", ""]
    lines += cpu_table(results)
    lines += profile_links(results, charts)
    lines += report_steps.sections(results, other)  # worker models, metrics on/off, compose vs local
    lines += [
        "## Latency against data size",
        "",
        "p50 and p99 at 8 connections while the tables grow (loaded step by step into the same database). "
        "The measured users are the first bulk users, who have at least 20 links at every step, "
        "so every page is full.",
        "",
        "| users | goods | links | search p50 / p99 ms | user's goods p50 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for point in results["scaling"]:
        lines.append(
            f"| {point['users']:,} | {point['goods']:,} | {point['links']:,} | "
            f"{cell(point['search'], 'p50_c8', 2)} / {cell(point['search'], 'p99_c8', 2)} | "
            f"{cell(point['user_goods'], 'p50_c8', 2)} / {cell(point['user_goods'], 'p99_c8', 2)} |"
        )
    lines += [
        "",
        f"![Latency against data size]({charts}/latency-vs-size.png)",
        "",
        "## Targets",
        "",
        "| Target | Goal | Measured | |",
        "|---|---|---|---|",
    ]
    for target in results["targets"]:
        shown = measured(target, units=True)
        lines.append(f"| {target['name']} | {target['goal']} | {shown} | {VERDICT[target['passed']]} |")
    passed = sum(1 for t in results["targets"] if t["passed"])
    lines += ["", f"{passed} of {len(results['targets'])} targets pass in this run.", ""]
    lines += report_steps.across_runs(results, runs or [])
    lines += misses(results)
    lines += hints(results)
    return "\n".join(lines)


def profile_links(results: dict, charts: Path) -> list[str]:
    """The flame graphs of this run (bench/profiles.py) with each one's heaviest packages."""
    profiles = results.get("profiles")
    if not profiles:
        return []
    lines = [
        "## Flame graphs",
        "",
        "Each service sampled by py-spy at c=64 after the figures above (`bench/profiles.py`): Python "
        "frames holding the GIL, so time waiting for PostgreSQL or Redis is not in them. Open the SVG "
        "in a browser to zoom and search. Self time is a function's own samples, without its callees.",
        "",
        "| Request | process | samples | heaviest packages (self time) |",
        "|---|---|---|---|",
    ]
    for key, summary in profiles.items():
        endpoint, service = key.split("/")
        label = results["endpoints"].get(endpoint, {}).get("label", "Flask hello via nginx (ceiling)")
        svg = f"profile-{endpoint.replace('_', '-')}-{service}.svg"
        heaviest = ", ".join(f"{name} {share:g} %" for name, share in summary["packages"][:5])
        lines.append(
            f"| {label} | [{CPU_PARTS.get(service, service)}]({charts}/{svg}) | "
            f"{summary['samples']:,} | {heaviest} |"
        )
    return [*lines, ""]


CPU_PARTS = {
    "nginx": "nginx",
    "catalog": "catalog-service",
    "session": "session-service",
    "hello": "Flask hello",
    "postgres": "PostgreSQL",
    "redis": "Redis",
    "wrk": "wrk",
}


def cpu_cost(row: dict | None) -> dict[str, float]:
    """Median CPU milliseconds per request for each part, from the c=64 runs (local mode only)."""
    return {part: v for part in CPU_PARTS if (v := value(row, f"cpu_{part}")) is not None}


def cpu_table(results: dict) -> list[str]:
    """Where each request's CPU goes: the reason behind every throughput ratio."""
    rows = [("Flask hello via nginx (ceiling)", results["ceilings"].get("hello"))]
    rows += [(r["label"], r) for r in results["endpoints"].values() if r.get("ceiling") == "hello"]
    if not any(cpu_cost(row) for _, row in rows):
        return []
    lines = [
        "## Where the CPU goes",
        "",
        "Milliseconds of CPU per request in each process (user + system time read from /proc around "
        "each c=64 run; median of the runs). With wrk on the same 2 CPUs, throughput is about "
        "2 CPUs ÷ the total, so an endpoint's ratio to hello is roughly hello's total over its own.",
        "",
        "| Request | " + " | ".join(CPU_PARTS.values()) + " | total |",
        "|---|" + "---|" * (len(CPU_PARTS) + 1),
    ]
    for label, row in rows:
        cost = cpu_cost(row)
        cells = [f"{cost[p]:.2f}" if cost.get(p, 0) >= 0.005 else "–" for p in CPU_PARTS]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | **{sum(cost.values()):.2f}** |")
    return [*lines, ""]


def cpu_reason(results: dict, key: str) -> str:
    """The measured CPU per request against hello's, and where most of it goes."""
    mine, hello = cpu_cost(results["endpoints"].get(key)), cpu_cost(results["ceilings"].get("hello"))
    if not mine or not hello:
        return ""
    top = ", ".join(f"{CPU_PARTS[p]} {v:.2f}" for p, v in sorted(mine.items(), key=lambda x: -x[1])[:3])
    return (
        f"; measured, a request costs {sum(mine.values()):.2f} ms of CPU against hello's "
        f"{sum(hello.values()):.2f} ms ({top} ms)"
    )


# What each request does beyond hello's work (see the services' code); the measured CPU per
# request, when there is one, follows in the report.
WHY_RATIO = {
    "static": "the gateway does more per request than nginx minimal for the same file: an access-log "
    "line, a request id and about ten security headers on every response",
    "good": "one SQL round trip (the good with its owners count) through SQLAlchemy Core and its "
    "PostgreSQL backend, a row turned into JSON in Python; hello runs no SQL at all",
    "search": "one prefix query (a second, substring query only when the prefix page is short) "
    "through SQLAlchemy Core, up to 10 rows serialized in Python",
    "user_goods": "a keyset-paginated join of users_goods and goods in one round trip, 20 rows "
    "serialized in Python",
    "session_me": "the session is read (and its idle TTL reset) from Redis with GETEX and decoded, "
    "work the hello app skips",
    "my_goods": "every call is two Flask requests: the gateway's auth_request to session-service (a "
    "Redis read), then the catalog's join of the user's links and goods, serialized in Python",
    "add_remove": "every call is two Flask requests: the gateway's auth_request to session-service "
    "(a Redis read) and the catalog's one-statement write",
}
WHY_AUTH = (
    "the check itself (cookie signature, one Redis GET, one HMAC) costs 0.21-0.25 ms in-process "
    "(bench/floor.py); gunicorn's own work for a request, hello's process CPU less its app's, is "
    "about 0.4 ms here, and a request that blocks on Redis adds the gthread worker's hand-offs to a "
    "thread and back"
)
# What to try next for each endpoint that misses its throughput target, from the profiles
# (bench/README.md, "What the graphs showed").
NEXT_LEVER = {
    "static": "none that keeps the gateway's features: its extra cost over nginx minimal is the "
    "security headers, the request id and the JSON log line every answer carries",
    "good": "the hot statements on the pooled psycopg2 cursor instead of SQLAlchemy's Connection, "
    "CursorResult and Row (the sqlalchemy share above); then gunicorn's Python request parsing, "
    "which only another server removes",
    "search": "as for GET one good: SQLAlchemy's execute path for the prepared statements, then "
    "gunicorn's parsing",
    "user_goods": "as for GET one good: SQLAlchemy's execute path for the prepared statements, then "
    "gunicorn's parsing",
    "my_goods": "the second Python request: `/auth`'s gthread hand-offs (gunicorn's gevent worker "
    "for session-service measured 5-15 % less CPU per `/auth` in one A/B, with a worse c=64 p99), and "
    "the catalog's SQLAlchemy execute path",
    "add_remove": "as for my goods: `/auth` in session-service, then the catalog's SQLAlchemy execute path",
    "auth": "none within gunicorn: its own work per request is above the target (bench/README.md, "
    "'The floor under the targets'); a server whose request handling is not Python threads, which "
    "the project's choice of gunicorn rules out, or a target set from that floor",
    "session_me": "redis-py's client layer (a GET through its pool costs about twice a call on its "
    "Connection, measured in-process) and gunicorn's hand-off around the Redis round trip",
}


def profile_reason(results: dict, key: str, service: str = "") -> str:
    """The heaviest packages in this run's flame graphs of the request (of `service` only, when
    given), when it was profiled."""
    graphs = results.get("profiles") or {}
    found = []
    for name, graph in graphs.items():
        endpoint, _, part = name.partition("/")
        if endpoint == key and part == (service or part) and graph.get("packages"):
            top = ", ".join(f"{package} {share:.0f} %" for package, share in graph["packages"][:4])
            found.append(f"{part}-service's Python CPU (flame graph) went to {top}")
    return "; " + "; ".join(found) if found else ""


WHY_P99 = (
    "at 8 connections the 2 CPUs are shared by wrk, nginx, PostgreSQL and two gunicorn services, so "
    "the slowest 1 % wait for a CPU (scheduler and GC pauses) rather than doing more work"
)


def misses(results: dict) -> list[str]:
    """One sentence per failed target: by how much, and the likely reason."""
    out = []
    for t in results["targets"]:
        if t["passed"] is not False:
            continue
        kind = t.get("kind") or {"ratio": "ratio", "ms": "p99", "x": "scaling"}[t["unit"]]
        key = t.get("key") or next(
            (k for k, r in results["endpoints"].items() if t["name"].startswith(r["label"] + ":")), ""
        )
        number = re.search(r"[\d.]+", t["goal"])
        goal = float(number.group()) / (100 if "%" in t["goal"] else 1) if number else 0.0
        if kind == "ratio":
            size = f"{t['value']:.0%} against {t['goal']}, {(goal - t['value']) * 100:.0f} points short"
            why = WHY_RATIO.get(key, "") + cpu_reason(results, key)
        elif kind == "p99":
            size = f"{t['value']:.1f} ms against {t['goal']}, {t['value'] / goal:.1f}× the limit"
            row = results["endpoints"].get(key, {})
            p50 = value(row, "p50_c8")
            top = value(results["ceilings"].get(row.get("ceiling")), "p99_c8")
            why = f"the median is {p50:.1f} ms and p99 {t['value'] / p50:.1f}× that; " if p50 else ""
            if p50 and p50 > goal:
                why += "the median alone is over the limit: " + WHY_RATIO.get(key, "its steady cost")
            elif p50 and p50 > goal / 2:
                why += f"the median already uses most of the budget, so any wait misses it: {WHY_P99}"
            else:
                why += f"the tail is waiting, not work: {WHY_P99}"
            if top:
                why += f"; the ceiling's own p99 in this run is {top:.1f} ms"
        elif kind == "auth":
            size = f"{t['value']:.2f} ms against {t['goal']}"
            why = WHY_AUTH + profile_reason(results, key, service="session")
            key = "auth"
        else:
            size = f"{t['value']:.2f}× against {t['goal']}"
            why = scaling_reason(results["scaling"], key)
        why += profile_reason(results, key) if kind == "ratio" else ""
        lever = f" Next lever: {NEXT_LEVER[key]}." if kind in ("ratio", "auth") and key in NEXT_LEVER else ""
        out.append(f"- **{t['name']}**: {size}. Likely reason: {why}.{lever}")
    return ["## Misses", "", *out, ""] if out else []


def scaling_reason(points: list[dict], key: str) -> str:
    """Where the p50 rose most, and whether the table this request reads grew at that step."""
    table = {"search": "goods", "user_goods": "links"}.get(key, "goods")
    steps = [
        (value(b[key], "p50_c8") - value(a[key], "p50_c8"), a, b)
        for a, b in zip(points, points[1:], strict=False)
        if value(a[key], "p50_c8") and value(b[key], "p50_c8")
    ]
    if not steps:
        return "not enough steps measured to tell"
    rise, a, b = max(steps, key=lambda x: x[0])
    where = f"the largest rise ({value(a[key], 'p50_c8'):.1f} → {value(b[key], 'p50_c8'):.1f} ms) came "
    if b[table] == a[table]:
        return (
            where + f"at a step where the {table} table, the one this request reads, did not grow; that "
            "step is the main one, measured between c=64 runs of every endpoint, so a busier machine is "
            "a likelier cause than the query plan"
        )
    grew = f"{a[table]:,} → {b[table]:,}"
    return where + f"when the {table} table grew ({grew}): a scan or a sort over every match"


def hints(results: dict) -> list[str]:
    """Short, data-driven reading aids; the analysis of a particular run belongs in its commit or PR."""
    meta, out = results["meta"], []
    busy = float(meta["loadavg_start"][0]) > 0.5 * meta["cpus"]
    if busy:
        out.append(
            f"- The machine was busy before the run started (load average {meta['loadavg_start'][0]} "
            f"on {meta['cpus']} CPUs). The absolute figures and the p99 values are pessimistic. "
            "Ratios hold up better, because the interleaved rounds spread the noise over every row."
        )
    restarts = {k: v for k, v in (results.get("worker_restarts") or {}).items() if v}
    if restarts:
        named = ", ".join(f"{k} {v}" for k, v in restarts.items())
        out.append(
            f"- gunicorn recycled workers during the run ({named}; `max_requests` in gunicorn.conf.py). "
            "Every restart loads the app again on a busy CPU and sends requests to a cold worker, "
            "which shows in p99. The hello ceiling runs without recycling."
        )
    return ["## Reading this run", "", *out, ""] if out else []


def throughput_chart(results: dict, path: Path) -> None:
    rows = [
        (r["label"], r, results["ceilings"].get(r["ceiling"]))
        for r in results["endpoints"].values()
        if "na" not in r and r.get("rps_c64")
    ]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(rows) + 1.5))
    for i, (_, row, ceiling) in enumerate(rows):
        top = value(ceiling, "rps_c64")
        if top:
            ax.barh(
                i, top, color="#dddddd", edgecolor="#999999", height=0.8, label="ceiling" if i == 0 else None
            )
        mid = value(row, "rps_c64")
        err = [[mid - value(row, "rps_c64", "min")], [value(row, "rps_c64", "max") - mid]]
        ax.barh(
            i, mid, xerr=err, color="#3b75af", height=0.5, capsize=3, label="endpoint" if i == 0 else None
        )
        if top:
            ax.text(mid, i, f" {mid / top:.0%}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("requests/s at 64 connections (log scale); grey = its ceiling")
    ax.set_title("Throughput through the gateway against the ceilings (median, min–max)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scaling_chart(results: dict, path: Path) -> None:
    points = results["scaling"]
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key, size, title in (
        (axes[0], "search", "goods", "search suggestions"),
        (axes[1], "user_goods", "links", "a user's goods page"),
    ):
        for metric, style in (("p50_c8", "o-"), ("p99_c8", "s--")):
            measured = [p for p in points if value(p[key], metric) is not None]
            if not measured:
                continue
            ys = [value(p[key], metric) for p in measured]
            lows = [y - value(p[key], metric, "min") for p, y in zip(measured, ys, strict=True)]
            highs = [value(p[key], metric, "max") - y for p, y in zip(measured, ys, strict=True)]
            ax.errorbar(
                [p[size] for p in measured],
                ys,
                yerr=[lows, highs],
                fmt=style,
                capsize=3,
                label=metric.split("_")[0],
            )
        ax.set_xscale("log")
        ax.set_xlabel(f"rows in {'goods' if size == 'goods' else 'users_goods'} (log scale)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")  # p99 can be 10-100x p50; a log axis keeps both readable
    axes[0].set_ylabel("latency at 8 connections, ms (log scale)")
    fig.suptitle("Latency against table size (median, min–max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
