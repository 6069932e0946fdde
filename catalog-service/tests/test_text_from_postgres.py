"""Prices and times come as PostgreSQL's text (crud.read_prices_and_times_as_text), not as objects.

The answers kept their bytes when Decimal and datetime left the read path: each case here compares
the API's text with what `f"{Decimal:.2f}"` and `datetime.isoformat()` make of the stored value.
"""

from datetime import datetime

import pytest
from catalog_service.extensions import db
from catalog_service.models import Good, User, UserGood
from catalog_service.serializers import iso_time

from .conftest import identity_headers

MOMENTS = [
    "2026-03-04 05:06:07.123456+00",
    "2026-03-04 05:06:07+00",  # no microseconds: isoformat() leaves the fraction out
    "2026-03-04 05:06:07.000001+00",
    "2026-03-04 05:06:07.1+00",  # isoformat() still writes six digits
    "2026-06-30 23:30:00.5-02:00",  # stored from another offset, answered in UTC
    "1999-12-31 23:59:59.999999+00",
]
PRICES = ["0", "0.5", "1", "12.34", "99999999.99"]


def stored(app, sql: str, **params) -> list:
    """Values as psycopg2 reads them (Decimal, datetime in the session's UTC)."""
    with app.app_context():
        return list(db.session.execute(db.text(sql), params).scalars())


@pytest.mark.parametrize("moment", MOMENTS)
def test_times_read_as_isoformat_would_write_them(app, client, make_user, make_good, moment):
    alice = make_user("alice")
    good = make_good("Kettle", "12.50")
    with app.app_context():
        db.session.execute(db.update(Good).values(created_at=moment))
        db.session.execute(db.update(User).values(created_at=moment))
        db.session.add(
            UserGood(user_id=alice["id"], good_id=good["id"], created_at=datetime.fromisoformat(moment))
        )
        db.session.commit()
    expected = stored(app, "SELECT created_at FROM goods")[0].isoformat()

    assert client.get(f"/goods/{good['id']}").get_json()["created_at"] == expected
    assert client.get("/goods?q=ket").get_json()["items"][0]["created_at"] == expected
    assert client.get(f"/users/{alice['id']}").get_json()["created_at"] == expected
    mine = client.get("/me/goods", headers=identity_headers(alice)).get_json()["items"][0]
    assert (mine["created_at"], mine["added_at"]) == (expected, expected)
    one = client.get(f"/me/goods/{good['id']}", headers=identity_headers(alice)).get_json()
    assert one["added_at"] == expected
    again = client.put(f"/me/goods/{good['id']}", headers=identity_headers(alice)).get_json()
    assert again["added_at"] == expected  # the link made earlier


@pytest.mark.parametrize("price", PRICES)
def test_prices_read_with_two_decimals(app, client, make_good, price):
    good = make_good("Kettle", price)
    [value] = stored(app, "SELECT price FROM goods")
    assert client.get(f"/goods/{good['id']}").get_json()["price"] == f"{value:.2f}"


def test_a_new_link_and_a_new_good_answer_the_stored_times(app, client, make_user, make_good):
    alice = make_user("alice")
    good = make_good("Kettle")
    added = client.put(f"/me/goods/{good['id']}", headers=identity_headers(alice))
    assert added.status_code == 201
    [link_time] = stored(app, "SELECT created_at FROM users_goods")
    assert added.get_json()["added_at"] == link_time.isoformat()

    created = client.post("/goods", json={"name": "Lamp", "price": "3"}, headers=identity_headers(alice))
    assert created.status_code == 201
    [good_time] = stored(app, "SELECT created_at FROM goods WHERE name = 'Lamp'")
    assert created.get_json()["created_at"] == good_time.isoformat()


def test_the_next_page_cursor_round_trips_a_time_without_microseconds(app, client, make_user, make_good):
    alice = make_user("alice")
    goods = [make_good(f"Good {n}") for n in range(3)]
    with app.app_context():
        for n, good in enumerate(goods):  # whole seconds, so the cursor's time has no fraction
            moment = datetime.fromisoformat(f"2026-03-04 05:06:0{n}+00:00")
            db.session.add(UserGood(user_id=alice["id"], good_id=good["id"], created_at=moment))
        db.session.commit()
    first = client.get("/me/goods?limit=2", headers=identity_headers(alice)).get_json()
    second = client.get(f"/me/goods?limit=2&cursor={first['next_cursor']}", headers=identity_headers(alice))
    assert [item["name"] for item in first["items"] + second.get_json()["items"]] == [
        "Good 2",
        "Good 1",
        "Good 0",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-04 04:19:45.678184+00",
        "2026-12-04 04:19:45.6781+00",
        "2026-12-04 04:19:45+00",
        "2026-06-30 23:30:00.5-02",
        "2026-06-30 23:30:00.05+05:30",
        "0999-01-01 00:00:00+00",
    ],
)
def test_iso_time_writes_what_isoformat_writes(text):
    assert iso_time(text) == datetime.fromisoformat(text).isoformat()
