"""One JSON error shape for everything, and an OpenAPI document that covers every route."""

from openapi_spec_check import check_spec
from session_helpers import XHR, assert_matches_spec


def assert_json_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_unknown_route_is_json_404(client):
    assert_json_error(client.get("/nope"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/me")
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_body_over_64_kib_is_json_413(client):
    response = client.post(
        "/login", data=b"{" + b" " * 70_000 + b"}", headers={**XHR, "Content-Type": "application/json"}
    )
    assert_json_error(response, 413, "payload_too_large")


def test_invalid_json_is_400(client):
    response = client.post("/login", data=b"{not json", headers={**XHR, "Content-Type": "application/json"})
    assert_json_error(response, 400, "bad_request")


def test_a_json_array_body_is_400(client):
    assert_json_error(client.post("/login", json=[1], headers=XHR), 400, "bad_request")


def test_request_id_from_the_gateway_is_echoed(client):
    response = client.get("/me", headers={"X-Request-ID": "gateway-id-123"})
    assert response.headers["X-Request-ID"] == "gateway-id-123"
    assert response.get_json()["error"]["request_id"] == "gateway-id-123"


def test_unexpected_errors_are_json_500(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    assert_json_error(app.test_client().get("/boom"), 500, "internal_error")


def test_health_endpoints(client):
    healthz, readyz = client.get("/healthz"), client.get("/readyz")
    assert healthz.get_json() == {"status": "ok"}
    assert readyz.get_json() == {"status": "ok"}
    assert_matches_spec(healthz, "/healthz", "get")
    assert_matches_spec(readyz, "/readyz", "get")


def test_openapi_is_served_and_valid(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    check_spec(document)


def test_openapi_documents_every_route(app, client):
    paths = client.get("/openapi.json").get_json()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_openapi_documents_nothing_that_is_not_served(app, client):
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods
    }
    paths = client.get("/openapi.json").get_json()["paths"]
    documented = {(path, method) for path, item in paths.items() for method in item if method != "parameters"}
    assert documented - served == set()
