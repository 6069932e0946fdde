"""Every error is JSON in the one shape, whatever the client sends."""

import json
import re

import pytest
from catalog_service.validation import MAX_ID, IdConverter

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


ID_ROUTES = ["/goods/{}", "/goods/{}/users", "/users/{}", "/users/{}/goods", "/me/goods/{}"]


@pytest.mark.parametrize("bad_id", ["0", "2147483648", "9999999999", "99999999999999999999"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST", "PATCH"])
@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_no_row_can_have_is_json_404_for_every_method(client, signed_in, route, method, bad_id):
    # No such resource can exist, so which methods the route takes is beside the point (was 405).
    response = client.open(route.format(bad_id), method=method, headers=signed_in)
    assert_error(response, 404, "not_found")


def test_a_wrong_method_on_an_id_that_can_exist_is_still_405(client):
    assert_error(client.put("/goods/2147483647"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("text", "is_id"),
    [
        ("1", True),
        ("9", True),
        ("10", True),
        ("999999999", True),
        ("1000000000", True),
        ("1999999999", True),
        ("2099999999", True),
        ("2147483639", True),
        ("2147483647", True),
        ("0", False),
        ("00", False),
        ("01", False),
        ("2147483648", False),
        ("2147483650", False),
        ("2147483700", False),
        ("2200000000", False),
        ("3000000000", False),
        ("10000000000", False),
        ("-1", False),
        ("1e3", False),
    ],
)
def test_the_id_pattern_takes_exactly_1_to_max_id(text, is_id):
    assert bool(re.fullmatch(IdConverter.regex, text)) is is_id


def test_the_id_pattern_agrees_with_the_range_around_every_digit_of_max_id():
    for position in range(len(str(MAX_ID))):
        for delta in (-1, 0, 1):
            number = MAX_ID + delta * 10**position
            assert bool(re.fullmatch(IdConverter.regex, str(number))) is (1 <= number <= MAX_ID)
