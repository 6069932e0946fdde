"""What a valid id, username, good and registration are: stated once, here.

The models (check constraints), the id converter, the cursors and openapi.py read these facts
from here; request bodies are validated field by field and every problem is reported at once
as 422 `fields`.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from shop_common.errors import ApiError
from werkzeug.routing import BaseConverter

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers
USERNAME_PATTERN = "^[A-Za-z0-9_]{3,32}$"  # also the users table's check constraint
USERNAME_RE = re.compile(USERNAME_PATTERN)
MAX_PRICE = Decimal("99999999.99")  # numeric(10, 2)


def _decimal_range_pattern(top: int) -> str:
    """A regex for the decimal numbers 1..`top` written without leading zeros."""
    digits = str(top)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []  # fewer digits
    for i, digit in enumerate(digits):  # as many digits: the same as `top` up to i, smaller at i
        smallest = 1 if i == 0 else 0
        if int(digit) > smallest:
            alternatives.append(rf"{digits[:i]}[{smallest}-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join([*alternatives, digits]) + ")"


class IdConverter(BaseConverter):
    """`<id:name>`: a URL that names an id no row can have is no route at all.

    The range is in the pattern, not checked after matching: Werkzeug answers 405 instead of
    404 when a value is refused after another rule on the same path matched by its pattern.
    """

    regex = _decimal_range_pattern(MAX_ID)

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


def not_utf8(text: str) -> bool:
    """True when `text` has a lone surrogate (JSON allows "\\ud800"), so it has no UTF-8 form."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable(text: str) -> bool:
    """True for text PostgreSQL cannot hold: a NUL character or a lone surrogate."""
    return "\x00" in text or not_utf8(text)


def username_problem(value: Any) -> str | None:
    """Return why `value` is not a valid username, or None."""
    if not isinstance(value, str):
        return "Username must be a string."
    if not USERNAME_RE.fullmatch(value):
        return "Username must be 3 to 32 letters, digits or underscores."
    return None


def validate_registration(data: dict[str, Any]) -> tuple[str, str]:
    """Return (username, password) from a registration body or raise 422."""
    fields: dict[str, str] = {}
    username, password = data.get("username"), data.get("password")
    if problem := username_problem(username):
        fields["username"] = problem
    if not isinstance(password, str):
        fields["password"] = "Password must be a string."  # noqa: S105 - a message
    elif not 8 <= len(password) <= 128:
        fields["password"] = "Password must be 8 to 128 characters."  # noqa: S105
    elif not_utf8(password):
        fields["password"] = "Password must be valid Unicode text."  # noqa: S105
    if fields:
        raise ApiError(422, "Some fields are invalid.", fields=fields)
    return str(username), str(password)


def parse_price(value: Any) -> Decimal | str:
    """Return the price as a Decimal, or the reason it is invalid."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return 'Price must be a number or a string like "12.50".'
    try:
        price = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        return "Price must be a number like 12.50."
    if not price.is_finite():
        return "Price must be a number like 12.50."
    if price < 0:
        return "Price must not be negative."
    if price > MAX_PRICE:
        return f"Price must be at most {MAX_PRICE}."
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and price != price.quantize(Decimal("0.01")):
        return "Price can have at most 2 decimal places."
    return price.quantize(Decimal("0.01"))


def validate_good(data: dict[str, Any]) -> tuple[str, Decimal, str | None]:
    """Return (name, price, description) from a create-good body or raise 422."""
    fields: dict[str, str] = {}
    name = data.get("name")
    if not isinstance(name, str):
        fields["name"] = "Name must be a string."
    else:
        name = name.strip()
        if not 1 <= len(name) <= 120:
            fields["name"] = "Name must be 1 to 120 characters (surrounding spaces are trimmed)."
        elif unstorable(name) or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            fields["name"] = "Name must not contain control characters or invalid Unicode."
    price = parse_price(data.get("price")) if "price" in data else "Price is required."
    if isinstance(price, str):
        fields["price"] = price
    description = data.get("description")
    if description is not None:
        if not isinstance(description, str):
            fields["description"] = "Description must be a string or null."
        else:
            description = description.strip() or None
            if description is not None and len(description) > 2000:
                fields["description"] = "Description must be at most 2000 characters."
            elif description is not None and unstorable(description):
                fields["description"] = "Description must not contain NUL characters or invalid Unicode."
    if fields:
        raise ApiError(422, "Some fields are invalid.", fields=fields)
    assert isinstance(name, str) and isinstance(price, Decimal)
    return name, price, description
