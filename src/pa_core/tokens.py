"""Signed JSON Web Tokens (access, MFA challenge, email verification, ...) with key rotation.

A token is minted for exactly one :class:`TokenPurpose`, carried in the ``typ``
claim, and is refused for any other. Every token carries ``sub``, ``jti``,
``iat``, ``nbf``, ``exp``, ``iss``, ``aud`` and ``typ``; access tokens also carry
``sid`` (the session id), so every request can check that its session is alive.

Keys are named by ``kid``: a :class:`KeySet` has one signing key and any number
of older keys that still verify during a rotation. The algorithm allow-list is
closed: HS256 (the default, a secret derived from ``PA_SECRET_KEY``), EdDSA
(Ed25519) and RS256. A token's header must name a known ``kid`` and exactly that
key's algorithm, which rules out ``alg: none`` and HS/RS key confusion.

Every failure raises one :class:`~pa_core.errors.InvalidToken` (an expired but
otherwise genuine token raises its subclass
:class:`~pa_core.errors.TokenExpired`), never a PyJWT exception: the answer is no
oracle about what was wrong. Time comes from the injected clock; clock skew is
tolerated up to a leeway capped at :data:`MAX_LEEWAY`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from pa_core.errors import InvalidToken, TokenExpired

if TYPE_CHECKING:
    from pa_core.clock import Clock
    from pa_core.config import Settings

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_ACCESS_TOKEN_TTL",
    "DEFAULT_LEEWAY",
    "MAX_LEEWAY",
    "MIN_HMAC_KEY_BYTES",
    "MIN_RSA_KEY_BITS",
    "REGISTERED_CLAIMS",
    "Algorithm",
    "Claims",
    "IssuedToken",
    "KeySet",
    "SigningKey",
    "TokenPurpose",
    "TokenService",
    "generate_ed25519",
    "generate_rsa",
]

Algorithm = Literal["HS256", "EdDSA", "RS256"]
"""A JWS algorithm this module signs and verifies with."""

ALLOWED_ALGORITHMS: Final[frozenset[str]] = frozenset(get_args(Algorithm))
"""The closed allow-list; anything else in a token header is refused."""

DEFAULT_ACCESS_TOKEN_TTL: Final = timedelta(minutes=15)
"""Lifetime of an access token unless ``PA_ACCESS_TOKEN_TTL`` says otherwise."""

DEFAULT_LEEWAY: Final = timedelta(seconds=30)
"""Clock skew tolerated on ``exp``, ``nbf`` and ``iat`` by default."""

MAX_LEEWAY: Final = timedelta(minutes=5)
"""The largest leeway a :class:`TokenService` accepts."""

MIN_HMAC_KEY_BYTES: Final = 32
"""Shortest HS256 secret accepted (the size of the SHA-256 output, RFC 7518 section 3.2)."""

MIN_RSA_KEY_BITS: Final = 2048
"""Smallest RSA modulus accepted."""

DEFAULT_RSA_KEY_BITS: Final = 3072
"""Modulus size of keys made by :func:`generate_rsa`."""

VERIFIED_CACHE_SIZE: Final = 10_000
"""Signature-checked tokens remembered per service, so a token is parsed and verified once."""

PURPOSE_CLAIM: Final = "typ"
"""Name of the payload claim holding the :class:`TokenPurpose`."""

SESSION_CLAIM: Final = "sid"
"""Name of the payload claim holding the session id."""

REQUIRED_CLAIMS: Final = ("sub", "jti", "iat", "nbf", "exp", "iss", "aud", PURPOSE_CLAIM)

REGISTERED_CLAIMS: Final[frozenset[str]] = frozenset((*REQUIRED_CLAIMS, SESSION_CLAIM))
"""Claims this module writes itself; ``extra`` may not set them."""


class TokenPurpose(StrEnum):
    """What a token was minted for; a token is accepted for its own purpose only."""

    ACCESS = "access"
    """Authenticates API requests; carries the session id."""
    MFA = "mfa"
    """Proves the password step of a login whose second factor is pending."""
    MFA_ENROLLMENT = "mfa_enrollment"
    """Holds a second factor being set up until the user confirms it."""
    EMAIL_VERIFICATION = "email_verification"
    """Confirms the owner of an email address."""
    PASSWORD_RESET = "password_reset"
    """Allows one password change without the old password."""
    DEVICE = "device"
    """Identifies a remembered device."""


PURPOSES_WITH_SESSION: Final = frozenset({TokenPurpose.ACCESS})
"""Purposes whose tokens must carry ``sid``."""


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _thumbprint(members: Mapping[str, str]) -> str:
    """RFC 7638 JWK thumbprint (base64url SHA-256 of the required members, sorted)."""
    canonical = json.dumps(dict(sorted(members.items())), separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _public_members(key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> dict[str, str]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {"kty": "OKP", "crv": "Ed25519", "x": x}
    numbers = key.public_numbers()
    return {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One named key: an HS256 secret, or an Ed25519 / RSA key pair (or its public half).

    Build it with :meth:`hs256`, :meth:`from_pem`, :meth:`from_public_pem`,
    :func:`generate_ed25519` or :func:`generate_rsa`, which validate the material.
    A key without private material verifies but cannot sign.
    """

    kid: str
    algorithm: Algorithm
    private: bytes | PrivateKey | None = field(repr=False, compare=False)
    """The HS256 secret or the private key; ``None`` for a verify-only public key."""
    public: PublicKey | None = field(default=None, repr=False, compare=False)
    """The public key of an asymmetric pair; ``None`` for HS256."""

    def __post_init__(self) -> None:
        if not self.kid:
            raise ValueError("a signing key needs a non-empty kid")
        if self.algorithm not in ALLOWED_ALGORITHMS:
            raise ValueError(f"algorithm {self.algorithm!r} is not in the allow-list")
        if self.algorithm == "HS256":
            if not isinstance(self.private, bytes) or len(self.private) < MIN_HMAC_KEY_BYTES:
                raise ValueError(f"an HS256 secret must be at least {MIN_HMAC_KEY_BYTES} bytes")
            return
        expected = ed25519.Ed25519PublicKey if self.algorithm == "EdDSA" else rsa.RSAPublicKey
        if not isinstance(self.public, expected):
            raise ValueError(f"an {self.algorithm} key needs its public key")
        if isinstance(self.public, rsa.RSAPublicKey) and self.public.key_size < MIN_RSA_KEY_BITS:
            raise ValueError(f"RSA keys must have at least {MIN_RSA_KEY_BITS} bits")

    @classmethod
    def hs256(cls, secret: bytes, kid: str | None = None) -> SigningKey:
        """An HS256 key; ``kid`` defaults to 8 hex digits of a hash of the secret."""
        if kid is None:
            kid = "hs-" + hashlib.sha256(b"pa-kid\x00" + secret).hexdigest()[:8]
        return cls(kid, "HS256", secret)

    @classmethod
    def from_private_key(cls, key: PrivateKey, kid: str | None = None) -> SigningKey:
        """A key from an Ed25519 or RSA private key; ``kid`` defaults to its RFC 7638 thumbprint."""
        if isinstance(key, ed25519.Ed25519PrivateKey):
            algorithm: Algorithm = "EdDSA"
        elif isinstance(key, rsa.RSAPrivateKey):
            algorithm = "RS256"
        else:
            raise ValueError("only Ed25519 and RSA private keys are supported")
        public = key.public_key()
        return cls(kid or _thumbprint(_public_members(public)), algorithm, key, public)

    @classmethod
    def from_pem(
        cls, pem: bytes | str, kid: str | None = None, password: bytes | None = None
    ) -> SigningKey:
        """A key from a PEM private key (PKCS#8 or traditional), Ed25519 or RSA."""
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=password)
        if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
            raise ValueError("only Ed25519 and RSA private keys are supported")
        return cls.from_private_key(key, kid)

    @classmethod
    def from_public_pem(cls, pem: bytes | str, kid: str | None = None) -> SigningKey:
        """A verify-only key from a PEM public key, Ed25519 or RSA."""
        data = pem.encode() if isinstance(pem, str) else pem
        public = serialization.load_pem_public_key(data)
        if isinstance(public, ed25519.Ed25519PublicKey):
            algorithm: Algorithm = "EdDSA"
        elif isinstance(public, rsa.RSAPublicKey):
            algorithm = "RS256"
        else:
            raise ValueError("only Ed25519 and RSA public keys are supported")
        return cls(kid or _thumbprint(_public_members(public)), algorithm, None, public)

    @property
    def can_sign(self) -> bool:
        """Whether the private half (or the secret) is present."""
        return self.private is not None

    @property
    def verification_key(self) -> bytes | PublicKey:
        """What verifies this key's signatures: the secret or the public key."""
        if self.algorithm == "HS256":
            return cast(bytes, self.private)
        return cast(PublicKey, self.public)

    def private_pem(self, password: bytes | None = None) -> bytes:
        """The private key as PKCS#8 PEM (encrypted with ``password`` if given)."""
        if self.algorithm == "HS256" or self.private is None or isinstance(self.private, bytes):
            raise ValueError("only an asymmetric key with its private half has a private PEM")
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def public_pem(self) -> bytes:
        """The public key as SubjectPublicKeyInfo PEM."""
        if self.public is None:
            raise ValueError("an HS256 key has no public key")
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, str] | None:
        """The public JWK (with ``kid``, ``alg``, ``use``), or ``None`` for HS256."""
        if self.public is None:
            return None
        return {
            **_public_members(self.public),
            "kid": self.kid,
            "alg": self.algorithm,
            "use": "sig",
        }


