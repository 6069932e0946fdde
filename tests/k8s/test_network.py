"""Who may talk to whom: the flows the NetworkPolicies allow, computed from the rendered objects.

A flow inside the namespace needs both ends: an egress rule on the caller's side and an ingress
rule on the callee's (or no policy of that type on that side at all). The tables below are the
whole list; anything the policies allow beyond them, or fail to allow, is a failure.
"""

import pytest

from .manifests import OVERLAYS, of_kind, render, selects, workloads

APP = "app.kubernetes.io/name"

# (caller, callee, port) inside the namespace.
FLOWS = {
    ("gateway", "catalog-service", 8000),
    ("gateway", "session-service", 8000),
    ("session-service", "catalog-service", 8000),  # /internal: sign-in and account checks
}
DATABASE_FLOWS = {
    "dev": {
        ("catalog-service", "postgres", 5432),
        ("catalog-migrate", "postgres", 5432),
        ("catalog-seed", "postgres", 5432),
        ("session-service", "redis", 6379),
    },
    "production": set(),
}
# (app, port, peer) from outside the namespace: the Ingress controller reaches the gateway only.
FROM_OUTSIDE = {("gateway", 8080, "namespace ingress-nginx")}
DNS = "namespace kube-system, pods k8s-app=kube-dns"
# (app, port, peer) out of the namespace beyond DNS, which every pod may ask: the managed databases.
TO_OUTSIDE = {
    "dev": set(),
    "production": {
        ("catalog-service", 5432, "ipBlock 0.0.0.0/0"),
        ("catalog-migrate", 5432, "ipBlock 0.0.0.0/0"),
        ("session-service", 6379, "ipBlock 0.0.0.0/0"),
    },
}


def _pods(overlay):
    return {w.labels[APP]: w for w in workloads(overlay)}


def _policies(overlay, labels, direction):
    kind = "Ingress" if direction == "ingress" else "Egress"
    return [
        p["spec"]
        for p in of_kind(render(overlay), "NetworkPolicy")
        if kind in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], labels)
    ]


def _same_namespace_peer(peer, labels):
    only_pods = "podSelector" in peer and not {"namespaceSelector", "ipBlock"} & set(peer)
    return only_pods and selects(peer["podSelector"], labels)


def _port_allowed(rule, port, protocol="TCP"):
    ports = rule.get("ports")
    return not ports or any(
        p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports
    )


def _allowed(overlay, caller, callee, port):
    peers_key = {"egress": "to", "ingress": "from"}
    for direction, own, other in (("egress", caller, callee), ("ingress", callee, caller)):
        policies = _policies(overlay, own.labels, direction)
        if not policies:
            continue  # nothing restricts this side
        rules = [rule for policy in policies for rule in policy.get(direction, [])]
        if not any(
            _port_allowed(rule, port)
            and any(_same_namespace_peer(p, other.labels) for p in rule[peers_key[direction]])
            for rule in rules
        ):
            return False
    return True


def _describe(peer):
    if "ipBlock" in peer:
        return f"ipBlock {peer['ipBlock']['cidr']}"
    text = f"namespace {peer['namespaceSelector']['matchLabels']['kubernetes.io/metadata.name']}"
    if "podSelector" in peer:
        text += ", pods " + ",".join(f"{k}={v}" for k, v in peer["podSelector"]["matchLabels"].items())
    return text


def _outside(overlay, direction):
    """(app, port, protocol, peer) for every rule that names a peer outside the namespace."""
    peers_key = {"egress": "to", "ingress": "from"}[direction]
    found = set()
    for app, pod in _pods(overlay).items():
        for policy in _policies(overlay, pod.labels, direction):
            for rule in policy.get(direction, []):
                for peer in rule[peers_key]:
                    if not ({"namespaceSelector", "ipBlock"} & set(peer)):
                        continue
                    for port in rule["ports"]:
                        found.add((app, port["port"], port.get("protocol", "TCP"), _describe(peer)))
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inside_the_namespace_only_the_listed_flows_are_allowed(overlay):
    pods = _pods(overlay)
    ports = {
        port["containerPort"]
        for pod in pods.values()
        for container in pod.containers(init=False)
        for port in container.get("ports", [])
    }
    allowed = {
        (caller, callee, port)
        for caller in pods
        for callee in pods
        for port in ports
        if _allowed(overlay, pods[caller], pods[callee], port)
    }
    assert allowed == FLOWS | DATABASE_FLOWS[overlay]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_from_outside_only_the_ingress_controller_reaches_the_gateway(overlay):
    found = {(app, port, peer) for app, port, _, peer in _outside(overlay, "ingress")}
    assert found == FROM_OUTSIDE


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_out_of_the_namespace_go_dns_and_the_managed_databases_only(overlay):
    pods = _pods(overlay)
    dns = {(app, 53, protocol, DNS) for app in pods for protocol in ("UDP", "TCP")}
    databases = {(app, port, "TCP", peer) for app, port, peer in TO_OUTSIDE[overlay]}
    assert _outside(overlay, "egress") == dns | databases


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_is_denied_unless_allowed(overlay):
    deny = [
        p["spec"]
        for p in of_kind(render(overlay), "NetworkPolicy")
        if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") and not p["spec"].get("egress")
    ]
    assert any(set(spec["policyTypes"]) == {"Ingress", "Egress"} for spec in deny)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_policy_selects_pods(overlay):
    """A label typo in a policy silently allows nothing (or denies nothing): every selector must match."""
    labels = [w.labels for w in workloads(overlay)]
    for policy in of_kind(render(overlay), "NetworkPolicy"):
        spec = policy["spec"]
        assert any(selects(spec["podSelector"], one) for one in labels), policy["metadata"]["name"]
        for rule in spec.get("ingress", []) + spec.get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if set(peer) == {"podSelector"}:
                    matched = any(selects(peer["podSelector"], one) for one in labels)
                    assert matched, f"{policy['metadata']['name']}: {peer} selects no pod"
