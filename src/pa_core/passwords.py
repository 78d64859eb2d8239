"""Password hashing: argon2id for new hashes, legacy bcrypt verified and upgraded.

Hashing goes through passlib's :class:`~passlib.context.CryptContext`, provided by
the maintained ``libpass`` distribution (import name ``passlib``; the original
passlib 1.7.4 breaks with bcrypt >= 4.1). New hashes use argon2id with OWASP's
parameters (:data:`OWASP_ARGON2ID`); bcrypt hashes are still accepted, and
:meth:`PasswordHasher.verify_and_update` hands back an argon2id replacement after
a successful check so the caller can store it.

Every hash and verification runs in a worker thread (:func:`anyio.to_thread.run_sync`),
never on the event loop: a login costs tens of milliseconds of CPU. Passwords are
NFKC-normalised (:func:`normalize_password`) before hashing and verifying, so the
same password typed on different keyboards or input methods matches.

Verification raises :class:`~pa_core.errors.InvalidCredentials` on failure and never
returns ``False``; :meth:`PasswordHasher.dummy_verify` spends the same time for an
unknown account so that answers and timing do not tell which emails exist.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from dataclasses import dataclass
from typing import NoReturn

import anyio.to_thread
from anyio import CapacityLimiter
from passlib.context import CryptContext

from pa_core.errors import InvalidCredentials

__all__ = [
    "BCRYPT_MAX_BYTES",
    "OWASP_ARGON2ID",
    "Argon2idParameters",
    "PasswordHasher",
    "create_crypt_context",
    "normalize_password",
]

logger = logging.getLogger(__name__)

BCRYPT_MAX_BYTES = 72
"""bcrypt only ever reads the first 72 bytes of a password; bcrypt >= 5 refuses more."""

_NEW_SCHEME = "argon2"
_LEGACY_SCHEMES = ("bcrypt",)


@dataclass(frozen=True, slots=True)
class Argon2idParameters:
    """Cost parameters of argon2id hashes."""

    memory_cost: int
    """Memory in KiB."""
    time_cost: int
    """Number of passes (iterations)."""
    parallelism: int
    """Number of lanes."""

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.parallelism < 1 or self.memory_cost < 8 * self.parallelism:
            raise ValueError("argon2id needs time_cost >= 1, parallelism >= 1, memory >= 8*p KiB")


OWASP_ARGON2ID = Argon2idParameters(memory_cost=19_456, time_cost=2, parallelism=1)
"""OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB (19456 KiB), t=2, p=1."""


def normalize_password(password: str) -> str:
    """Return ``password`` in Unicode normalisation form NFKC (NIST SP 800-63B 5.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


def _secret_bytes(password: str) -> bytes:
    # surrogatepass: a string that is no valid Unicode still hashes and verifies
    # (as a mismatch) in the same time, instead of failing fast.
    return password.encode("utf-8", "surrogatepass")


def create_crypt_context(parameters: Argon2idParameters = OWASP_ARGON2ID) -> CryptContext:
    """The passlib context: argon2id for new hashes, bcrypt accepted and deprecated."""
    return CryptContext(
        schemes=[_NEW_SCHEME, *_LEGACY_SCHEMES],
        default=_NEW_SCHEME,
        deprecated=list(_LEGACY_SCHEMES),
        argon2__type="ID",
        argon2__memory_cost=parameters.memory_cost,
        argon2__rounds=parameters.time_cost,
        argon2__parallelism=parameters.parallelism,
    )


class PasswordHasher:
    """Hashes and verifies passwords in worker threads.

    Args:
        context: the passlib context; by default :func:`create_crypt_context` with
            :data:`OWASP_ARGON2ID`. Its default scheme makes new hashes; hashes of
            deprecated schemes, or with outdated costs, are upgraded on verification.
        limiter: caps how many hashes run at once (each argon2id hash holds its
            memory cost); anyio's default thread limiter when ``None``.
    """

    def __init__(
        self, context: CryptContext | None = None, *, limiter: CapacityLimiter | None = None
    ) -> None:
        self.context = context if context is not None else create_crypt_context()
        self._limiter = limiter
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        """Hash ``password`` (NFKC-normalised) with the default scheme.

        The caller checks the password policy first; this only hashes.
        """
        secret = _secret_bytes(normalize_password(password))
        result: str = await anyio.to_thread.run_sync(
            self.context.hash, secret, limiter=self._limiter
        )
        return result

    def needs_update(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` uses a deprecated scheme or outdated costs."""
        return bool(self.context.needs_update(stored_hash))

    async def verify_and_update(self, password: str, stored_hash: str) -> str | None:
        """Check ``password`` against ``stored_hash``.

        Returns:
            ``None`` when the stored hash is current, or a fresh argon2id hash of the
            password that the caller must store in place of the old one (a legacy
            bcrypt hash, or argon2id with other costs).

        Raises:
            InvalidCredentials: the password does not match, or the stored hash is
                not one this context understands (logged, since it is a data problem).
        """
        return await anyio.to_thread.run_sync(
            self._verify_and_update_sync, password, stored_hash, limiter=self._limiter
        )

    async def dummy_verify(self, password: str) -> NoReturn:
        """Spend the time of a verification against a dummy hash, then refuse.

        Call it when no account matches the email, so that an unknown email and a
        wrong password cost the same time and raise the same error.

        Raises:
            InvalidCredentials: always.
        """
        await anyio.to_thread.run_sync(self._dummy_verify_sync, password, limiter=self._limiter)
        raise InvalidCredentials()

    # --- worker-thread bodies -------------------------------------------------

    def _verify_and_update_sync(self, password: str, stored_hash: str) -> str | None:
        scheme = self.context.identify(stored_hash, required=False)
        if scheme is None:
            logger.warning("stored password hash has an unknown format; login refused")
            raise InvalidCredentials()
        normalized = normalize_password(password)
        candidates = [normalized]
        if scheme in _LEGACY_SCHEMES and password != normalized:
            # A hash made elsewhere, before we normalised: the raw form may match.
            candidates.append(password)
        for candidate in candidates:
            secret = _secret_bytes(candidate)
            if scheme == "bcrypt":
                # Legacy bcrypt (passlib 1.7 with bcrypt < 4.1, most other stacks)
                # hashed the first 72 bytes only; bcrypt 5 refuses longer input.
                secret = secret[:BCRYPT_MAX_BYTES]
            try:
                matched = self.context.verify(secret, stored_hash)
            except ValueError as exc:
                logger.warning("stored %s password hash is malformed; login refused", scheme)
                raise InvalidCredentials() from exc
            if matched:
                if self.context.needs_update(stored_hash):
                    return str(self.context.hash(_secret_bytes(normalized)))
                return None
        raise InvalidCredentials()

    def _dummy_verify_sync(self, password: str) -> None:
        if self._dummy_hash is None:
            # Made with the context's own costs, so the time spent matches a real check.
            self._dummy_hash = self.context.hash(secrets.token_urlsafe(32))
        self.context.verify(_secret_bytes(normalize_password(password)), self._dummy_hash)
