"""POST /internal/credentials/verify."""

import time

import pytest

from .conftest import SECRET

URL = "/internal/credentials/verify"
OK = {"X-Internal-Secret": SECRET}


def test_verify_right_password(client, make_user):
    user = make_user("alice", password="alice-password")
    response = client.post(URL, json={"username": "ALICE", "password": "alice-password"}, headers=OK)
    assert response.status_code == 200
    assert response.get_json() == {"id": user["id"], "username": "alice"}


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    make_user("alice", password="alice-password")
    started = time.perf_counter()
    wrong = client.post(URL, json={"username": "alice", "password": "nope-nope"}, headers=OK)
    wrong_time = time.perf_counter() - started
    started = time.perf_counter()
    unknown = client.post(URL, json={"username": "nobody", "password": "nope-nope"}, headers=OK)
    unknown_time = time.perf_counter() - started
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    # the unknown user is verified against a dummy hash, so it is not instant
    assert unknown_time > wrong_time / 4


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Internal-Secret": ""},
        {"X-Internal-Secret": "wrong"},
        {"X-Internal-Secret": SECRET + "x"},
        {"X-Identity": "x"},
    ],
)
def test_verify_needs_the_internal_secret(client, make_user, headers):
    make_user("alice", password="alice-password")
    response = client.post(URL, json={"username": "alice", "password": "alice-password"}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("body", [{"username": 1, "password": "x"}, {"username": "alice"}, {}])
def test_verify_rejects_malformed_body(client, body):
    response = client.post(URL, json=body, headers=OK)
    assert response.status_code == 422


def test_verify_wants_json(client):
    assert client.post(URL, data="username=alice", headers=OK).status_code == 415
