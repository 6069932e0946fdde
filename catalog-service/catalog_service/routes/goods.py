"""Goods: list and search, read one, create, and who owns one."""

from time import time
from typing import Any

from flask import Blueprint, abort
from shop_common.errors import ApiError
from shop_common.web import json_body

from .. import crud
from ..auth import current_user
from ..pagination import BAD_CURSOR, page, read_cursor, read_limit, read_query
from ..serializers import good_json, user_ref_json
from ..validation import validate_good

bp = Blueprint("goods", __name__, url_prefix="/goods")


def shared_for_this_second(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Mark an answer every visitor gets alike as cacheable by the gateway until this second ends.

    nginx's own header, with an absolute time: the gateway (gateway/conf/caching.conf) keeps the
    answer for at most the rest of the second, for visitors without cookies, and strips the header.
    """
    return body, {"X-Accel-Expires": f"@{int(time())}"}


@bp.get("")
def list_goods():
    """List goods by name, or search them: prefix matches first, then substring matches."""
    q, limit = read_query(), read_limit()
    phase, after = read_cursor("goods", int, str) or (0, None)
    if phase not in (0, 1):  # 0: names starting with q, 1: names containing it
        raise ApiError(400, BAD_CURSOR)
    rows = crud.search_goods(q=q, phase=phase, after=after, limit=limit + 1)
    found = page(rows, limit, good_json, lambda last: ("goods", last.phase, last.name.lower()))
    return shared_for_this_second(found) if q else found


@bp.get("/<id:good_id>")
def get_good(good_id: int):
    """Return one good with the number of users who have it."""
    row = crud.good_with_owners_count(good_id=good_id)
    if row is None:
        abort(404, f"Good {good_id} does not exist.")
    return shared_for_this_second({**good_json(row), "owners_count": row.owners_count})


@bp.post("")
def create_good():
    """Create a good (signed-in users only)."""
    current_user()
    name, price, description = validate_good(json_body())
    row = crud.create_good(name=name, price=price, description=description)
    if row is None:
        raise ApiError(409, f"A good named {name!r} already exists.")
    return good_json(row), 201


@bp.get("/<id:good_id>/users")
def list_good_users(good_id: int):
    """List the users who have this good, by user id."""
    limit = read_limit()
    after = read_cursor("owners", int)
    rows = crud.good_owners(good_id=good_id, after=after[0] if after else None, limit=limit + 1)
    if not rows and not crud.good_exists(good_id=good_id):  # only an empty page needs the check
        abort(404, f"Good {good_id} does not exist.")
    return page(rows, limit, user_ref_json, lambda last: ("owners", last.id))
