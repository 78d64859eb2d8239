"""Reading a webhook: no body without a signature header, and never more than 64 KiB of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pa_core.errors import MalformedRequest, PayloadTooLarge
from pa_sms.errors import InvalidWebhookSignature
from pa_sms.webhooks import WEBHOOK_MAX_BODY_BYTES, read_webhook_body, read_webhook_form

pytestmark = pytest.mark.anyio

CHUNK = 4096


class Body:
    """A request body arriving in chunks; counts how many bytes were pulled from it."""

    def __init__(self, size: int, chunk: int = CHUNK) -> None:
        self.size = size
        self.chunk = chunk
        self.pulled = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        while self.pulled < self.size:
            part = min(self.chunk, self.size - self.pulled)
            self.pulled += part
            yield b"a" * part


def test_the_cap_is_64_kib() -> None:
    assert WEBHOOK_MAX_BODY_BYTES == 64 * 1024


@pytest.mark.parametrize("signature", [None, "", "x" * 1000])
async def test_without_a_signature_header_no_byte_of_the_body_is_read(
    signature: str | None,
) -> None:
    body = Body(1024 * 1024)
    with pytest.raises(InvalidWebhookSignature):
        await read_webhook_form(signature, body.chunks(), content_length=str(body.size))
    assert body.pulled == 0


async def test_a_signed_form_is_parsed_with_repeated_names_kept() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"To=%2B14155550100&Media"
        yield b"Url=a&MediaUrl=b&Body="

    form = await read_webhook_form("c2ln", chunks())
    assert form == [("To", "+14155550100"), ("MediaUrl", "a"), ("MediaUrl", "b"), ("Body", "")]


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Body(WEBHOOK_MAX_BODY_BYTES + 1)
    with pytest.raises(PayloadTooLarge):
        await read_webhook_body(body.chunks(), content_length=str(body.size))
    assert body.pulled == 0


@pytest.mark.parametrize("declared", [None, "10"], ids=["missing", "lying"])
async def test_a_body_over_the_cap_is_refused_whatever_its_declared_length(
    declared: str | None,
) -> None:
    body = Body(1024 * 1024)
    with pytest.raises(PayloadTooLarge):
        await read_webhook_body(body.chunks(), content_length=declared)
    assert body.pulled <= WEBHOOK_MAX_BODY_BYTES + CHUNK


async def test_a_body_of_exactly_the_cap_is_read() -> None:
    body = Body(WEBHOOK_MAX_BODY_BYTES)
    assert len(await read_webhook_body(body.chunks(), content_length=str(body.size))) == body.size


@pytest.mark.parametrize("declared", ["ten", "", "1e3"])
async def test_a_content_length_that_is_no_number_is_malformed(declared: str) -> None:
    with pytest.raises(MalformedRequest):
        await read_webhook_body(Body(10).chunks(), content_length=declared)
