"""Fixtures for the gateway's own tests: the local nginx in front of two fake services."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import FakeService, Gateway, TlsFiles, find_nginx, make_tls_files, world_readable_dir


@pytest.fixture(scope="session")
def nginx_bin() -> str:
    binary = find_nginx()
    if binary is None:
        pytest.skip("nginx is not installed (looked on PATH and in /usr/sbin)")
    return binary


@pytest.fixture(scope="module")
def static_root() -> Iterator[Path]:
    root = world_readable_dir("gateway-static-")
    (root / "index.html").write_text("<!doctype html><title>shop</title><p>" + "shop " * 100 + "</p>\n")
    (root / "scripts").mkdir()
    (root / "scripts" / "app.js").write_text("'use strict';\n" + "// padding\n" * 50)
    for path in [root, root / "scripts"]:
        path.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def tls_files() -> Iterator[TlsFiles]:
    """A development CA and localhost certificate of the tests' own (never the repository's .dev-tls)."""
    directory = world_readable_dir("gateway-tls-")
    yield make_tls_files(directory / "tls")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def catalog() -> Iterator[FakeService]:
    service = FakeService("catalog").start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def session() -> Iterator[FakeService]:
    service = FakeService("session").start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def gateway(
    nginx_bin: str, catalog: FakeService, session: FakeService, static_root: Path
) -> Iterator[Gateway]:
    gw = Gateway(nginx_bin, catalog.address, session.address, static_root)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def start_module_gateway(
    nginx_bin: str, catalog: FakeService, session: FakeService, static_root: Path
) -> Iterator[Any]:
    """Start gateways in front of the module's fake services with more render.sh settings, for the module."""
    started: list[Gateway] = []

    def start(**env: str) -> Gateway:
        gw = Gateway(nginx_bin, catalog.address, session.address, static_root, **env)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


@pytest.fixture
def start_gateway(nginx_bin: str, static_root: Path) -> Iterator[Any]:
    """Start extra gateways with their own upstreams or flags; all are stopped afterwards."""
    started: list[Gateway] = []

    def start(catalog: str, session: str, **env: str) -> Gateway:
        gw = Gateway(nginx_bin, catalog, session, static_root, **env)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
