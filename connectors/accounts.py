"""Who is asking: accounts, tokens and sign-in, as the CLI and the HTTP service share them.

An access token or a sign-in session names an account; the account's record in the ledger says
whether it is usable and in which roles, so a revocation or a disabled account takes effect at the
next request, on every server. Every failure is written to the security log.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp

from zwgk.connectors import oidc_signin
from zwgk.connectors.credentials import IssuedToken
from zwgk.connectors.oidc import InvalidBearer, IssuerUnreachable, OidcClaims, OidcVerifier
from zwgk.connectors.security_log import SecurityEvent
from zwgk.connectors.services import Services
from zwgk.domain.accounts import GRANTABLE, Account, OpenAccount, RevokeToken, account_id
from zwgk.domain.actors import ADMINISTRATORS, SYSTEM, Actor, role_named
from zwgk.domain.commands import Outcome
from zwgk.domain.errors import DomainError, NotFound
from zwgk.domain.privacy import ERASED, SealedValue, seal, unseal

SESSION_PREFIX = "zwgks_"
TOTP_ISSUER = "zwgk 政务公开台账"
TOTP_FIELD = "totp_secret"


class Unauthenticated(DomainError):
    """No valid credentials: the service answers 401 and asks for them."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__("UNAUTHENTICATED", zh, en)


class SecondFactorRequired(Unauthenticated):
    """An administrator's right password without the right one-time code."""

    def __init__(self) -> None:
        DomainError.__init__(self, "SECOND_FACTOR_REQUIRED",
                             "管理员登录还须输入动态验证码（身份验证器应用中的 6 位数字），"
                             "验证码不正确、已使用过或未输入（每个验证码只能使用一次）。",
                             "an administrator signs in with a valid one-time code")


@dataclass(frozen=True)
class Caller:
    """Where a request comes from, for the security log."""

    request_id: str = ""
    remote: str = ""


def add_user(s: Services, user_id: str, role: str, unit: str, password: str | None = None, actor: Actor = SYSTEM) -> Outcome:
    """Open an account (and set its password): a password refused opens nothing."""
    if password is not None:
        _check_password(password)
    (outcome,) = s.ledger.execute(OpenAccount(user_id=user_id, unit=unit, role=role_named(role)), actor)
    if password is not None:
        set_password(s, user_id, password, actor)
    return outcome


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise DomainError("PASSWORD_TOO_SHORT", "密码至少 12 位。", "a password has at least 12 characters")


def set_password(s: Services, user_id: str, password: str, actor: Actor) -> None:
    _check_password(password)
    s.ledger.change(Account, account_id(user_id), lambda account: account.set_password(actor=actor, occurred_at=None))
    s.credentials.set_password(user_id, password)
    s.credentials.end_sessions_of(user_id)


def create_token(s: Services, user_id: str, expires_in: timedelta | None, actor: Actor = SYSTEM) -> IssuedToken:
    """A new token, recorded in the ledger before its hash is kept: a crash in between leaves a token no one
    can use, never one the ledger does not know."""
    issued = IssuedToken.new()
    expires_at = datetime.now(UTC) + expires_in if expires_in else None
    s.ledger.change(Account, account_id(user_id), lambda account: account.issue_token(
        actor=actor, occurred_at=None, token_id=issued.token_id, expires_at=expires_at))
    s.credentials.keep_token(issued, user_id, expires_at)
    return issued


def revoke_token(s: Services, user_id: str, token_id: str, actor: Actor = SYSTEM) -> Outcome:
    (outcome,) = s.ledger.execute(RevokeToken(user_id=user_id, token_id=token_id), actor)
    return outcome


def accounts(s: Services) -> list[dict[str, Any]]:
    """Every account with its roles, state and live tokens: who holds which power."""
    return [
        {"user_id": a.user_id, "unit": a.unit, "roles": sorted(r.value for r in a.roles), "disabled": a.disabled,
         "tokens": {token: expires.isoformat() if expires else None for token, expires in a.tokens.items()},
         "password_set_at": a.password_set_at.isoformat() if a.password_set_at else None}
        for a in s.ledger.all_of(Account)
    ]


