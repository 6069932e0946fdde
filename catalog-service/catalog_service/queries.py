"""Keyset-paginated reads shared by several routes."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from shop_common.errors import ApiError

from .extensions import db
from .models import Good, UserGood, name_key
from .pagination import encode_cursor, like_escape, read_cursor
from .serializers import good_json, owned_good_json

# pg_trgm cannot index fewer than 3 characters; shorter queries return prefix matches only.
MIN_SUBSTRING_LENGTH = 3


def search_goods(q: str, limit: int) -> dict[str, Any]:
    """Goods by name: with q, prefix matches first, then substring matches, each by name."""
    key = name_key(Good.name)
    cursor = read_cursor("goods", int, str)
    phase, after = (cursor[0], cursor[1]) if cursor else (0, None)
    if phase not in (0, 1):  # 0: prefix matches, 1: substring matches
        raise ApiError(400, "The cursor is invalid; use next_cursor from a previous page.")
    needle = like_escape(q.lower())
    rows: list[tuple[int, Good]] = []

    if phase == 0:
        stmt = sa.select(Good).order_by(key).limit(limit + 1)
        if q:
            stmt = stmt.where(key.like(needle + "%"))
        if after is not None:
            stmt = stmt.where(key > after)
        rows += [(0, good) for good in db.session.scalars(stmt)]
        after = None

    if q and len(q) >= MIN_SUBSTRING_LENGTH and len(rows) <= limit:
        stmt = (
            sa.select(Good)
            .where(sa.func.lower(Good.name).like("%" + needle + "%"), ~key.like(needle + "%"))
            .order_by(key)
            .limit(limit + 1 - len(rows))
        )
        if after is not None:
            stmt = stmt.where(key > after)
        rows += [(1, good) for good in db.session.scalars(stmt)]

    next_cursor = None
    if len(rows) > limit:
        last_phase, last = rows[limit - 1]
        next_cursor = encode_cursor("goods", last_phase, last.name.lower())
    return {"items": [good_json(good) for _, good in rows[:limit]], "next_cursor": next_cursor}


def owned_goods(user_id: int, q: str, limit: int) -> dict[str, Any]:
    """A user's goods, most recently added first, optionally filtered by a name substring."""
    stmt = (
        sa.select(Good, UserGood.created_at)
        .join(UserGood, UserGood.good_id == Good.id)
        .where(UserGood.user_id == user_id)
        .order_by(UserGood.created_at.desc(), UserGood.good_id.desc())
        .limit(limit + 1)
    )
    if q:
        stmt = stmt.where(sa.func.lower(Good.name).like("%" + like_escape(q.lower()) + "%"))
    cursor = read_cursor("owned", str, int)
    if cursor:
        try:
            added_at = datetime.fromisoformat(cursor[0])
        except ValueError:
            added_at = None
        if added_at is None or added_at.tzinfo is None:
            raise ApiError(400, "The cursor is invalid; use next_cursor from a previous page.")
        stmt = stmt.where(sa.tuple_(UserGood.created_at, UserGood.good_id) < sa.tuple_(added_at, cursor[1]))
    rows = db.session.execute(stmt).all()
    next_cursor = None
    if len(rows) > limit:
        good, added = rows[limit - 1]
        next_cursor = encode_cursor("owned", added.isoformat(), good.id)
    return {
        "items": [owned_good_json(good, added) for good, added in rows[:limit]],
        "next_cursor": next_cursor,
    }
