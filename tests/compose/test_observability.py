"""Prometheus in the observability profile: every replica a target, every expression with data.

Runs when the session's compose stack includes the profile, e.g.
    COMPOSE_FILE=docker-compose.yml:deploy/compose/observability.yml COMPOSE_PROFILES=observability \\
        STACK_MODE=compose make test
and skips otherwise.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from stack_client import Browser

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
JOBS = {"prometheus", "catalog-service", "session-service", "gateway", "postgres", "redis"}


@pytest.fixture
def prometheus(project: Any) -> str:
    try:
        address = project.run("port", "prometheus", "9090", capture_output=True, timeout=60).stdout.strip()
    except subprocess.CalledProcessError:
        address = ""
    if not address:
        pytest.skip("the stack runs without the observability profile (see this module's docstring)")
    return f"http://{address}"  # published on 127.0.0.1


def query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10).json()
    assert answer["status"] == "success", f"{expr!r}: {answer.get('error')}"
    return list(answer["data"]["result"])


def targets(prometheus: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]["activeTargets"])


def traffic(stack: Any) -> None:
    """What the dashboard shows: searches, a good's page, a sign-in, an add and a remove, a failed sign-in."""
    browser = Browser(stack.gateway_url)
    name = f"obs{uuid.uuid4().hex[:10]}"
    browser.sign_up(name)
    browser.sign_in(name)
    for _ in range(10):
        assert browser.get("/api/catalog/goods?q=a&limit=5").status_code == 200
        browser.get("/api/catalog/goods/1")
        browser.put("/api/catalog/me/goods/1")
        browser.delete("/api/catalog/me/goods/1")
    requests.post(
        f"{stack.gateway_url}/api/session/login",
        json={"username": name, "password": "not-the-password-1"},
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )


def test_every_job_and_every_running_replica_is_an_up_target(stack, project, prometheus):
    traffic(stack)
    replicas = len(project.container_ids("catalog-service"))
    deadline = time.monotonic() + 90  # DNS refresh 10 s, scrape 15 s
    while True:
        found = targets(prometheus)
        up = [t for t in found if t["health"] == "up"]
        catalog = [t for t in up if t["labels"]["job"] == "catalog-service"]
        if {t["labels"]["job"] for t in up} == JOBS and len(catalog) == replicas and len(up) == len(found):
            break
        assert time.monotonic() < deadline, json.dumps(
            [(t["labels"]["job"], t["labels"]["instance"], t["health"], t["lastError"]) for t in found]
        )
        time.sleep(3)


def expressions() -> list[tuple[str, str, bool]]:
    """(name, expression, whether it must have data): every panel and recording rule must; an
    alert only has to evaluate, since on a healthy stack it is empty."""
    dashboard = json.loads((OBSERVABILITY / "grafana" / "dashboards" / "shop.json").read_text())
    found = [(p["title"], t["expr"], True) for p in dashboard["panels"] for t in p.get("targets", [])]
    for name in ("recording.yml", "alerts.yml"):
        for group in yaml.safe_load((OBSERVABILITY / "rules" / name).read_text())["groups"]:
            found += [(r.get("record") or r["alert"], r["expr"], "record" in r) for r in group["rules"]]
    return found


def test_every_dashboard_and_rule_expression_evaluates_with_data(stack, prometheus):
    traffic(stack)
    time.sleep(35)  # two scrapes and two rule evaluations: a rate needs two samples
    traffic(stack)
    deadline = time.monotonic() + 60
    while True:
        # query() fails the test on an expression Prometheus cannot evaluate
        empty = [
            (name, expr)
            for name, expr, needs_data in expressions()
            if not query(prometheus, expr) and needs_data
        ]
        if not empty or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert empty == [], "expressions without data"
