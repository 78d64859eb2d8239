"""Time-based one-time passwords (RFC 6238) for authenticator apps.

:class:`TotpService` makes secrets, ``otpauth://`` URIs and their QR codes, and
verifies codes with one step of drift either way. It refuses a replayed code in
two ways, for the two places the last use can live:

* :meth:`TotpService.verify` takes the last accepted time step (kept with the
  factor, e.g. in ``mfa_factors``) and refuses a code whose step is not newer;
  the caller stores the step it returns with a compare-and-set
  (``UPDATE ... SET last_step = :new WHERE last_step IS NULL OR last_step < :new``)
  and treats "no row updated" as a replay.
* :meth:`TotpService.verify_and_consume` does the same atomically on a
  :class:`~pa_core.kv.base.KeyValueStore` (memory or Redis), see its docstring.

Secrets are base32 text while in use and encrypted at rest:
:meth:`TotpService.encrypt_secret` / :meth:`TotpService.decrypt_secret`.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

import anyio.to_thread
import pyotp
import segno

from pa_core.clock import Clock
from pa_core.crypto import FieldEncryptor
from pa_core.errors import ImproperlyConfigured, InvalidInput, InvalidMfaCode
from pa_core.kv.base import KeyValueStore

__all__ = [
    "DEFAULT_DIGITS",
    "DEFAULT_DRIFT_STEPS",
    "DEFAULT_INTERVAL",
    "SECRET_BYTES",
    "TotpService",
]

SECRET_BYTES = 20
"""Random bytes in a new secret: 160 bits, as RFC 4226 recommends (32 base32 characters)."""

DEFAULT_DIGITS = 6
"""Digits in a code; what every authenticator app shows."""

DEFAULT_INTERVAL = timedelta(seconds=30)
"""Length of one time step (RFC 6238's default)."""

DEFAULT_DRIFT_STEPS = 1
"""Time steps accepted either side of the current one, for clock drift and typing time."""

_MIN_DIGITS, _MAX_DIGITS = 6, 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEPARATORS = re.compile(r"[\s-]")
_QR_SCALE = 4
_QR_TITLE = "QR code for your authenticator app"


class TotpService:
    """Creates TOTP secrets and verifies codes against them.

    Args:
        encryptor: encrypts secrets at rest.
        issuer: the name authenticator apps show above the account (the site name).
        clock: the time source.
        digits: code length, 6 to 8.
        interval: length of a time step, whole seconds.
        drift_steps: steps accepted before and after the current one.

    Raises:
        ImproperlyConfigured: an out-of-range parameter.
    """

    def __init__(
        self,
        encryptor: FieldEncryptor,
        issuer: str,
        clock: Clock,
        *,
        digits: int = DEFAULT_DIGITS,
        interval: timedelta = DEFAULT_INTERVAL,
        drift_steps: int = DEFAULT_DRIFT_STEPS,
    ) -> None:
        if not _MIN_DIGITS <= digits <= _MAX_DIGITS:
            raise ImproperlyConfigured(f"TOTP digits must be {_MIN_DIGITS} to {_MAX_DIGITS}")
        seconds = interval.total_seconds()
        if seconds < 1 or seconds != int(seconds):
            raise ImproperlyConfigured("TOTP interval must be a whole number of seconds >= 1")
        if drift_steps < 0:
            raise ImproperlyConfigured("TOTP drift_steps must not be negative")
        if not issuer or ":" in issuer:
            raise ImproperlyConfigured("TOTP issuer must be non-empty and contain no ':'")
        self.encryptor = encryptor
        self.issuer = issuer
        self.clock = clock
        self.digits = digits
        self.interval = interval
        self.drift_steps = drift_steps
        self._code_pattern = re.compile(rf"[0-9]{{{digits}}}")

    # --- secrets -------------------------------------------------------------

    @staticmethod
    def new_secret() -> str:
        """A new random 160-bit secret, base32 without padding (32 characters)."""
        return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")

    def encrypt_secret(self, secret: str) -> str:
        """The secret encrypted for storage."""
        return self.encryptor.encrypt(secret)

    def decrypt_secret(self, stored: str) -> str:
        """The secret back from :meth:`encrypt_secret`'s output.

        Raises:
            InvalidInput: the stored value cannot be decrypted with any configured key.
        """
        return self.encryptor.decrypt(stored)

    # --- enrolment -----------------------------------------------------------

    def provisioning_uri(self, secret: str, account_name: str) -> str:
        """The ``otpauth://totp/...`` URI an authenticator app imports (issuer and account)."""
        return self._totp(secret).provisioning_uri(name=account_name, issuer_name=self.issuer)

    async def qr_svg(self, uri: str) -> str:
        """The QR code of ``uri`` as an inline SVG element (no XML declaration), for HTML.

        Rendering runs in a worker thread so it never stalls the event loop.
        """
        return await anyio.to_thread.run_sync(_render_svg, uri)

    # --- verification --------------------------------------------------------

    def current_step(self) -> int:
        """The time step the clock is in now."""
        return (self.clock.now() - _EPOCH) // self.interval

    def verify(self, secret: str, code: str, last_used_step: int | None = None) -> int:
        """Check ``code`` and return the time step it belongs to.

        The code may carry spaces or a dash ("123 456"). Every step of the
        window is compared, in constant time, whatever matches.

        Args:
            secret: the base32 secret (decrypted).
            code: what the user typed.
            last_used_step: the step of the last accepted code, if any; a code of
                that step or an older one is a replay.

        Returns:
            The accepted time step: store it as the new ``last_used_step``.

        Raises:
            InvalidMfaCode: malformed, wrong, outside the window, or replayed.
            InvalidInput: ``secret`` is not valid base32.
        """
        candidate = _SEPARATORS.sub("", code)
        well_formed = self._code_pattern.fullmatch(candidate) is not None
        if not well_formed:
            candidate = "0" * self.digits  # still do the work: no timing difference
        totp = self._totp(secret)
        now = self.current_step()
        accepted: int | None = None
        for step in range(now - self.drift_steps, now + self.drift_steps + 1):
            expected = totp.generate_otp(step)
            matches = hmac.compare_digest(expected.encode(), candidate.encode())
            fresh = last_used_step is None or step > last_used_step
            if matches and fresh and accepted is None:
                accepted = step
        if accepted is None or not well_formed:
            raise InvalidMfaCode()
        return accepted

    async def verify_and_consume(
        self,
        secret: str,
        code: str,
        user_id: str,
        store: KeyValueStore,
        last_used_step: int | None = None,
    ) -> int:
        """Verify ``code`` and mark its step used in ``store``, atomically; return the step.

        Each accepted step is claimed with ``set_if_absent`` under
        ``totp:{user_id}:{step}``, so of concurrent uses of one code exactly one
        wins. The winner then also claims every older step still inside the
        window, so once it returns, an older code (seen over a shoulder, say) is
        refused too. Markers expire when their step has left the window.

        ``last_used_step`` (optional) is checked as in :meth:`verify`, for callers
        that also keep the last step with the factor.

        Raises:
            InvalidMfaCode: as :meth:`verify`, or the step was used already.
            ServiceUnavailable: the store cannot be reached.
        """
        step = self.verify(secret, code, last_used_step)
        ttl = self.interval * (2 * self.drift_steps + 2)
        if not await store.set_if_absent(_step_key(user_id, step), b"1", ttl):
            raise InvalidMfaCode()
        for older in range(self.current_step() - self.drift_steps, step):
            await store.set_if_absent(_step_key(user_id, older), b"0", ttl)
        return step

    # --- internals -----------------------------------------------------------

    def _totp(self, secret: str) -> pyotp.TOTP:
        try:
            totp = pyotp.TOTP(
                secret,
                digits=self.digits,
                interval=int(self.interval.total_seconds()),
                issuer=self.issuer,
            )
            totp.byte_secret()
        except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
            raise InvalidInput("TOTP secret is not valid base32") from exc
        return totp


def _step_key(user_id: str, step: int) -> str:
    return f"totp:{user_id}:{step}"


def _render_svg(uri: str) -> str:
    qr = segno.make(uri, error="m", micro=False)
    svg: str = qr.svg_inline(scale=_QR_SCALE, title=_QR_TITLE)
    return svg
