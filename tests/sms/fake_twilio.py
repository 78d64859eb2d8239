"""A local fake of the parts of Twilio's REST API that pa_sms uses.

It speaks Twilio's JSON shapes, status codes and error codes, so the official
``twilio`` client runs against it unchanged once ``base_url`` is set on the
client's ``api`` and ``pricing`` domains (``PA_TWILIO_API_BASE_URL``):

- ``POST/GET /2010-04-01/Accounts/{sid}/Messages.json``, ``GET .../Messages/{sid}.json``
- ``GET .../AvailablePhoneNumbers/{country}/Local.json`` (``AreaCode``, ``SmsEnabled``)
- ``POST/GET .../IncomingPhoneNumbers.json``,
  ``GET/POST/DELETE .../IncomingPhoneNumbers/{sid}.json``
- ``GET /v1/PhoneNumbers/Countries/{iso}`` and ``GET /v1/Messaging/Countries/{iso}`` (Pricing)

Errors come as Twilio sends them: ``{"code", "message", "more_info", "status"}``.
Sending to one of Twilio's magic test numbers fails like it does with test
credentials (``+15005550001`` 21211 invalid, ``+15005550002`` 21612 cannot
route, ``+15005550004`` 21610 opted out, ``+15005550009`` 21614 not a mobile);
so does sending to a number in :attr:`FakeTwilioState.opted_out` (21610).
:meth:`FakeTwilioState.fail_next` makes the next requests fail (429/20429, 500, ...).

Tests inspect and steer :class:`FakeTwilioState`; the app also runs alone::

    python -m tests.sms.fake_twilio --port 8765 --account-sid AC... --auth-token secret
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import uvicorn
from litestar import Litestar, Request, Response, route
from litestar.params import FromPath
from twilio.request_validator import RequestValidator

from pa_sms.segments import count_segments

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "MAGIC_NUMBERS",
    "FakeMessage",
    "FakeNumber",
    "FakeTwilio",
    "FakeTwilioState",
    "create_app",
    "main",
]

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
API_VERSION = "2010-04-01"
MAX_BODY = 1600
DEFAULT_PAGE_SIZE = 50
START_TIMEOUT = 10.0

MAGIC_NUMBERS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable."),
    "+15005550004": (
        21610,
        "Attempt to send to unsubscribed recipient: the 'To' number {to} has opted out.",
    ),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number."),
}
"""Twilio's magic 'To' numbers and the error each one produces."""

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom"}


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc2822(at: datetime | None) -> str | None:
    return format_datetime(at) if at is not None else None


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def re_split_message_sid(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same signed bytes cut differently: the fields after ``MessageSid`` up to
    ``SmsMessageSid`` are glued onto its value, making a new, never seen ``MessageSid``."""
    ordered = sorted(params)
    start = next(i for i, (name, _) in enumerate(ordered) if name == "MessageSid")
    end = next(i for i, (name, _) in enumerate(ordered) if name == "SmsMessageSid")
    glued = "".join(name + value for name, value in ordered[start + 1 : end])
    return [
        *ordered[:start],
        ("MessageSid", ordered[start][1] + glued),
        *ordered[end:],
    ]


def _error(status: int, code: int, message: str) -> Response[Any]:
    return Response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def _not_found(path: str) -> Response[Any]:
    return _error(404, 20404, f"The requested resource {path} was not found")


@dataclass
class FakeMessage:
    """A message as the fake keeps it; ``params`` holds the form fields exactly as posted."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    num_segments: int
    params: dict[str, str]
    status: str = "queued"
    price: Decimal | None = None
    price_unit: str = "USD"
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime = field(default_factory=_now)
    date_updated: datetime = field(default_factory=_now)
    date_sent: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The Message resource in Twilio's shape."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": _rfc2822(self.date_created),
            "date_sent": _rfc2822(self.date_sent),
            "date_updated": _rfc2822(self.date_updated),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            # Twilio reports what a message cost as a negative amount.
            "price": f"{-self.price:.5f}" if self.price is not None else None,
            "price_unit": self.price_unit,
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass
class FakeNumber:
    """A phone number: in stock, or owned (an IncomingPhoneNumber) once ``sid`` is set."""

    phone_number: str
    iso_country: str = "US"
    locality: str = "San Francisco"
    region: str = "CA"
    capabilities: dict[str, bool] = field(
        default_factory=lambda: {"voice": True, "sms": True, "mms": True, "fax": False}
    )
    sid: str | None = None
    account_sid: str | None = None
    friendly_name: str | None = None
    sms_url: str = ""
    sms_method: str = "POST"
    sms_fallback_url: str = ""
    sms_fallback_method: str = "POST"
    status_callback: str = ""
    voice_url: str | None = None
    date_created: datetime = field(default_factory=_now)
    date_updated: datetime = field(default_factory=_now)

    @property
    def display_name(self) -> str:
        """``(415) 555-0100`` for a North American number, the number itself otherwise."""
        digits = self.phone_number.removeprefix("+1")
        if self.phone_number.startswith("+1") and len(digits) == 10:
            return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        return self.phone_number

    def available_json(self) -> dict[str, Any]:
        """An AvailablePhoneNumber record (note Twilio's upper-case ``SMS``/``MMS`` there)."""
        caps = self.capabilities
        return {
            "friendly_name": self.display_name,
            "phone_number": self.phone_number,
            "lata": "722",
            "locality": self.locality,
            "rate_center": self.locality.upper()[:10],
            "latitude": "37.780000",
            "longitude": "-122.420000",
            "region": self.region,
            "postal_code": "94103",
            "iso_country": self.iso_country,
            "address_requirements": "none",
            "beta": False,
            "capabilities": {
                "voice": caps.get("voice", False),
                "SMS": caps.get("sms", False),
                "MMS": caps.get("mms", False),
                "fax": caps.get("fax", False),
            },
        }

    def incoming_json(self) -> dict[str, Any]:
        """The IncomingPhoneNumber resource in Twilio's shape."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "address_requirements": "none",
            "address_sid": None,
            "api_version": API_VERSION,
            "beta": False,
            "bundle_sid": None,
            "capabilities": dict(self.capabilities),
            "date_created": _rfc2822(self.date_created),
            "date_updated": _rfc2822(self.date_updated),
            "emergency_address_sid": None,
            "emergency_address_status": "unregistered",
            "emergency_status": "Active",
            "friendly_name": self.friendly_name or self.display_name,
            "identity_sid": None,
            "origin": "twilio",
            "phone_number": self.phone_number,
            "sid": self.sid,
            "sms_application_sid": "",
            "sms_fallback_method": self.sms_fallback_method,
            "sms_fallback_url": self.sms_fallback_url,
            "sms_method": self.sms_method,
            "sms_url": self.sms_url,
            "status": "in-use",
            "status_callback": self.status_callback,
            "status_callback_method": "POST",
            "subresource_uris": {"assigned_add_ons": f"{uri}/AssignedAddOns.json"},
            "trunk_sid": None,
            "type": "local",
            "uri": f"{uri}.json",
            "voice_application_sid": None,
            "voice_caller_id_lookup": False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_receive_mode": "voice",
            "voice_url": self.voice_url,
        }


def _default_available() -> list[FakeNumber]:
    numbers: list[FakeNumber] = []
    for area, locality, region in (
        ("415", "San Francisco", "CA"),
        ("212", "New York", "NY"),
        ("617", "Boston", "MA"),
    ):
        for n in range(10):
            voice_only = n == 9
            numbers.append(
                FakeNumber(
                    phone_number=f"+1{area}555{100 + n:04d}",
                    locality=locality,
                    region=region,
                    capabilities={
                        "voice": True,
                        "sms": not voice_only,
                        "mms": not voice_only,
                        "fax": False,
                    },
                )
            )
    numbers.append(FakeNumber(phone_number="+442071838750", iso_country="GB", locality="London"))
    return numbers


@dataclass
class _Failure:
    status: int
    code: int
    message: str


class FakeTwilioState:
    """Everything the fake knows; tests read and change it directly (thread-safe)."""

    def __init__(
        self, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = DEFAULT_AUTH_TOKEN
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to a fresh account: no messages, no owned numbers, default stock and prices."""
        with self.lock:
            self.messages: dict[str, FakeMessage] = {}
            self.available: list[FakeNumber] = _default_available()
            self.numbers: dict[str, FakeNumber] = {}
            self.opted_out: set[str] = set()
            self.number_prices: dict[str, dict[str, Decimal]] = {
                "US": {"local": Decimal("1.15"), "toll free": Decimal("2.15")},
                "CA": {"local": Decimal("1.15"), "toll free": Decimal("2.15")},
                "GB": {"local": Decimal("1.00"), "mobile": Decimal("1.00")},
            }
            self.sms_prices: dict[str, Decimal] = {
                "US": Decimal("0.0083"),
                "CA": Decimal("0.0083"),
                "GB": Decimal("0.0524"),
            }
            self.requests: list[tuple[str, str, dict[str, str]]] = []
            self._failures: list[_Failure] = []

    # --- steering ---------------------------------------------------------------

    def fail_next(
        self, times: int = 1, *, status: int = 429, code: int = 20429, message: str | None = None
    ) -> None:
        """Answer the next ``times`` API requests with this error (429/20429 by default)."""
        text = message or ("Too Many Requests" if status == 429 else "Internal server error")
        with self.lock:
            self._failures.extend(_Failure(status, code, text) for _ in range(times))

    def deliver(self, sid: str, price: Decimal = Decimal("0.0079"), unit: str = "USD") -> None:
        """Mark a message delivered and fill in its price (as Twilio does after delivery)."""
        with self.lock:
            message = self.messages[sid]
            message.status = "delivered"
            message.price = price * message.num_segments
            message.price_unit = unit
            message.date_sent = message.date_updated = _now()

    def fail_delivery(self, sid: str, error_code: int = 30003, status: str = "undelivered") -> None:
        """Mark a message undelivered/failed with a carrier error code."""
        with self.lock:
            message = self.messages[sid]
            message.status = status
            message.error_code = error_code
            message.error_message = "Unreachable destination handset"
            message.date_updated = _now()

    def add_available(self, phone_number: str, **fields: Any) -> FakeNumber:
        """Put one more number in stock (``capabilities``, ``iso_country``, ... as keywords)."""
        number = FakeNumber(phone_number=phone_number, **fields)
        with self.lock:
            self.available.append(number)
        return number

    def add_owned(self, phone_number: str, **fields: Any) -> FakeNumber:
        """Own a number directly, as if bought outside the application (``sms_url=...``, ...)."""
        number = FakeNumber(
            phone_number=phone_number, sid=_sid("PN"), account_sid=self.account_sid, **fields
        )
        with self.lock:
            self.numbers[number.sid or ""] = number
        return number

    # --- what Twilio would POST to the application ------------------------------------

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        """The ``X-Twilio-Signature`` Twilio would send for a POST of ``params`` to ``url``."""
        return str(RequestValidator(self.auth_token).compute_signature(url, dict(params)))

    def status_callback(self, sid: str) -> tuple[str, dict[str, str], str]:
        """The status callback of a message as Twilio would POST it: (url, form, signature).

        Raises:
            KeyError: no message ``sid``; ValueError: it was sent without a callback URL.
        """
        with self.lock:
            message = self.messages[sid]
            if not message.status_callback:
                raise ValueError(f"message {sid} has no status callback")
            params = {
                "AccountSid": message.account_sid,
                "ApiVersion": API_VERSION,
                "From": message.from_,
                "MessageSid": message.sid,
                "MessageStatus": message.status,
                "SmsSid": message.sid,
                "SmsStatus": message.status,
                "To": message.to,
            }
            if message.error_code is not None:
                params["ErrorCode"] = str(message.error_code)
            url = message.status_callback
        return url, params, self.sign(url, params)

    def inbound(self, url: str, *, to: str, from_: str, body: str) -> tuple[dict[str, str], str]:
        """An incoming SMS webhook as Twilio would POST it to ``url``: (form, signature)."""
        sid = _sid("SM")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "FromCountry": "US",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(count_segments(body).segments) if body else "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
            "ToCountry": "US",
        }
        return params, self.sign(url, params)

    # --- inspection ---------------------------------------------------------------

    @property
    def sent(self) -> list[FakeMessage]:
        """Every message accepted, oldest first."""
        with self.lock:
            return list(self.messages.values())

    def owned_by_number(self, phone_number: str) -> FakeNumber | None:
        """The owned number with this E.164 value, if any."""
        with self.lock:
            return next((n for n in self.numbers.values() if n.phone_number == phone_number), None)

    def _take_failure(self) -> _Failure | None:
        with self.lock:
            return self._failures.pop(0) if self._failures else None


