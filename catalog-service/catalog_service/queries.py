"""Keyset-paginated reads shared by several routes.

These are the hot reads, so each runs as one statement on an autocommit connection
(`extensions.autocommit`), and each statement shape is built once and then only bound.
"""

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from shop_common.errors import ApiError

from .extensions import autocommit
from .models import Good, User, UserGood, name_key
from .pagination import encode_cursor, like_escape, read_cursor
from .serializers import good_json, owned_good_json

# pg_trgm cannot index fewer than 3 characters; shorter queries return prefix matches only.
MIN_SUBSTRING_LENGTH = 3
GOOD_COLUMNS = (Good.id, Good.name, Good.price, Good.description, Good.created_at)
BAD_CURSOR = "The cursor is invalid; use next_cursor from a previous page."


@cache
def _prefix_matches(filtered: bool, after: bool) -> sa.Executable:
    """Goods whose lower(name) starts with :prefix (or all goods), by name, from :after on."""
    key = name_key(Good.name)
    stmt = sa.select(*GOOD_COLUMNS).order_by(key).limit(sa.bindparam("limit"))
    if filtered:
        stmt = stmt.where(key.like(sa.bindparam("prefix")))
    if after:
        stmt = stmt.where(key > sa.bindparam("after"))
    return stmt


@cache
def _substring_matches(after: bool) -> sa.Executable:
    """Goods whose name contains :pattern but does not start with it, by name."""
    key = name_key(Good.name)
    stmt = (
        sa.select(*GOOD_COLUMNS)
        .where(sa.func.lower(Good.name).like(sa.bindparam("pattern")), ~key.like(sa.bindparam("prefix")))
        .order_by(key)
        .limit(sa.bindparam("limit"))
    )
    if after:
        stmt = stmt.where(key > sa.bindparam("after"))
    return stmt


def search_goods(q: str, limit: int) -> dict[str, Any]:
    """Goods by name: with q, prefix matches first, then substring matches, each by name."""
    cursor = read_cursor("goods", int, str)
    phase, after = (cursor[0], cursor[1]) if cursor else (0, None)
    if phase not in (0, 1):  # 0: prefix matches, 1: substring matches
        raise ApiError(400, BAD_CURSOR)
    needle = like_escape(q.lower())
    params = {"prefix": needle + "%", "pattern": "%" + needle + "%", "after": after}
    rows: list[tuple[int, Any]] = []
    with autocommit() as connection:
        if phase == 0:
            stmt = _prefix_matches(bool(q), after is not None)
            rows += [(0, row) for row in connection.execute(stmt, {**params, "limit": limit + 1})]
            after = None
        if q and len(q) >= MIN_SUBSTRING_LENGTH and len(rows) <= limit:
            stmt = _substring_matches(after is not None)
            more = connection.execute(stmt, {**params, "after": after, "limit": limit + 1 - len(rows)})
            rows += [(1, row) for row in more]

    next_cursor = None
    if len(rows) > limit:
        last_phase, last = rows[limit - 1]
        next_cursor = encode_cursor("goods", last_phase, last.name.lower())
    return {"items": [good_json(good) for _, good in rows[:limit]], "next_cursor": next_cursor}


# The account a signed-in request names still exists under that name (a deleted or re-created
# account invalidates the gateway's assertions); folded into the hot statements as a guard.
ACCOUNT_MATCHES = sa.exists().where(
    User.id == sa.bindparam("user_id"), User.username == sa.bindparam("username")
)


@cache
def _owned_page(filtered: bool, after: bool, guarded: bool) -> sa.Executable:
    """A page of :user_id's goods, newest link first, optionally filtered, from a keyset on."""
    stmt = (
        sa.select(*GOOD_COLUMNS, UserGood.created_at.label("added_at"))
        .join(UserGood, UserGood.good_id == Good.id)
        .where(UserGood.user_id == sa.bindparam("user_id"))
        .order_by(UserGood.created_at.desc(), UserGood.good_id.desc())
        .limit(sa.bindparam("limit"))
    )
    if filtered:
        stmt = stmt.where(sa.func.lower(Good.name).like(sa.bindparam("pattern")))
    if after:
        keyset = sa.tuple_(sa.bindparam("added_at", type_=UserGood.created_at.type), sa.bindparam("good_id"))
        stmt = stmt.where(sa.tuple_(UserGood.created_at, UserGood.good_id) < keyset)
    if guarded:
        stmt = stmt.where(ACCOUNT_MATCHES)
    return stmt


def owned_goods(user_id: int, q: str, limit: int, username: str | None = None) -> dict[str, Any]:
    """A user's goods, most recently added first, optionally filtered by a name substring.

    With `username` (the owner asking), the page comes back empty unless the account still
    has that name; the caller checks the account only then.
    """
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1, "username": username}
    if q:
        params["pattern"] = "%" + like_escape(q.lower()) + "%"
    cursor = read_cursor("owned", str, int)
    if cursor:
        try:
            added_at = datetime.fromisoformat(cursor[0])
        except ValueError:
            added_at = None
        if added_at is None or added_at.tzinfo is None:
            raise ApiError(400, BAD_CURSOR)
        params.update(added_at=added_at, good_id=cursor[1])
    with autocommit() as connection:
        stmt = _owned_page(bool(q), cursor is not None, username is not None)
        rows = connection.execute(stmt, params).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor("owned", last.added_at.isoformat(), last.id)
    return {
        "items": [owned_good_json(row, row.added_at) for row in rows[:limit]],
        "next_cursor": next_cursor,
    }


USERNAME_BY_ID = sa.select(User.username).where(User.id == sa.bindparam("user_id"))


def username_of(user_id: int) -> str | None:
    """The username of user `user_id`, or None when there is no such user."""
    with autocommit() as connection:
        return connection.execute(USERNAME_BY_ID, {"user_id": user_id}).scalar()
