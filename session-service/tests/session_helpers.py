"""Test helpers: a throwaway redis-server, a fake catalog-service answer, cookie and schema checks."""

import json
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Any

import jsonschema
import redis
from flask.testing import FlaskClient
from session_service.config import Config
from session_service.openapi import SPEC
from shop_stack.system import free_port

CATALOG_URL = "http://catalog.test:8001"
VERIFY_URL = f"{CATALOG_URL}/internal/credentials/verify"
INTERNAL_SECRET = "test-internal-secret-0123456789abcdef"
SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
USERS = {"alice": (1, "alice-pw"), "bob": (2, "bob-pw")}


class RedisServer:
    """A redis-server on a fixed port in a temp dir, with no persistence; can be stopped and paused."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="session-service-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # in case a test left it paused
            self.process.terminate()
            self.process.wait(5)
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def make_config(redis_url: str, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "secret_key": SECRET_KEY,
        "redis_url": redis_url,
        "catalog_url": CATALOG_URL,
        "internal_secret": INTERNAL_SECRET,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Config(**values)


def verify_callback(request: Any) -> tuple[int, dict[str, str], str]:
    if request.headers.get("X-Internal-Secret") != INTERNAL_SECRET:
        return 403, {}, json.dumps({"error": {"code": "forbidden"}})
    body = json.loads(request.body)
    user = USERS.get(body.get("username"))
    if user is None or user[1] != body.get("password"):
        return 401, {}, json.dumps({"error": {"code": "unauthorized"}})
    return 200, {}, json.dumps({"id": user[0], "username": body["username"]})


XHR = {"X-Requested-With": "XMLHttpRequest"}


def login(client: FlaskClient, username: str = "alice", password: str | None = None, **extra: Any) -> Any:
    body = {"username": username, "password": password or USERS[username][1], **extra}
    return client.post("/login", json=body, headers=XHR)


def sid_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("sid")
    assert cookie is not None
    return cookie.value


def store_key(sid_value: str) -> str:
    """Redis key for a signed cookie value."""
    return "sess:" + sid_value.rsplit(".", 1)[0]


def csrf(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


def command_calls(client: redis.Redis) -> dict[str, int]:
    """Calls per command since the server started (INFO commandstats)."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def calls_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    return {name: n for name, n in delta.items() if n and name != "info"}


def assert_matches_spec(response: Any, path: str, method: str) -> None:
    """Validate a real response body against the OpenAPI schema for its status."""
    operation = SPEC["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path} -> {response.status_code} is not documented"
    content = documented.get("content", {}).get("application/json")
    if content is None:
        assert response.data == b""
        return
    schema = {**content["schema"], "components": SPEC["components"]}
    jsonschema.validate(response.get_json(), schema)
