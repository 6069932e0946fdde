"""Users: register, check a name while typing, public profiles and their goods."""

import logging

from flask import Blueprint, abort, request
from shop_common.errors import ApiError
from shop_common.web import json_body

from .. import crud
from ..pagination import page, read_limit, read_owned_cursor, read_query
from ..passwords import hash_password
from ..serializers import iso_time, owned_good_json, user_json
from ..validation import username_problem, validate_registration

bp = Blueprint("users", __name__, url_prefix="/users")
log = logging.getLogger(__name__)

USERNAME_TAKEN = "That username is taken."


@bp.post("")
def create_user():
    """Register a user; the password is stored only as an argon2 hash."""
    username, password = validate_registration(json_body())
    if crud.user_by_name(username=username) is not None:  # spare the hashing time
        raise ApiError(409, USERNAME_TAKEN, code="username_taken")
    user = crud.create_user(username=username, password_hash=hash_password(password))
    if user is None:  # lost a race for the same name
        raise ApiError(409, USERNAME_TAKEN, code="username_taken")
    log.info("registered user %s", user.id)
    return user_json(user), 201


@bp.get("/availability")
def check_availability():
    """Tell a registration form whether a username can be taken."""
    username = request.args.get("username", "")
    if problem := username_problem(username):
        return {"available": False, "reason": problem}
    if crud.user_by_name(username=username) is not None:
        return {"available": False, "reason": "taken"}
    return {"available": True, "reason": None}


@bp.get("/<id:user_id>")
def get_user(user_id: int):
    """Return a public profile with the number of goods."""
    row = crud.user_with_goods_count(user_id=user_id)
    if row is None:
        abort(404, f"User {user_id} does not exist.")
    return {**user_json(row), "goods_count": row.goods_count}


@bp.get("/<id:user_id>/goods")
def list_user_goods(user_id: int):
    """List a user's goods, most recently added first."""
    q, after, limit = read_query(), read_owned_cursor(), read_limit()
    rows = crud.owned_goods(user_id=user_id, q=q, after=after, limit=limit + 1)
    if not rows and crud.username_of(user_id=user_id) is None:  # only an empty page needs the check
        abort(404, f"User {user_id} does not exist.")
    return page(rows, limit, owned_good_json, lambda last: ("owned", iso_time(last.added_at), last.id))
