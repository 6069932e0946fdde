"""With 1,000,000 goods and 1,000,000 links the hot queries use indexes, not sequential scans.

Runs by default (the `slow` marker is only for selecting or deselecting it) in its own database,
loaded by the same bulk generator as `flask seed bulk`.
"""

import time

import pytest
import sqlalchemy as sa
from catalog_service.cli import bulk_load
from catalog_service.crud import like_escape
from catalog_service.extensions import db
from catalog_service.models import Good, UserGood, name_key
from flask_migrate import upgrade

from .conftest import fresh_database, make_app

pytestmark = pytest.mark.slow

N = 1_000_000


@pytest.fixture(scope="module")
def big_app(server_url):
    app = make_app(fresh_database(server_url, "catalog_big"))
    with app.app_context():
        upgrade()
        started = time.monotonic()
        bulk_load(n_users=2000, n_goods=N, n_links=N)
        load_seconds = time.monotonic() - started
        counts = db.session.execute(
            sa.text("SELECT (SELECT count(*) FROM goods), (SELECT count(*) FROM users_goods)")
        ).one()
    assert tuple(counts) == (N, N)
    assert load_seconds < 90, f"bulk load took {load_seconds:.0f}s"
    yield app
    with app.app_context():
        db.engine.dispose()


def plan(statement) -> str:
    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    return "\n".join(db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars())


def assert_indexed(text: str, index: str) -> None:
    assert "Seq Scan" not in text, text
    assert index in text, text


def test_prefix_search_uses_the_name_index(big_app):
    key = name_key(Good.name)
    with big_app.app_context():
        stmt = sa.select(Good).where(key.like(like_escape("amber ke") + "%")).order_by(key).limit(21)
        assert_indexed(plan(stmt), "uq_goods_lower_name")


def test_substring_search_uses_the_trigram_index(big_app):
    key, needle = name_key(Good.name), like_escape("kettle 1234")
    with big_app.app_context():
        stmt = (
            sa.select(Good)
            .where(sa.func.lower(Good.name).like(f"%{needle}%"), ~key.like(f"{needle}%"))
            .order_by(key)
            .limit(21)
        )
        assert_indexed(plan(stmt), "ix_goods_lower_name_trgm")


def test_users_goods_uses_the_recent_first_index(big_app):
    with big_app.app_context():
        stmt = (
            sa.select(Good, UserGood.created_at)
            .join(UserGood, UserGood.good_id == Good.id)
            .where(UserGood.user_id == 7)
            .order_by(UserGood.created_at.desc(), UserGood.good_id.desc())
            .limit(21)
        )
        assert_indexed(plan(stmt), "ix_users_goods_user_id_created_at")


def test_search_endpoint_answers_fast_on_a_million_goods(big_app):
    client = big_app.test_client()
    for q in ["amber", "amber ke", "kettle 4242", "walnut"]:
        started = time.monotonic()
        response = client.get(f"/goods?q={q}")
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        items = response.get_json()["items"]
        assert items and all(q in item["name"].lower() for item in items)
        assert elapsed < 1.0, f"q={q} took {elapsed:.2f}s"
