"""A quick Prometheus for a test stack, generated from the real configuration and rules.

    override = fast_prometheus(workdir / "prometheus")

deploy/observability/ as it is, except that Prometheus scrapes and re-resolves its DNS targets every
`scrape` (2 s), evaluates its rules every `evaluate` (1 s), and no alert's `for` is longer than
`alert_for` (1 s): a fault test sees the PostgreSQL-down alert fire within seconds of the stop
instead of after 30 s. Not every second for scrapes: with PostgreSQL gone, postgres-exporter takes
about a second to answer (its failed connection), and a scrape that times out loses pg_up itself.
The copy is written from the real files at every start, so the rules a test sees are the rules that
ship. Returns a compose override (written next to the copy) that mounts it over the real directory.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from .settings import ROOT

OBSERVABILITY = ROOT / "deploy" / "observability"
OBSERVABILITY_OVERRIDE = ROOT / "deploy" / "compose" / "observability.yml"
MOUNT = "/etc/shop-observability"  # where observability.yml mounts deploy/observability
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str) -> float:
    """A Prometheus duration ("1m30s", "500ms") in seconds."""
    parts = _DURATION.findall(duration)
    if not parts or "".join(n + unit for n, unit in parts) != duration:
        raise ValueError(f"not a Prometheus duration: {duration!r}")
    return sum(int(n) * _SECONDS[unit] for n, unit in parts)


def quick_config(config: dict[str, Any], scrape: str, evaluate: str) -> dict[str, Any]:
    """prometheus.yml with every scrape and DNS refresh every `scrape`, rules every `evaluate`."""
    config["global"] = {
        **config.get("global", {}),
        "scrape_interval": scrape,
        "evaluation_interval": evaluate,
    }
    config["global"].pop("scrape_timeout", None)  # the default: as long as the interval
    for job in config.get("scrape_configs", []):
        for key in ("scrape_interval", "scrape_timeout"):
            job.pop(key, None)  # the global ones
        for sd in job.get("dns_sd_configs", []):
            sd["refresh_interval"] = scrape
    return config


def quick_rules(rules: dict[str, Any], alert_for: str) -> dict[str, Any]:
    """A rules file with every alert's `for` cut to at most `alert_for`; everything else as it is."""
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            if "alert" in rule and seconds(str(rule.get("for", "0s"))) > seconds(alert_for):
                rule["for"] = alert_for
    return rules


def fast_prometheus(dest: Path, scrape: str = "2s", evaluate: str = "1s", alert_for: str = "1s") -> Path:
    """Write the quick copy of deploy/observability into `dest`; return its compose override file."""
    import yaml  # the development environment's (requirements-dev.txt); only the tests need this

    if dest.exists():
        shutil.rmtree(dest)
    config_dir = dest / "observability"
    (config_dir / "rules").mkdir(parents=True)
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    (config_dir / "prometheus.yml").write_text(
        yaml.safe_dump(quick_config(config, scrape, evaluate), sort_keys=False)
    )
    for name in config.get("rule_files", []):
        source = OBSERVABILITY / name
        rules = quick_rules(yaml.safe_load(source.read_text()), alert_for)
        target = config_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(rules, sort_keys=False))
    # The container's user is not the owner: everything readable, directories searchable.
    for path in [dest, config_dir, *config_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    override = dest / "compose.yml"
    mount = {"type": "bind", "source": str(config_dir), "target": MOUNT, "read_only": True}
    # Compose merges volumes by their target: this mount replaces observability.yml's.
    override.write_text(yaml.safe_dump({"services": {"prometheus": {"volumes": [mount]}}}, sort_keys=False))
    override.chmod(0o644)
    return override
