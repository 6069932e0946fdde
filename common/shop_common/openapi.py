"""What both services' OpenAPI 3.1 documents share: the one error shape and small builders."""

from typing import Any

# The body of every error answer (shop_common.errors), as both services document it.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "examples": ["not_found"]},
                "message": {"type": "string"},
                "request_id": {"type": ["string", "null"]},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Only on 422: a message per invalid field.",
                },
            },
        }
    },
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema under components."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(schema: str, description: str) -> dict[str, Any]:
    """A response whose JSON body follows `schema`."""
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def request_body(schema: str) -> dict[str, Any]:
    """A required JSON request body that follows `schema`."""
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def document(
    *, title: str, description: str, prefix: str, paths: dict[str, Any], components: dict[str, Any]
) -> dict[str, Any]:
    """The whole document of a service that the gateway serves under `prefix`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": components,
    }


def an_object(
    properties: dict[str, Any], *, required: list[str] | None = None, closed: bool = True
) -> dict[str, Any]:
    """An object schema; every property is required unless `required` names fewer."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema
