"""GET /metrics: requests per route template, goods added and removed, pool connections in use."""

from catalog_service.extensions import db
from prometheus_client import REGISTRY
from shop_common.metrics import flush

from .conftest import identity_headers, make_app


def value(name: str, **labels: str) -> float:
    """A figure as /metrics shows it: pending figures written first, as a scrape does, then read
    from the registry the scrape reads (in one process, the same one)."""
    flush()
    return REGISTRY.get_sample_value(name, {"service": "catalog-service", **labels}) or 0.0


def test_requests_are_counted_per_route_template(client, make_good):
    good = make_good()
    one_good = {"route": "/goods/<id:good_id>", "method": "GET"}
    found, missing = (
        value("http_requests_total", status="200", **one_good),
        value("http_requests_total", status="404", **one_good),
    )

    for _ in range(3):
        assert client.get(f"/goods/{good['id']}").status_code == 200
    assert client.get("/goods/2147483000").status_code == 404

    assert value("http_requests_total", status="200", **one_good) == found + 3
    assert value("http_requests_total", status="404", **one_good) == missing + 1
    assert f'route="/goods/{good["id"]}"' not in client.get("/metrics").get_data(as_text=True)


def test_goods_added_and_removed_are_counted_once_each(client, make_user, make_good):
    headers = identity_headers(make_user())
    good = make_good()
    added, removed = value("shop_goods_added_total"), value("shop_goods_removed_total")

    assert client.put(f"/me/goods/{good['id']}", headers=headers).status_code == 201
    assert client.put(f"/me/goods/{good['id']}", headers=headers).status_code == 200  # already there
    assert client.delete(f"/me/goods/{good['id']}", headers=headers).status_code == 200
    assert client.delete(f"/me/goods/{good['id']}", headers=headers).status_code == 200  # already gone

    assert value("shop_goods_added_total") == added + 1
    assert value("shop_goods_removed_total") == removed + 1


def test_pool_connections_in_use_follow_the_pool(app, client):
    assert value("db_pool_connections_in_use", pool="autocommit") == 0
    with app.app_context(), db.engines["autocommit"].connect(), db.engines["autocommit"].connect():
        assert value("db_pool_connections_in_use", pool="autocommit") == 2
    assert value("db_pool_connections_in_use", pool="autocommit") == 0


def test_metrics_off_means_no_metrics_route(server_url, monkeypatch):
    monkeypatch.setenv("METRICS", "off")
    app = make_app(server_url)
    response = app.test_client().get("/metrics")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
