"""What every pod in every overlay must have: probes, limits, a locked-down container, drain time.

Each test walks the rendered objects, so a field removed from any manifest or patch fails here
under the name of the workload and container that lost it.
"""

import re
from pathlib import Path, PurePosixPath

import pytest

from .manifests import (
    OVERLAYS,
    ROOT,
    container_env,
    every_container,
    every_workload,
    image_repository,
    named,
    of_kind,
    quantity,
    render,
    selects,
    workloads,
)

PYTHON_IMAGES = ("shop/catalog-service", "shop/session-service")
APP_UID = 10001  # the "app" user the Python services' Dockerfile creates
# Settings whose values are secrets: they may only arrive as NAME_FILE, a path to a mounted file.
SECRET_SETTINGS = ("SECRET_KEY", "INTERNAL_SECRET", "DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD")


def _ids(pairs):
    return [f"{workload}/{container['name']}" for workload, container in pairs]


ALL_CONTAINERS = list(every_container())
SERVING_CONTAINERS = list(every_container(long_running_only=True, init=False))


def _seconds(pattern: str, *paths: Path) -> int:
    """The largest number `pattern` captures in the files that exist among `paths`."""
    texts = [path.read_text() for path in paths if path.exists()]
    values = [int(match) for text in texts for match in re.findall(pattern, text)]
    assert values, f"{pattern!r} not found in {', '.join(str(p.relative_to(ROOT)) for p in paths)}"
    return max(values)


# The shared base and any service's own override.
GUNICORN_CONFIGS = (ROOT / "common/shop_common/gunicorn_base.py", *sorted(ROOT.glob("*/gunicorn.conf.py")))
GUNICORN_GRACEFUL_TIMEOUT = _seconds(r"(?m)^graceful_timeout\s*=\s*(\d+)", *GUNICORN_CONFIGS)


# How long each process may take to stop after its stop signal, read from its own config.
SHUTDOWN_SECONDS = {
    "shop/catalog-service": GUNICORN_GRACEFUL_TIMEOUT,
    "shop/session-service": GUNICORN_GRACEFUL_TIMEOUT,
    "shop/gateway": _seconds(r"worker_shutdown_timeout\s+(\d+)s;", ROOT / "gateway/conf/nginx.conf"),
}


@pytest.mark.parametrize(("workload", "container"), SERVING_CONTAINERS, ids=_ids(SERVING_CONTAINERS))
def test_serving_container_has_readiness_liveness_and_startup_probes(workload, container):
    missing = [p for p in ("readinessProbe", "livenessProbe", "startupProbe") if p not in container]
    assert not missing, f"{workload}/{container['name']} has no {', '.join(missing)}"


@pytest.mark.parametrize(("workload", "container"), ALL_CONTAINERS, ids=_ids(ALL_CONTAINERS))
def test_container_has_cpu_and_memory_requests_within_limits(workload, container):
    where = f"{workload}/{container['name']}"
    resources = container.get("resources", {})
    for resource in ("cpu", "memory"):
        request = resources.get("requests", {}).get(resource)
        limit = resources.get("limits", {}).get(resource)
        assert request is not None, f"{where}: no {resource} request"
        assert limit is not None, f"{where}: no {resource} limit"
        assert quantity(request) <= quantity(limit), f"{where}: {resource} request above its limit"


@pytest.mark.parametrize(("workload", "container"), ALL_CONTAINERS, ids=_ids(ALL_CONTAINERS))
def test_container_runs_locked_down(workload, container):
    pod = workload.pod.get("securityContext", {})
    own = container.get("securityContext", {})

    def effective(key):  # the container's value wins over the pod's
        return own.get(key, pod.get(key))

    where = f"{workload}/{container['name']}"
    assert effective("runAsNonRoot") is True, f"{where}: runAsNonRoot is not true"
    uid = effective("runAsUser")
    assert isinstance(uid, int) and uid > 0, f"{where}: no non-zero runAsUser"
    if image_repository(container["image"]) in PYTHON_IMAGES:
        assert uid == APP_UID, f"{where}: runs as {uid}, not the image's app user {APP_UID}"
    seccomp = effective("seccompProfile") or {}
    assert seccomp.get("type") == "RuntimeDefault", f"{where}: no RuntimeDefault seccomp profile"
    assert own.get("readOnlyRootFilesystem") is True, f"{where}: root filesystem is writable"
    assert own.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed"
    capabilities = own.get("capabilities", {})
    assert "ALL" in capabilities.get("drop", []), f"{where}: capabilities not all dropped"
    assert not capabilities.get("add"), f"{where}: adds capabilities {capabilities.get('add')}"


