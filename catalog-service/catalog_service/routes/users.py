"""Users: register, check a name while typing, public profiles and their goods."""

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, request
from shop_common.errors import ApiError
from shop_common.web import json_body
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import User, UserGood
from ..pagination import read_limit, read_query
from ..passwords import hash_password
from ..queries import owned_goods, username_of
from ..serializers import user_json
from ..validation import username_problem, validate_registration

bp = Blueprint("users", __name__, url_prefix="/users")
log = logging.getLogger(__name__)


def find_user_by_name(username: str) -> User | None:
    """Look a user up ignoring case (served by the unique index on lower(username))."""
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.lower()))


@bp.post("")
def create_user():
    """Register a user; the password is stored only as an argon2 hash."""
    username, password = validate_registration(json_body())
    if find_user_by_name(username) is not None:
        raise ApiError(409, "That username is taken.", code="username_taken")
    user = User(username=username, password_hash=hash_password(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # lost a race for the same name
        db.session.rollback()
        raise ApiError(409, "That username is taken.", code="username_taken") from None
    log.info("registered user %s", user.id)
    return user_json(user), 201


@bp.get("/availability")
def check_availability():
    """Tell a registration form whether a username can be taken."""
    username = request.args.get("username", "")
    if problem := username_problem(username):
        return {"available": False, "reason": problem}
    if find_user_by_name(username) is not None:
        return {"available": False, "reason": "taken"}
    return {"available": True, "reason": None}


@bp.get("/<id:user_id>")
def get_user(user_id: int):
    """Return a public profile with the number of goods."""
    user = db.session.get(User, user_id) or abort(404, f"User {user_id} does not exist.")
    count = db.session.scalar(sa.select(sa.func.count()).where(UserGood.user_id == user_id))
    return {**user_json(user), "goods_count": count}


@bp.get("/<id:user_id>/goods")
def list_user_goods(user_id: int):
    """List a user's goods, most recently added first."""
    page = owned_goods(user_id, read_query(), read_limit())
    if not page["items"] and username_of(user_id) is None:  # only an empty page needs the check
        abort(404, f"User {user_id} does not exist.")
    return page
