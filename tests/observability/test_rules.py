"""Prometheus's config and rules are valid, and `promtool test rules` covers every alert both ways."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
RULE_TESTS = OBSERVABILITY / "tests" / "alerts_test.yml"
METRICS_SOURCE = Path(__file__).resolve().parents[2] / "common" / "shop_common" / "metrics.py"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: `make setup` installs Debian's prometheus package, which has it")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=OBSERVABILITY, capture_output=True, text=True, timeout=120)


def test_prometheus_config_and_rules_are_valid(promtool):
    result = run(promtool, "check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rule_unit_tests_pass(promtool):
    result = run(promtool, "test", "rules", str(RULE_TESTS.relative_to(OBSERVABILITY)))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_quiet():
    alerts = {
        rule["alert"]
        for group in yaml.safe_load((OBSERVABILITY / "rules" / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
    }
    checks = [
        check
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
    ]
    fires = {check["alertname"] for check in checks if check["exp_alerts"]}
    stays_quiet = {check["alertname"] for check in checks if not check["exp_alerts"]}
    assert alerts - fires == set(), "alerts with no test where they fire"
    assert alerts - stays_quiet == set(), "alerts with no test where they stay quiet"


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((OBSERVABILITY / "grafana" / "dashboards" / "shop.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_every_dashboard_expression_parses(promtool, tmp_path):
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:expr_{n}", "expr": e}
                    for n, e in enumerate(dashboard_expressions())
                ],
            }
        ]
    }
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(rules))
    result = run(promtool, "check", "rules", str(tmp_path / "dashboard.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dashboard_and_rules_name_only_metrics_that_exist():
    """A typo in a metric name gives an empty panel, not an error: catch it here."""
    exported = set(
        re.findall(r'^\w+ = (?:Counter|Gauge|Histogram)\(\s*"(\w+)"', METRICS_SOURCE.read_text(), re.M)
    )
    exported = {name.removesuffix("_total") for name in exported}
    recorded = {
        rule["record"]
        for group in yaml.safe_load((OBSERVABILITY / "rules" / "recording.yml").read_text())["groups"]
        for rule in group["rules"]
    }
    rule_exprs = [
        rule["expr"]
        for name in ("recording.yml", "alerts.yml")
        for group in yaml.safe_load((OBSERVABILITY / "rules" / name).read_text())["groups"]
        for rule in group["rules"]
    ]
    ours = re.compile(r"\b(?:http|shop|db_pool)_\w+|\b\w+:\w+:\w+")
    for expr in dashboard_expressions() + rule_exprs:
        for name in ours.findall(expr):
            base = re.sub(r"_(total|bucket|sum|count)$", "", name)
            assert base in exported or name in recorded, (
                f"{name} in {expr!r} is neither exported nor recorded"
            )
