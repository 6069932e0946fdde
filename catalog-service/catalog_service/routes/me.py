"""The signed-in user's own goods: list, add, remove (both idempotent)."""

import sqlalchemy as sa
from flask import Blueprint, abort
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ..auth import current_user
from ..extensions import db
from ..models import Good, UserGood
from ..pagination import read_limit, read_query
from ..queries import owned_goods
from ..serializers import owned_good_json

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("/goods")
def list_my_goods():
    """List the signed-in user's goods, most recently added first."""
    user = current_user()
    return owned_goods(user.id, read_query(), read_limit())


@bp.put("/goods/<id:good_id>")
def add_my_good(good_id: int):
    """Attach a good to the signed-in user: 201 the first time, 200 after that."""
    user = current_user()
    good = db.session.get(Good, good_id) or abort(404, f"Good {good_id} does not exist.")
    # The pair is the primary key: concurrent adds wait for each other and all but one do nothing.
    stmt = (
        insert(UserGood)
        .values(user_id=user.id, good_id=good_id)
        .on_conflict_do_nothing(index_elements=["user_id", "good_id"])
        .returning(UserGood.created_at)
    )
    try:
        added_at = db.session.scalar(stmt)
        db.session.commit()
    except IntegrityError:  # the good was deleted between the lookup and the insert
        db.session.rollback()
        abort(404, f"Good {good_id} does not exist.")
    if added_at is not None:
        return owned_good_json(good, added_at), 201
    added_at = db.session.scalar(
        sa.select(UserGood.created_at).where(UserGood.user_id == user.id, UserGood.good_id == good_id)
    )
    if added_at is None:  # removed again in between; the caller can retry
        abort(409, "The good was removed while being added; try again.")
    return owned_good_json(good, added_at), 200


@bp.delete("/goods/<id:good_id>")
def remove_my_good(good_id: int):
    """Detach a good from the signed-in user; removing an absent link is fine too."""
    user = current_user()
    db.session.execute(sa.delete(UserGood).where(UserGood.user_id == user.id, UserGood.good_id == good_id))
    db.session.commit()
    return "", 204