def _account(s: Services, user_id: str) -> Account | None:
    try:
        return s.ledger.load(Account, account_id(user_id))
    except NotFound:
        return None


def _refuse(s: Services, caller: Caller, kind: SecurityEvent, detail: str, user_id: str = "") -> Unauthenticated:
    s.security_log.record(kind, detail, user_id=user_id, request_id=caller.request_id, remote=caller.remote)
    return Unauthenticated("未登录或登录凭据无效，请重新登录。", detail)


def _acting(s: Services, caller: Caller, account: Account | None, user_id: str, role: str | None) -> Actor:
    if account is None or account.disabled:
        raise _refuse(s, caller, SecurityEvent.ACCOUNT_DISABLED_USED, "account disabled or gone", user_id)
    try:
        return account.actor(role_named(role) if role else None)
    except DomainError as error:
        s.security_log.record(SecurityEvent.ACCESS_REFUSED, error.message_en, user_id=user_id, role=role or "",
                              unit=account.unit, request_id=caller.request_id, remote=caller.remote)
        raise


def actor_of_token(s: Services, text: str, role: str | None, caller: Caller) -> Actor:
    """The actor an access token or a session signs in, in the role asked for (needed only when the
    account holds several)."""
    if text.startswith(SESSION_PREFIX):
        session = s.credentials.session(text.removeprefix(SESSION_PREFIX))
        if session is None:
            raise _refuse(s, caller, SecurityEvent.CREDENTIALS_INVALID, "session unknown or expired")
        user_id, session_role = session
        return _acting(s, caller, _account(s, user_id), user_id, role or session_role)
    parsed = IssuedToken.parse(text)
    stored = s.credentials.token(*parsed) if parsed else None
    if parsed is None or stored is None:
        raise _refuse(s, caller, SecurityEvent.CREDENTIALS_INVALID, "access token unknown")
    account = _account(s, stored.user_id)
    if account is not None and parsed[0] not in account.tokens:
        raise _refuse(s, caller, SecurityEvent.TOKEN_REVOKED_USED, f"token {parsed[0]} was revoked", stored.user_id)
    if stored.expires_at and stored.expires_at <= datetime.now(UTC):
        raise _refuse(s, caller, SecurityEvent.TOKEN_EXPIRED_USED, f"token {parsed[0]} expired", stored.user_id)
    return _acting(s, caller, account, stored.user_id, role)


def actor_of_jwt(s: Services, verifier: OidcVerifier, token: str, caller: Caller) -> Actor:
    """The actor an OpenID provider's access token vouches for: its subject, in the role and unit its claims
    name (the provider manages those people's accounts and grants)."""
    try:
        claims = verifier.verify(token)
    except InvalidBearer as error:
        raise _refuse(s, caller, SecurityEvent.CREDENTIALS_INVALID, f"OpenID token refused: {error.reason_en}") from None
    except IssuerUnreachable as error:
        raise DomainError("UNAVAILABLE", "统一身份认证服务暂不可用，请稍后重试。", f"OpenID provider unreachable: {error}") from None
    return _actor_of_claims(s, claims, caller)


def _actor_of_claims(s: Services, claims: OidcClaims, caller: Caller) -> Actor:
    role = role_named(claims.role)
    if role not in GRANTABLE:
        raise _refuse(s, caller, SecurityEvent.CREDENTIALS_INVALID, f"OpenID token names role {role}", claims.subject)
    return Actor(claims.subject, role, claims.unit)


def sign_in_with_provider(s: Services, verifier: OidcVerifier, client_id: str, redirect_uri: str, code: str, code_verifier: str,
                          caller: Caller) -> tuple[str, Actor]:
    """The provider's access token for the code its sign-in page gave back, and whom it signs in (the console
    keeps that token as its session: it ends when the token expires)."""
    try:
        token, claims = oidc_signin.complete(verifier, client_id, redirect_uri, code, code_verifier)
    except InvalidBearer as error:
        raise _refuse(s, caller, SecurityEvent.SIGN_IN_FAILED, f"OpenID sign-in refused: {error.reason_en}") from None
    except IssuerUnreachable as error:
        raise DomainError("UNAVAILABLE", "统一身份认证服务暂不可用，请稍后重试。", f"OpenID provider unreachable: {error}") from None
    actor = _actor_of_claims(s, claims, caller)
    s.security_log.record(SecurityEvent.SIGNED_IN, "openid connect", user_id=actor.id, role=actor.role.value, unit=actor.unit,
                          request_id=caller.request_id, remote=caller.remote)
    return token, actor


