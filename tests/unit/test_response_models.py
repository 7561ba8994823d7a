"""Every documented route that answers JSON documents its shape: a 2xx JSON response in
the OpenAPI schema always has a schema (a `response_model`), so that the response
contract (tests/contract.py) has something to check every body against, and clients
generated from the schema know what they get. Routes answering something else (the
Prometheus text of /metrics) say so instead of claiming JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shutter.app import create_app
from shutter.settings import Settings
from tests.conftest import SECRET


def _json_answers_without_schema(spec: dict[str, Any]) -> list[str]:
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                json = response.get("content", {}).get("application/json")
                if status.startswith("2") and json is not None and not json.get("schema"):
                    missing.append(f"{method.upper()} {path} {status}")
    return missing


def test_every_documented_json_answer_has_a_response_model() -> None:
    settings = Settings(_env_file=None, data_dir=Path("unused"), secret_key=SECRET)  # type: ignore[call-arg]
    spec = create_app(settings).openapi()

    assert len(spec["paths"]) > 100  # the whole API was read
    assert _json_answers_without_schema(spec) == []
    assert "text/plain" in spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]


def test_a_json_answer_without_a_model_is_caught() -> None:
    spec = {
        "paths": {
            "/a": {"get": {"responses": {"200": {"content": {"application/json": {}}}}}},
            "/b": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            },
            "/c": {"delete": {"responses": {"204": {"description": "gone"}}}},
        }
    }
    assert _json_answers_without_schema(spec) == ["GET /a 200"]
