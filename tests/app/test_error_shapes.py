"""Errors that explain themselves: each names the field at fault, never Litestar's own names."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.app.helpers import PASSWORD, bearer, register_and_login

pytestmark = pytest.mark.anyio

REGISTER = "/api/v1/auth/register"


async def test_an_empty_body_on_a_route_with_required_fields_is_malformed(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post(
        REGISTER, content=b"", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"]) == ("malformed_request", "a JSON body is required")


async def test_a_missing_field_is_named_in_errors(client: AsyncTestClient[Any]) -> None:
    response = await client.post(REGISTER, json={"email": "ada@example.com"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [{"field": "password", "message": "is required"}]
    assert "data" not in body["detail"]


async def test_search_without_q_is_a_validation_error_naming_q(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    response = await client.get(
        "/api/v1/conversations/search", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["q"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/password/forgot", {"email": "nobody@example.com"}),
        ("/api/v1/auth/verify-email/resend", {"email": "nobody@example.com"}),
    ],
)
async def test_a_202_answer_has_an_empty_body(
    client: AsyncTestClient[Any], path: str, body: dict[str, str]
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 202
    assert response.content == b""


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1b", "\x7f", "\x85"])
async def test_a_password_with_a_control_character_is_a_validation_error_on_password(
    client: AsyncTestClient[Any], char: str
) -> None:
    password = f"violet{char}kettle moon"
    response = await client.post(REGISTER, json={"email": "ada@example.com", "password": password})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["password"]
    assert password not in response.text


async def test_a_new_password_with_a_control_character_names_new_password(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": "violet\x00kettle moon"},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["new_password"]


@pytest.mark.parametrize("length", [129, 1025, 5000])
async def test_a_password_over_the_maximum_length_is_a_weak_password(
    client: AsyncTestClient[Any], length: int
) -> None:
    response = await client.post(
        REGISTER, json={"email": "ada@example.com", "password": ("violet kettle " * 400)[:length]}
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["rule"]) == ("weak_password", "too_long")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/v1/conversations", 201),
        ("PATCH", "/api/v1/users/me", 200),
        ("PUT", "/api/v1/users/me/preferences", 200),
    ],
)
async def test_an_empty_body_on_a_route_whose_fields_are_all_optional_means_an_empty_document(
    client: AsyncTestClient[Any], method: str, path: str, status: int
) -> None:
    tokens = await register_and_login(client)
    response = await client.request(method, path, headers=bearer(tokens["access_token"]))
    assert response.status_code == status, response.text
