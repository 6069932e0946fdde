"""Prometheus in the observability profile: every replica a target, every expression with data;
and the services' JSON logs, compose's default.

The session's compose stack runs the profile (tests/conftest.py) with a quick Prometheus, made from
the real configuration and rules by shop_stack.observability: it scrapes and re-resolves its
targets every 2 s and evaluates its rules every second. Three catalog replicas as three targets:
tests/compose/test_replicas.py.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import yaml
from compose_helpers import scrape_interval, wait_every_target_up
from stack_client import Browser

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # Compose 2.26 clears each line, even into a pipe


def query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10).json()
    assert answer["status"] == "success", f"{expr!r}: {answer.get('error')}"
    return list(answer["data"]["result"])


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
    wait_every_target_up(prometheus, catalog_replicas=len(project.container_ids("catalog-service")))


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
    # two scrapes and two rule evaluations (same interval here): a rate needs two samples
    time.sleep(2 * scrape_interval(prometheus) + 1)
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
        time.sleep(1)
    assert empty == [], "expressions without data"


def test_both_services_log_one_json_object_a_line_by_default(stack, project):
    """LOG_FORMAT=json is docker-compose.yml's default: what tests/security's no-secrets check reads
    in compose mode is the JSON form, gunicorn's own lines included."""
    browser = Browser(stack.gateway_url)
    name = f"obs{uuid.uuid4().hex[:10]}"
    browser.sign_up(name)
    user_id = browser.sign_in(name)["user"]["id"]
    rid = browser.put("/api/catalog/me/goods/1").headers["X-Request-ID"]
    time.sleep(0.5)  # the services write their request lines as they answer
    for service in ("catalog-service", "session-service"):
        logs = project.run("logs", "--no-color", "--no-log-prefix", service, capture_output=True, timeout=60)
        lines = [ANSI_ESCAPE.sub("", line) for line in logs.stdout.splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # fails on any line that is not one JSON object
        assert records and all(
            isinstance(r, dict) and {"time", "level", "message"} <= r.keys() for r in records
        )
        assert any(r["logger"].startswith("gunicorn") for r in records), f"{service}: no gunicorn line"
        # every line names its service, gunicorn's boot lines (before the app is loaded) included
        assert {r["service"] for r in records} == {service}, f"{service}: lines with another service"
        # the signed-in add, by its request id: session-service's /auth check and catalog-service's PUT
        mine = [r for r in records if r.get("request_id") == rid and r.get("status")]
        assert mine and all(r["user_id"] == user_id for r in mine), (service, mine)
