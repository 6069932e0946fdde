"""Compose, the Swarm stack and the Kubernetes manifests run the same system.

docker-compose.yml is the reference. Each platform must use the same images, container ports,
environment variable names (NAME_FILE counts as NAME: the value arrives as a file) and health
paths for the same services, and run the same one-shot commands. What a platform adds on purpose
is listed below with its reason; anything else that differs is drift.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .manifests import ROOT, container_env, image_repository, workloads

COMPOSE = ROOT / "docker-compose.yml"
SWARM = ROOT / "deploy" / "swarm" / "stack.yml"

# compose service -> Kubernetes workload, per overlay (production keeps its databases outside).
K8S_NAMES = {"gateway": "gateway", "catalog-service": "catalog-service", "session-service": "session-service"}
K8S_NAMES |= {"migrate": "catalog-migrate"}
K8S_SERVICES = {
    "dev": K8S_NAMES | {"seed": "catalog-seed", "postgres": "postgres", "redis": "redis"},
    "production": K8S_NAMES,
}
HTTP_SERVICES = ("gateway", "catalog-service", "session-service")
ONE_SHOT = ("migrate", "seed")

# Variables a platform sets beyond compose's, and why.
PLATFORM_ONLY_ENV = {
    "kubernetes": {
        # nginx's resolver ignores the search list: the upstreams need their full names, built
        # from the pod's namespace.
        "gateway": {"POD_NAMESPACE", "CATALOG_UPSTREAM", "SESSION_UPSTREAM"},
        "postgres": {"PGDATA"},  # a subdirectory of the volume, whose root the server cannot own
    },
    # The client's address arrives from the edge nginx's X-Real-IP, trusted from the edge network.
    "swarm": {"gateway": {"REAL_IP_FROM"}},
}
# What compose has that the other platforms leave out, and why. HTTPS at the gateway is for compose
# (and `make run`); the Swarm stack's edge and a Kubernetes Ingress sit in front of the gateway, which
# then runs with the image's default GATEWAY_TLS=off, so the TLS settings, the production-mode switches
# that only act on them, and the job making a development certificate have no use there.
COMPOSE_ONLY_SERVICES = {"dev-tls"}
COMPOSE_ONLY_ENV = {
    "gateway": {"GATEWAY_TLS", "GATEWAY_TLS_PORT", "APP_ENV", "GATEWAY_HTTPS_ONLY", "HSTS_MAX_AGE"}
}

_HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[A-Za-z0-9_/-]*)")


@dataclass(frozen=True)
class Facts:
    """What must agree about one service on one platform."""

    image: str
    env: frozenset[str]
    port: int | None = None  # the HTTP port the container listens on
    health_path: str | None = None  # what decides whether the service gets traffic
    command: tuple[str, ...] | None = None


def _interpolate(text: str) -> str:
    """Compose's `${VAR:-default}` with nothing set, as a fresh checkout runs it."""
    text = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "", text).replace("$$", "$")


# libpq's parts of DATABASE_URL: docker-compose.yml passes the account this way, so each of its
# defaults is written once.
URL_PARTS = {"PGUSER": "DATABASE_URL", "PGPASSWORD": "DATABASE_URL", "PGDATABASE": "DATABASE_URL"}


def _setting(name: str) -> str:
    return URL_PARTS.get(name, name.removesuffix("_FILE"))


def _image(image: str) -> str:
    """Our images by repository (each platform has its own tag); anything else with its tag."""
    repository = image_repository(image)
    return repository if repository.startswith("shop/") else image


def _compose_port(service: dict[str, Any]) -> int | None:
    for port in service.get("ports", []):
        if isinstance(port, dict):
            return int(port["target"])
        return int(_interpolate(str(port)).rsplit(":", 1)[-1])
    return None


def _compose_facts(path: Path) -> dict[str, Facts]:
    services = yaml.safe_load(path.read_text())["services"]
    facts = {}
    for name, service in services.items():
        env = service.get("environment") or {}
        names = env.keys() if isinstance(env, dict) else [item.split("=", 1)[0] for item in env]
        test = service.get("healthcheck", {}).get("test", [])
        health = _HEALTH_URL.search(" ".join(test) if isinstance(test, list) else test)
        command = service.get("command")
        facts[name] = Facts(
            image=_image(_interpolate(service["image"])),
            env=frozenset(_setting(n) for n in names),
            port=int(health.group(1)) if health else _compose_port(service),
            health_path=health.group(2) if health else None,
            command=tuple(command) if isinstance(command, list) else None,
        )
    return facts


