"""Every development default has one home: its `${NAME:-default}` in docker-compose.yml.

Compose applies it there; the local stack, the bench, the tests and the gateway's generator get
it through shop_stack.settings or from compose's environment. A copy anywhere else is a second
home that drifts: these tests find one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from shop_stack.settings import COMPOSE_FILE, DEFAULT, ROOT, defaults

# What runs the stack, the gateway, the bench and the tests (prose, *.md, is not a home).
SCANNED = (".env.example", "Makefile", "stack", "gateway", "bench", "scripts/setup.sh", "scripts/test.sh")
SCANNED += ("scripts/docker", "tests/conftest.py", "tests/stack_client.py", "tests/gateway", "tests/compose")
SCANNED += ("tests/faults", "tests/fuzz", "tests/security", "tests/integration", "tests/tools")
HOST_PORTS = ("GATEWAY_PORT", "CATALOG_PORT", "SESSION_PORT")


def files(root: Path, suffixes: tuple[str, ...] | None) -> Iterator[Path]:
    for entry in SCANNED:
        path = root / entry
        if not path.exists():
            continue
        for found in [path] if path.is_file() else sorted(path.rglob("*")):
            if not found.is_file() or "__pycache__" in found.parts or found.suffix == ".md":
                continue
            if suffixes is None or found.suffix in suffixes:
                yield found


def places(pattern: str, suffixes: tuple[str, ...] | None = None, root: Path = ROOT) -> list[str]:
    """file:line of every match of `pattern` in the scanned files."""
    regex = re.compile(pattern)
    return [
        f"{path.relative_to(root)}:{number}"
        for path in files(root, suffixes)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if regex.search(line)
    ]


def test_compose_writes_each_default_once() -> None:
    names = [name for name, _ in DEFAULT.findall(COMPOSE_FILE.read_text())]
    assert names, "no ${NAME:-default} in docker-compose.yml"
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


@pytest.mark.parametrize("name", ["LOGIN_RATE", "SECRET_KEY", "INTERNAL_SECRET", "POSTGRES_PASSWORD"])
def test_a_default_value_appears_nowhere_else(name: str) -> None:
    value = defaults()[name]
    assert "dev-only" in value or name == "LOGIN_RATE"  # the development secrets are marked
    assert places(re.escape(value)) == []


def test_the_login_burst_default_appears_nowhere_else() -> None:
    burst = defaults()["LOGIN_BURST"]
    assert places(rf"(?i)burst[^\n\d]{{0,16}}?(?<![\d.]){burst}\b") == []


@pytest.mark.parametrize("name", HOST_PORTS)
def test_a_host_port_default_appears_in_no_code(name: str) -> None:
    # Python and .env.example only: the gateway's default host port is also the one nginx listens on
    # inside its container (render.sh, the Dockerfile, healthchecks), a fact of the image.
    port = defaults()[name]
    assert places(rf"(?<![\d.:]){port}\b", (".py", ".example")) == []


def test_env_example_lists_names_without_restating_values() -> None:
    listed = dict(
        match.groups()
        for match in (
            re.match(r"#? ?([A-Z][A-Z0-9_]*)=(.*)$", line) for line in (ROOT / ".env.example").open()
        )
        if match
    )
    assert {name: value for name, value in listed.items() if value.strip()} == {}
    main_settings = set(defaults()) - {"LOADTEST_USERS", "LOADTEST_TIME", "SHOP_BULK_USERS"}  # bench/README
    assert main_settings <= set(listed), "every setting compose reads is listed"


def test_a_second_home_would_be_found(tmp_path: Path) -> None:
    (tmp_path / "bench").mkdir()
    rate, burst = defaults()["LOGIN_RATE"], defaults()["LOGIN_BURST"]
    (tmp_path / "bench" / "copy.py").write_text(f'rate = "{rate}"\nlogin_burst: int = {burst}\nport = 1\n')
    assert places(re.escape(rate), root=tmp_path) == ["bench/copy.py:1"]
    assert places(rf"(?i)burst[^\n\d]{{0,16}}?(?<![\d.]){burst}\b", root=tmp_path) == ["bench/copy.py:2"]
