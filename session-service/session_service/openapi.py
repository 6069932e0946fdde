"""The OpenAPI 3.1 description of every public endpoint, served at /openapi.json."""

from typing import Any

from flask import Blueprint
from shop_common.openapi import ERROR_SCHEMA, an_object, document, json_answer, ref, request_body

bp = Blueprint("openapi", __name__)


def _error(description: str) -> dict[str, Any]:
    return json_answer("Error", description)


def _empty(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if headers:
        answer["headers"] = headers
    return answer


CSRF_HEADER = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "The session's token from GET /csrf, /me or the login answer.",
}
KEY_PARAM = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
}
UNAVAILABLE = _error("Redis (or, for login, catalog-service) is unavailable.")
FORBIDDEN = _error("CSRF check failed.")


SCHEMAS: dict[str, Any] = {
    "Error": ERROR_SCHEMA,
    "User": an_object({"id": {"type": "integer"}, "username": {"type": "string"}}),
    "LoginRequest": an_object(
        {
            "username": {"type": "string", "minLength": 1, "maxLength": 150},
            "password": {"type": "string", "minLength": 1, "maxLength": 1024},
            "remember": {"type": "boolean", "default": False},
        },
        required=["username", "password"],
        closed=False,
    ),
    "LoginAnswer": an_object({"user": ref("User"), "csrf_token": {"type": "string"}}),
    "Me": an_object(
        {
            "user": ref("User"),
            "login_at": {"type": "string", "format": "date-time"},
            "csrf_token": {"type": "string"},
        }
    ),
    "Visitor": an_object(
        {
            "user": {"oneOf": [ref("User"), {"type": "null"}]},
            "login_at": {"type": ["string", "null"], "format": "date-time"},
            "csrf_token": {"type": ["string", "null"]},
        }
    ),
    "CsrfToken": an_object({"csrf_token": {"type": "string"}}),
    "Remembered": an_object({"username": {"type": ["string", "null"]}}),
    "Data": an_object({"data": {"type": "object", "maxProperties": 50}}),
    "DataValue": an_object(
        {"value": {"description": "Any JSON, at most 4096 bytes serialized."}}, closed=False
    ),
    "DataListItem": an_object(
        {
            "item": {"description": "Any JSON; with unique_by, an object that has that field."},
            "unique_by": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]{1,64}$",
                "description": "Older entries with an equal value in this field are dropped; "
                "without it, older entries equal to the whole item are.",
            },
            "max": {"type": "integer", "minimum": 1, "description": "Keep at most this many entries."},
        },
        required=["item"],
        closed=False,
    ),
    "DataItem": an_object({"key": {"type": "string"}, "value": {}}),
    "Status": an_object({"status": {"const": "ok"}}),
}

