"""Every error is JSON in the one shape, whatever the client sends."""

import json

import pytest

from .conftest import identity_headers, make_app


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.get_data(as_text=True)
    return error


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/nope"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.patch("/goods")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_request_id_is_kept_when_well_formed(client):
    response = client.get("/nope", headers={"X-Request-ID": "abcdefgh-1234"})
    assert response.get_json()["error"]["request_id"] == "abcdefgh-1234"
    assert (
        client.get("/nope", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
        != "bad id <script>"
    )


@pytest.fixture
def signed_in(make_user):
    return identity_headers(make_user())


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request"),
        (
            {"data": b'{"name": "\xff\xfe", "price": "1"}', "content_type": "application/json"},
            400,
            "bad_request",
        ),
        ({"data": "[" * 100000 + "]" * 100000, "content_type": "application/json"}, 413, "payload_too_large"),
        ({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, 400, "bad_request"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400, "bad_request"),
        ({"data": "null", "content_type": "application/json"}, 400, "bad_request"),
        (
            {"data": "name=x&price=1", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        (
            {"data": '{"name": "x", "price": "1"}', "content_type": "text/plain"},
            415,
            "unsupported_media_type",
        ),
        ({"data": "{}" + " " * 70000, "content_type": "application/json"}, 413, "payload_too_large"),
    ],
)
def test_bad_bodies(client, signed_in, kwargs, status, code):
    assert_error(client.post("/goods", headers=signed_in, **kwargs), status, code)


def test_unexpected_error_is_json_500_without_details():
    app = make_app("postgresql://unused@127.0.0.1:1/unused")

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert error["message"]


def test_get_on_a_post_only_route_is_405(client):
    assert_error(client.get("/internal/credentials/verify"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "url", ["/goods?q=%ff%fe", "/users/availability?username=%ff%fe", "/goods?cursor=%ff"]
)
def test_invalid_utf8_in_the_query_string_is_not_a_500(client, url):
    response = client.get(url)
    assert response.status_code in {200, 400}
    assert response.mimetype == "application/json"


def test_a_database_error_after_the_view_is_still_a_json_503(server_url):
    """Seen in compose fault tests: a dead connection failing at teardown escaped Flask and
    gunicorn answered its own HTML 500. Anything escaping the app must keep the JSON shape."""
    from sqlalchemy.exc import OperationalError
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from .conftest import fresh_database, make_app

    app = make_app(fresh_database(server_url, "catalog_teardown"))

    @app.teardown_appcontext
    def connection_gone(_exc):
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    # Called as gunicorn calls it: Flask's test client would defer the teardown past the answer.
    environ = EnvironBuilder(path="/healthz", headers={"X-Request-ID": "teardown-rid-1"}).get_environ()
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert status == "503 Service Unavailable"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(b"".join(body))["error"] == {
        "code": "unavailable",
        "message": "The database is unavailable; try again shortly.",
        "request_id": "teardown-rid-1",
    }
