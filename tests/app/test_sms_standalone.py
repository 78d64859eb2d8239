"""The SMS webhooks as their own service: same wiring, only what Twilio calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.core.cli import build_parser, main
from examples.litestar_app.core.services import Services, SharedServices
from examples.litestar_app.sms_app import create_sms_app
from pa_sms.webhooks import webhook_auth_token
from tests.app.conftest import make_settings
from tests.sms.fake_twilio import FakeTwilioState

pytestmark = pytest.mark.anyio


async def test_the_standalone_service_verifies_and_answers_webhooks(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, public_base_url="https://sms.pa.example")
    twilio = FakeTwilioState(auth_token=webhook_auth_token(settings))
    url = "https://sms.pa.example/sms/inbound"
    form, signature = twilio.inbound(url, to="+14155550100", from_="+15550000001", body="hi")
    headers: dict[str, Any] = {"Content-Type": "application/x-www-form-urlencoded"}
    async with AsyncTestClient(app=create_sms_app(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        ok = await client.post(
            "/sms/inbound",
            content=urlencode(form),
            headers={**headers, "X-Twilio-Signature": signature},
        )
        assert (ok.status_code, ok.text) == (200, "<Response/>")
        refused = await client.post("/sms/inbound", content=urlencode(form), headers=headers)
        assert refused.status_code == 403
        assert (await client.get("/api/v1/sms/numbers")).status_code == 404


async def test_the_standalone_service_builds_no_account_token_session_or_mfa_service(
    tmp_path: Path,
) -> None:
    async with AsyncTestClient(app=create_sms_app(make_settings(tmp_path))) as client:
        services = client.app.state.services
        assert isinstance(services, SharedServices)
        assert not isinstance(services, Services)
        for unused in ("accounts", "tokens", "sessions", "refresh_tokens", "mfa", "authenticator"):
            assert not hasattr(services, unused), unused


def test_serve_sms_listens_on_port_8003_by_default(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve-sms"])
    assert args.port is None
    with (
        mock.patch.dict("os.environ", {"PA_DATA_DIR": str(tmp_path)}),
        mock.patch("uvicorn.run") as run,
    ):
        assert main(["serve-sms"]) == 0
    assert run.call_args.args[0] == "examples.litestar_app.sms_app:create_sms_app"
    assert run.call_args.kwargs["port"] == 8003