# --- the ASGI app ---------------------------------------------------------------


def _authorized(request: Request[Any, Any, Any], state: FakeTwilioState, account: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return (
        secrets.compare_digest(user, state.account_sid)
        and secrets.compare_digest(password, state.auth_token)
        and account in {state.account_sid, ""}
    )


async def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items()}
    if request.method in {"POST", "PUT"}:
        form = await request.form()
        params.update({k: str(v) for k, v in form.items()})
    return params


def _gate(
    request: Request[Any, Any, Any], state: FakeTwilioState, account: str, params: dict[str, str]
) -> Response[Any] | None:
    """Log the request, then refuse it if unauthenticated or a failure is planned."""
    with state.lock:
        state.requests.append((request.method, request.url.path, params))
    if not _authorized(request, state, account):
        response = _error(401, 20003, "Authenticate")
        return response
    failure = state._take_failure()
    if failure is not None:
        return _error(failure.status, failure.code, failure.message)
    return None


def _json_name(name: str) -> str | None:
    return name.removesuffix(".json") if name.endswith(".json") else None


def _page(
    key: str,
    records: list[dict[str, Any]],
    path: str,
    params: Mapping[str, str],
) -> dict[str, Any]:
    size = max(1, min(int(params.get("PageSize", DEFAULT_PAGE_SIZE)), 1000))
    page = max(0, int(params.get("Page", 0)))
    chunk = records[page * size : (page + 1) * size]
    base = {k: v for k, v in params.items() if k not in {"Page", "PageSize", "PageToken"}}

    def uri(number: int) -> str:
        return f"{path}?{urlencode({**base, 'PageSize': size, 'Page': number})}"

    has_next = (page + 1) * size < len(records)
    return {
        key: chunk,
        "end": page * size + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1) if has_next else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": page * size,
        "uri": uri(page),
    }


