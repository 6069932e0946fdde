"""The signed-in user's own goods: list, add, remove (both idempotent).

Each is one statement on an autocommit connection (atomic on its own) with the account check
folded in (`queries.ACCOUNT_MATCHES`): one round trip per request. Only when that statement
finds nothing does a second query tell a stale identity (401) from a missing good or link.
"""

import sqlalchemy as sa
from flask import Blueprint, abort
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..auth import require_account, signed_in
from ..extensions import autocommit
from ..models import Good, UserGood
from ..pagination import read_limit, read_query
from ..queries import ACCOUNT_MATCHES, GOOD_COLUMNS, owned_goods
from ..serializers import owned_good_json

bp = Blueprint("me", __name__, url_prefix="/me")

_USER_ID = sa.bindparam("user_id", type_=sa.Integer)
_GOOD = sa.select(*GOOD_COLUMNS).where(Good.id == sa.bindparam("good_id"), ACCOUNT_MATCHES).cte("good")
# The pair is the primary key: concurrent adds wait for each other and all but one do nothing.
_ADDED = (
    insert(UserGood)
    .from_select(["user_id", "good_id"], sa.select(_USER_ID, _GOOD.c.id))
    .on_conflict_do_nothing(index_elements=["user_id", "good_id"])
    .returning(UserGood.created_at)
    .cte("added")
)
_EARLIER = aliased(UserGood, name="earlier")
# One statement: the good (no row: 404), the new link's time (201) or an earlier link's (200).
ADD_GOOD = sa.select(
    _GOOD, _ADDED.c.created_at.label("added_at"), _EARLIER.created_at.label("earlier_at")
).select_from(
    _GOOD.outerjoin(_ADDED, sa.true()).outerjoin(
        _EARLIER, sa.and_(_EARLIER.user_id == _USER_ID, _EARLIER.good_id == _GOOD.c.id)
    )
)
LINKED_AT = sa.select(UserGood.created_at).where(
    UserGood.user_id == sa.bindparam("user_id"), UserGood.good_id == sa.bindparam("good_id")
)
REMOVE_GOOD = sa.delete(UserGood).where(
    UserGood.user_id == sa.bindparam("user_id"), UserGood.good_id == sa.bindparam("good_id"), ACCOUNT_MATCHES
)


@bp.get("/goods")
def list_my_goods():
    """List the signed-in user's goods, most recently added first."""
    identity = signed_in()
    page = owned_goods(identity.user_id, read_query(), read_limit(), identity.username)
    if not page["items"]:  # no goods, or no such account any more
        require_account(identity)
    return page


@bp.put("/goods/<id:good_id>")
def add_my_good(good_id: int):
    """Attach a good to the signed-in user: 201 the first time, 200 after that."""
    identity = signed_in()
    params = {"user_id": identity.user_id, "username": identity.username, "good_id": good_id}
    with autocommit() as connection:
        try:
            row = connection.execute(ADD_GOOD, params).first()
        except IntegrityError:  # the good (or the account) was deleted while being added
            row = None
        if row is None:
            require_account(identity)
            abort(404, f"Good {good_id} does not exist.")
        if row.added_at is not None:
            return owned_good_json(row, row.added_at), 201
        # Linked already: earlier, or by a concurrent add that committed after this statement's
        # snapshot was taken (ON CONFLICT waited for it), which only a new statement can see.
        added_at = row.earlier_at or connection.execute(LINKED_AT, params).scalar()
    if added_at is None:  # removed again in between; the caller can retry
        abort(409, "The good was removed while being added; try again.")
    return owned_good_json(row, added_at), 200


@bp.delete("/goods/<id:good_id>")
def remove_my_good(good_id: int):
    """Detach a good from the signed-in user; removing an absent link is fine too."""
    identity = signed_in()
    params = {"user_id": identity.user_id, "username": identity.username, "good_id": good_id}
    with autocommit() as connection:
        removed = connection.execute(REMOVE_GOOD, params).rowcount
    if not removed:  # no such link, or no such account any more
        require_account(identity)
    return "", 204
