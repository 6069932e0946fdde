"""The hot statements as server-side prepared statements (prepared.py): prepared once per
connection, again after a reconnect, and the prefix search still on its index when PostgreSQL
switches to a generic plan (where LIKE $1 alone would scan every name)."""

import pytest
from catalog_service import crud
from catalog_service.extensions import autocommit, db
from catalog_service.prepared import Prepared

from .test_goods import names


def prepared_names(connection) -> set[str]:
    return set(connection.exec_driver_sql("SELECT name FROM pg_prepared_statements").scalars())


def test_a_connection_prepares_a_statement_once_and_again_after_a_reconnect(app, make_good):
    good = make_good("Kettle")
    name = crud.GOOD_WITH_OWNERS_COUNT.name

    def remembered(connection) -> bool:
        """What the pool's per-connection note says, which must be what the server session has."""
        noted = name in connection.info.get("prepared", set())
        assert noted == (name in prepared_names(connection))
        return noted

    with app.app_context(), autocommit() as connection:
        assert crud.GOOD_WITH_OWNERS_COUNT(connection, {"good_id": good["id"]}).one().name == "Kettle"
        assert remembered(connection)
        # Prepared already: a second PREPARE would fail with "already exists".
        assert crud.GOOD_WITH_OWNERS_COUNT(connection, {"good_id": good["id"]}).one().owners_count == 0
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        connection.invalidate()  # what a database restart does to a pooled connection
        connection.rollback()
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != backend
        remembered(connection)  # another session (a pooled one may have prepared it before)
        assert crud.GOOD_WITH_OWNERS_COUNT(connection, {"good_id": good["id"]}).one().name == "Kettle"
        assert remembered(connection)


def test_parameters_take_their_positions_in_order_of_first_use(app):
    statement = db.text("SELECT :b AS b, :a AS a, :b AS b_again").bindparams(a="x", b="y")
    prepared = Prepared("test_positions", statement)
    assert prepared.params == ("b", "a")
    assert prepared.prepare == "PREPARE test_positions AS SELECT $1 AS b, $2 AS a, $1 AS b_again"
    with app.app_context(), autocommit() as connection:
        assert tuple(prepared(connection, {"a": "A", "b": "B"}).one()) == ("B", "A", "B")


def test_the_prefix_search_scans_the_name_index_under_a_generic_plan(app):
    with app.app_context():
        db.session.execute(
            db.text("INSERT INTO goods (name, price) SELECT 'good ' || n, 1 FROM generate_series(1, 20000) n")
        )
        db.session.commit()
        db.session.execute(db.text("ANALYZE goods"))
        db.session.commit()
    with app.app_context(), autocommit() as connection:
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        try:
            search = crud._prefix_matches(True, False, True)
            low, high = crud.prefix_range("good 123")
            values = {"low": low, "high": high, "prefix": "good 123%", "limit": 11}
            assert len(search(connection, values).all()) == 11
            args = tuple(values[name] for name in search.params)
            plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {search.execute}", args).scalars())
        finally:
            connection.exec_driver_sql("RESET plan_cache_mode")
    # The range bounds the index scan (a plain or a bitmap one); nothing reads every name.
    assert "Seq Scan" not in plan, plan
    assert any("uq_goods_lower_name" in line and "Index" in line for line in plan.splitlines()), plan
    assert "Index Cond: (((lower((name)::text))::text >= $" in plan and ")::text < $" in plan, plan


@pytest.mark.parametrize(
    ("prefix", "high"),
    [
        ("ab", "ac"),
        ("a\U0010ffff", "b"),  # the last code point cannot grow: the one before it does
        ("a\ud7ff", "a\ue000"),  # past the surrogates, which UTF-8 cannot hold
        ("\U0010ffff\U0010ffff", None),  # nothing sorts after every string starting with it
    ],
)
def test_prefix_range(prefix, high):
    assert crud.prefix_range(prefix) == (prefix, high)


@pytest.mark.parametrize("q", ["é", "z\U0010ffff", "\U0010ffff"])
def test_search_finds_names_whose_prefix_ends_at_the_edges_of_unicode(client, make_good, q):
    make_good(f"{q}tail")
    make_good(f"{q[:-1]}{chr(ord(q[-1]) + 1) if q[-1] != chr(0x10FFFF) else 'x'} other")
    assert names(client.get("/goods", query_string={"q": q})) == [f"{q}tail"]