def generate_ed25519(kid: str | None = None) -> SigningKey:
    """A fresh Ed25519 (EdDSA) key pair."""
    return SigningKey.from_private_key(ed25519.Ed25519PrivateKey.generate(), kid)


def generate_rsa(kid: str | None = None, key_size: int = DEFAULT_RSA_KEY_BITS) -> SigningKey:
    """A fresh RSA (RS256) key pair of ``key_size`` bits."""
    if key_size < MIN_RSA_KEY_BITS:
        raise ValueError(f"RSA keys must have at least {MIN_RSA_KEY_BITS} bits")
    return SigningKey.from_private_key(
        rsa.generate_private_key(public_exponent=65537, key_size=key_size), kid
    )


class KeySet:
    """One key that signs and older keys that still verify, looked up by ``kid``."""

    def __init__(self, signing: SigningKey, verifying: Sequence[SigningKey] = ()) -> None:
        if not signing.can_sign:
            raise ValueError("the signing key needs its private half")
        self.signing = signing
        self._by_kid: dict[str, SigningKey] = {}
        for key in (signing, *verifying):
            known = self._by_kid.get(key.kid)
            if known is not None and known is not key:
                raise ValueError(f"two keys share the kid {key.kid!r}")
            self._by_kid[key.kid] = key

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        """Every key that verifies, the signing key first."""
        return tuple(self._by_kid.values())

    def get(self, kid: str) -> SigningKey | None:
        """The key named ``kid``, or ``None``."""
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys as a JWK Set (``{"keys": [...]}``); HS256 secrets never appear."""
        return {"keys": [jwk for key in self.keys if (jwk := key.jwk()) is not None]}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly minted token with its id and the instant it expires."""

    token: str = field(repr=False)
    jti: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Claims:
    """The verified content of a token."""

    subject: str
    purpose: TokenPurpose
    jti: str
    session_id: str | None
    issued_at: datetime
    not_before: datetime
    expires_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    """Every claim not registered by this module."""


