"""Every nested part of every body the OpenAPI document describes is typed (issue 19 item 1): walking each
route's response and request schema down through its components, an object of any keys (or a value of any
type) is found only where a model says, in a comment, why it is free-form."""

from __future__ import annotations

from typing import Any

from node_support import Running

from airparley.node._access import Act
from airparley.web import desk_app

#: The free-form parts, each with its reason at its declaration (node/_models*.py, node/_request_models.py).
FREE_FORM = {
    "NoticeProperties.private",  # the filing party's own notes, any keys
    "PhraseContent.params",  # each phrase declares its own parameters (GET /phrases)
    "Message.params",  # the same, in the body of POST /messages
    "Document.features.properties.private",  # a notice's private part, in the body of POST/PUT /notices
    "Incident.shared",  # the fields the parties' agreement chose to share
    "Event.data",  # the kind's, one of 26: docs/events.schema.json
}


def _untyped_parts(document: dict[str, Any], schema: Any, where: str, found: set[str], seen: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _untyped_parts(document, document["components"]["schemas"][name], name, found, seen)
        return
    choices = [c for key in ("anyOf", "oneOf", "allOf") for c in schema.get(key, [])]
    if schema == {} or (
        schema.get("type") == "object"
        and "properties" not in schema
        and not isinstance(schema.get("additionalProperties"), dict)
        and not choices
    ):
        found.add(where)
        return
    for choice in choices:
        _untyped_parts(document, choice, where, found, seen)
    if isinstance(schema.get("items"), dict):
        _untyped_parts(document, schema["items"], where, found, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        _untyped_parts(document, schema["additionalProperties"], where, found, seen)
    owner = schema.get("title", where)  # a model's name; an untitled part is named by its place
    for name, part in schema.get("properties", {}).items():
        _untyped_parts(document, part, f"{owner}.{name}", found, seen)


def test_no_nested_part_of_a_body_is_an_untyped_object_unless_it_says_why(running: Running) -> None:
    app = desk_app(running.node)
    document = app.openapi()
    acts: dict[tuple[str, str], Act] = app.state.route_acts
    found: set[str] = set()
    seen: set[str] = set()
    for method, path in sorted(acts):
        operation = document["paths"][path][method.lower()]
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if status.startswith("2") and content is not None:
                _untyped_parts(document, content["schema"], f"{method} {path}", found, seen)
        body = operation.get("requestBody")
        if body is not None:
            _untyped_parts(document, body["content"]["application/json"]["schema"], f"{method} {path}", found, seen)
    assert sorted(found - FREE_FORM) == []
    assert found >= FREE_FORM, "a free-form part listed here is typed now: take it off the list"
