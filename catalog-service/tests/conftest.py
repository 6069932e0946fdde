"""Fixtures: a real PostgreSQL (throwaway unless DATABASE_URL is set), the app, a client, factories."""

import os
from collections.abc import Iterator
from decimal import Decimal

import psycopg2
import pytest
from catalog_service import create_app
from catalog_service.config import Config
from catalog_service.extensions import db
from catalog_service.models import Good, User
from catalog_service.passwords import hash_password
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from shop_common.identity import HEADER, sign_identity
from sqlalchemy.engine import make_url

from .throwaway_pg import throwaway_cluster

SECRET = "test-internal-secret-of-enough-length-123"
DEFAULT_PASSWORD = "correct-horse-1"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server we may create databases on."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    else:
        with throwaway_cluster() as url:
            yield url


def fresh_database(server_url: str, name: str) -> str:
    """(Re)create database `name` on the server and return its URL."""
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def make_config(database_url: str, **overrides) -> Config:
    """Test settings on `database_url`; `overrides` are Config fields."""
    settings = {"internal_secret": SECRET, "db_max_overflow": 25, **overrides}
    return Config(database_url=database_url, **settings)


def make_app(database_url: str, **overrides) -> Flask:
    """An app on `database_url` with test settings."""
    app = create_app(make_config(database_url, **overrides))
    app.testing = True
    return app


@pytest.fixture(scope="session")
def app(server_url: str) -> Iterator[Flask]:
    app = make_app(fresh_database(server_url, "catalog_test"))
    with app.app_context():
        upgrade()  # the schema comes from the migrations, never create_all
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables (cheap: TRUNCATE of three small tables)."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.execute(db.text("TRUNCATE users, goods, users_goods RESTART IDENTITY CASCADE"))
            db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that use the ORM directly."""
    with app.app_context():
        yield
        db.session.rollback()


_DEFAULT_HASH: list[str] = []


@pytest.fixture
def make_user(app: Flask):
    """Create a user; the default password's hash is computed once to keep the suite fast."""

    def make(username: str = "alice", password: str | None = None) -> dict:
        if password is None and not _DEFAULT_HASH:
            _DEFAULT_HASH.append(hash_password(DEFAULT_PASSWORD))
        pw_hash = hash_password(password) if password else _DEFAULT_HASH[0]
        with app.app_context():
            user = User(username=username, password_hash=pw_hash)
            db.session.add(user)
            db.session.commit()
            return {"id": user.id, "username": user.username}

    return make


@pytest.fixture
def make_good(app: Flask):
    def make(name: str = "Teapot", price: str = "12.50", description: str | None = None) -> dict:
        with app.app_context():
            good = Good(name=name, price=Decimal(price), description=description)
            db.session.add(good)
            db.session.commit()
            return {"id": good.id, "name": good.name}

    return make


def identity_headers(user: dict, secret: str = SECRET, ttl: int = 30) -> dict[str, str]:
    """The X-Identity header the gateway would forward for `user`."""
    return {HEADER: sign_identity(secret, user["id"], user["username"], ttl=ttl)}