def create_app(state: FakeTwilioState) -> Litestar:
    """The fake as a Litestar ASGI app over ``state``."""
    prefix = f"/{API_VERSION}/Accounts/{{account:str}}"

    @route(f"{prefix}/Messages.json", http_method=["GET", "POST"])
    async def messages(request: Request[Any, Any, Any], account: FromPath[str]) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, account, params)) is not None:
            return refused
        if request.method == "GET":
            records = [m.to_json() for m in reversed(state.sent)]
            if to := params.get("To"):
                records = [r for r in records if r["to"] == to]
            return Response(_page("messages", records, request.url.path, params), status_code=200)
        return _create_message(account, params)

    def _create_message(account: str, params: dict[str, str]) -> Response[Any]:
        to, from_, body = params.get("To", ""), params.get("From", ""), params.get("Body")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not from_ and not params.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return _error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if to in MAGIC_NUMBERS:
            code, text = MAGIC_NUMBERS[to]
            return _error(400, code, text.format(to=to))
        if not _E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        with state.lock:
            if to in state.opted_out:
                return _error(400, 21610, "Attempt to send to unsubscribed recipient")
            message = FakeMessage(
                sid=_sid("SM"),
                account_sid=account,
                to=to,
                from_=from_,
                body=body,
                status_callback=params.get("StatusCallback"),
                num_segments=count_segments(body).segments,
                params=dict(params),
            )
            state.messages[message.sid] = message
        return Response(message.to_json(), status_code=201)

    @route(f"{prefix}/Messages/{{name:str}}", http_method=["GET"])
    async def message(
        request: Request[Any, Any, Any], account: FromPath[str], name: FromPath[str]
    ) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, account, params)) is not None:
            return refused
        sid = _json_name(name)
        with state.lock:
            found = state.messages.get(sid or "")
            if found is None:
                return _not_found(request.url.path)
            return Response(found.to_json(), status_code=200)

    @route(f"{prefix}/AvailablePhoneNumbers/{{country:str}}/Local.json", http_method=["GET"])
    async def available(
        request: Request[Any, Any, Any], account: FromPath[str], country: FromPath[str]
    ) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, account, params)) is not None:
            return refused
        if country not in _COUNTRIES:
            return _not_found(request.url.path)
        area = params.get("AreaCode")
        sms = params.get("SmsEnabled", "").lower() == "true"
        size = int(params.get("PageSize", DEFAULT_PAGE_SIZE))
        with state.lock:
            owned = {n.phone_number for n in state.numbers.values()}
            found = [
                n.available_json()
                for n in state.available
                if n.iso_country == country
                and n.phone_number not in owned
                and (not area or n.phone_number.startswith(f"+1{area}"))
                and (not sms or n.capabilities.get("sms", False))
            ][:size]
        return Response(
            {"available_phone_numbers": found, "uri": str(request.url.path)}, status_code=200
        )

    @route(f"{prefix}/IncomingPhoneNumbers.json", http_method=["GET", "POST"])
    async def incoming(request: Request[Any, Any, Any], account: FromPath[str]) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, account, params)) is not None:
            return refused
        if request.method == "GET":
            with state.lock:
                records = [
                    n.incoming_json()
                    for n in state.numbers.values()
                    if params.get("PhoneNumber") in (None, n.phone_number)
                ]
            return Response(
                _page("incoming_phone_numbers", records, request.url.path, params), status_code=200
            )
        return _provision(account, params)

    def _provision(account: str, params: dict[str, str]) -> Response[Any]:
        wanted, area = params.get("PhoneNumber"), params.get("AreaCode")
        if not wanted and not area:
            return _error(400, 21421, "PhoneNumber or AreaCode is required.")
        with state.lock:
            owned = {n.phone_number for n in state.numbers.values()}
            stock = [n for n in state.available if n.phone_number not in owned]
            if wanted:
                pick = next((n for n in stock if n.phone_number == wanted), None)
                if pick is None:
                    return _error(400, 21422, "PhoneNumber requested is not available")
            else:
                pick = next((n for n in stock if n.phone_number.startswith(f"+1{area}")), None)
                if pick is None:
                    return _error(400, 21452, f"No phone numbers found in area code {area}")
            state.available.remove(pick)
            number = FakeNumber(
                phone_number=pick.phone_number,
                iso_country=pick.iso_country,
                locality=pick.locality,
                region=pick.region,
                capabilities=dict(pick.capabilities),
                sid=_sid("PN"),
                account_sid=account,
            )
            _apply_number_params(number, params)
            state.numbers[number.sid or ""] = number
        return Response(number.incoming_json(), status_code=201)

    @route(f"{prefix}/IncomingPhoneNumbers/{{name:str}}", http_method=["GET", "POST", "DELETE"])
    async def incoming_one(
        request: Request[Any, Any, Any], account: FromPath[str], name: FromPath[str]
    ) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, account, params)) is not None:
            return refused
        sid = _json_name(name) or ""
        with state.lock:
            number = state.numbers.get(sid)
            if number is None:
                return _not_found(request.url.path)
            if request.method == "DELETE":
                del state.numbers[sid]
                return Response(b"", status_code=204)
            if request.method == "POST":
                _apply_number_params(number, params)
                number.date_updated = _now()
            return Response(number.incoming_json(), status_code=200)

    @route("/v1/PhoneNumbers/Countries/{iso:str}", http_method=["GET"])
    async def number_prices(request: Request[Any, Any, Any], iso: FromPath[str]) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, "", params)) is not None:
            return refused
        with state.lock:
            prices = state.number_prices.get(iso.upper())
        if prices is None or iso.upper() not in _COUNTRIES:
            return _not_found(request.url.path)
        return Response(
            {
                "country": _COUNTRIES[iso.upper()],
                "iso_country": iso.upper(),
                "phone_number_prices": [
                    {"number_type": kind, "base_price": str(p), "current_price": str(p)}
                    for kind, p in prices.items()
                ],
                "price_unit": "USD",
                "url": f"https://pricing.twilio.com/v1/PhoneNumbers/Countries/{iso.upper()}",
            },
            status_code=200,
        )

    @route("/v1/Messaging/Countries/{iso:str}", http_method=["GET"])
    async def sms_prices(request: Request[Any, Any, Any], iso: FromPath[str]) -> Response[Any]:
        params = await _params(request)
        if (refused := _gate(request, state, "", params)) is not None:
            return refused
        with state.lock:
            price = state.sms_prices.get(iso.upper())
        if price is None or iso.upper() not in _COUNTRIES:
            return _not_found(request.url.path)
        entry = {"number_type": "local", "base_price": str(price), "current_price": str(price)}
        return Response(
            {
                "country": _COUNTRIES[iso.upper()],
                "iso_country": iso.upper(),
                "outbound_sms_prices": [
                    {"carrier": "Fake Carrier", "mcc": "310", "mnc": "410", "prices": [entry]}
                ],
                "inbound_sms_prices": [entry],
                "price_unit": "USD",
                "url": f"https://pricing.twilio.com/v1/Messaging/Countries/{iso.upper()}",
            },
            status_code=200,
        )

    return Litestar(
        route_handlers=[
            messages,
            message,
            available,
            incoming,
            incoming_one,
            number_prices,
            sms_prices,
        ],
        openapi_config=None,
    )


