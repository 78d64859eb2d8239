"""The token service: what a token carries and every way a bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from pa_core.clock import FrozenClock, SystemClock
from pa_core.config import Settings
from pa_core.errors import InvalidToken, TokenExpired
from pa_core.tokens import (
    MAX_LEEWAY,
    Claims,
    KeySet,
    SigningKey,
    TokenPurpose,
    TokenService,
    generate_ed25519,
    generate_rsa,
)

ISSUER = "pa-test"
AUDIENCE = "pa-test-api"
SECRET = b"s" * 16 + b"e" * 16
MINUTE = timedelta(minutes=1)


@pytest.fixture(scope="module")
def ed_key() -> SigningKey:
    return generate_ed25519("ed-1")


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return generate_rsa("rsa-1", key_size=2048)


@pytest.fixture
def hs_key() -> SigningKey:
    return SigningKey.hs256(SECRET, "hs-1")


def service(
    clock: FrozenClock,
    signing: SigningKey,
    verifying: tuple[SigningKey, ...] = (),
    *,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    leeway: timedelta = timedelta(seconds=30),
) -> TokenService:
    return TokenService(KeySet(signing, verifying), issuer, audience, clock, leeway)


@pytest.fixture
def tokens(clock: FrozenClock, hs_key: SigningKey) -> TokenService:
    return service(clock, hs_key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_now(clock: FrozenClock, **changes: Any) -> dict[str, Any]:
    """A complete, valid access-token payload, with ``changes`` applied (None removes)."""
    now = int(clock.now().timestamp())
    payload: dict[str, Any] = {
        "sub": "user-1",
        "sid": "session-1",
        "jti": "jti-1",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": "access",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def forge(key: SigningKey, payload: dict[str, Any], **header: Any) -> str:
    """Sign ``payload`` with ``key`` directly, as an attacker holding it (or a bug) would."""
    headers = {"kid": key.kid, **header}
    algorithm = headers.pop("alg", key.algorithm)
    return jwt.encode(payload, key.private, algorithm=algorithm, headers=headers)  # type: ignore[arg-type]


def hand_made(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(payload).encode())
    return f"{head}.{body}.{b64(signature)}"


# --- what a token carries ------------------------------------------------------


def test_an_access_token_carries_its_claims(tokens: TokenService, clock: FrozenClock) -> None:
    issued = tokens.issue(
        TokenPurpose.ACCESS, "user-1", 15 * MINUTE, session_id="s-1", extra={"roles": ["admin"]}
    )
    claims = tokens.verify(issued.token, TokenPurpose.ACCESS)
    assert claims == Claims(
        subject="user-1",
        purpose=TokenPurpose.ACCESS,
        jti=issued.jti,
        session_id="s-1",
        issued_at=clock.now(),
        not_before=clock.now(),
        expires_at=clock.now() + 15 * MINUTE,
        extra={"roles": ["admin"]},
    )
    assert issued.expires_at == clock.now() + 15 * MINUTE


def test_the_payload_names_every_registered_claim(tokens: TokenService) -> None:
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert set(payload) == {"sub", "sid", "jti", "iat", "nbf", "exp", "iss", "aud", "typ"}
    assert payload["typ"] == "access"
    assert jwt.get_unverified_header(issued.token)["kid"] == "hs-1"


def test_each_token_gets_its_own_jti(tokens: TokenService) -> None:
    first = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    second = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    assert first.jti != second.jti


def test_a_token_without_session_has_no_sid(tokens: TokenService) -> None:
    issued = tokens.issue(TokenPurpose.EMAIL_VERIFICATION, "user-1", MINUTE)
    assert tokens.verify(issued.token, TokenPurpose.EMAIL_VERIFICATION).session_id is None


def test_an_access_token_needs_a_session(tokens: TokenService) -> None:
    with pytest.raises(ValueError, match="session_id"):
        tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE)


def test_extra_claims_cannot_override_registered_ones(tokens: TokenService) -> None:
    with pytest.raises(ValueError, match="typ"):
        tokens.issue(TokenPurpose.MFA, "user-1", MINUTE, extra={"typ": "access"})


def test_a_ttl_under_a_second_is_refused(tokens: TokenService) -> None:
    with pytest.raises(ValueError, match="ttl"):
        tokens.issue(TokenPurpose.MFA, "user-1", timedelta(milliseconds=500))


def test_an_empty_subject_is_refused(tokens: TokenService) -> None:
    with pytest.raises(ValueError, match="subject"):
        tokens.issue(TokenPurpose.MFA, "", MINUTE)


def test_a_fractional_now_is_rounded_down(tokens: TokenService, clock: FrozenClock) -> None:
    start = clock.now()
    clock.advance(timedelta(milliseconds=700))
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    assert issued.expires_at == start + MINUTE
    assert tokens.verify(issued.token, TokenPurpose.MFA).issued_at == start


# --- purpose -------------------------------------------------------------------


@pytest.mark.parametrize("minted", list(TokenPurpose))
@pytest.mark.parametrize("presented", list(TokenPurpose))
def test_a_token_is_accepted_for_its_own_purpose_only(
    tokens: TokenService, minted: TokenPurpose, presented: TokenPurpose
) -> None:
    issued = tokens.issue(minted, "user-1", MINUTE, session_id="s-1")
    if minted == presented:
        assert tokens.verify(issued.token, presented).purpose == minted
    else:
        with pytest.raises(InvalidToken):
            tokens.verify(issued.token, presented)


def test_an_unknown_purpose_claim_is_refused(hs_key: SigningKey, tokens: TokenService) -> None:
    token = forge(hs_key, claims_now(tokens.clock, typ="admin"))  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


def test_an_access_token_without_sid_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock
) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(forge(hs_key, claims_now(clock, sid=None)), TokenPurpose.ACCESS)


def test_a_non_text_sid_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock
) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(forge(hs_key, claims_now(clock, sid=42)), TokenPurpose.ACCESS)


# --- algorithms and keys -------------------------------------------------------


def test_alg_none_is_refused(tokens: TokenService, clock: FrozenClock) -> None:
    token = hand_made({"alg": "none", "kid": "hs-1", "typ": "JWT"}, claims_now(clock))
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(token, TokenPurpose.ACCESS)
    assert not isinstance(caught.value, jwt.PyJWTError)


def test_alg_none_signed_by_pyjwt_is_refused(tokens: TokenService, clock: FrozenClock) -> None:
    token = jwt.encode(claims_now(clock), None, algorithm="none", headers={"kid": "hs-1"})  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_an_algorithm_outside_the_allow_list_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock, algorithm: str
) -> None:
    token = forge(hs_key, claims_now(clock), alg=algorithm)
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


def test_an_allowed_algorithm_other_than_the_keys_own_is_refused(
    clock: FrozenClock, rsa_key: SigningKey, ed_key: SigningKey
) -> None:
    tokens = service(clock, rsa_key)
    token = forge(ed_key, claims_now(clock), kid=rsa_key.kid)
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


@pytest.mark.parametrize("key_name", ["rsa_key", "ed_key"])
def test_hs256_signed_with_the_public_key_is_refused(
    request: pytest.FixtureRequest, clock: FrozenClock, key_name: str
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    tokens = service(clock, key)
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims_now(clock)).encode())
    mac = hmac.new(key.public_pem(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        tokens.verify(f"{head}.{body}.{b64(mac)}", TokenPurpose.ACCESS)


def test_a_key_embedded_in_the_header_is_ignored(clock: FrozenClock, ed_key: SigningKey) -> None:
    attacker = generate_ed25519(ed_key.kid)
    header = {"jwk": attacker.jwk(), "jku": "https://evil.example/jwks.json"}
    token = forge(attacker, claims_now(clock), **header)
    with pytest.raises(InvalidToken):
        service(clock, ed_key).verify(token, TokenPurpose.ACCESS)


def test_an_unknown_kid_is_refused(tokens: TokenService, clock: FrozenClock) -> None:
    stranger = SigningKey.hs256(b"x" * 32, "hs-2")
    with pytest.raises(InvalidToken):
        tokens.verify(forge(stranger, claims_now(clock)), TokenPurpose.ACCESS)


def test_a_missing_kid_is_refused(tokens: TokenService, clock: FrozenClock) -> None:
    token = jwt.encode(claims_now(clock), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


def test_a_right_kid_with_a_wrong_secret_is_refused(
    tokens: TokenService, clock: FrozenClock
) -> None:
    impostor = SigningKey.hs256(b"x" * 32, "hs-1")
    with pytest.raises(InvalidToken):
        tokens.verify(forge(impostor, claims_now(clock)), TokenPurpose.ACCESS)


def test_a_tampered_payload_is_refused(tokens: TokenService) -> None:
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    head, body, sig = issued.token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["sub"] = "admin"
    with pytest.raises(InvalidToken):
        tokens.verify(f"{head}.{b64(json.dumps(payload).encode())}.{sig}", TokenPurpose.ACCESS)


def test_a_tampered_signature_is_refused(tokens: TokenService) -> None:
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    head, body, sig = issued.token.split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(InvalidToken):
        tokens.verify(f"{head}.{body}.{flipped}", TokenPurpose.ACCESS)


@pytest.mark.parametrize(
    "garbage", ["", "abc", "a.b.c", "a.b", "...", "eyJhbGciOiJIUzI1NiJ9.e30.", "é.é.é"]
)
def test_garbage_is_refused(tokens: TokenService, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(garbage, TokenPurpose.ACCESS)


def test_a_non_object_header_is_refused(tokens: TokenService, clock: FrozenClock) -> None:
    head = b64(b'"just a string"')
    body = b64(json.dumps(claims_now(clock)).encode())
    with pytest.raises(InvalidToken):
        tokens.verify(f"{head}.{body}.", TokenPurpose.ACCESS)


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
def test_asymmetric_keys_sign_and_verify(
    request: pytest.FixtureRequest, clock: FrozenClock, key_name: str
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    tokens = service(clock, key)
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    assert jwt.get_unverified_header(issued.token)["alg"] == key.algorithm
    assert tokens.verify(issued.token, TokenPurpose.ACCESS).subject == "user-1"


# --- required claims, issuer, audience -----------------------------------------


@pytest.mark.parametrize("claim", ["sub", "jti", "iat", "nbf", "exp", "iss", "aud", "typ"])
def test_each_registered_claim_is_required(
    hs_key: SigningKey, clock: FrozenClock, claim: str
) -> None:
    tokens = service(clock, hs_key)
    token = forge(hs_key, claims_now(clock, **{claim: None}))
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


@pytest.mark.parametrize(
    "change",
    [
        {"sub": 42},
        {"sub": ""},
        {"jti": 7},
        {"exp": "tomorrow"},
        {"iat": True},
        {"nbf": 1e300},
        {"aud": [AUDIENCE, "other"]},
    ],
)
def test_a_claim_of_the_wrong_type_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock, change: dict[str, Any]
) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(forge(hs_key, claims_now(clock, **change)), TokenPurpose.ACCESS)


def test_a_wrong_audience_is_refused(hs_key: SigningKey, clock: FrozenClock) -> None:
    issued = service(clock, hs_key, audience="other-api").issue(
        TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1"
    )
    with pytest.raises(InvalidToken):
        service(clock, hs_key).verify(issued.token, TokenPurpose.ACCESS)


def test_a_wrong_issuer_is_refused(hs_key: SigningKey, clock: FrozenClock) -> None:
    issued = service(clock, hs_key, issuer="someone-else").issue(
        TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1"
    )
    with pytest.raises(InvalidToken):
        service(clock, hs_key).verify(issued.token, TokenPurpose.ACCESS)


# --- time ----------------------------------------------------------------------


def test_a_token_is_valid_until_exp_plus_leeway(tokens: TokenService, clock: FrozenClock) -> None:
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    clock.advance(MINUTE + timedelta(seconds=29))
    tokens.verify(issued.token, TokenPurpose.ACCESS)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(TokenExpired):
        tokens.verify(issued.token, TokenPurpose.ACCESS)


def test_without_leeway_a_token_expires_at_exp(hs_key: SigningKey, clock: FrozenClock) -> None:
    tokens = service(clock, hs_key, leeway=timedelta(0))
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    clock.advance(MINUTE - timedelta(microseconds=1))
    tokens.verify(issued.token, TokenPurpose.MFA)
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(TokenExpired):
        tokens.verify(issued.token, TokenPurpose.MFA)


def test_an_expired_token_is_an_invalid_token(tokens: TokenService, clock: FrozenClock) -> None:
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(issued.token, TokenPurpose.MFA)
    assert caught.value.code == "invalid_token"


def test_an_expired_token_of_another_purpose_is_not_reported_as_expired(
    tokens: TokenService, clock: FrozenClock
) -> None:
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(issued.token, TokenPurpose.PASSWORD_RESET)
    assert type(caught.value) is InvalidToken


def test_a_future_nbf_beyond_the_leeway_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    within = forge(hs_key, claims_now(clock, nbf=now + 30, exp=now + 600))
    beyond = forge(hs_key, claims_now(clock, nbf=now + 31, exp=now + 600))
    tokens.verify(within, TokenPurpose.ACCESS)
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(beyond, TokenPurpose.ACCESS)
    assert type(caught.value) is InvalidToken


def test_a_future_iat_beyond_the_leeway_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    token = forge(hs_key, claims_now(clock, iat=now + 31, exp=now + 600))
    with pytest.raises(InvalidToken):
        tokens.verify(token, TokenPurpose.ACCESS)


def test_exp_not_after_iat_is_refused(
    hs_key: SigningKey, tokens: TokenService, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    with pytest.raises(InvalidToken):
        tokens.verify(forge(hs_key, claims_now(clock, exp=now)), TokenPurpose.ACCESS)


def test_the_injected_clock_decides(hs_key: SigningKey) -> None:
    """Tokens from 2026-01-01 verify against a clock there, whatever the wall clock says."""
    clock = FrozenClock()
    tokens = service(clock, hs_key)
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    tokens.verify(issued.token, TokenPurpose.MFA)
    wall = service(SystemClock(), hs_key)  # type: ignore[arg-type]
    with pytest.raises(TokenExpired):  # the wall clock is past 2026-01-01
        wall.verify(issued.token, TokenPurpose.MFA)


@pytest.mark.parametrize("leeway", [MAX_LEEWAY + timedelta(seconds=1), timedelta(seconds=-1)])
def test_a_leeway_out_of_bounds_is_refused(
    hs_key: SigningKey, clock: FrozenClock, leeway: timedelta
) -> None:
    with pytest.raises(ValueError, match="leeway"):
        service(clock, hs_key, leeway=leeway)


def test_the_largest_leeway_is_accepted(hs_key: SigningKey, clock: FrozenClock) -> None:
    assert service(clock, hs_key, leeway=MAX_LEEWAY).leeway == timedelta(minutes=5)


def test_an_empty_issuer_is_refused(hs_key: SigningKey, clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="issuer"):
        service(clock, hs_key, issuer="")


# --- rotation --------------------------------------------------------------------


def test_a_token_of_the_old_key_verifies_during_rotation(
    hs_key: SigningKey, ed_key: SigningKey, clock: FrozenClock
) -> None:
    old = service(clock, hs_key).issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s")
    rotated = service(clock, ed_key, (hs_key,))
    assert rotated.verify(old.token, TokenPurpose.ACCESS).subject == "user-1"
    new = rotated.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s")
    assert jwt.get_unverified_header(new.token)["kid"] == ed_key.kid


def test_a_token_of_a_removed_key_is_refused(
    hs_key: SigningKey, ed_key: SigningKey, clock: FrozenClock
) -> None:
    old = service(clock, hs_key).issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s")
    with pytest.raises(InvalidToken):
        service(clock, ed_key).verify(old.token, TokenPurpose.ACCESS)


def test_a_verify_only_key_verifies_but_cannot_sign(ed_key: SigningKey, clock: FrozenClock) -> None:
    public_only = SigningKey.from_public_pem(ed_key.public_pem(), ed_key.kid)
    issued = service(clock, ed_key).issue(TokenPurpose.MFA, "user-1", MINUTE)
    other = SigningKey.hs256(b"o" * 32)
    assert service(clock, other, (public_only,)).verify(issued.token, TokenPurpose.MFA)
    assert not public_only.can_sign
    with pytest.raises(ValueError, match="private"):
        KeySet(public_only)


def test_two_keys_with_one_kid_are_refused(hs_key: SigningKey) -> None:
    with pytest.raises(ValueError, match="kid"):
        KeySet(hs_key, [SigningKey.hs256(b"o" * 32, hs_key.kid)])


def test_the_signing_key_may_be_listed_again_among_verifying_keys(hs_key: SigningKey) -> None:
    assert KeySet(hs_key, [hs_key]).keys == (hs_key,)


# --- JWKS ------------------------------------------------------------------------


def test_an_hs256_key_set_publishes_no_keys(hs_key: SigningKey) -> None:
    assert KeySet(hs_key).jwks() == {"keys": []}


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
def test_another_service_verifies_with_the_jwks(
    request: pytest.FixtureRequest, key_name: str
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    tokens = service(SystemClock(), key)  # type: ignore[arg-type]
    issued = tokens.issue(TokenPurpose.ACCESS, "user-1", MINUTE, session_id="s-1")
    jwks = json.loads(json.dumps(tokens.keys.jwks()))  # as served over HTTP
    (published,) = jwks["keys"]
    assert published["kid"] == key.kid
    assert published["alg"] == key.algorithm
    assert published["use"] == "sig"
    assert not {"d", "p", "q", "k"} & set(published)
    verifier = jwt.PyJWK(published)
    payload = jwt.decode(
        issued.token, verifier, algorithms=[published["alg"]], audience=AUDIENCE, issuer=ISSUER
    )
    assert payload["sub"] == "user-1"
    assert payload["sid"] == "s-1"


def test_the_jwks_lists_old_public_keys_but_never_secrets(
    ed_key: SigningKey, rsa_key: SigningKey, hs_key: SigningKey
) -> None:
    jwks = KeySet(rsa_key, [ed_key, hs_key]).jwks()
    assert [k["kid"] for k in jwks["keys"]] == [rsa_key.kid, ed_key.kid]
    assert SECRET.decode() not in json.dumps(jwks)
    assert b64(SECRET) not in json.dumps(jwks)


def test_a_default_kid_is_the_rfc_7638_thumbprint(ed_key: SigningKey) -> None:
    key = SigningKey.from_pem(ed_key.private_pem())
    members = {k: v for k, v in (ed_key.jwk() or {}).items() if k in {"crv", "kty", "x"}}
    canonical = json.dumps(dict(sorted(members.items())), separators=(",", ":")).encode()
    assert key.kid == b64(hashlib.sha256(canonical).digest())


# --- building keys ---------------------------------------------------------------


def test_a_short_hmac_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey.hs256(b"short")


def test_an_hmac_kid_is_derived_from_the_secret() -> None:
    one, two = SigningKey.hs256(b"a" * 32), SigningKey.hs256(b"b" * 32)
    assert one.kid.startswith("hs-")
    assert one.kid != two.kid
    assert one.kid == SigningKey.hs256(b"a" * 32).kid


def test_the_repr_of_a_key_hides_its_material(hs_key: SigningKey, ed_key: SigningKey) -> None:
    assert SECRET.decode() not in repr(hs_key)
    assert "private" not in repr(ed_key)


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
def test_a_key_survives_a_pem_round_trip(request: pytest.FixtureRequest, key_name: str) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    loaded = SigningKey.from_pem(key.private_pem().decode(), key.kid)
    assert loaded.algorithm == key.algorithm
    assert loaded.jwk() == key.jwk()


def test_an_encrypted_pem_needs_its_password(ed_key: SigningKey) -> None:
    pem = ed_key.private_pem(b"pass phrase")
    assert b"ENCRYPTED" in pem
    loaded = SigningKey.from_pem(pem, ed_key.kid, password=b"pass phrase")
    assert loaded.jwk() == ed_key.jwk()
    with pytest.raises(TypeError):
        SigningKey.from_pem(pem)


def test_an_ec_key_is_refused() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="Ed25519 and RSA"):
        SigningKey.from_pem(pem)
    with pytest.raises(ValueError, match="Ed25519 and RSA"):
        SigningKey.from_public_pem(public)
    with pytest.raises(ValueError, match="Ed25519 and RSA"):
        SigningKey.from_private_key(private)  # type: ignore[arg-type]


def test_a_small_rsa_key_is_refused() -> None:
    with pytest.raises(ValueError, match="2048"):
        generate_rsa(key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        SigningKey.from_private_key(rsa.generate_private_key(public_exponent=65537, key_size=1024))


def test_a_public_rsa_pem_makes_a_verify_only_key(rsa_key: SigningKey) -> None:
    public_only = SigningKey.from_public_pem(rsa_key.public_pem())
    assert public_only.algorithm == "RS256"
    assert public_only.kid == SigningKey.from_pem(rsa_key.private_pem()).kid
    with pytest.raises(ValueError, match="private"):
        public_only.private_pem()


def test_an_hmac_key_has_no_pem(hs_key: SigningKey) -> None:
    with pytest.raises(ValueError, match="private"):
        hs_key.private_pem()
    with pytest.raises(ValueError, match="public"):
        hs_key.public_pem()
    assert hs_key.jwk() is None


@pytest.mark.parametrize(
    ("kid", "algorithm", "message"),
    [("", "HS256", "kid"), ("k", "HS512", "allow-list"), ("k", "EdDSA", "public key")],
)
def test_an_inconsistent_key_is_refused(kid: str, algorithm: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SigningKey(kid, algorithm, SECRET)  # type: ignore[arg-type]


# --- from settings ---------------------------------------------------------------


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, secret_key=SecretStr("k" * 40), **values)


def test_from_settings_signs_hs256_with_a_derived_key(tmp_path: Path, clock: FrozenClock) -> None:
    config = settings(tmp_path, jwt_issuer="iss", jwt_audience="aud", jwt_leeway=10)
    tokens = TokenService.from_settings(config, clock)
    assert tokens.keys.signing.algorithm == "HS256"
    assert tokens.keys.signing.private == config.purpose_key("jwt")
    assert (tokens.issuer, tokens.audience, tokens.leeway) == ("iss", "aud", timedelta(seconds=10))
    issued = tokens.issue(TokenPurpose.MFA, "user-1", MINUTE)
    assert TokenService.from_settings(config, clock).verify(issued.token, TokenPurpose.MFA)


@pytest.mark.parametrize("key_name", ["ed_key", "rsa_key"])
def test_from_settings_signs_with_the_configured_private_key(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock, key_name: str
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    config = settings(
        tmp_path,
        jwt_algorithm=key.algorithm,
        jwt_private_key=SecretStr(key.private_pem().decode()),
    )
    tokens = TokenService.from_settings(config, clock, previous_keys=[SigningKey.hs256(SECRET)])
    assert tokens.keys.signing.jwk() == {**(key.jwk() or {}), "kid": tokens.keys.signing.kid}
    assert len(tokens.keys.keys) == 2


def test_from_settings_needs_a_private_key_for_eddsa(tmp_path: Path, clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="PA_JWT_PRIVATE_KEY"):
        TokenService.from_settings(settings(tmp_path, jwt_algorithm="EdDSA"), clock)


def test_from_settings_refuses_a_key_of_another_algorithm(
    tmp_path: Path, clock: FrozenClock, ed_key: SigningKey
) -> None:
    config = settings(
        tmp_path, jwt_algorithm="RS256", jwt_private_key=SecretStr(ed_key.private_pem().decode())
    )
    with pytest.raises(ValueError, match="EdDSA"):
        TokenService.from_settings(config, clock)
