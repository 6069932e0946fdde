"""Opaque keyset cursors, the limit and q parameters, and the page shape of every list endpoint."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import request
from shop_common.errors import ApiError

from .validation import MAX_ID, unstorable

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
BAD_CURSOR = "The cursor is invalid; use next_cursor from a previous page."


def read_limit() -> int:
    """Return ?limit= (default 20); anything but an integer in 1..50 answers 422."""
    raw = request.args.get("limit", "")
    if raw == "":
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(
            422,
            "The query parameters are invalid.",
            fields={"limit": f"limit must be an integer from 1 to {MAX_LIMIT}."},
        )
    return int(raw)


def encode_cursor(kind: str, *values: Any) -> str:
    """Pack the last row's sort key into an opaque string for the next page."""
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def read_cursor(kind: str, *types: type) -> list[Any] | None:
    """Return the sort key inside ?cursor=, None when absent; a malformed one answers 400."""
    raw = request.args.get("cursor", "")
    if raw == "":
        return None
    try:
        if len(raw) > 512:
            raise ValueError("too long")
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(decoded, list) or len(decoded) != len(types) + 1 or decoded[0] != kind:
            raise ValueError("wrong shape")
        values = decoded[1:]
        for value, expected in zip(values, types, strict=True):
            # bool is an int subclass; a cursor never holds booleans
            if not isinstance(value, expected) or isinstance(value, bool):
                raise ValueError("wrong type")
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                raise ValueError("out of range")
            if isinstance(value, str) and unstorable(value):
                raise ValueError("not storable text")
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise ApiError(400, BAD_CURSOR) from None
    return values


def read_owned_cursor() -> tuple[datetime, int] | None:
    """Return the keyset (added_at, good id) inside ?cursor= of a list of someone's goods."""
    cursor = read_cursor("owned", str, int)
    if cursor is None:
        return None
    try:
        added_at = datetime.fromisoformat(cursor[0])
    except ValueError:
        raise ApiError(400, BAD_CURSOR) from None
    if added_at.tzinfo is None:
        raise ApiError(400, BAD_CURSOR)
    return added_at, cursor[1]


def read_query(max_length: int = 120) -> str:
    """Return ?q= trimmed; longer than any name can be answers 422."""
    q = request.args.get("q", "").strip()
    if unstorable(q):
        raise ApiError(
            422,
            "The query parameters are invalid.",
            fields={"q": "q must not contain NUL characters or invalid Unicode."},
        )
    if len(q) > max_length:
        raise ApiError(
            422,
            "The query parameters are invalid.",
            fields={"q": f"q must be at most {max_length} characters."},
        )
    return q


def page(
    rows: Sequence[Any],
    limit: int,
    item_json: Callable[[Any], dict[str, Any]],
    cursor_of: Callable[[Any], tuple[Any, ...]],
) -> dict[str, Any]:
    """One page of a list fetched with `limit` + 1 rows: the first `limit` as items, and when there
    were more, a cursor holding `cursor_of(last item)` to continue after it."""
    next_cursor = encode_cursor(*cursor_of(rows[limit - 1])) if len(rows) > limit else None
    return {"items": [item_json(row) for row in rows[:limit]], "next_cursor": next_cursor}
