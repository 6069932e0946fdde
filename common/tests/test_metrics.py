"""GET /metrics: requests counted per route template, bounded labels, domain figures, every worker summed."""

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from flask import Flask, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from shop_common import gunicorn_metrics, metrics
from shop_common.errors import ApiError, register_error_handlers
from shop_common.web import json_errors_outside_flask
from shop_stack.system import free_port

HERE = Path(__file__).resolve().parent
_names = itertools.count()


class Unavailable(Exception):
    pass


def make_app(enabled: bool = True) -> tuple[Flask, str]:
    """A real Flask app shaped like the services, with its own service label (the registry is global)."""
    service = f"test-service-{next(_names)}"
    app = Flask(__name__)
    app.url_map.strict_slashes = False
    register_error_handlers(app)

    @app.get("/goods/<int:good_id>")
    def get_good(good_id: int) -> dict[str, int]:
        return {"id": good_id}

    @app.put("/me/goods/<int:good_id>")
    def add_good(good_id: int) -> tuple[str, int]:
        metrics.count_goods_added()
        return "", 204

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/unavailable")
    def unavailable() -> None:
        raise ApiError(503, "try again")

    @app.get("/sign-in-unavailable")
    def sign_in_unavailable() -> None:
        metrics.note_unavailable("catalog-service")
        raise ApiError(503, "cannot check passwords")

    @app.post("/login")
    def login() -> tuple[str, int]:
        password = request.get_json()["password"]
        if password == "right":
            return "", 200
        raise ApiError(401 if password else 422, "no")

    @app.get("/fails-after-answering")
    def fails_after_answering() -> dict[str, bool]:
        g.lose_connection = True
        return {"ok": True}

    @app.teardown_appcontext
    def release_connection(error: BaseException | None) -> None:
        # Like Flask-SQLAlchemy finding the connection dead as it gives it back.
        if g.pop("lose_connection", False):
            raise Unavailable("connection lost while released")

    json_errors_outside_flask(app, (Unavailable,), "down")
    metrics.init_metrics(app, service, "postgresql", sign_in_endpoint="login", enabled=enabled)
    return app, service


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels`."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def routes(text: str, service: str) -> set[str]:
    return {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["service"] == service
    }


def test_requests_are_counted_per_route_template_not_per_path():
    app, service = make_app()
    client = app.test_client()
    for good_id in (1, 2, 3):
        assert client.get(f"/goods/{good_id}").status_code == 200
    client.put("/me/goods/7")

    text = scrape(client)
    template = "/goods/<int:good_id>"
    ok_gets = {"service": service, "route": template, "method": "GET", "status": "200"}
    assert value(text, "http_requests_total", **ok_gets) == 3
    assert value(text, "http_request_duration_seconds_count", service=service, route=template) == 3
    assert value(text, "http_request_duration_seconds_sum", service=service, route=template) > 0
    assert routes(text, service) == {template, "/me/goods/<int:good_id>"}


def test_unknown_routes_share_one_label():
    app, service = make_app()
    client = app.test_client()
    for path in ("/nope", "/wp-admin/1", "/goods/not-a-number", "/../etc/passwd"):
        assert client.get(path).status_code == 404
    assert client.delete("/goods/1").status_code == 405

    text = scrape(client)
    assert routes(text, service) == {metrics.UNMATCHED}
    assert value(text, "http_requests_total", service=service, status="404") == 4
    assert value(text, "http_requests_total", service=service, status="405", method="DELETE") == 1


def test_unusual_methods_share_one_label():
    app, service = make_app()
    client = app.test_client()
    client.open("/goods/1", method="BREW")
    client.open("/goods/1", method="PROPFIND")

    assert value(scrape(client), "http_requests_total", service=service, method="OTHER") == 2


def test_errors_are_counted_with_the_status_the_client_got():
    app, service = make_app()
    client = app.test_client()
    assert client.get("/broken").status_code == 500
    assert client.get("/unavailable").status_code == 503
    # Answered by json_errors_outside_flask, after Flask's handlers gave up.
    assert client.get("/fails-after-answering").status_code == 503

    text = scrape(client)
    assert value(text, "http_requests_total", service=service, route="/broken", status="500") == 1
    assert value(text, "http_requests_total", service=service, route="/unavailable", status="503") == 1
    assert (
        value(text, "http_requests_total", service=service, route="/fails-after-answering", status="503") == 1
    )
    assert value(text, "shop_unavailable_total", service=service, cause="postgresql") == 2


def test_a_503_is_counted_by_what_it_is_blamed_on():
    app, service = make_app()
    client = app.test_client()
    assert client.get("/sign-in-unavailable").status_code == 503
    assert client.get("/unavailable").status_code == 503

    text = scrape(client)
    assert value(text, "shop_unavailable_total", service=service, cause="catalog-service") == 1
    assert value(text, "shop_unavailable_total", service=service, cause="postgresql") == 1


def test_domain_figures_are_counted():
    app, service = make_app()
    client = app.test_client()
    client.put("/me/goods/1")
    client.put("/me/goods/2")
    for password in ("right", "wrong", "wrong", ""):
        client.post("/login", json={"password": password})

    text = scrape(client)
    assert value(text, "shop_goods_added_total", service=service) == 2
    assert value(text, "shop_sign_ins_total", service=service, outcome="ok") == 1
    assert value(text, "shop_sign_ins_total", service=service, outcome="bad_credentials") == 2
    assert value(text, "shop_sign_ins_total", service=service, outcome="invalid") == 1


def test_scrapes_are_served_before_the_app_and_not_counted():
    app, service = make_app()

    @app.before_request
    def store_is_down() -> None:  # as session-service does when Redis is unreachable
        raise ApiError(503, "down")

    client = app.test_client()
    assert client.get("/goods/1").status_code == 503
    text = scrape(client)
    assert routes(text, service) == {"/goods/<int:good_id>"}
    assert client.head("/metrics").get_data() == b""


def test_metrics_are_not_served_through_a_proxy():
    app, _ = make_app()
    response = app.test_client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_metrics_off_means_no_endpoint_and_no_figures():
    app, service = make_app(enabled=False)
    client = app.test_client()
    client.get("/goods/1")
    client.put("/me/goods/1")

    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    on, _ = make_app()
    assert service not in scrape(on.test_client())


def without_multiproc_dir(monkeypatch) -> None:
    """Unset PROMETHEUS_MULTIPROC_DIR for the test, and unset it again afterwards: on_starting sets it
    to a directory on_exit removes, which later tests (a local stack's processes) must not inherit.
    (delenv alone records nothing to undo when the variable was not set.)"""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")


def test_without_a_directory_each_master_makes_and_removes_its_own(monkeypatch, tmp_path):
    without_multiproc_dir(monkeypatch)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR

    gunicorn_metrics.on_starting(server=None)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.parent == tmp_path and made.is_dir()
    gunicorn_metrics.on_exit(server=None)
    assert not made.exists()


def test_a_killed_masters_directory_is_removed_by_the_next_master(monkeypatch, tmp_path):
    without_multiproc_dir(monkeypatch)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left_behind = tmp_path / f"shop-metrics-{gone.pid}-abc123"
    left_behind.mkdir()
    running = tmp_path / f"shop-metrics-{os.getpid()}-def456"  # a live master's: kept
    running.mkdir()

    gunicorn_metrics.on_starting(server=None)
    gunicorn_metrics.on_exit(server=None)
    assert not left_behind.exists()
    assert running.exists()


def test_metrics_are_on_unless_switched_off(monkeypatch):
    monkeypatch.delenv("METRICS", raising=False)
    assert metrics.metrics_enabled()
    for off in ("off", "0", "false", "no"):
        monkeypatch.setenv("METRICS", off)
        assert not metrics.metrics_enabled()
    monkeypatch.setenv("METRICS", "maybe")
    with pytest.raises(SystemExit, match="METRICS must be on or off"):
        metrics.metrics_enabled()


def test_a_batched_histogram_write_equals_one_observe_per_amount():
    """observe_all writes prometheus_client's private sum and bucket values: fails if those change."""
    registry = CollectorRegistry()
    bounds = (0.001, 0.01, 0.1)
    one_by_one = Histogram("one_by_one", "", buckets=bounds, registry=registry)
    batched = Histogram("batched", "", buckets=bounds, registry=registry)
    amounts = [0.0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.2, 7.0, 0.001]  # incl. each bound exactly
    for amount in amounts:
        one_by_one.observe(amount)
    metrics.observe_all(batched, amounts)

    def samples(name: str) -> list[tuple[str, dict[str, str], float]]:
        family = next(family for family in registry.collect() if family.name == name)
        return [
            (sample.name.removeprefix(name), sample.labels, sample.value)
            for sample in family.samples
            if not sample.name.endswith("_created")
        ]

    assert samples("batched") == samples("one_by_one")
    assert ("_bucket", {"le": "0.001"}, 4.0) in samples("batched")


def test_figures_are_written_by_the_background_thread_without_a_scrape():
    app, service = make_app()
    app.test_client().get("/goods/1")
    labels = {"service": service, "method": "GET", "status": "200", "route": "/goods/<int:good_id>"}
    deadline = time.monotonic() + 5 * metrics.FLUSH_SECONDS
    while REGISTRY.get_sample_value("http_requests_total", labels) != 1:
        assert time.monotonic() < deadline, "the figures were not written within a flush interval"
        time.sleep(0.05)


# --- every gunicorn worker counted: the real multiprocess mode, in a real gunicorn ---


@pytest.fixture
def gunicorn(tmp_path, request):
    """gunicorn with two workers of two threads, the services' metric hooks and a stale file to clear.

    Parametrize with a flush interval (seconds) to replace the app's (metrics_app.py reads it).
    """
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from a previous run")
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS": "on"}
    if flush_seconds := getattr(request, "param", None):
        env["TEST_FLUSH_SECONDS"] = str(flush_seconds)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(HERE / "gunicorn_test.conf.py"),
            "--chdir",
            str(HERE),
            "--bind",
            f"127.0.0.1:{port}",
            "metrics_app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/pid", timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.communicate()[1].decode()}")
            time.sleep(0.1)
    yield url, metrics_dir, process
    process.terminate()
    process.wait(timeout=30)


def served_by_both_workers(url: str) -> tuple[int, set[int]]:
    """Send requests on fresh connections until both workers have answered; return (sent, pids)."""
    pids: set[int] = set()
    sent = 0
    while len(pids) < 2:
        assert sent < 500, "one worker answered every request"
        pids.add(requests.get(f"{url}/pid", headers={"Connection": "close"}, timeout=5).json()["pid"])
        sent += 1
    return sent, pids


def scrape_once_written(url: str, sent: int) -> str:
    """Scrape until every worker has written its figures (within a flush interval) and return it."""
    deadline = time.monotonic() + 5 * metrics.FLUSH_SECONDS
    while True:
        text = requests.get(f"{url}/metrics", timeout=5).text
        if value(text, "http_requests_total", route="/pid") >= sent or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def test_a_scrape_sums_every_worker(gunicorn):
    url, metrics_dir, _ = gunicorn
    sent, _ = served_by_both_workers(url)
    sent += 1  # the readiness probe in the fixture

    text = scrape_once_written(url, sent)
    assert value(text, "http_requests_total", route="/pid") == sent
    assert value(text, "http_request_duration_seconds_count", route="/pid") == sent
    assert value(text, "http_worker_threads") == 2 * 2
    assert not (metrics_dir / "counter_999999.db").exists(), "the previous run's file was not cleared"


def test_a_dead_worker_leaves_the_live_figures(gunicorn):
    url, _, _ = gunicorn
    sent, pids = served_by_both_workers(url)
    scrape_once_written(url, sent)  # a worker killed outright loses what it has not written yet
    os.kill(pids.pop(), signal.SIGKILL)  # gunicorn starts a replacement

    deadline = time.monotonic() + 30
    while requests.get(f"{url}/pid", headers={"Connection": "close"}, timeout=5).json()["pid"] in pids:
        sent += 1
        assert time.monotonic() < deadline, "no replacement worker answered"
    text = scrape_once_written(url, sent + 1)
    # The replacement's threads take the dead worker's place; its requests still count.
    assert value(text, "http_worker_threads") == 2 * 2
    assert value(text, "http_requests_total", route="/pid") >= sent + 1


@pytest.mark.parametrize("gunicorn", [3600], indirect=True)  # no flush by the thread during the test
def test_workers_write_their_last_figures_as_they_stop(gunicorn):
    url, metrics_dir, process = gunicorn
    sent, _ = served_by_both_workers(url)
    sent += 1  # the readiness probe in the fixture

    process.terminate()  # a graceful stop: each worker runs worker_exit
    process.wait(timeout=30)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    assert (
        registry.get_sample_value(
            "http_requests_total",
            {"service": "multiprocess-test", "method": "GET", "status": "200", "route": "/pid"},
        )
        == sent
    )
