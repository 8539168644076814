"""The service's published contract (`/openapi.json`): the request row's JSON schema comes
from the same pydantic model that validates requests (core/feature_rules.request_row),
so the document cannot drift from what the service enforces; the response and every
error status are written here, once."""

from __future__ import annotations

from typing import Any

ROW = "#/components/schemas/Row"
ERROR = "#/components/schemas/Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message", "errors"],
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["row", "field", "rule"],
                "properties": {
                    "row": {"type": ["integer", "null"], "description": "0-based row"},
                    "field": {"type": ["string", "null"]},
                    "rule": {"type": "string", "description": "the rule the value breaks"},
                },
            },
        },
    },
}

# status -> when the service answers it (each with an Error body)
ERRORS = {
    "400": "The body is not valid JSON, or the Host header names no host the service answers to.",
    "401": "A bearer token is set and the request does not carry it.",
    "413": "The body is larger than serve.max_body_bytes.",
    "415": "The body is not `application/json`.",
    "422": "A row breaks a rule (named by row, field and rule, never by its value), or "
    "there are no rows or more than serve.max_rows.",
    "503": "The prediction log cannot take the rows now: nothing was scored or logged; "
    "retry after the Retry-After seconds.",
}


def _error_response(status: str, why: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": why,
        "content": {"application/json": {"schema": {"$ref": ERROR}}},
    }
    if status == "503":
        answer["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    if status == "401":
        answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return answer


def predict_operation(label: str, classes: tuple[str, str], max_rows: int) -> dict[str, Any]:
    """The /predict operation, beyond what FastAPI writes (openapi_extra)."""
    prediction = {
        "type": "object",
        "required": ["probability", label],
        "additionalProperties": False,
        "properties": {
            "probability": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": f"the probability of {classes[1]}",
            },  # fmt: skip
            label: {
                "type": "integer",
                "enum": [0, 1],
                "description": f"1: {classes[1]}, 0: {classes[0]} (at the threshold)",
            },  # fmt: skip
        },
    }
    answer = {
        "type": "object",
        "required": ["request_id", "version", "predictions"],
        "additionalProperties": False,
        "properties": {
            "request_id": {"type": "string", "description": "names the rows in the log"},
            "version": {"type": "string", "description": "the model version served"},
            "predictions": {
                "type": "array",
                "items": prediction,
                "description": "one per row, in the order sent",
            },  # fmt: skip
        },
    }
    rows = {"type": "array", "items": {"$ref": ROW}, "minItems": 1, "maxItems": max_rows}
    return {
        "requestBody": {
            "required": True,
            "description": "One row, or a list of rows: the model's inputs (required) and "
            "optional identity fields, which the prediction log keeps for feedback.",
            "content": {"application/json": {"schema": {"anyOf": [{"$ref": ROW}, rows]}}},
        },
        "responses": {
            "200": {
                "description": "Scored and logged",
                "content": {"application/json": {"schema": answer}},
            },  # fmt: skip
            **{status: _error_response(status, why) for status, why in ERRORS.items()},
        },
    }


def guard_responses(document: dict[str, Any], token: bool, open_paths: frozenset[str]) -> None:
    """Every operation may answer 400 (a Host it does not answer to) and, with a token,
    401 (all but the open paths): say so in each."""
    for path, operations in document["paths"].items():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            answers.setdefault("400", _error_response("400", ERRORS["400"]))
            if token and path not in open_paths:
                answers.setdefault("401", _error_response("401", ERRORS["401"]))


def components(row_schema: dict[str, Any], token: bool) -> dict[str, Any]:
    """What the document's `components` add: the row, the error and, with a token, the
    bearer scheme."""
    found: dict[str, Any] = {"schemas": {"Row": row_schema, "Error": ERROR_SCHEMA}}
    if token:
        found["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return found
