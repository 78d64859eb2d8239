"""Twilio's webhooks through the app: signatures, exactly-once routing, opt-out, callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from pa_core.clock import FrozenClock
from pa_core.pagination import PageRequest
from pa_sms.agents import DEFAULT_ACKNOWLEDGEMENT
from pa_sms.keywords import DEFAULT_HELP_TEXT
from pa_sms.webhooks import webhook_auth_token
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, in_app, login, register_and_login
from tests.sms.fake_twilio import FakeTwilio, FakeTwilioState

pytestmark = pytest.mark.anyio

PUBLIC = "https://pa.example/assistant"
INBOUND = PUBLIC + "/sms/inbound"
STATUS = PUBLIC + "/sms/status"
ALICE_PHONE, BOB_PHONE = "+15550000001", "+15550000002"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Twilio:
    """Posts what Twilio would post, signed with the token the app verifies with."""

    def __init__(self, client: AsyncTestClient[Any], state: FakeTwilioState) -> None:
        self.client = client
        self.state = state

    @property
    def services(self) -> Any:
        return self.client.app.state.services

    def inbound_form(
        self, to: str, from_: str, body: str, sid: str | None = None
    ) -> dict[str, str]:
        form, _ = self.state.inbound(INBOUND, to=to, from_=from_, body=body)
        if sid:
            form["MessageSid"] = form["SmsSid"] = form["SmsMessageSid"] = sid
        return form

    async def post(self, path: str, form: dict[str, str], signature: str | None) -> Any:
        headers = dict(FORM)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, content=urlencode(form), headers=headers)

    async def text(self, to: str, from_: str, body: str, sid: str | None = None) -> Any:
        form = self.inbound_form(to, from_, body, sid)
        response = await self.post("/sms/inbound", form, self.state.sign(INBOUND, form))
        await self.services.sms_queue.join()
        return response

    def replies_to(self, phone: str) -> list[str]:
        return [m.body for m in self.services.sms_sender.sent if m.to == phone]


async def user_with_number(client: AsyncTestClient[Any], name: str, area: str = "415") -> Any:
    session = await register_and_login(client, f"{name}@example.com")
    numbers = client.app.state.services.sms.numbers
    return await in_app(client, lambda: numbers.provision(session["user"]["id"], area_code=area))


async def said_in_conversation(twilio: Twilio, user_id: str) -> list[str]:
    """What the user said by text, as recorded in their conversations."""
    conversations = twilio.services.assistant.conversations
    page = await in_app(twilio.client, conversations.list, user_id, PageRequest())
    said: list[str] = []
    for conversation in page.items:
        messages = await in_app(
            twilio.client, conversations.messages, user_id, conversation.id, PageRequest()
        )
        said += [m.body for m in messages.items if m.direction == "in"]
    return said


def app_settings(tmp_path: Path, **overrides: Any) -> AppSettings:
    return make_settings(
        tmp_path,
        public_base_url=PUBLIC,
        rate_limit_register_per_ip="1000/1h",
        rate_limit_login_per_ip="1000/1m",
        **overrides,
    )


@pytest.fixture
async def twilio(tmp_path: Path) -> AsyncIterator[Twilio]:
    settings = app_settings(tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield Twilio(client, FakeTwilioState(auth_token=webhook_auth_token(settings)))


async def test_a_message_is_answered_with_empty_twiml_and_the_reply_goes_out_by_rest(
    twilio: Twilio,
) -> None:
    number = await user_with_number(twilio.client, "alice")
    response = await twilio.text(number.phone_number, ALICE_PHONE, "remind me at 5")
    assert response.status_code == 200
    assert response.text == "<Response/>"
    assert response.headers["content-type"].startswith("text/xml")
    [reply] = twilio.services.sms_sender.sent
    assert (reply.from_, reply.to, reply.body) == (
        number.phone_number,
        ALICE_PHONE,
        DEFAULT_ACKNOWLEDGEMENT,
    )
    assert reply.status_callback == STATUS
    # Both sides are in the user's "Text messages" conversation, channel sms.
    tokens = await login(twilio.client, "alice@example.com")
    headers = bearer(tokens["access_token"])
    [conversation] = (await twilio.client.get("/api/v1/conversations", headers=headers)).json()[
        "items"
    ]
    assert conversation["title"] == "Text messages"
    messages = (
        await twilio.client.get(
            f"/api/v1/conversations/{conversation['id']}/messages", headers=headers
        )
    ).json()["items"]
    assert [(m["direction"], m["channel"], m["body"]) for m in messages] == [
        ("in", "sms", "remind me at 5"),
        ("out", "sms", DEFAULT_ACKNOWLEDGEMENT),
    ]


@pytest.mark.parametrize("signature", [None, "", "Zm9yZ2Vk", "wrong-url"])
async def test_a_forged_missing_or_wrong_url_signature_is_refused(
    twilio: Twilio, signature: str | None
) -> None:
    number = await user_with_number(twilio.client, "alice")
    form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "hi")
    if signature == "wrong-url":
        # What verifying against the request's own Host (behind the proxy) would use.
        signature = twilio.state.sign("http://testserver.local/sms/inbound", form)
    response = await twilio.post("/sms/inbound", form, signature)
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_webhook_signature"
    await twilio.services.sms_queue.join()
    assert twilio.services.sms_sender.sent == []
    assert await twilio.services.sms.store.get_message(form["MessageSid"]) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("MessageSid", "SM1"), ("MessageSid", "SM" + "a" * 32 + "NumMedia0"), ("AccountSid", "AC1")],
)
async def test_a_signed_webhook_with_a_malformed_sid_is_400_and_not_processed(
    twilio: Twilio, field: str, value: str
) -> None:
    number = await user_with_number(twilio.client, "alice")
    form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "hi")
    form[field] = value
    response = await twilio.post("/sms/inbound", form, twilio.state.sign(INBOUND, form))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    await twilio.services.sms_queue.join()
    assert twilio.services.sms_sender.sent == []
    assert await twilio.services.sms.store.get_message(form["MessageSid"]) is None


async def test_a_status_callback_with_a_malformed_sid_is_400(twilio: Twilio) -> None:
    form = {"MessageSid": "SMnot-a-sid", "MessageStatus": "delivered"}
    response = await twilio.post("/sms/status", form, twilio.state.sign(STATUS, form))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


async def test_the_public_url_is_verified_whatever_host_the_proxy_forwards(
    twilio: Twilio,
) -> None:
    number = await user_with_number(twilio.client, "alice")
    form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "hi")
    response = await twilio.client.post(
        "/sms/inbound",
        content=urlencode(form),
        headers={
            **FORM,
            "Host": "10.0.0.7:8003",
            "X-Forwarded-Proto": "http",
            "X-Twilio-Signature": twilio.state.sign(INBOUND, form),
        },
    )
    assert response.status_code == 200


async def test_a_repeated_message_sid_is_answered_but_processed_once(twilio: Twilio) -> None:
    number = await user_with_number(twilio.client, "alice")
    for _ in range(3):
        response = await twilio.text(number.phone_number, ALICE_PHONE, "hi", sid="SM" + "1" * 32)
        assert response.status_code == 200
        assert response.text == "<Response/>"
    assert twilio.replies_to(ALICE_PHONE) == [DEFAULT_ACKNOWLEDGEMENT]


async def test_duplicates_arriving_at_the_same_moment_are_processed_once(
    twilio: Twilio,
) -> None:
    number = await user_with_number(twilio.client, "alice")
    form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "hi", sid="SM" + "2" * 32)
    signature = twilio.state.sign(INBOUND, form)
    statuses: list[int] = []

    async def deliver() -> None:
        statuses.append((await twilio.post("/sms/inbound", form, signature)).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(deliver)
    await twilio.services.sms_queue.join()
    assert statuses == [200] * 8
    assert twilio.replies_to(ALICE_PHONE) == [DEFAULT_ACKNOWLEDGEMENT]


async def test_a_message_to_alices_number_never_reaches_bob(twilio: Twilio) -> None:
    alice = await user_with_number(twilio.client, "alice", "415")
    bob = await user_with_number(twilio.client, "bob", "212")
    await twilio.text(alice.phone_number, BOB_PHONE, "for alice only")
    assert await said_in_conversation(twilio, alice.user_id) == ["for alice only"]
    assert await said_in_conversation(twilio, bob.user_id) == []
    assert {m.from_ for m in twilio.services.sms_sender.sent} == {alice.phone_number}


async def test_an_unknown_or_released_number_reaches_nobody(twilio: Twilio) -> None:
    number = await user_with_number(twilio.client, "alice")
    await in_app(twilio.client, twilio.services.sms.numbers.release, number.id)
    for to in (number.phone_number, "+14155550199"):
        response = await twilio.text(to, ALICE_PHONE, "anyone?")
        assert (response.status_code, response.text) == (200, "<Response/>")
    assert twilio.services.sms_sender.sent == []
    assert await said_in_conversation(twilio, number.user_id) == []


async def test_our_own_number_as_sender_is_ignored(twilio: Twilio) -> None:
    alice = await user_with_number(twilio.client, "alice", "415")
    bob = await user_with_number(twilio.client, "bob", "212")
    response = await twilio.text(alice.phone_number, bob.phone_number, "loop")
    assert response.status_code == 200
    assert twilio.services.sms_sender.sent == []


async def test_stop_start_and_help(twilio: Twilio) -> None:
    number = await user_with_number(twilio.client, "alice")
    await twilio.text(number.phone_number, ALICE_PHONE, "STOP")
    await twilio.text(number.phone_number, ALICE_PHONE, "still there?")
    assert twilio.replies_to(ALICE_PHONE) == []
    await twilio.text(number.phone_number, ALICE_PHONE, "HELP")
    assert twilio.replies_to(ALICE_PHONE) == [DEFAULT_HELP_TEXT]
    await twilio.text(number.phone_number, ALICE_PHONE, "START")
    await twilio.text(number.phone_number, ALICE_PHONE, "back")
    assert twilio.replies_to(ALICE_PHONE) == [DEFAULT_HELP_TEXT, DEFAULT_ACKNOWLEDGEMENT]


async def test_status_callbacks_out_of_order_never_move_a_message_back(twilio: Twilio) -> None:
    number = await user_with_number(twilio.client, "alice")
    await twilio.text(number.phone_number, ALICE_PHONE, "hi")
    [sid] = list(twilio.services.sms_sender.results)

    async def callback(status: str, **extra: str) -> int:
        form = {
            "AccountSid": twilio.state.account_sid,
            "MessageSid": sid,
            "MessageStatus": status,
            "From": number.phone_number,
            "To": ALICE_PHONE,
            **extra,
        }
        response = await twilio.post("/sms/status", form, twilio.state.sign(STATUS, form))
        return int(response.status_code)

    assert await callback("delivered") == 204
    assert await callback("sent") == 204
    record = await twilio.services.sms.store.get_message(sid)
    assert record.status == "delivered"
    forged = {"MessageSid": sid, "MessageStatus": "failed"}
    response = await twilio.post("/sms/status", forged, twilio.state.sign(INBOUND, forged))
    assert response.status_code == 403


# --- through the real twilio client, against the fake ---------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio()
    with server.running():
        yield server


@pytest.fixture
async def live(fake: FakeTwilio, tmp_path: Path) -> AsyncIterator[Twilio]:
    fake.reset()
    settings = app_settings(
        tmp_path,
        sms_transport="twilio",
        twilio_account_sid=fake.state.account_sid,
        twilio_auth_token=fake.state.auth_token,
        twilio_api_base_url=fake.url,
        twilio_from_number="+15005550006",
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield Twilio(client, fake.state)


@pytest.mark.twilio
async def test_provision_reply_status_and_price_through_twilio(
    live: Twilio, fake: FakeTwilio
) -> None:
    number = await user_with_number(live.client, "alice")
    owned = fake.state.owned_by_number(number.phone_number)
    assert owned is not None
    assert (owned.sms_url, owned.sms_method, owned.sms_fallback_url) == (INBOUND, "POST", INBOUND)

    response = await live.text(number.phone_number, ALICE_PHONE, "hello")
    assert response.status_code == 200
    [sent] = fake.state.sent
    assert (sent.from_, sent.to, sent.body) == (
        number.phone_number,
        ALICE_PHONE,
        DEFAULT_ACKNOWLEDGEMENT,
    )
    assert sent.params["StatusCallback"] == STATUS

    fake.state.deliver(sent.sid)
    url, form, signature = fake.state.status_callback(sent.sid)
    assert url == STATUS
    assert (await live.post("/sms/status", form, signature)).status_code == 204
    record = await live.services.sms.store.get_message(sent.sid)
    assert record.status == "delivered"
    outbound = live.services.sms.outbound
    outbound.clock = FrozenClock(record.created_at + timedelta(minutes=10))
    assert await in_app(live.client, outbound.refresh_prices) == 1
    priced = await live.services.sms.store.get_message(sent.sid)
    assert priced.price is not None


@pytest.mark.twilio
async def test_another_account_is_refused_even_with_the_right_token(
    live: Twilio, fake: FakeTwilio
) -> None:
    number = await user_with_number(live.client, "alice")
    form = live.inbound_form(number.phone_number, ALICE_PHONE, "hi")
    form["AccountSid"] = "AC" + "9" * 32
    response = await live.post("/sms/inbound", form, fake.state.sign(INBOUND, form))
    assert response.status_code == 403


@pytest.mark.redis
async def test_with_the_redis_job_queue_the_reply_goes_out_once_and_no_job_is_left(
    tmp_path: Path, redis_url: str
) -> None:
    settings = app_settings(tmp_path, redis_url=redis_url, sms_job_queue="redis")
    async with AsyncTestClient(app=create_app(settings)) as client:
        twilio = Twilio(client, FakeTwilioState(auth_token=webhook_auth_token(settings)))
        number = await user_with_number(client, "alice")
        form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "remind me at 5")
        signature = twilio.state.sign(INBOUND, form)
        for _ in range(2):  # Twilio's retry
            assert (await twilio.post("/sms/inbound", form, signature)).status_code == 200
        queue = twilio.services.sms_queue
        await in_app(client, queue.join)
        assert twilio.replies_to(ALICE_PHONE) == [DEFAULT_ACKNOWLEDGEMENT]
        assert await said_in_conversation(twilio, number.user_id) == ["remind me at 5"]
        assert await in_app(client, queue.client.xlen, queue.stream) == 0


@pytest.mark.redis
async def test_a_web_process_beside_sms_workers_leaves_jobs_and_refreshes_to_them(
    tmp_path: Path, redis_url: str
) -> None:
    settings = app_settings(
        tmp_path, redis_url=redis_url, sms_job_queue="redis", sms_worker_in_app=False
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        twilio = Twilio(client, FakeTwilioState(auth_token=webhook_auth_token(settings)))
        number = await user_with_number(client, "alice")
        form = twilio.inbound_form(number.phone_number, ALICE_PHONE, "remind me at 5")
        assert (
            await twilio.post("/sms/inbound", form, twilio.state.sign(INBOUND, form))
        ).status_code == 200
        queue = twilio.services.sms_queue
        assert await in_app(client, queue.client.xlen, queue.stream) == 1  # waiting for a worker
        assert twilio.replies_to(ALICE_PHONE) == []
        services = client.app.state.services
        assert services.sms_usage._task is None  # no rollup refresh in a web process
        assert services.sms._price_task is None


def test_the_sms_worker_needs_the_redis_job_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from examples.litestar_app.core.cli import main

    monkeypatch.setenv("PA_SMS_JOB_QUEUE", "inprocess")
    monkeypatch.setenv("PA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3")
    assert main(["sms-worker"]) == 2
    assert "PA_SMS_JOB_QUEUE=redis" in capsys.readouterr().err
