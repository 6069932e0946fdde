"""Initial schema: users, goods, users_goods, pg_trgm and the search indexes.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("username ~ '^[A-Za-z0-9_]{3,32}$'", name="ck_users_username"),
    )
    # Case-insensitive uniqueness; serves login and availability lookups.
    op.create_index("uq_users_lower_username", "users", [sa.text("lower(username)")], unique=True)

    op.create_table(
        "goods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("description", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("price >= 0", name="ck_goods_price_not_negative"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 120", name="ck_goods_name_length"),
    )
    # Uniqueness ignoring case + prefix search (LIKE 'abc%' ORDER BY lower(name) LIMIT n) + plain listing.
    op.create_index("uq_goods_lower_name", "goods", [sa.text('lower(name) COLLATE "C"')], unique=True)
    # Substring search (LIKE '%abc%') via trigrams.
    op.create_index(
        "ix_goods_lower_name_trgm", "goods", [sa.text("lower(name) gin_trgm_ops")], postgresql_using="gin"
    )

    op.create_table(
        "users_goods",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("good_id", sa.Integer(), sa.ForeignKey("goods.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # A user's goods, most recently added first (backward scan), keyset on (created_at, good_id).
    op.create_index("ix_users_goods_user_id_created_at", "users_goods", ["user_id", "created_at", "good_id"])
    # Owners of a good, owners_count, and the cascade from goods.
    op.create_index("ix_users_goods_good_id_user_id", "users_goods", ["good_id", "user_id"])


def downgrade():
    op.drop_table("users_goods")
    op.drop_table("goods")
    op.drop_table("users")
    # pg_trgm stays: other schemas in the database may use it, and upgrade uses IF NOT EXISTS.
