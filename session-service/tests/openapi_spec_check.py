"""Structural checks of the OpenAPI document: every schema is valid JSON Schema and every $ref resolves."""

from typing import Any

from jsonschema import Draft202012Validator


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def check_spec(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation.get("responses"), f"{method} {path} has no responses"
            for status, answer in operation["responses"].items():
                assert answer.get("description"), f"{method} {path} {status} has no description"