def enrol_second_factor(s: Services, user_id: str) -> str:
    """A new TOTP secret for an account (replacing any earlier one), kept sealed in the secrets database; the
    otpauth URI an authenticator app reads is returned to be shown once."""
    account = _account(s, user_id)
    if account is None:
        raise NotFound("账户", "account", user_id)
    secret = pyotp.random_base32()
    keys = s.ledger.keys
    sealed = seal(keys.key_for(f"totp:{user_id}"), TOTP_FIELD, secret)
    keys.keep_new()  # a new key is kept only when asked (no key outlives a refused command)
    s.credentials.keep_second_factor(user_id, json.dumps(asdict(sealed)))
    return pyotp.TOTP(secret).provisioning_uri(name=user_id, issuer_name=TOTP_ISSUER)


def second_factor_ok(s: Services, user_id: str, code: str, now: datetime | None = None) -> bool:
    """The account's one-time code for the time-step before, of or after `now` (a clock a little off), and
    once only: the step it matched is kept, and a code of that step or an earlier one is refused after it
    (RFC 6238 §5.2), whichever entrypoint it was sent to."""
    kept = s.credentials.second_factor(user_id)
    code = code.strip()
    if kept is None or not code:
        return False
    secret = unseal(s.ledger.keys, TOTP_FIELD, SealedValue(**json.loads(kept)))
    if secret == ERASED:
        return False
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now or datetime.now(UTC))
    matched = [n for n in (step - 1, step, step + 1) if hmac.compare_digest(totp.generate_otp(n), code)]
    return bool(matched) and s.credentials.accept_step(user_id, matched[0])


def sign_in(s: Services, user_id: str, password: str, role: str | None, caller: Caller, one_time_code: str = "") -> tuple[str, Actor]:
    """A session for the right password of a usable account; wrong passwords lock the account a while. The
    three administrators (三员) also give the one-time code of their enrolled second factor (GB/T 22239-2019)."""
    if s.credentials.locked_until(user_id):
        raise _refuse(s, caller, SecurityEvent.SIGN_IN_FAILED, "account locked after repeated failures", user_id)
    if not s.credentials.check_password(user_id, password):
        locked = s.credentials.locked_until(user_id) is not None
        raise _refuse(s, caller, SecurityEvent.ACCOUNT_LOCKED if locked else SecurityEvent.SIGN_IN_FAILED, "wrong user id or password",
                      user_id)
    actor = _acting(s, caller, _account(s, user_id), user_id, role)
    if actor.role in ADMINISTRATORS and not second_factor_ok(s, user_id, one_time_code):
        s.security_log.record(SecurityEvent.SIGN_IN_FAILED, "second factor missing, wrong or already used", user_id=user_id,
                              role=actor.role.value, unit=actor.unit, request_id=caller.request_id, remote=caller.remote)
        raise SecondFactorRequired()
    secret = s.credentials.start_session(user_id, actor.role.value)
    s.security_log.record(SecurityEvent.SIGNED_IN, "password", user_id=user_id, role=actor.role.value, unit=actor.unit,
                          request_id=caller.request_id, remote=caller.remote)
    return SESSION_PREFIX + secret, actor


def sign_out(s: Services, text: str) -> None:
    s.credentials.end_session(text.removeprefix(SESSION_PREFIX))


def refused(s: Services, actor: Actor, error: DomainError, caller: Caller) -> None:
    """A refusal for role or unit, on the security log."""
    s.security_log.record(SecurityEvent.ACCESS_REFUSED, error.message_en, user_id=actor.id, role=actor.role.value, unit=actor.unit,
                          request_id=caller.request_id, remote=caller.remote)

