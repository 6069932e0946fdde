"""Prometheus's config and rules are valid, and `promtool test rules` covers every alert both ways."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
RULE_TESTS = OBSERVABILITY / "tests" / "alerts_test.yml"


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
        check for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for check in test["alert_rule_test"]
    ]
    fires = {check["alertname"] for check in checks if check["exp_alerts"]}
    stays_quiet = {check["alertname"] for check in checks if not check["exp_alerts"]}
    assert alerts - fires == set(), "alerts with no test where they fire"
    assert alerts - stays_quiet == set(), "alerts with no test where they stay quiet"