def _k8s_facts(overlay: str) -> dict[str, Facts]:
    by_name = {w.name: w for w in workloads(overlay)}
    facts = {}
    for service, workload_name in K8S_SERVICES[overlay].items():
        container = by_name[workload_name].containers(init=False)[0]
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        probe = container.get("readinessProbe", {}).get("httpGet")
        port = None
        if probe:
            port = probe["port"] if isinstance(probe["port"], int) else ports[probe["port"]]
            assert port in ports.values(), f"{service}: the readiness probe asks a port the container lacks"
        args = container.get("args")
        facts[service] = Facts(
            image=_image(container["image"]),
            env=frozenset(_setting(n) for n in container_env(overlay, container)),
            port=port,
            health_path=probe["path"] if probe else None,
            command=tuple(args) if args else None,
        )
    return facts


def _platform(platform: str) -> tuple[str, dict[str, Facts]]:
    if platform == "swarm":
        if not SWARM.exists():
            pytest.skip("deploy/swarm/stack.yml does not exist yet (the Swarm stack of issue 13)")
        stack = _compose_facts(SWARM)
        return "swarm", {name: stack[name] for name in stack if name in _compose_facts(COMPOSE)}
    return "kubernetes", _k8s_facts(platform.removeprefix("kubernetes-"))


PLATFORMS = ("kubernetes-dev", "kubernetes-production", "swarm")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_service_of_compose_is_there(platform):
    _, facts = _platform(platform)
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    compose = {name for name, service in services.items() if not service.get("profiles")}  # not opt-in ones
    compose -= COMPOSE_ONLY_SERVICES
    expected = compose if platform != "kubernetes-production" else set(K8S_NAMES)
    assert set(facts) == expected


@pytest.mark.parametrize("platform", PLATFORMS)
def test_images_agree(platform):
    compose, (_, facts) = _compose_facts(COMPOSE), _platform(platform)
    assert {name: f.image for name, f in facts.items()} == {name: compose[name].image for name in facts}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_environment_variable_names_agree(platform):
    compose, (kind, facts) = _compose_facts(COMPOSE), _platform(platform)
    extras = PLATFORM_ONLY_ENV[kind]
    mine = {name: sorted(f.env - extras.get(name, set())) for name, f in facts.items()}
    assert mine == {name: sorted(compose[name].env - COMPOSE_ONLY_ENV.get(name, set())) for name in facts}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_ports_and_health_paths_agree(platform):
    compose, (_, facts) = _compose_facts(COMPOSE), _platform(platform)
    for name in HTTP_SERVICES:
        assert facts[name].port == compose[name].port, f"{name}: port"
        assert facts[name].health_path == compose[name].health_path, f"{name}: health path"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_one_shot_jobs_run_the_same_commands(platform):
    compose, (_, facts) = _compose_facts(COMPOSE), _platform(platform)
    for name in ONE_SHOT:
        if name in facts:
            assert facts[name].command == compose[name].command, name


def _dockerfile_health(service: dict[str, Any]) -> tuple[int, str]:
    build = service["build"]
    text = (ROOT / build.get("context", ".") / build["dockerfile"]).read_text()
    healthcheck = text[text.index("\nHEALTHCHECK") :]
    match = _HEALTH_URL.search(healthcheck)
    assert match, f"no health URL in {build['dockerfile']}'s HEALTHCHECK"
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("overlay", ("dev", "production"))
def test_kubernetes_liveness_asks_what_the_images_own_healthcheck_asks(overlay):
    """/healthz: the process is alive. The images' HEALTHCHECK says the same for plain `docker run`."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    by_name = {w.name: w for w in workloads(overlay)}
    for name in HTTP_SERVICES:
        container = by_name[K8S_NAMES[name]].containers(init=False)[0]
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        probe = container["livenessProbe"]["httpGet"]
        port = probe["port"] if isinstance(probe["port"], int) else ports[probe["port"]]
        assert (port, probe["path"]) == _dockerfile_health(services[name]), name
