"""The signed-in user's own goods: list, is this one mine, add, remove (both idempotent).

Each is one statement (crud) with the account check folded in: one round trip per request.
Only when that statement finds nothing does a second query tell a stale identity (401) from
a missing good or link.
"""

from flask import Blueprint, abort
from shop_common.metrics import count_goods_added, count_goods_removed

from .. import crud
from ..auth import require_account, signed_in
from ..pagination import page, read_limit, read_owned_cursor, read_query
from ..serializers import iso_time, owned_good_json

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("/goods")
def list_my_goods():
    """List the signed-in user's goods, most recently added first."""
    identity = signed_in()
    q, after, limit = read_query(), read_owned_cursor(), read_limit()
    rows = crud.owned_goods(
        user_id=identity.user_id, username=identity.username, q=q, after=after, limit=limit + 1
    )
    if not rows:  # no goods, or no such account any more
        require_account(identity)
    return page(rows, limit, owned_good_json, lambda last: ("owned", iso_time(last.added_at), last.id))


@bp.get("/goods/<id:good_id>")
def get_my_good(good_id: int):
    """Return the good as in the list of mine, or 404 when it is not mine."""
    identity = signed_in()
    row = crud.my_good(user_id=identity.user_id, username=identity.username, good_id=good_id)
    if row is None:
        require_account(identity)
        abort(404, f"Good {good_id} is not among your goods.")
    return owned_good_json(row)


@bp.put("/goods/<id:good_id>")
def add_my_good(good_id: int):
    """Attach a good to the signed-in user: 201 the first time, 200 after that."""
    identity = signed_in()
    added = crud.add_my_good(user_id=identity.user_id, username=identity.username, good_id=good_id)
    if added is None:
        require_account(identity)
        abort(404, f"Good {good_id} does not exist.")
    if added["added_at"] is None:  # removed again in between; the caller can retry
        abort(409, "The good was removed while being added; try again.")
    if added["created"]:
        count_goods_added()
    body = {**owned_good_json(added["good"], added["added_at"]), "owners_count": added["owners_count"]}
    return body, 201 if added["created"] else 200


@bp.delete("/goods/<id:good_id>")
def remove_my_good(good_id: int):
    """Detach a good from the signed-in user; removing an absent link is fine too."""
    identity = signed_in()
    result = crud.remove_my_good(user_id=identity.user_id, username=identity.username, good_id=good_id)
    if not result.removed:  # no such link, or no such account any more
        require_account(identity)
    count_goods_removed(result.removed)
    return {"id": good_id, "owners_count": result.owners_count}
