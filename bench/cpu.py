"""CPU time per request for each part of the stack, read from /proc: where a request's cost goes.

On a 2-core box with the load generator on the same cores, throughput is CPU divided by the
CPU each request costs, summed over every process it touches. Measuring that sum part by part
(nginx, each gunicorn service, PostgreSQL, Redis, wrk) turns "the endpoint is slower than
hello" into "the endpoint costs this much more, here".
"""

from __future__ import annotations

import contextlib
import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """`root` and every process below it: a gunicorn master and its workers, a postmaster and its backends."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the given live processes (those that exited meanwhile count as 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


# The Docker engine's own processes by /proc comm (15 characters at most): the daemon, containerd,
# each container's shim (which copies the container's stdout and stderr to the log driver) and the
# userland proxy of published ports.
ENGINE_COMMANDS = frozenset({"dockerd", "containerd", "containerd-shim", "docker-proxy"})


def engine_pids() -> list[int]:
    """The engine's processes now (not their children: a shim's child is a container's process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in ENGINE_COMMANDS:
                    found.append(int(entry.name))
    return found


def machine_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy (every CPU, all but idle and iowait) and the
    kernel's softirq share of it (network packets between containers are processed there)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait, softirq = fields[3], fields[4], fields[6]
    return (sum(fields[:8]) - idle - iowait) / TICKS, softirq / TICKS


class CpuMeter:
    """Snapshots of CPU seconds per named part; `roots` maps a part to the pids its trees hang from.

    `engine`: the Docker engine's processes as one more part (compose mode). `machine`: the whole
    machine's busy time and its softirq share as `machine` and `softirq`, which overlap the parts.
    """

    def __init__(self, roots: dict[str, list[int]], engine: bool = False, machine: bool = False) -> None:
        self.roots, self.engine, self.machine = roots, engine, machine

    def snapshot(self) -> dict[str, float]:
        taken = {
            name: cpu_seconds([p for pid in pids for p in process_tree(pid)])
            for name, pids in self.roots.items()
        }
        if self.engine:
            taken["engine"] = cpu_seconds(engine_pids())
        if self.machine:
            taken["machine"], taken["softirq"] = machine_seconds()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk: a finished child of this process
        taken["wrk"] = usage.ru_utime + usage.ru_stime
        return taken

    @staticmethod
    def per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request in each part between two snapshots."""
        return {name: (after[name] - before[name]) * 1000 / max(requests, 1) for name in before}