@pytest.mark.parametrize(("workload", "container"), ALL_CONTAINERS, ids=_ids(ALL_CONTAINERS))
def test_container_has_an_empty_dir_for_tmp(workload, container):
    where = f"{workload}/{container['name']}"
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    assert mounts, f"{where}: nothing mounted at /tmp (the root filesystem is read-only)"
    assert "emptyDir" in workload.volumes[mounts[0]["name"]], f"{where}: /tmp is not an emptyDir"


def _pause_seconds(pre_stop: dict) -> int:
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"]["seconds"])
    command = " ".join(pre_stop.get("exec", {}).get("command", []))
    match = re.search(r"sleep\(?\s*(\d+)", command)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize(("workload", "container"), SERVING_CONTAINERS, ids=_ids(SERVING_CONTAINERS))
def test_serving_container_drains_before_it_stops(workload, container):
    """A preStop pause lets the endpoint removal spread before SIGTERM; the grace period covers both."""
    pause = _pause_seconds(container.get("lifecycle", {}).get("preStop", {}))
    assert pause >= 3, f"{workload}/{container['name']}: no preStop pause of a few seconds"
    grace = workload.pod.get("terminationGracePeriodSeconds", 30)
    shutdown = SHUTDOWN_SECONDS.get(image_repository(container["image"]), 0)
    assert grace > pause + shutdown, (
        f"{workload}: terminationGracePeriodSeconds {grace} <= preStop {pause} s + graceful stop {shutdown} s"
    )


@pytest.mark.parametrize(("workload", "container"), ALL_CONTAINERS, ids=_ids(ALL_CONTAINERS))
def test_secrets_arrive_as_files_from_a_secret_volume(workload, container):
    where = f"{workload}/{container['name']}"
    for var in container.get("env", []):
        assert "secretKeyRef" not in var.get("valueFrom", {}), f"{where}: {var['name']} from a Secret, in env"
    env = container_env(workload.overlay, container)
    assert not set(SECRET_SETTINGS) & set(env), f"{where}: a secret's value is set directly; use NAME_FILE"

    volumes = workload.volumes
    secret_mounts = {
        PurePosixPath(m["mountPath"]): volumes[m["name"]]["secret"]
        for m in container.get("volumeMounts", [])
        if "secret" in volumes[m["name"]]
    }
    for name, path in env.items():
        if not name.endswith("_FILE"):
            continue
        file = PurePosixPath(path)
        assert file.parent in secret_mounts, f"{where}: {name}={path} is not in a mounted Secret"
        secret = secret_mounts[file.parent]
        items = {item["path"]: item["key"] for item in secret.get("items", [])}
        assert file.name in items, f"{where}: {name}: the Secret volume has no item {file.name}"
        secrets = of_kind(render(workload.overlay), "Secret")
        # production's Secret is made outside the manifests, so only dev's can be checked
        for rendered in [s for s in secrets if s["metadata"]["name"] == secret["secretName"]]:
            assert items[file.name] in rendered.get("data", {}), (
                f"{where}: {name}: Secret has no {items[file.name]}"
            )


@pytest.mark.parametrize(("workload", "container"), ALL_CONTAINERS, ids=_ids(ALL_CONTAINERS))
def test_image_has_a_fixed_tag(workload, container):
    image = container["image"]
    tag = image[len(image_repository(image)) + 1 :]
    assert tag and tag != "latest", f"{workload}/{container['name']}: {image} has no fixed tag"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_selects_pods_that_have_its_target_port(overlay):
    serving = [w for w in workloads(overlay) if w.long_running]
    for service in of_kind(render(overlay), "Service"):
        name, selector = service["metadata"]["name"], service["spec"].get("selector")
        assert selector, f"Service {name} has no selector"
        matched = [w for w in serving if selects(selector, w.labels)]
        assert matched, f"Service {name} selects no pods: {selector}"
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for workload in matched:
                ports = [p for c in workload.containers(init=False) for p in c.get("ports", [])]
                key = "name" if isinstance(target, str) else "containerPort"
                assert any(p.get(key) == target for p in ports), (
                    f"Service {name}: no port {target} in {workload}"
                )


