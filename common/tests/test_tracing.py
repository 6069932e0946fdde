"""shop_common.tracing: without OTEL_EXPORTER_OTLP_ENDPOINT both services build their apps without any
of OpenTelemetry (no tracer provider, no exporter, not even an import); with it, spans go to the
endpoint's exporter. Each case runs in a fresh interpreter: the tracer provider is process-wide.
tests/observability/test_traces.py follows a whole signed-in add."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Builds both services' apps (neither connects to its store at start) and says what they got. redis-py 8
# imports OpenTelemetry's metrics SDK on its own when it is installed (for metrics of its own, off unless
# configured): what that import loads is taken before, so only the modules the apps load count.
BUILD_BOTH_APPS = """
import json, sys
import redis
BEFORE = set(sys.modules)
WATCHED = ("opentelemetry", "sqlalchemy.ext.asyncio")
from catalog_service import create_app as create_catalog
from catalog_service.config import Config as CatalogConfig
from session_service import create_app as create_session
from session_service.config import Config as SessionConfig
from shop_common.tracing import tracer_of

secret = "s" * 40
apps = {
    "catalog-service": create_catalog(
        CatalogConfig(database_url="postgresql://nobody@127.0.0.1:1/none", internal_secret=secret)
    ),
    "session-service": create_session(
        SessionConfig(
            secret_key=secret, redis_url="redis://127.0.0.1:1/0", catalog_url="http://127.0.0.1:1",
            internal_secret=secret,
        )
    ),
}
from opentelemetry import trace  # the API alone: what the process's tracer provider is now

provider = trace.get_tracer_provider()
print(json.dumps({
    "traced": {name: tracer_of(app) is not None for name, app in apps.items()},
    "provider": type(provider).__module__ + "." + type(provider).__name__,
    "service": getattr(provider, "resource", None) and provider.resource.attributes["service.name"],
    "exporters": [
        type(processor.span_exporter).__name__
        for processor in getattr(getattr(provider, "_active_span_processor", None), "_span_processors", ())
    ],
    "modules_loaded_by_the_apps": sorted(m for m in MODULES - BEFORE if m.startswith(WATCHED)),
}))
"""


def build_both_apps(**env: str) -> dict:
    """Run BUILD_BOTH_APPS in a new interpreter with `env` on top of a clean copy of os.environ."""
    # Without OTEL_*, and without a metrics directory another test may have left in os.environ.
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("OTEL_") and name.upper() != "PROMETHEUS_MULTIPROC_DIR"
    }
    # The modules loaded by building the apps, before the check itself imports the API.
    script = BUILD_BOTH_APPS.replace(
        "from opentelemetry import trace", "MODULES = set(sys.modules)\nfrom opentelemetry import trace"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "PYTHONPATH": f"{ROOT / 'catalog-service'}:{ROOT / 'session-service'}", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_without_the_endpoint_nothing_of_opentelemetry_is_loaded():
    got = build_both_apps()
    assert got["traced"] == {"catalog-service": False, "session-service": False}
    assert got["modules_loaded_by_the_apps"] == []  # not one OpenTelemetry module imported
    assert got["provider"] == "opentelemetry.trace.ProxyTracerProvider"  # the API's placeholder
    assert got["exporters"] == []


@pytest.mark.parametrize("endpoint", ["", "   "])
def test_an_empty_endpoint_is_unset(endpoint):
    got = build_both_apps(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)
    assert got["traced"] == {"catalog-service": False, "session-service": False}
    assert got["modules_loaded_by_the_apps"] == []


def test_with_the_endpoint_both_apps_export_over_otlp_http():
    # Nothing listens there: the batch exporter would only fail in the background, after the check.
    got = build_both_apps(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    assert got["traced"] == {"catalog-service": True, "session-service": True}
    assert got["provider"] == "opentelemetry.sdk.trace.TracerProvider"
    assert got["service"] == "catalog-service"  # the first app made the process's provider
    assert got["exporters"] == ["OTLPSpanExporter"]
    assert "opentelemetry.instrumentation.flask" in got["modules_loaded_by_the_apps"]
    # SQLAlchemy 2.1's asyncio part needs greenlet, which the images do not have (the dev venv does)
    assert "sqlalchemy.ext.asyncio" not in got["modules_loaded_by_the_apps"]
