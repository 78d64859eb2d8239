"""The OpenAPI document is complete: bearer security, every problem answer, examples.

A walker checks the document against the app's real answers; schemathesis then
runs every operation against a live server: no server error, and no answer
that contradicts the document.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.core.openapi import BEARER
from examples.litestar_app.core.problems import PROBLEM_CONTENT_TYPE
from tests.app.helpers import PASSWORD
from tests.app.live import live_service

pytestmark = pytest.mark.anyio

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM_REF = "#/components/schemas/ProblemOut"
SESSION_ENDING = (  # run last, in a pass of their own: they end the token they are given
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/logout-all",
    "DELETE /api/v1/auth/sessions",
    "DELETE /api/v1/users/me",
    "POST /api/v1/auth/password/change",
)


async def document(client: AsyncTestClient[Any]) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


async def test_the_document_offers_bearer_authorization(client: AsyncTestClient[Any]) -> None:
    scheme = (await document(client))["components"]["securitySchemes"][BEARER]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


async def test_exactly_the_operations_that_answer_401_without_a_token_declare_the_scheme(
    client: AsyncTestClient[Any],
) -> None:
    for method, path, operation in operations(await document(client)):
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = await client.request(
            method.upper(), url, params={"q": "x"}, json={} if method != "get" else None
        )
        declared = operation.get("security") == [{BEARER: []}]
        assert declared == (response.status_code == 401), (method, path, response.status_code)
        if declared:
            assert "401" in operation["responses"], (method, path)


async def test_every_error_answer_is_the_problem_document(client: AsyncTestClient[Any]) -> None:
    doc = await document(client)
    for method, path, operation in operations(doc):
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                assert list(answer["content"]) == [PROBLEM_CONTENT_TYPE], (method, path, status)
                schema = answer["content"][PROBLEM_CONTENT_TYPE]["schema"]
                assert schema == {"$ref": PROBLEM_REF}, (method, path, status)
    problem = doc["components"]["schemas"]["ProblemOut"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert "errors" in problem["properties"]


async def test_each_operation_documents_the_answers_it_can_give(
    client: AsyncTestClient[Any],
) -> None:
    doc = await document(client)
    for method, path, operation in operations(doc):
        answers = set(operation["responses"])
        if "security" in operation:
            assert {"401", "503"} <= answers, (method, path)
        if "{" in path and path.startswith("/api/"):
            assert "404" in answers, (method, path)
        if "requestBody" in operation and path.startswith("/api/"):
            assert {"400", "422"} <= answers, (method, path)
    register = doc["paths"]["/api/v1/auth/register"]["post"]["responses"]
    login = doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    roles = doc["paths"]["/api/v1/admin/users/{user_id}/roles"]["put"]["responses"]
    assert "409" in register
    assert "429" in login
    assert "403" in roles


async def test_request_bodies_have_examples(client: AsyncTestClient[Any]) -> None:
    doc = await document(client)
    schemas = doc["components"]["schemas"]
    for method, path, operation in operations(doc):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            schema = body["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            assert schema.get("examples") or body.get("examples"), (method, path, schema)


def _schemathesis(cwd: Path, env: dict[str, str], token: str, *selection: str) -> str:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{env['PA_BASE']}/schema/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        "5",
        "--seed",
        "16",
        "--header",
        f"Authorization: Bearer {token}",
        *selection,
    ]
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


def _token(base: str) -> str:
    import httpx

    body = {"email": "fuzz@example.com", "password": PASSWORD}
    httpx.post(f"{base}/api/v1/auth/register", json=body)
    return str(httpx.post(f"{base}/api/v1/auth/login", json=body).json()["access_token"])


def test_schemathesis_finds_no_server_error_and_no_contradiction(tmp_path: Path) -> None:
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("schemathesis is part of the dev extra: pip install -e '.[dev]'")
    with live_service(tmp_path) as env:
        first, second = _token(env["PA_BASE"]), _token(env["PA_BASE"])  # before any 429
        ending = [arg for name in SESSION_ENDING for arg in ("--exclude-name", name)]
        _schemathesis(tmp_path, env, first, *ending)
        last = [arg for name in SESSION_ENDING for arg in ("--include-name", name)]
        _schemathesis(tmp_path, env, second, *last)
