"""The compose stack as bench/run.py drives it: its own project on free host ports, removed at the end.

    stack = ComposeStack(login_rate="600r/m", login_burst=50).start()   # scripts/docker/compose-up.sh
    stack.gateway_url, stack.psql(sql), stack.catalog_cli([...]), stack.save_logs(), stack.stop()

A separate project (shop-bench) with its own containers, networks and volumes, so a `shop` stack
someone runs on 8080 is never touched. Every `docker compose` call gets the env file compose-up.sh
writes (image names, ports, login limit), so it addresses the stack the script started.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts" / "docker"
sys.path.insert(0, str(ROOT / "stack"))
sys.path.insert(0, str(SCRIPTS))
from compose_support import compose, read_env_file  # noqa: E402

from stack import free_port  # noqa: E402

# Log file name -> compose service. The names are the local stack's, so run.py reads both alike.
SERVICES = {
    "catalog": "catalog-service",
    "session": "session-service",
    "gateway": "gateway",
    "postgres": "postgres",
    "redis": "redis",
}
IMAGES = ("PYTHON_IMAGE", "NGINX_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class ComposeStack:
    """Start and stop docker-compose.yml as project `project`; URLs are set once started."""

    project: str = "shop-bench"
    login_rate: str = "10r/m"
    login_burst: int = 5
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shop-bench-compose-")))
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # what every `docker compose` call needs

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start(self) -> ComposeStack:
        """Build (first run: several minutes) and start the stack; on failure or interrupt remove it."""
        self.ports = {name: free_port() for name in ("gateway", "catalog", "session")}
        env_file = ROOT / "test-artifacts" / "compose" / f"{self.project}.env"
        self.env = {
            "COMPOSE_PROJECT_NAME": self.project,
            "GATEWAY_PORT": str(self.ports["gateway"]),
            "CATALOG_PORT": str(self.ports["catalog"]),
            "SESSION_PORT": str(self.ports["session"]),
            "LOGIN_RATE": self.login_rate,  # the gateway container reads these at start
            "LOGIN_BURST": str(self.login_burst),
        }
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        try:
            up = ["bash", str(SCRIPTS / "compose-up.sh"), "-p", self.project]
            self._run_group(up, "compose-up", {"COMPOSE_ENV_OUT": str(env_file)})
            self.env.update(read_env_file(env_file))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Remove this project's containers, networks and volumes, and the throwaway directory."""
        down = ["bash", str(SCRIPTS / "compose-down.sh"), "-p", self.project]
        env = {**os.environ, **self.env}
        done = subprocess.run(down, cwd=ROOT, env=env, timeout=300, capture_output=True, text=True)
        output = (done.stdout + done.stderr).strip()
        # the script's last line says what it removed; all of it when that failed
        print(output if done.returncode else (output.splitlines() or [""])[-1], file=sys.stderr, flush=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def psql(self, sql: str) -> str:
        """Run SQL in the catalog database (psql inside the postgres container); unaligned output."""
        user, db = self.env.get("POSTGRES_USER", "shop"), self.env.get("POSTGRES_DB", "shop")
        done = self._compose("exec", "-T", "postgres", "psql", "-U", user, "-d", db, "-Atqc", sql)
        return done.stdout.strip()

    def catalog_cli(self, args: list[str]) -> None:
        """Run `flask --app wsgi ARGS` in a one-off container of the catalog image (the seed job's)."""
        cmd = ["docker", "compose", "-p", self.project, "run", "--rm", "--no-deps", "-T", "seed"]
        self._run_group([*cmd, "flask", "--app", "wsgi", *args], "catalog-cli")

    def save_logs(self) -> None:
        """Write each service's container log to logs/<name>.log, where the local stack keeps its own.

        The compose file rotates container logs at 3 x 10 MB, so a long run may have lost its oldest lines."""
        for name, service in SERVICES.items():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                args = ("logs", "--no-color", "--no-log-prefix", "--timestamps", service)
                log = self._compose(*args, check=False)
                # Compose 2.26 starts each line with a clear-line escape even into a pipe
                text = ANSI_ESCAPE.sub("", log.stdout + log.stderr)
                (self.workdir / "logs" / f"{name}.log").write_text(text)

    def versions(self) -> dict:
        """What this run measured: engine, Compose, the base images and the servers inside them."""

        def first_line(*cmd: str) -> str:
            with contextlib.suppress(Exception):
                env = {**os.environ, **self.env}
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
                return (done.stdout or done.stderr).strip().splitlines()[0]
            return "?"

        images = {name: self.env.get(name, "?") for name in IMAGES}
        exec_in = ("docker", "compose", "-p", self.project, "exec", "-T")
        postgres = first_line(*exec_in, "postgres", "postgres", "--version")
        redis = first_line(*exec_in, "redis", "redis-server", "--version").split(" sha=")[0]
        return {
            "project": self.project,
            "docker": first_line("docker", "version", "--format", "{{.Server.Version}}"),
            "compose": first_line("docker", "compose", "version", "--short"),
            "images": images,
            "gateway_nginx": first_line(*exec_in, "gateway", "nginx", "-v").removeprefix("nginx version: "),
            "postgres": f"{postgres} ({images['POSTGRES_IMAGE']})",
            "redis": f"{redis} ({images['REDIS_IMAGE']})",
        }

    # --- helpers -------------------------------------------------------------------------
    def _compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return compose(self.project, self.env, *args, check=check, capture_output=True, timeout=120)

    def _run_group(self, cmd: list[str], name: str, extra_env: dict[str, str] | None = None) -> None:
        """Run cmd in its own process group, output to <name>.out; an interrupt stops the whole group.

        Killing only the script or the docker client would leave `up --build` or a one-off
        container running while stop() removes the project."""
        out = self.workdir / f"{name}.out"
        env = {**os.environ, **self.env, **(extra_env or {})}
        with open(out, "a") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
            )
            try:
                code = proc.wait()
            except BaseException:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                raise
        if code != 0:
            tail = out.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} failed (exit {code}); its last output:\n{tail}")
