"""OpenID Connect sign-in against a real provider process (Node.js oidc-provider): its JWT access
tokens verify to who, which role and which unit; every token it did not sign for us, as it stands,
is refused; and a key rotation is followed through the JWKS, with refetches rate-limited."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from tests.servers import OidcProvider, free_port
from zwgk.connectors.config import Settings
from zwgk.connectors.oidc import InvalidBearer, IssuerUnreachable, OidcClaims, OidcVerifier

UNIT = "资阳市人民政府办公室"


@pytest.fixture
def verifier(oidc_provider: OidcProvider) -> OidcVerifier:
    return OidcVerifier(oidc_provider.issuer, oidc_provider.audience)


@pytest.fixture
def other_issuer(oidc_provider: OidcProvider) -> Iterator[OidcProvider]:
    """Another provider signing with the very same keys: only its `iss` tells it apart."""
    provider = OidcProvider.start(oidc_provider.audience, keys=oidc_provider.keys)
    yield provider
    provider.stop()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict, payload: dict, sign=lambda signing_input: b"") -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def refusal(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(InvalidBearer) as refused:
        verifier.verify(token)
    return refused.value.reason_en


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_valid_token_verifies_to_its_claims(oidc_provider: OidcProvider, verifier: OidcVerifier, alg: str):
    before = datetime.now(UTC)
    claims = verifier.verify(oidc_provider.token("zy-compiler", "officer", UNIT, name="张三", alg=alg))
    assert claims == OidcClaims("zy-compiler", "officer", UNIT, "张三", claims.expires_at)
    assert before + timedelta(seconds=590) < claims.expires_at < before + timedelta(seconds=610)
    assert verifier.verify(oidc_provider.token("zy-leader", "leader", UNIT)).name is None


def test_role_and_unit_claims_are_configurable(oidc_provider: OidcProvider):
    renamed = OidcVerifier(oidc_provider.issuer, oidc_provider.audience, role_claim="zwgk_unit", unit_claim="zwgk_role")
    claims = renamed.verify(oidc_provider.token("zy-compiler", "officer", UNIT))
    assert (claims.role, claims.unit) == (UNIT, "officer")


def test_a_token_for_another_audience_is_refused(oidc_provider: OidcProvider, verifier: OidcVerifier):
    token = oidc_provider.token("zy-compiler", "officer", UNIT, audience="urn:other:api")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "urn:other:api"
    assert refusal(verifier, token) == "token is for another audience"


def test_an_expired_token_is_refused(oidc_provider: OidcProvider, verifier: OidcVerifier):
    assert refusal(verifier, oidc_provider.token("zy-compiler", "officer", UNIT, expires_in=-120)) == "token expired"


def test_a_token_stops_verifying_when_it_expires(oidc_provider: OidcProvider):
    strict = OidcVerifier(oidc_provider.issuer, oidc_provider.audience, leeway=0)
    token = oidc_provider.token("zy-compiler", "officer", UNIT, expires_in=3)
    expires_at = strict.verify(token).expires_at
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 1.0)
    assert refusal(strict, token) == "token expired"


def test_a_token_from_another_issuer_is_refused(verifier: OidcVerifier, other_issuer: OidcProvider):
    assert refusal(verifier, other_issuer.token("zy-compiler", "officer", UNIT)) == "token from another issuer"


def test_a_tampered_token_is_refused(oidc_provider: OidcProvider, verifier: OidcVerifier):
    header, payload, signature = oidc_provider.token("zy-compiler", "officer", UNIT).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    promoted = b64(json.dumps({**claims, "zwgk_role": "leader"}).encode())
    assert refusal(verifier, f"{header}.{promoted}.{signature}") == "bad signature"
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    assert refusal(verifier, f"{header}.{payload}.{flipped}") == "bad signature"
    assert refusal(verifier, "not-a-jwt") == "malformed token"


def test_a_token_without_role_or_unit_is_refused(oidc_provider: OidcProvider, verifier: OidcVerifier):
    assert refusal(verifier, oidc_provider.token("zy-compiler", None, UNIT)) == "token lacks the zwgk_role claim"
    assert refusal(verifier, oidc_provider.token("zy-compiler", "officer", None)) == "token lacks the zwgk_unit claim"


def test_unsigned_and_symmetric_tokens_are_refused(oidc_provider: OidcProvider, verifier: OidcVerifier):
    real = oidc_provider.token("zy-compiler", "officer", UNIT)
    header = jwt.get_unverified_header(real)
    payload = {**jwt.decode(real, options={"verify_signature": False}), "zwgk_role": "leader"}
    assert refusal(verifier, forged({**header, "alg": "none"}, payload)) == "algorithm not allowed"
    # The classic confusion: HMAC keyed with the issuer's public RSA key, which anyone can fetch.
    rsa_jwk = next(key for key in oidc_provider.keys if key["kid"] == header["kid"])
    public_pem = RSAAlgorithm.from_jwk(rsa_jwk).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs256 = forged({**header, "alg": "HS256"}, payload, lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())
    assert refusal(verifier, hs256) == "algorithm not allowed"
    # An allowed algorithm that is not the named key's: ES256 claimed over the RSA key id.
    es_token = oidc_provider.token("zy-compiler", "officer", UNIT, alg="ES256")
    _, es_payload, es_signature = es_token.split(".")
    mislabelled = f"{b64(json.dumps({**jwt.get_unverified_header(es_token), 'kid': header['kid']}).encode())}.{es_payload}.{es_signature}"
    assert refusal(verifier, mislabelled) == "algorithm not allowed"


def test_key_rotation_is_followed_and_the_old_key_refused(oidc_provider: OidcProvider):
    cooldown = 4.0
    rotating = OidcVerifier(oidc_provider.issuer, oidc_provider.audience, jwks_cooldown=cooldown)
    old = oidc_provider.token("zy-compiler", "officer", UNIT)
    fetched = time.monotonic()
    rotating.verify(old)  # the first JWKS fetch, which starts the cooldown
    oidc_provider.rotate_keys()
    new = oidc_provider.token("zy-compiler", "officer", UNIT)
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]
    # Rate limit: an unknown key id does not refetch the JWKS until the cooldown has passed.
    assert refusal(rotating, new) == "unknown signing key"
    assert time.monotonic() - fetched < cooldown, "the machine was too slow to observe the cooldown"
    time.sleep(cooldown - (time.monotonic() - fetched) + 0.2)
    assert rotating.verify(new).subject == "zy-compiler"  # refetched: the new key is known
    assert refusal(rotating, old) == "unknown signing key"  # the old key left the JWKS


def test_an_unreachable_issuer_is_not_the_callers_fault(oidc_provider: OidcProvider):
    token = oidc_provider.token("zy-compiler", "officer", UNIT)
    with pytest.raises(IssuerUnreachable):
        OidcVerifier(f"http://127.0.0.1:{free_port()}", oidc_provider.audience, timeout=2).verify(token)


def test_oidc_settings_come_from_the_environment():
    settings = Settings.from_env({"ZWGK_OIDC_ISSUER": "https://id.example.gov.cn/realms/zwgk", "ZWGK_OIDC_AUDIENCE": "urn:zwgk:api",
                                  "ZWGK_OIDC_ROLE_CLAIM": "role"})
    assert (settings.oidc_issuer, settings.oidc_audience, settings.oidc_role_claim, settings.oidc_unit_claim) == (
        "https://id.example.gov.cn/realms/zwgk", "urn:zwgk:api", "role", "zwgk_unit")
