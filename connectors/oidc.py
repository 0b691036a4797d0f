"""OpenID Connect bearer tokens: who calls, in which role and unit, as the organisation's identity
provider vouches for it. zwgk keeps no passwords; it checks a provider's signed JWT access tokens.

All cryptography is PyJWT's. This module only decides what to trust: the configured issuer (found
by discovery), its JWKS, asymmetric algorithms, and the claims zwgk needs.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError

# Asymmetric only: with HS* anyone holding the (public) verification key could sign, and `none` signs nothing.
ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat"]


class InvalidBearer(Exception):
    """The token is not one zwgk accepts; the caller is told why in a short English reason (HTTP 401)."""

    def __init__(self, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_en = reason_en


class IssuerUnreachable(Exception):
    """The identity provider could not be asked (down, or answering nonsense): not the caller's fault (HTTP 503)."""


@dataclass(frozen=True)
class OidcClaims:
    subject: str
    role: str
    unit: str
    name: str | None
    expires_at: datetime


class OidcVerifier:
    """Verifies access tokens of one issuer for one audience.

    The JWKS is cached (`jwks_lifespan` seconds). A token naming an unknown `kid` (the provider
    rotated its keys) refetches it, but at most once per `jwks_cooldown` seconds, so that tokens with
    made-up key ids cannot make zwgk hammer the provider. Nothing is fetched until the first token.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        role_claim: str = "zwgk_role",
        unit_claim: str = "zwgk_unit",
        name_claim: str = "name",
        *,
        leeway: float = 30.0,
        jwks_cooldown: float = 30.0,
        jwks_lifespan: float = 300.0,
        timeout: float = 5.0,
    ) -> None:
        if urlsplit(issuer).scheme not in ("http", "https") or not audience:
            raise ValueError("an OIDC issuer needs an http(s) URL and an audience")
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.unit_claim = unit_claim
        self.name_claim = name_claim
        self.leeway = leeway
        self._jwks_cooldown = jwks_cooldown
        self._jwks_lifespan = jwks_lifespan
        self._timeout = timeout
        self._jwks: PyJWKClient | None = None
        self._discovered: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def verify(self, token: str) -> OidcClaims:
        key = self._signing_key(token)
        try:
            payload = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer, leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidBearer("token expired") from error
        except jwt.ImmatureSignatureError as error:
            raise InvalidBearer("token not yet valid") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidBearer("token is for another audience") from error
        except jwt.InvalidIssuerError as error:
            raise InvalidBearer("token from another issuer") from error
        except jwt.MissingRequiredClaimError as error:
            raise InvalidBearer(f"token lacks the {error.claim} claim") from error
        except jwt.InvalidSignatureError as error:
            raise InvalidBearer("bad signature") from error
        except jwt.InvalidAlgorithmError as error:
            raise InvalidBearer("algorithm not allowed") from error
        except jwt.PyJWTError as error:
            raise InvalidBearer(f"invalid token: {error}") from error
        name = payload.get(self.name_claim)
        return OidcClaims(
            subject=_text(payload, "sub"), role=_text(payload, self.role_claim), unit=_text(payload, self.unit_claim),
            name=name if isinstance(name, str) and name else None, expires_at=datetime.fromtimestamp(payload["exp"], tz=UTC),
        )

    def _signing_key(self, token: str) -> PyJWK:
        """The issuer's key the token names, refused before any fetch if the header is already wrong."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidBearer("malformed token") from error
        if header.get("alg") not in ALGORITHMS:
            raise InvalidBearer("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidBearer("token names no signing key")
        try:
            return self._jwks_client().get_signing_key(kid)
        except PyJWKClientConnectionError as error:
            raise IssuerUnreachable(f"JWKS of {self.issuer} unreachable: {error}") from error
        except PyJWKClientError as error:
            raise InvalidBearer("unknown signing key") from error
        except jwt.PyJWTError as error:  # a JWKS PyJWT cannot read
            raise IssuerUnreachable(f"JWKS of {self.issuer} unusable: {error}") from error

    def _jwks_client(self) -> PyJWKClient:
        with self._lock:
            if self._jwks is None:
                self._jwks = PyJWKClient(
                    self._discover_jwks_uri(), lifespan=self._jwks_lifespan, timeout=self._timeout,
                    cooldown_duration=self._jwks_cooldown,
                )
            return self._jwks

    def _discover_jwks_uri(self) -> str:
        return self.endpoint("jwks_uri")

    def endpoint(self, name: str) -> str:
        """One of the issuer's endpoints (jwks_uri, authorization_endpoint, token_endpoint) by OpenID Connect
        Discovery; the document must name this very issuer (Discovery 1.0, section 4.3). Fetched once."""
        url = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        if self._discovered is None:
            try:
                with urllib.request.urlopen(url, timeout=self._timeout) as response:
                    document = json.load(response)
            except (OSError, ValueError) as error:
                raise IssuerUnreachable(f"OIDC discovery at {url} failed: {error}") from error
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise IssuerUnreachable(f"OIDC discovery at {url} does not describe the issuer {self.issuer}")
            self._discovered = document
        found = self._discovered.get(name)
        if not isinstance(found, str) or urlsplit(found).scheme not in ("http", "https"):
            raise IssuerUnreachable(f"OIDC discovery at {url} gives no {name}")
        return found


def _text(payload: dict[str, Any], claim: str) -> str:
    value = payload.get(claim)
    if not isinstance(value, str) or not value:
        raise InvalidBearer(f"token lacks the {claim} claim")
    return value
