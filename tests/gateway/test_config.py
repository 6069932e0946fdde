"""The rendered configs pass `nginx -t`, and the container entry point writes what render.py writes."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import RENDER, REPO, load_render, world_readable_dir

render_module = load_render()

ENTRYPOINT = REPO / "gateway" / "docker-entrypoint.sh"
DOCKER_ARGS = [
    "--listen",
    "8080",
    "--catalog",
    "catalog-service:8000",
    "--session",
    "session-service:8000",
    "--static-root",
    "/srv/static-ui",
    "--resolver",
    "127.0.0.11",
]


def render(out: Path, *args: str) -> str:
    subprocess.run([sys.executable, str(RENDER), "--out", str(out), *args], check=True, capture_output=True)
    return (out / "runtime.conf").read_text()


def nginx_test(nginx: str, conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nginx, "-t", "-q", "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )


def without_header_line(text: str) -> str:
    return text.split("\n", 1)[1]


@pytest.fixture
def out() -> Iterator[Path]:
    path = world_readable_dir("gateway-render-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_local_mode_passes_nginx_t(nginx_bin, out, static_root):
    runtime = render(
        out,
        *("--listen", "18080", "--catalog", "127.0.0.1:18001", "--session", "127.0.0.1:18002"),
        *("--static-root", str(static_root)),
    )
    assert "server 127.0.0.1:18001;" in runtime
    assert "resolver" not in runtime
    result = nginx_test(nginx_bin, out)
    assert result.returncode == 0, result.stderr


def test_docker_mode_for_old_nginx_resolves_names_per_request(nginx_bin, out):
    runtime = render(out, *DOCKER_ARGS, "--nginx-version", "1.22.1")
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in runtime
    assert "default  catalog-service:8000;" in runtime
    assert "upstream" not in runtime  # a static upstream would pin the addresses seen at start
    result = nginx_test(nginx_bin, out)  # names need not resolve: nothing is looked up at start
    assert result.returncode == 0, result.stderr


def test_docker_mode_for_new_nginx_uses_upstream_resolve(nginx_bin, out):
    runtime = render(out, *DOCKER_ARGS, "--nginx-version", "1.30.4")
    assert "zone catalog_service 64k;" in runtime
    assert "server catalog-service:8000 resolve;" in runtime
    assert "default  catalog_service;" in runtime
    version = render_module.local_nginx_version()
    if version is None or version < render_module.RESOLVE_SINCE:
        pytest.skip(f"local nginx {version} predates `resolve` (1.27.3); content checked only")
    result = nginx_test(nginx_bin, out)
    assert result.returncode == 0, result.stderr


def test_rate_and_burst_flags_reach_the_config(out):
    runtime = render(out, *DOCKER_ARGS, "--login-rate", "3r/s", "--login-burst", "0")
    assert "rate=3r/s;" in runtime
    assert "burst=0 nodelay;" in runtime


@pytest.mark.parametrize("bad", [["--catalog", "nope"], ["--login-rate", "10/m"], ["--static-root", "/a b"]])
def test_render_refuses_bad_input(out, bad):
    args = ["--listen", "1", "--catalog", "a:1", "--session", "b:2", "--static-root", "/srv", *bad]
    result = subprocess.run(
        [sys.executable, str(RENDER), "--out", str(out), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert bad[0] in result.stderr


@pytest.mark.parametrize("version", ["1.22.1", "1.26.3", "1.27.3", "1.30.4"])
def test_entrypoint_writes_what_render_writes(tmp_path, out, version):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "nginx").write_text(f"#!/bin/sh\necho 'nginx version: nginx/{version}' >&2\n")
    (fake_bin / "nginx").chmod(0o755)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# written by docker\nsearch example\nnameserver 127.0.0.11\noptions ndots:0\n")
    entry_out = tmp_path / "entry"
    env = {
        **os.environ,
        "PATH": f"{fake_bin}:{os.environ['PATH']}",
        "GATEWAY_CONF_SRC": str(REPO / "gateway" / "conf"),
        "GATEWAY_CONF_DIR": str(entry_out),
        "GATEWAY_RESOLV_CONF": str(resolv),
    }
    subprocess.run(["sh", str(ENTRYPOINT), "true"], env=env, check=True)

    expected = render(out, *DOCKER_ARGS, "--nginx-version", version)
    assert without_header_line((entry_out / "runtime.conf").read_text()) == without_header_line(expected)
    assert sorted(p.name for p in entry_out.iterdir()) == sorted(p.name for p in out.iterdir())


def test_entrypoint_output_passes_nginx_t(nginx_bin, tmp_path, out):
    conf = out
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.11\nnameserver ::1\n")
    env = {
        **os.environ,
        "PATH": f"{Path(nginx_bin).parent}:{os.environ['PATH']}",
        "GATEWAY_CONF_SRC": str(REPO / "gateway" / "conf"),
        "GATEWAY_CONF_DIR": str(conf),
        "GATEWAY_RESOLV_CONF": str(resolv),
        "LOGIN_RATE": "2r/s",
        "LOGIN_BURST": "9",
    }
    subprocess.run(["sh", str(ENTRYPOINT), "true"], env=env, check=True)
    runtime = (conf / "runtime.conf").read_text()
    assert "resolver 127.0.0.11 [::1] valid=10s ipv6=off;" in runtime
    assert "rate=2r/s;" in runtime and "burst=9 nodelay;" in runtime
    result = nginx_test(nginx_bin, conf)
    assert result.returncode == 0, result.stderr


def test_entrypoint_fails_clearly_without_a_nameserver(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("search example\n")
    env = {**os.environ, "GATEWAY_CONF_DIR": str(tmp_path / "c"), "GATEWAY_RESOLV_CONF": str(resolv)}
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "true"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "NGINX_RESOLVER" in result.stderr


def location_body(conf: str, prefix: str) -> str:
    """The text of `location PREFIX { ... }` in a gateway conf file (no nested blocks in ours)."""
    text = (REPO / "gateway" / "conf" / conf).read_text()
    start = text.index(f"location {prefix} {{")
    return text[start : text.index("}", start)]


def test_me_routes_reach_catalog_with_one_rewrite():
    """/api/catalog/me/ asks /auth and proxies in place: no internal redirect before the prefix strip."""
    body = location_body("routes.conf", "/api/catalog/me/")
    assert "rewrite" not in body and "include signed-in.conf;" in body
    signed_in = (REPO / "gateway" / "conf" / "signed-in.conf").read_text()
    rewrites = [line for line in signed_in.splitlines() if line.startswith("rewrite ")]
    assert len(rewrites) == 1 and rewrites[0].endswith(" break;")
