"""The JSON shapes of users and goods, kept in one place (and documented in openapi.py)."""

from typing import Any

from sqlalchemy import Row


def iso_time(text: str) -> str:
    """PostgreSQL's text of a timestamptz as datetime.isoformat() writes it.

    "2026-12-04 04:19:45.6781+00" -> "2026-12-04T04:19:45.678100+00:00"; no fraction stays none.
    """
    sign = max(text.rfind("+"), text.rfind("-"))  # the offset's; the date's dashes come earlier
    moment, offset = text[:sign], text[sign:]
    whole, dot, fraction = moment.partition(".")
    if dot:
        whole = f"{whole}.{fraction:0<6}"
    return (
        f"{whole.replace(' ', 'T', 1)}{offset}:00"
        if len(offset) == 3
        else whole.replace(" ", "T", 1) + offset
    )


def good_json(good: Row[Any]) -> dict[str, Any]:
    """Public JSON of a good, from a crud row (price and time as PostgreSQL's text)."""
    return {
        "id": good.id,
        "name": good.name,
        "price": good.price,
        "description": good.description,
        "created_at": iso_time(good.created_at),
    }


def owned_good_json(good: Row[Any], added_at: str | None = None) -> dict[str, Any]:
    """A good in someone's list: the good plus when it was added (by default its row's added_at)."""
    return {**good_json(good), "added_at": iso_time(added_at or good.added_at)}


def user_json(user: Row[Any]) -> dict[str, Any]:
    """Public JSON of a user, from a crud row; never the password hash."""
    return {"id": user.id, "username": user.username, "created_at": iso_time(user.created_at)}


def user_ref_json(user: Row[Any]) -> dict[str, Any]:
    """A user in a list of owners: id and name."""
    return {"id": user.id, "username": user.username}