def _instant(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken()
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidToken() from exc


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidToken()
    return value


class TokenService:
    """Issues and verifies signed tokens for one issuer and audience.

    Args:
        keys: the signing key and the keys that still verify.
        issuer: the ``iss`` written and required.
        audience: the ``aud`` written and required (exactly, as a string).
        clock: decides what "now" is, for issuing and for verifying.
        leeway: clock skew tolerated on ``exp``, ``nbf`` and ``iat``; at most :data:`MAX_LEEWAY`.
    """

    def __init__(
        self,
        keys: KeySet,
        issuer: str,
        audience: str,
        clock: Clock,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        if leeway < timedelta(0) or leeway > MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY}")
        if not issuer or not audience:
            raise ValueError("issuer and audience must be non-empty")
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self.leeway = leeway
        self._jwt = jwt.PyJWT()
        self.verified_cache_size = VERIFIED_CACHE_SIZE
        self._verified: OrderedDict[str, Claims] = OrderedDict()

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock, previous_keys: Iterable[SigningKey] = ()
    ) -> TokenService:
        """Build from ``PA_JWT_*`` settings.

        HS256 signs with a key derived from ``PA_SECRET_KEY`` for the purpose
        ``"jwt"``; EdDSA and RS256 sign with the PEM in ``PA_JWT_PRIVATE_KEY``,
        whose type must match ``PA_JWT_ALGORITHM``. ``previous_keys`` still verify.
        """
        if settings.jwt_algorithm == "HS256":
            signing = SigningKey.hs256(settings.purpose_key("jwt"))
        else:
            if settings.jwt_private_key is None:
                raise ValueError(f"PA_JWT_PRIVATE_KEY is needed for {settings.jwt_algorithm}")
            signing = SigningKey.from_pem(settings.jwt_private_key.get_secret_value())
            if signing.algorithm != settings.jwt_algorithm:
                raise ValueError(
                    f"PA_JWT_PRIVATE_KEY is an {signing.algorithm} key, "
                    f"not {settings.jwt_algorithm}"
                )
        return cls(
            KeySet(signing, tuple(previous_keys)),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            clock=clock,
            leeway=timedelta(seconds=settings.jwt_leeway),
        )

    def issue(
        self,
        purpose: TokenPurpose,
        subject: str,
        ttl: timedelta,
        *,
        session_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """Mint a token for ``purpose`` about ``subject``, valid for ``ttl`` from now.

        Times are whole seconds: ``iat`` and ``nbf`` are now rounded down and
        ``exp`` is ``iat + ttl`` (rounded down), as reported in ``expires_at``.
        Access tokens need ``session_id``. ``extra`` claims may not override
        the registered ones.
        """
        purpose = TokenPurpose(purpose)
        if ttl < timedelta(seconds=1):
            raise ValueError("ttl must be at least one second")
        if not subject:
            raise ValueError("subject must be non-empty")
        if purpose in PURPOSES_WITH_SESSION and not session_id:
            raise ValueError(f"a {purpose} token needs a session_id")
        clash = REGISTERED_CLAIMS.intersection(extra or {})
        if clash:
            raise ValueError(f"extra claims may not set {sorted(clash)}")
        issued = int(self.clock.now().timestamp())
        expires = issued + int(ttl.total_seconds())
        jti = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            **(extra or {}),
            "sub": subject,
            "jti": jti,
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "iss": self.issuer,
            "aud": self.audience,
            PURPOSE_CLAIM: purpose.value,
        }
        if session_id:
            payload[SESSION_CLAIM] = session_id
        key = self.keys.signing
        material = cast("bytes | PrivateKey", key.private)  # KeySet refuses verify-only keys
        token = jwt.encode(payload, material, algorithm=key.algorithm, headers={"kid": key.kid})
        return IssuedToken(token, jti, datetime.fromtimestamp(expires, UTC))

    def verify(self, token: str, purpose: TokenPurpose) -> Claims:
        """Check ``token`` entirely and return its claims, or raise ``InvalidToken``.

        Raises:
            TokenExpired: the token is genuine and for ``purpose`` but ``exp`` has passed.
            InvalidToken: anything else is wrong (format, key, algorithm, signature,
                a missing claim, issuer, audience, purpose, ``nbf`` or ``iat`` in the future).
        """
        purpose = TokenPurpose(purpose)
        cached = self._verified.get(token)
        if cached is not None:
            self._verified.move_to_end(token)
            if cached.purpose is not purpose:
                raise InvalidToken()
            self._check_times(cached.issued_at, cached.not_before, cached.expires_at)
            return cached
        key = self._key_for(token)
        try:
            payload = self._jwt.decode(
                token,
                key.verification_key,
                algorithms=[key.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "strict_aud": True,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken() from exc
        claims = self._check(payload, purpose)
        # Only genuine, well-formed tokens are remembered; purpose and time are
        # checked again on every use, so a cached token still expires on time.
        self._verified[token] = claims
        if len(self._verified) > self.verified_cache_size:
            self._verified.popitem(last=False)
        return claims

    def _key_for(self, token: str) -> SigningKey:
        """The key the header names, refusing any header that does not match it exactly."""
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken() from exc
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken()
        key = self.keys.get(kid)
        if key is None or key.algorithm != alg:
            raise InvalidToken()
        return key

    def _check_times(self, issued_at: datetime, not_before: datetime, expires_at: datetime) -> None:
        """Refuse a token issued in the future, not yet valid, or expired (within the leeway)."""
        now = self.clock.now()
        if issued_at > now + self.leeway or not_before > now + self.leeway:
            raise InvalidToken()
        if now >= expires_at + self.leeway:
            raise TokenExpired()

    def _check(self, payload: dict[str, Any], purpose: TokenPurpose) -> Claims:
        if payload.get(PURPOSE_CLAIM) != purpose.value:
            raise InvalidToken()
        session_id = payload.get(SESSION_CLAIM)
        if session_id is not None or purpose in PURPOSES_WITH_SESSION:
            session_id = _text(session_id)
        issued_at = _instant(payload["iat"])
        not_before = _instant(payload["nbf"])
        expires_at = _instant(payload["exp"])
        if expires_at <= issued_at:
            raise InvalidToken()
        self._check_times(issued_at, not_before, expires_at)
        return Claims(
            subject=_text(payload["sub"]),
            purpose=purpose,
            jti=_text(payload["jti"]),
            session_id=session_id,
            issued_at=issued_at,
            not_before=not_before,
            expires_at=expires_at,
            extra={k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS},
        )
