"""Per-session key/value data for any visitor (the UI keeps "recently viewed goods" under recent_goods)."""

import json
import re
from typing import Any

from flask import Blueprint
from shop_common.errors import ApiError
from shop_common.web import json_body

from .. import sessions
from ..csrf import csrf_protected
from ..sessions import DATA

bp = Blueprint("data", __name__, url_prefix="/data")

KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_VALUE_BYTES = 4096
MAX_KEYS = 50


@bp.get("")
def list_data() -> dict[str, Any]:
    """Return every key and value stored in the session."""
    return {"data": _data()}


@bp.get("/<key>")
def get_data(key: str) -> dict[str, Any]:
    """Return one stored value."""
    data = _data()
    if _valid_key(key) not in data:
        raise ApiError(404, f"No value stored under {key!r}.")
    return {"key": key, "value": data[key]}


@bp.put("/<key>")
@csrf_protected
def put_data(key: str) -> dict[str, Any]:
    """Store a JSON value under a key, replacing any previous value."""
    _valid_key(key)
    body = json_body()
    if "value" not in body:
        raise ApiError(422, "The body needs a value.", fields={"value": "Required (any JSON)."})
    _store(_data(), key, body["value"])
    return {"key": key, "value": body["value"]}


@bp.post("/<key>/items")
@csrf_protected
def add_data_item(key: str) -> dict[str, Any]:
    """Put an item first in the list under a key, dropping older equal entries and keeping at most `max`."""
    _valid_key(key)
    item, unique_by, most = _item_fields(json_body())
    data = _data()
    current = data.get(key, [])
    if not isinstance(current, list):
        raise ApiError(409, f"The value under {key!r} is not a list; PUT a list or DELETE the key first.")
    same = _identity(item, unique_by)
    older = [entry for entry in current if _identity(entry, unique_by) != same]
    value = [item, *older][:most]
    _store(data, key, value)
    return {"key": key, "value": value}


@bp.delete("/<key>")
@csrf_protected
def delete_data(key: str) -> tuple[str, int]:
    """Remove a key; removing a missing key is not an error."""
    _valid_key(key)
    data = _data()
    if key in data:
        del data[key]
        sessions.current()[DATA] = data
    return "", 204


def _data() -> dict[str, Any]:
    stored = sessions.current().get(DATA)
    return dict(stored) if isinstance(stored, dict) else {}


def _store(data: dict[str, Any], key: str, value: Any) -> None:
    """Save `value` under `key` within the size and key-count limits."""
    if len(_json_text(value).encode()) > MAX_VALUE_BYTES:
        raise ApiError(413, f"A value may take at most {MAX_VALUE_BYTES} bytes as JSON.")
    if key not in data and len(data) >= MAX_KEYS:
        raise ApiError(
            422,
            f"A session holds at most {MAX_KEYS} keys; delete one first.",
            fields={"key": f"Limit of {MAX_KEYS} keys reached."},
        )
    data[key] = value
    sessions.current()[DATA] = data  # reassign: the session only notices top-level changes


def _valid_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(422, "Invalid key.", fields={"key": "1 to 64 characters of A-Z a-z 0-9 _ . -"})
    return key


def _item_fields(body: dict[str, Any]) -> tuple[Any, str | None, int | None]:
    fields: dict[str, str] = {}
    item, unique_by, most = body.get("item"), body.get("unique_by"), body.get("max")
    if "item" not in body:
        fields["item"] = "Required (any JSON)."
    if unique_by is not None and (not isinstance(unique_by, str) or not KEY_PATTERN.fullmatch(unique_by)):
        fields["unique_by"] = "A field name: 1 to 64 characters of A-Z a-z 0-9 _ . -"
    elif unique_by is not None and not (isinstance(item, dict) and unique_by in item):
        fields["item"] = f"Must be an object with a {unique_by!r} field (unique_by)."
    # bool is an int in Python, but "max": true is a mistake, not 1
    if most is not None and (isinstance(most, bool) or not isinstance(most, int) or most < 1):
        fields["max"] = "A whole number of at least 1."
    if fields:
        raise ApiError(422, "The item request is invalid.", fields=fields)
    return item, unique_by, most


def _identity(entry: Any, unique_by: str | None) -> str | None:
    """What makes two entries the same: the unique_by field, or (without one) the whole entry."""
    if unique_by is None:
        return _json_text(entry)
    if isinstance(entry, dict) and unique_by in entry:
        return _json_text(entry[unique_by])
    return None  # an entry without the field is never a duplicate


def _json_text(value: Any) -> str:
    """Compact JSON with sorted keys: equal JSON values give equal text (Python alone says 1 == True)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
