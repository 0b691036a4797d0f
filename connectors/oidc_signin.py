"""Signing in to the console through the OpenID provider: the authorization code flow with PKCE (RFC 7636,
S256) for a public client. The browser is sent to the provider with a fresh state and code challenge; the
code it brings back is exchanged, with the verifier, for the provider's access token, which is checked as
every bearer token is (`OidcVerifier`) before anyone is signed in. zwgk keeps no password of these people."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from zwgk.connectors.oidc import InvalidBearer, IssuerUnreachable, OidcClaims, OidcVerifier


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the browser, and what to keep (in the browser, unreadable to scripts) until it is back."""

    url: str
    state: str
    code_verifier: str


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def begin(verifier: OidcVerifier, client_id: str, redirect_uri: str) -> AuthorizationStart:
    state, code_verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid",
                       "state": state, "code_challenge": _challenge(code_verifier), "code_challenge_method": "S256",
                       "resource": verifier.audience})
    return AuthorizationStart(f"{verifier.endpoint('authorization_endpoint')}?{query}", state, code_verifier)


def complete(verifier: OidcVerifier, client_id: str, redirect_uri: str, code: str, code_verifier: str) -> tuple[str, OidcClaims]:
    """The provider's access token for the code, and whom it vouches for; `InvalidBearer` when the provider
    refuses the code or its token is not one zwgk accepts."""
    body = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client_id,
                      "code_verifier": code_verifier, "resource": verifier.audience}).encode()
    request = urllib.request.Request(verifier.endpoint("token_endpoint"), data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise InvalidBearer(f"the provider refused the authorization code ({error.code})") from error
    except (OSError, ValueError) as error:
        raise IssuerUnreachable(f"token endpoint of {verifier.issuer} failed: {error}") from error
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str):
        raise InvalidBearer("the provider answered without an access token")
    return token, verifier.verify(token)
