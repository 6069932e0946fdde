"""Every overlay renders, and every object it renders is valid for the Kubernetes versions we name."""

import copy

import kubernetes_validate
import pytest

from .manifests import OVERLAYS, render

# The oldest version the manifests are written for (the preStop `sleep` action is GA from 1.34)
# and the newest whose schemas kubernetes-validate ships. Both are bundled with the package:
# validation needs no network.
KUBERNETES_VERSIONS = ("1.34.0", "1.37.0")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(overlay):
    kinds = {obj["kind"] for obj in render(overlay)}
    assert {"Namespace", "Deployment", "Service", "Job", "NetworkPolicy", "ConfigMap"} <= kinds


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_in_strict_mode(overlay, version):
    errors = []
    for obj in render(overlay):
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(error.message)
    assert not errors, "\n".join(errors)


def test_strict_mode_refuses_a_misspelt_field():
    """Guards the check above: a field the API does not know is an error, not a silent no-op."""
    deployment = copy.deepcopy(next(obj for obj in render("production") if obj["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {
        "readOnlyRootFileSystem": True  # capital S
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
