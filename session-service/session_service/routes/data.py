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
    value = body["value"]
    if len(json.dumps(value, separators=(",", ":")).encode()) > MAX_VALUE_BYTES:
        raise ApiError(413, f"A value may take at most {MAX_VALUE_BYTES} bytes as JSON.")
    data = _data()
    if key not in data and len(data) >= MAX_KEYS:
        raise ApiError(
            422,
            f"A session holds at most {MAX_KEYS} keys; delete one first.",
            fields={"key": f"Limit of {MAX_KEYS} keys reached."},
        )
    data[key] = value
    sessions.current()[DATA] = data  # reassign: the session only notices top-level changes
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


def _valid_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(422, "Invalid key.", fields={"key": "1 to 64 characters of A-Z a-z 0-9 _ . -"})
    return key
