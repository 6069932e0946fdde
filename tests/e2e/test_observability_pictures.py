"""Pictures of the dashboard's panels for docs/observability.md, drawn by Prometheus's own graph page
(Grafana has no Debian package, so the air-gapped profile runs without it), from this test session's
traffic: compose mode, where the stack runs the observability profile (tests/conftest.py).

Each picture's expressions are first asked of Prometheus's API: a panel without data fails here, not
as an empty picture. Pictures go to test-artifacts/screenshots/; with SAVE_DOCS_PICTURES=1 also to
docs/observability/, the ones the doc shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from e2e_support import ROOT, screenshot

DASHBOARD = ROOT / "deploy" / "observability" / "grafana" / "dashboards" / "shop.json"
DOCS_PICTURES = ROOT / "docs" / "observability"
# The panels the doc shows: traffic per route, its latency, the replicas, the shop, the stores, nginx.
PANELS = (
    "Request rate",
    "p95 duration",
    "Requests per replica",
    "Goods added and removed a minute",
    "Database connections",
    "nginx requests",
)
RANGE_SECONDS = 300  # the picture's time range: this session's traffic


def panel_expressions(title: str) -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels if panel.get("title") == title for target in panel["targets"]]


def has_data(prometheus: str, expr: str) -> bool:
    end = time.time()
    params = {"query": expr, "start": end - RANGE_SECONDS, "end": end, "step": 15}
    answer = requests.get(f"{prometheus}/api/v1/query_range", params=params, timeout=10).json()
    assert answer["status"] == "success", f"{expr!r}: {answer.get('error')}"
    return bool(answer["data"]["result"])


def graph_page(prometheus: str) -> str:
    """Debian's Prometheus (the air-gapped stand-in) has only the classic UI, under /classic/; the
    official image's UI is at /graph."""
    classic = requests.get(f"{prometheus}/classic/graph", timeout=10)
    return f"{prometheus}/classic/graph" if classic.status_code == 200 else f"{prometheus}/graph"


@pytest.fixture
def prometheus(stack: Any) -> str:
    url = stack.compose.prometheus_url if stack.compose is not None else ""
    if not url:
        pytest.skip("Prometheus runs only in the compose test stack (observability profile)")
    return str(url)


@pytest.mark.parametrize("title", PANELS)
def test_a_dashboard_panel_drawn_by_prometheus(prometheus: str, context: Any, title: str) -> None:
    expressions = panel_expressions(title)
    assert expressions, f"no panel {title!r} in {DASHBOARD.name}"
    assert all(has_data(prometheus, expr) for expr in expressions), f"{title}: an expression without data"
    graphs = {}
    for number, expr in enumerate(expressions):
        # ">= 0" leaves out NaN (a quantile of a route without requests in the window), which the
        # classic graph cannot draw at all.
        graphs |= {f"g{number}.expr": f"({expr}) >= 0", f"g{number}.tab": "0", f"g{number}.range_input": "5m"}
    # Not the `page` fixture: its console check is for our pages, and Debian's classic UI logs a
    # script error of its own ("Unexpected token 'export'") while drawing fine.
    page = context.new_page()
    page.goto(f"{graph_page(prometheus)}?{urlencode(graphs)}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)  # the graphs draw after their data arrives
    assert page.locator("svg, canvas").count() > 0, f"{title}: no graph drawn on {page.url}"
    name = "prometheus-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    picture: Path = screenshot(page, name)
    if os.environ.get("SAVE_DOCS_PICTURES") == "1":
        DOCS_PICTURES.mkdir(exist_ok=True)
        shutil.copy2(picture, DOCS_PICTURES / picture.name)