@pytest.mark.parametrize("workload", [w for w in every_workload() if w.kind == "Deployment"], ids=str)
def test_rolling_update_starts_the_new_pod_first(workload):
    rolling = workload.obj["spec"].get("strategy", {}).get("rollingUpdate", {})
    assert rolling.get("maxUnavailable") == 0, f"{workload}: an old pod may go before a new one is ready"
    assert rolling.get("maxSurge", 0) != 0, f"{workload}: no surge, so a rollout could not start"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_runs_as_a_job_and_catalog_pods_wait_for_it(overlay):
    objects = render(overlay)
    job = named(objects, "Job", "catalog-migrate")["spec"]["template"]["spec"]
    (migrate,) = job["containers"]
    assert image_repository(migrate["image"]) == "shop/catalog-service"
    assert migrate["args"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    catalog_pods = [
        w for w in workloads(overlay) if any(c["image"] == migrate["image"] for c in w.containers(init=False))
    ]
    for workload in catalog_pods:
        if workload.name == "catalog-migrate":
            continue
        init = [c["name"] for c in workload.pod.get("initContainers", [])]
        assert "wait-for-schema" in init, f"{workload} may start before the migration has run"


def test_production_runs_no_database_in_the_cluster():
    objects = render("production")
    assert not of_kind(objects, "StatefulSet")
    assert not of_kind(objects, "PersistentVolumeClaim")
    images = {image_repository(c["image"]) for _, c in every_container() if _.overlay == "production"}
    assert images == {"shop/gateway", "shop/catalog-service", "shop/session-service"}


def test_production_runs_at_least_three_replicas_of_each_service_scaled_on_cpu():
    objects = render("production")
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    autoscalers = {hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"] for hpa in hpas}
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        assert "replicas" not in deployment["spec"], (
            f"{name}: replicas would undo its autoscaler on each apply"
        )
        assert name in autoscalers, f"{name}: no HorizontalPodAutoscaler"
        assert autoscalers[name]["minReplicas"] >= 3, f"{name}: fewer than 3 replicas"
        metrics = [m["resource"]["name"] for m in autoscalers[name]["metrics"] if m["type"] == "Resource"]
        assert "cpu" in metrics, f"{name}: not scaled on CPU"
    names = {d["metadata"]["name"] for d in of_kind(objects, "Deployment")}
    assert set(autoscalers) <= names, "an autoscaler targets a Deployment that does not exist"


def test_production_budgets_disruptions_and_spreads_each_service_over_nodes():
    budgets = of_kind(render("production"), "PodDisruptionBudget")
    for workload in workloads("production"):
        if workload.kind != "Deployment":
            continue
        covering = [b for b in budgets if selects(b["spec"]["selector"], workload.labels)]
        assert len(covering) == 1, f"{workload}: {len(covering)} PodDisruptionBudgets"
        spread = workload.pod.get("topologySpreadConstraints", [])
        by_node = [s for s in spread if s["topologyKey"] == "kubernetes.io/hostname"]
        assert by_node, f"{workload}: not spread over nodes"
        assert by_node[0]["whenUnsatisfiable"] == "DoNotSchedule", f"{workload}: the spread is only a wish"
        assert selects(by_node[0]["labelSelector"], workload.labels), (
            f"{workload}: the spread counts none of it"
        )


def test_production_ingress_serves_https_to_the_gateway_only():
    (ingress,) = of_kind(render("production"), "Ingress")
    hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    assert {rule["host"] for rule in ingress["spec"]["rules"]} <= hosts, "a host without TLS"
    assert "cert-manager.io/cluster-issuer" in ingress["metadata"].get("annotations", {})
    paths = [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    backends = {path["backend"]["service"]["name"] for path in paths}
    assert backends == {"gateway"}


def test_production_services_refuse_development_secrets_and_send_secure_cookies():
    for workload in workloads("production"):
        for container in workload.containers():
            if image_repository(container["image"]) in PYTHON_IMAGES:
                env = container_env("production", container)
                assert env["APP_ENV"] == "production", f"{workload}/{container['name']}"
                if image_repository(container["image"]) == "shop/session-service":
                    assert env["SESSION_COOKIE_SECURE"] == "true"


def test_dev_keeps_postgres_and_redis_data_on_persistent_volumes():
    objects = render("dev")
    for name, data_dir in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        statefulset = named(objects, "StatefulSet", name)
        claims = {claim["metadata"]["name"] for claim in statefulset["spec"]["volumeClaimTemplates"]}
        (container,) = statefulset["spec"]["template"]["spec"]["containers"]
        mounted = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert mounted.get(data_dir) in claims, f"{name}: {data_dir} is not on a PersistentVolumeClaim"
    (redis,) = named(objects, "StatefulSet", "redis")["spec"]["template"]["spec"]["containers"]
    args = redis["args"]
    assert args[args.index("--appendonly") + 1] == "yes", "Redis without its append-only file"
    seed = named(objects, "Job", "catalog-seed")["spec"]["template"]["spec"]["containers"][0]
    assert seed["args"] == ["flask", "--app", "wsgi", "seed", "demo"]
