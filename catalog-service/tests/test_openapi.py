"""GET /openapi.json documents every route, and real responses match the documented schemas."""

import re

import pytest
from jsonschema import Draft202012Validator

from .conftest import SECRET, identity_headers


@pytest.fixture
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def documented_operations(document) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}


def test_every_route_is_documented(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented_operations(document)


def test_document_is_openapi_31_with_an_error_schema(document):
    assert document["openapi"].startswith("3.1")
    assert "Error" in document["components"]["schemas"]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def check(document, method: str, path: str, response) -> None:
    """Validate `response` against the schema documented for (path, method, status)."""
    operation = document["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{method} {path} answered undocumented {response.status_code}"
    if "content" not in documented:
        assert response.get_data() == b""
        return
    schema = {**documented["content"]["application/json"]["schema"], "components": document["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(response.get_json()))
    assert not errors, f"{method} {path} {response.status_code}: {errors[0].message}"


def test_real_responses_match_the_schemas(client, document, make_user):
    alice = make_user("alice")
    me = identity_headers(alice)
    calls = [
        (
            "POST",
            "/goods",
            "/goods",
            {"json": {"name": "Teapot", "price": 12.5, "description": "Blue"}, "headers": me},
        ),
        ("POST", "/goods", "/goods", {"json": {"name": "Lamp", "price": "3"}, "headers": me}),
        ("POST", "/goods", "/goods", {"json": {"name": "teapot", "price": "1"}, "headers": me}),
        ("POST", "/goods", "/goods", {"json": {"name": "", "price": "-1"}, "headers": me}),
        ("POST", "/goods", "/goods", {"json": {"name": "x", "price": "1"}}),
        ("POST", "/goods", "/goods", {"data": "nope", "headers": me}),
        ("GET", "/goods", "/goods?limit=1", {}),
        ("GET", "/goods", "/goods?q=tea", {}),
        ("GET", "/goods", "/goods?cursor=bad", {}),
        ("GET", "/goods", "/goods?limit=500", {}),
        ("GET", "/goods/{good_id}", "/goods/1", {}),
        ("GET", "/goods/{good_id}", "/goods/999", {}),
        ("PUT", "/me/goods/{good_id}", "/me/goods/1", {"headers": me}),
        ("PUT", "/me/goods/{good_id}", "/me/goods/1", {"headers": me}),
        ("PUT", "/me/goods/{good_id}", "/me/goods/999", {"headers": me}),
        ("PUT", "/me/goods/{good_id}", "/me/goods/1", {}),
        ("GET", "/me/goods", "/me/goods", {"headers": me}),
        ("GET", "/me/goods", "/me/goods", {}),
        ("GET", "/me/goods/{good_id}", "/me/goods/1", {"headers": me}),
        ("GET", "/me/goods/{good_id}", "/me/goods/2", {"headers": me}),
        ("GET", "/me/goods/{good_id}", "/me/goods/1", {}),
        ("DELETE", "/me/goods/{good_id}", "/me/goods/2", {"headers": me}),
        ("DELETE", "/me/goods/{good_id}", "/me/goods/0", {"headers": me}),
        ("GET", "/goods/{good_id}/users", "/goods/1/users", {}),
        ("GET", "/goods/{good_id}/users", "/goods/1/users?limit=0", {}),
        ("POST", "/users", "/users", {"json": {"username": "bob", "password": "bob-password"}}),
        ("POST", "/users", "/users", {"json": {"username": "BOB", "password": "bob-password"}}),
        ("POST", "/users", "/users", {"json": {"username": "b", "password": "b"}}),
        ("GET", "/users/availability", "/users/availability?username=bob", {}),
        ("GET", "/users/availability", "/users/availability?username=zed", {}),
        ("GET", "/users/{user_id}", f"/users/{alice['id']}", {}),
        ("GET", "/users/{user_id}", "/users/999", {}),
        ("GET", "/users/{user_id}/goods", f"/users/{alice['id']}/goods?limit=1", {}),
        (
            "POST",
            "/internal/credentials/verify",
            "/internal/credentials/verify",
            {
                "json": {"username": "bob", "password": "bob-password"},
                "headers": {"X-Internal-Secret": SECRET},
            },
        ),
        (
            "POST",
            "/internal/credentials/verify",
            "/internal/credentials/verify",
            {"json": {"username": "bob", "password": "wrong-one"}, "headers": {"X-Internal-Secret": SECRET}},
        ),
        (
            "POST",
            "/internal/credentials/verify",
            "/internal/credentials/verify",
            {"json": {"username": "bob", "password": "bob-password"}},
        ),
        ("GET", "/healthz", "/healthz", {}),
        ("GET", "/readyz", "/readyz", {}),
        ("GET", "/openapi.json", "/openapi.json", {}),
    ]
    statuses = set()
    for method, template, url, kwargs in calls:
        response = client.open(url, method=method, **kwargs)
        statuses.add(response.status_code)
        check(document, method, template, response)
    assert {200, 201, 400, 401, 403, 404, 409, 415, 422} <= statuses
