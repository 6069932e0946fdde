"""POST /internal/credentials/verify."""

import pytest
from argon2 import PasswordHasher
from catalog_service import passwords
from catalog_service.extensions import db

from .conftest import SECRET

URL = "/internal/credentials/verify"
OK = {"X-Internal-Secret": SECRET}


def test_verify_right_password(client, make_user):
    user = make_user("alice", password="alice-password")
    response = client.post(URL, json={"username": "ALICE", "password": "alice-password"}, headers=OK)
    assert response.status_code == 200
    assert response.get_json() == {"id": user["id"], "username": "alice"}


def test_a_hash_with_old_parameters_is_replaced_after_a_right_password(client, app, make_user):
    user = make_user("alice")
    old_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("alice-password")
    with app.app_context():
        db.session.execute(db.text("UPDATE users SET password_hash = :h"), {"h": old_hash})
        db.session.commit()
    response = client.post(URL, json={"username": "alice", "password": "alice-password"}, headers=OK)
    assert response.get_json() == {"id": user["id"], "username": "alice"}
    with app.app_context():
        new_hash = db.session.scalar(db.text("SELECT password_hash FROM users"))
    assert new_hash != old_hash and not passwords.needs_rehash(new_hash)
    assert passwords.verify_password(new_hash, "alice-password")


def test_wrong_password_and_unknown_user_look_the_same(client, make_user, monkeypatch):
    make_user("alice", password="alice-password")
    verified: list[str] = []

    class SpyHasher(PasswordHasher):
        def verify(self, hash, password):
            verified.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", SpyHasher())
    wrong = client.post(URL, json={"username": "alice", "password": "nope-nope"}, headers=OK)
    unknown = client.post(URL, json={"username": "nobody", "password": "nope-nope"}, headers=OK)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    # the unknown user still costs one argon2 verification (against the dummy hash)
    assert len(verified) == 2
    assert verified[1] == passwords._DUMMY_HASH


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
