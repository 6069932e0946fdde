"""The JSON shapes of users and goods, kept in one place (and documented in openapi.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Row

from .models import Good, User


def good_json(good: Good | Row[Any]) -> dict[str, Any]:
    """Public JSON of a good (a model or a Core row with its columns); price with two decimals."""
    return {
        "id": good.id,
        "name": good.name,
        "price": f"{good.price:.2f}",
        "description": good.description,
        "created_at": good.created_at.isoformat(),
    }


def owned_good_json(good: Row[Any], added_at: datetime | None = None) -> dict[str, Any]:
    """A good in someone's list: the good plus when it was added (by default its row's added_at)."""
    return {**good_json(good), "added_at": (added_at or good.added_at).isoformat()}


def user_json(user: User | Row[Any]) -> dict[str, Any]:
    """Public JSON of a user; never the password hash."""
    return {"id": user.id, "username": user.username, "created_at": user.created_at.isoformat()}


def user_ref_json(user: User | Row[Any]) -> dict[str, Any]:
    """A user in a list of owners: id and name."""
    return {"id": user.id, "username": user.username}
