"""Tables users, goods and users_goods, and the course's many-to-many idioms over them.

Two mappings touch ``users_goods`` on purpose:

* ``User.goods`` / ``Good.users`` is the writable many-to-many over ``secondary=users_goods``
  (``lazy="dynamic"``), so ``user.goods.filter_by(...)``, ``.append`` and ``.remove`` work as in
  the course. SQLAlchemy inserts only the two keys; the server default fills ``created_at``.
* ``UserGood`` maps the same table as an association object so queries can read and order by
  ``created_at`` and the API can write with ``INSERT ... ON CONFLICT DO NOTHING``.

``UserGood`` deliberately has no relationships: SQLAlchemy's docs warn against mixing a writable
association object with a writable ``secondary`` relationship on one table, because both would
try to INSERT/DELETE the same rows in one flush. Here only the ``secondary`` relationship writes
through the unit of work; ``UserGood`` is used in explicit SQL statements (which bypass the unit
of work), so the two never conflict. Don't ``session.add(UserGood(...))`` and ``append`` the same
pair in one flush.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DynamicMapped, Mapped, mapped_column, relationship

from .extensions import db
from .validation import USERNAME_PATTERN


class UserGood(db.Model):  # type: ignore[name-defined,misc]
    """One user owns one good; the pair is the primary key, so a second add is a no-op."""

    __tablename__ = "users_goods"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    good_id: Mapped[int] = mapped_column(sa.ForeignKey("goods.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )

    __table_args__ = (
        # A user's goods, most recently added first (scanned backwards for ORDER BY ... DESC),
        # with keyset pagination on (created_at, good_id).
        sa.Index("ix_users_goods_user_id_created_at", "user_id", "created_at", "good_id"),
        # The back-reference: owners of a good ordered by user id, owners_count, and the
        # ON DELETE CASCADE from goods.
        sa.Index("ix_users_goods_good_id_user_id", "good_id", "user_id"),
    )


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )

    goods: DynamicMapped["Good"] = relationship(
        secondary="users_goods", back_populates="users", lazy="dynamic", passive_deletes=True
    )

    __table_args__ = (sa.CheckConstraint(f"username ~ '{USERNAME_PATTERN}'", name="ck_users_username"),)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class Good(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "goods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )

    users: DynamicMapped["User"] = relationship(
        secondary="users_goods", back_populates="goods", lazy="dynamic", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="ck_goods_price_not_negative"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 120", name="ck_goods_name_length"),
    )

    def __repr__(self) -> str:
        return f"<Good {self.id} {self.name!r}>"


def name_key(column: Any) -> sa.ColumnElement[str]:
    """lower(name) in byte order: the expression the goods name index is built on."""
    return sa.collate(sa.func.lower(column), "C")


# Case-insensitive uniqueness of usernames; also serves the login and availability lookups.
sa.Index("uq_users_lower_username", sa.func.lower(User.__table__.c.username), unique=True)

# Case-insensitive uniqueness of names, and the prefix search: lower(name) LIKE 'abc%' ORDER BY
# lower(name) LIMIT n. COLLATE "C" makes LIKE-prefix indexable and the index order the sort order
# whatever the database's locale, so a prefix page is a short index range scan. Plain listing
# (no q) walks the same index.
sa.Index("uq_goods_lower_name", name_key(Good.__table__.c.name), unique=True)

# Substring search: lower(name) LIKE '%abc%' (3+ characters) via trigrams.
sa.Index(
    "ix_goods_lower_name_trgm",
    sa.func.lower(Good.__table__.c.name).label("lower_name"),
    postgresql_using="gin",
    postgresql_ops={"lower_name": "gin_trgm_ops"},
)


def include_in_autogenerate(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: leave out the C-collated name index, which reflection always sees as changed
    (PostgreSQL reports an index's COLLATE apart from its expression). tests/test_migrations.py
    compares its full definition against the models instead."""
    return not (type_ == "index" and name == "uq_goods_lower_name")
