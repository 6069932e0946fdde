"""GET /openapi.json: the OpenAPI 3.1 description of every public endpoint.

Written by hand next to the serializers it describes; the tests check that every route is in it
and validate real responses against these schemas.
"""

from typing import Any

from flask import Blueprint
from shop_common.openapi import ERROR_SCHEMA, document, json_answer, ref, request_body

from .pagination import DEFAULT_LIMIT, MAX_LIMIT
from .validation import MAX_ID, USERNAME_PATTERN

bp = Blueprint("openapi", __name__)

TIMESTAMP = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT = {"type": "integer", "minimum": 0}
USERNAME = {"type": "string", "pattern": USERNAME_PATTERN}


SCHEMAS: dict[str, Any] = {
    "Error": ERROR_SCHEMA,
    "Good": {
        "type": "object",
        "required": ["id", "name", "price", "description", "created_at"],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 120},
            "price": {"type": "string", "pattern": r"^\d{1,8}\.\d{2}$", "examples": ["12.50"]},
            "description": {"type": ["string", "null"], "maxLength": 2000},
            "created_at": TIMESTAMP,
        },
    },
    "NewGood": {
        "type": "object",
        "required": ["name", "price"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120},
            "price": {
                "type": ["string", "number"],
                "description": "0 to 99999999.99, at most 2 decimals; string or number.",
            },
            "description": {"type": ["string", "null"], "maxLength": 2000},
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "username", "created_at"],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "username": USERNAME,
            "created_at": TIMESTAMP,
        },
    },
    "UserRef": {
        "type": "object",
        "required": ["id", "username"],
        "additionalProperties": False,
        "properties": {"id": ID, "username": {"type": "string"}},
    },
    "Credentials": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": USERNAME,
            "password": {"type": "string", "minLength": 8, "maxLength": 128},
        },
    },
    "Availability": {
        "type": "object",
        "required": ["available", "reason"],
        "additionalProperties": False,
        "properties": {"available": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
    },
    "Status": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {"status": {"const": "ok"}},
    },
    "RemovedGood": {
        "type": "object",
        "required": ["id", "owners_count"],
        "additionalProperties": False,
        "properties": {"id": ID, "owners_count": COUNT},
    },
}


def _extend(base: str, **extra: dict[str, Any]) -> dict[str, Any]:
    """`base` plus more required properties (allOf would clash with additionalProperties: false)."""
    schema = SCHEMAS[base]
    return {
        **schema,
        "required": [*schema["required"], *extra],
        "properties": {**schema["properties"], **extra},
    }


SCHEMAS |= {
    "GoodDetail": _extend("Good", owners_count=COUNT),
    "OwnedGood": _extend("Good", added_at=TIMESTAMP),
    "UserProfile": _extend("User", goods_count=COUNT),
}
SCHEMAS["AddedGood"] = _extend("OwnedGood", owners_count=COUNT)


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": ref(item), "maxItems": MAX_LIMIT},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page."},
        },
    }


SCHEMAS |= {"GoodPage": _page("Good"), "OwnedGoodPage": _page("OwnedGood"), "UserRefPage": _page("UserRef")}

ERRORS = {
    "400": "Malformed JSON, body not an object, or an invalid cursor.",
    "401": "No valid X-Identity (or its user no longer exists).",
    "403": "Missing or wrong X-Internal-Secret.",
    "404": "No such resource (nor any id outside 1..2147483647).",
    "409": "Conflicts with existing data (a duplicate name; a good removed while being added).",
    "413": "Body larger than 64 KiB.",
    "415": "Body is not application/json.",
    "422": "Invalid fields or query parameters; see error.fields.",
    "503": "The database is unavailable.",
}


def _op(summary: str, ok: dict[str, Any], errors: str, **extra: Any) -> dict[str, Any]:
    responses = dict(ok)
    for status in errors.split():
        responses[status] = json_answer("Error", ERRORS[status])
    responses.setdefault("500", json_answer("Error", "Unexpected error."))
    return {"summary": summary, "responses": responses, **extra}


def _param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False):
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


IDENTITY = _param("X-Identity", "header", {"type": "string"}, "Identity assertion set by the gateway.", True)
LIMIT = _param(
    "limit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "Page size; over 50 answers 422.",
)
CURSOR = _param("cursor", "query", {"type": "string"}, "next_cursor of the previous page.")
QUERY = _param("q", "query", {"type": "string", "maxLength": 120}, "Name filter (case-insensitive).")