def _apply_number_params(number: FakeNumber, params: Mapping[str, str]) -> None:
    for form_key, attribute in (
        ("FriendlyName", "friendly_name"),
        ("SmsUrl", "sms_url"),
        ("SmsMethod", "sms_method"),
        ("SmsFallbackUrl", "sms_fallback_url"),
        ("SmsFallbackMethod", "sms_fallback_method"),
        ("StatusCallback", "status_callback"),
        ("VoiceUrl", "voice_url"),
    ):
        if form_key in params:
            setattr(number, attribute, params[form_key])


# --- serving ---------------------------------------------------------------------


class FakeTwilio:
    """The fake served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, state: FakeTwilioState | None = None) -> None:
        self.state = state or FakeTwilioState()
        self.app = create_app(self.state)
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Forget everything the tests did (see :meth:`FakeTwilioState.reset`)."""
        self.state.reset()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (``0``: a free port); return the base URL once it listens."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-twilio"
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Twilio server did not start")
            time.sleep(0.01)
        self.url = f"http://{host}:{sock.getsockname()[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    @contextlib.contextmanager
    def running(self) -> Iterator[FakeTwilio]:
        """Serve for the duration of a ``with`` block."""
        self.start()
        try:
            yield self
        finally:
            self.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the fake in the foreground: ``python -m tests.sms.fake_twilio --port 8765``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    args = parser.parse_args(argv)
    state = FakeTwilioState(account_sid=args.account_sid, auth_token=args.auth_token)
    print(f"fake Twilio on http://{args.host}:{args.port} (account {args.account_sid})")
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
