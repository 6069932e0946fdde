"""The migrations build exactly the models' schema and can go down and up again."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from catalog_service.config import sqlalchemy_url
from catalog_service.extensions import db
from catalog_service.models import include_in_autogenerate
from flask_migrate import downgrade, upgrade

from .conftest import fresh_database, make_app

EXPECTED_INDEXES = {
    "uq_users_lower_username",
    "uq_goods_lower_name",
    "ix_goods_lower_name_trgm",
    "ix_users_goods_user_id_created_at",
    "ix_users_goods_good_id_user_id",
}


@pytest.fixture(scope="module")
def migration_app(server_url):
    app = make_app(fresh_database(server_url, "catalog_migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


def index_names(conn) -> set[str]:
    return set(
        conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars()
    )


def test_models_and_migrations_agree(migration_app):
    with migration_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_in_autogenerate})
            diff = compare_metadata(context, db.metadata)
            # expression indexes are invisible to autogenerate, so check those by name and definition
            indexes = index_names(conn)
            trgm = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_goods_lower_name_trgm'")
            )
            trgm_def = trgm.scalar_one()
            extension = conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    assert diff == []
    assert indexes >= EXPECTED_INDEXES
    assert "gin" in trgm_def and "gin_trgm_ops" in trgm_def
    assert extension == 1


SCHEMA_SQL = """
    SELECT 'index', indexname, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    UNION ALL
    SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'alembic_version'
    ORDER BY 1, 2
"""


def test_migrated_schema_equals_schema_built_from_models(server_url, migration_app):
    """Index definitions (collation, opclass, method) and constraints: migrations vs models."""
    with migration_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            migrated = conn.execute(sa.text(SCHEMA_SQL)).all()
    scratch = sa.create_engine(sqlalchemy_url(fresh_database(server_url, "catalog_from_models")))
    with scratch.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        db.metadata.create_all(conn)  # only here, to compare against; the app never calls create_all
        from_models = conn.execute(sa.text(SCHEMA_SQL)).all()
    scratch.dispose()
    assert migrated == from_models
    assert {name for kind, name, _ in migrated if kind == "index"} >= EXPECTED_INDEXES


def test_upgrade_downgrade_upgrade(migration_app):
    with migration_app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert not {"users", "goods", "users_goods"} & set(sa.inspect(conn).get_table_names())
        upgrade()
        with db.engine.connect() as conn:
            assert {"users", "goods", "users_goods"} <= set(sa.inspect(conn).get_table_names())
            assert index_names(conn) >= EXPECTED_INDEXES