PATHS: dict[str, Any] = {
    "/login": {
        "post": {
            "summary": "Sign in (needs X-Requested-With: XMLHttpRequest and a JSON body).",
            "parameters": [
                {
                    "name": "X-Requested-With",
                    "in": "header",
                    "required": True,
                    "schema": {"const": "XMLHttpRequest"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("LoginRequest")}},
            },
            "responses": {
                "200": json_answer("LoginAnswer", "Signed in; a new sid cookie is set."),
                "400": _error("Body is not a JSON object."),
                "401": _error("Wrong username or password."),
                "403": FORBIDDEN,
                "422": _error("Invalid fields."),
                "429": _error("Too many sign-in attempts from this address (the gateway's limit)."),
                "503": UNAVAILABLE,
            },
        }
    },
    "/logout": {
        "post": {
            "summary": "Sign out: the session is deleted and the cookie expired.",
            "parameters": [CSRF_HEADER],
            "responses": {"204": _empty("Signed out."), "403": FORBIDDEN, "503": UNAVAILABLE},
        }
    },
    "/me": {
        "get": {
            "summary": "The signed-in user.",
            "responses": {
                "200": json_answer("Me", "Signed in."),
                "401": _error("Nobody is signed in."),
                "503": UNAVAILABLE,
            },
        }
    },
    "/visitor": {
        "get": {
            "summary": "Who the visitor is: the signed-in user or null, and the session's CSRF token or "
            "null (no session yet). Never 401, so a signed-out browser logs no error; creates no session.",
            "responses": {"200": json_answer("Visitor", "Signed in or not."), "503": UNAVAILABLE},
        }
    },
    "/csrf": {
        "get": {
            "summary": "The session's CSRF token; creates an anonymous session when there is none.",
            "responses": {"200": json_answer("CsrfToken", "The token."), "503": UNAVAILABLE},
        }
    },
    "/auth": {
        "get": {
            "summary": "nginx auth_request: identity assertion for the signed-in user.",
            "parameters": [
                {"name": "X-Original-Method", "in": "header", "schema": {"type": "string"}},
                {"name": "X-CSRF-Token", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": _empty(
                    "Signed in (and CSRF token valid for unsafe methods).",
                    {
                        "X-Identity": {
                            "schema": {"type": "string"},
                            "description": "Signed identity assertion.",
                        }
                    },
                ),
                "401": _error("Nobody is signed in."),
                "403": FORBIDDEN,
                "503": UNAVAILABLE,
            },
        }
    },
    "/remembered": {
        "get": {
            "summary": "The remembered username (cookie remembered_username), or null.",
            "responses": {"200": json_answer("Remembered", "The username or null.")},
        },
        "delete": {
            "summary": "Forget the remembered username.",
            "parameters": [CSRF_HEADER],
            "responses": {"204": _empty("Cookie expired."), "403": FORBIDDEN, "503": UNAVAILABLE},
        },
    },
    "/data": {
        "get": {
            "summary": "All session data.",
            "responses": {"200": json_answer("Data", "Keys and values."), "503": UNAVAILABLE},
        }
    },
    "/data/{key}": {
        "parameters": [KEY_PARAM],
        "get": {
            "summary": "One stored value.",
            "responses": {
                "200": json_answer("DataItem", "The value."),
                "404": _error("No such key."),
                "422": _error("Invalid key."),
                "503": UNAVAILABLE,
            },
        },
        "put": {
            "summary": "Store a value.",
            "parameters": [CSRF_HEADER],
            "requestBody": request_body("DataValue"),
            "responses": {
                "200": json_answer("DataItem", "Stored."),
                "400": _error("Body is not a JSON object."),
                "403": FORBIDDEN,
                "413": _error("Value larger than 4096 bytes."),
                "415": _error("Body is not JSON."),
                "422": _error("Invalid key, missing value or more than 50 keys."),
                "503": UNAVAILABLE,
            },
        },
        "delete": {
            "summary": "Remove a key (idempotent).",
            "parameters": [CSRF_HEADER],
            "responses": {
                "204": _empty("Removed."),
                "403": FORBIDDEN,
                "422": _error("Invalid key."),
                "503": UNAVAILABLE,
            },
        },
    },
    "/data/{key}/items": {
        "parameters": [KEY_PARAM],
        "post": {
            "summary": "Put an item first in the list under a key (created when absent), drop older "
            "equal entries and keep at most max: a most-recent-first list in one call.",
            "parameters": [CSRF_HEADER],
            "requestBody": request_body("DataListItem"),
            "responses": {
                "200": json_answer("DataItem", "The stored list."),
                "400": _error("Body is not a JSON object."),
                "403": FORBIDDEN,
                "409": _error("The value under the key is not a list."),
                "413": _error("The list would take more than 4096 bytes."),
                "415": _error("Body is not JSON."),
                "422": _error("Invalid key, item, unique_by or max, or more than 50 keys."),
                "503": UNAVAILABLE,
            },
        },
    },
    "/healthz": {
        "get": {"summary": "Liveness.", "responses": {"200": json_answer("Status", "Alive.")}},
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: Redis answers PING.",
            "responses": {"200": json_answer("Status", "Ready."), "503": _error("Redis unreachable.")},
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document.",
            "responses": {
                "200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {}}}
            },
        }
    },
}

SPEC = document(
    title="session-service",
    description="Sessions in Redis behind a signed sid cookie, served at /api/session/.",
    prefix="/api/session",
    paths=PATHS,
    components={
        "schemas": SCHEMAS,
        "securitySchemes": {"sid": {"type": "apiKey", "in": "cookie", "name": "sid"}},
    },
)


@bp.get("/openapi.json")
def get_openapi() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return SPEC
