"""Goods: list and search, read one, create, and who owns one."""

import sqlalchemy as sa
from flask import Blueprint, abort
from shop_common.errors import ApiError
from shop_common.web import json_body
from sqlalchemy.exc import IntegrityError

from ..auth import current_user
from ..extensions import autocommit, db
from ..models import Good, User, UserGood
from ..pagination import encode_cursor, read_cursor, read_limit, read_query
from ..queries import GOOD_COLUMNS, search_goods
from ..serializers import good_json
from ..validation import validate_good

bp = Blueprint("goods", __name__, url_prefix="/goods")


@bp.get("")
def list_goods():
    """List goods by name, or search them: prefix matches first, then substring matches."""
    return search_goods(read_query(), read_limit())


# A hot read (every good page): one statement, built once, the owners count folded in as a
# subquery (served by the users_goods good_id index).
GOOD_WITH_OWNERS_COUNT = sa.select(
    *GOOD_COLUMNS,
    sa.select(sa.func.count()).where(UserGood.good_id == Good.id).scalar_subquery().label("owners_count"),
).where(Good.id == sa.bindparam("good_id"))


@bp.get("/<id:good_id>")
def get_good(good_id: int):
    """Return one good with the number of users who have it."""
    with autocommit() as connection:
        row = connection.execute(GOOD_WITH_OWNERS_COUNT, {"good_id": good_id}).first()
    if row is None:
        abort(404, f"Good {good_id} does not exist.")
    return {**good_json(row), "owners_count": row.owners_count}


@bp.post("")
def create_good():
    """Create a good (signed-in users only)."""
    current_user()
    name, price, description = validate_good(json_body())
    good = Good(name=name, price=price, description=description)
    db.session.add(good)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # the unique index on lower(name) decides, so two racing creates cannot both win
        raise ApiError(409, f"A good named {name!r} already exists.") from None
    return good_json(good), 201


@bp.get("/<id:good_id>/users")
def list_good_users(good_id: int):
    """List the users who have this good, by user id."""
    if db.session.get(Good, good_id) is None:
        abort(404, f"Good {good_id} does not exist.")
    limit = read_limit()
    cursor = read_cursor("owners", int)
    stmt = (
        sa.select(User.id, User.username)
        .join(UserGood, UserGood.user_id == User.id)
        .where(UserGood.good_id == good_id)
        .order_by(UserGood.user_id)
        .limit(limit + 1)
    )
    if cursor:
        stmt = stmt.where(UserGood.user_id > cursor[0])
    rows = db.session.execute(stmt).all()
    next_cursor = encode_cursor("owners", rows[limit - 1].id) if len(rows) > limit else None
    return {"items": [{"id": r.id, "username": r.username} for r in rows[:limit]], "next_cursor": next_cursor}