def _path_id(name: str) -> dict[str, Any]:
    return _param(name, "path", ID, "Numeric id.")


GOOD_ID, USER_ID = _path_id("good_id"), _path_id("user_id")


def _read(summary: str, schema: str, errors: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """A GET answering 200 with `schema`."""
    return _op(summary, {"200": json_answer(schema, "OK.")}, errors, parameters=parameters)


PAGE = [LIMIT, CURSOR]

PATHS: dict[str, Any] = {
    "/goods": {
        "get": _read(
            "List goods by name, or search: prefix matches first, then substring matches (q of 3+ chars).",
            "GoodPage",
            "400 422 503",
            [QUERY, *PAGE],
        ),
        "post": _op(
            "Create a good (signed-in users).",
            {"201": json_answer("Good", "Created.")},
            "400 401 409 413 415 422 503",
            parameters=[IDENTITY],
            requestBody=request_body("NewGood"),
        ),
    },
    "/goods/{good_id}": {
        "get": _read("One good with its number of owners.", "GoodDetail", "404 503", [GOOD_ID])
    },
    "/goods/{good_id}/users": {
        "get": _read(
            "Users who have this good, by user id.", "UserRefPage", "400 404 422 503", [GOOD_ID, *PAGE]
        )
    },
    "/users": {
        "post": _op(
            "Register.",
            {"201": json_answer("User", "Registered.")},
            "400 409 413 415 422 503",
            requestBody=request_body("Credentials"),
        ),
    },
    "/users/availability": {
        "get": _read(
            "Whether a username can be registered, and why not.",
            "Availability",
            "503",
            [_param("username", "query", {"type": "string"}, "Name to check.", True)],
        )
    },
    "/users/{user_id}": {"get": _read("Public profile.", "UserProfile", "404 503", [USER_ID])},
    "/users/{user_id}/goods": {
        "get": _read(
            "A user's goods, newest link first.", "OwnedGoodPage", "400 404 422 503", [USER_ID, QUERY, *PAGE]
        )
    },
    "/me/goods": {
        "get": _read(
            "The signed-in user's goods, newest link first.",
            "OwnedGoodPage",
            "400 401 422 503",
            [IDENTITY, QUERY, *PAGE],
        )
    },
    "/me/goods/{good_id}": {
        "get": _read(
            "The good as in the signed-in user's list; 404 when not theirs.",
            "OwnedGood",
            "401 404 503",
            [IDENTITY, GOOD_ID],
        ),
        "put": _op(
            "Add a good to the signed-in user (idempotent); answers its new number of owners too.",
            {
                "201": json_answer("AddedGood", "Added."),
                "200": json_answer("AddedGood", "Was already there."),
            },
            "401 404 409 503",
            parameters=[IDENTITY, GOOD_ID],
        ),
        "delete": _op(
            "Remove a good from the signed-in user (idempotent); answers its new number of owners.",
            {"200": json_answer("RemovedGood", "Gone, also when it was not there.")},
            "401 404 503",
            parameters=[IDENTITY, GOOD_ID],
        ),
    },
    "/internal/credentials/verify": {
        "post": _op(
            "Check a username and password (session-service only; not exposed by the gateway).",
            {"200": json_answer("UserRef", "Correct.")},
            "400 401 403 413 415 422 503",
            parameters=[_param("X-Internal-Secret", "header", {"type": "string"}, "INTERNAL_SECRET.", True)],
            requestBody=request_body("Credentials"),
        ),
    },
    "/healthz": {"get": _read("The process is alive (no database).", "Status", "", [])},
    "/readyz": {"get": _read("The database answers.", "Status", "503", [])},
    "/openapi.json": {
        "get": _op(
            "This document.",
            {
                "200": {
                    "description": "OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
            "",
        )
    },
}


def openapi_document() -> dict[str, Any]:
    """Return the whole document."""
    return document(
        title="catalog-service",
        description="Goods, users and who owns what. The gateway serves it under /api/catalog/.",
        prefix="/api/catalog",
        paths=PATHS,
        components={"schemas": SCHEMAS},
    )


@bp.get("/openapi.json")
def get_openapi():
    """Return the OpenAPI document."""
    return openapi_document()
