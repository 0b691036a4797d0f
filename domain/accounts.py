"""Accounts 用户账户: who may sign in to the service, in which roles, for which unit.

Opening an account, granting or revoking a role, disabling it and issuing or revoking its access
tokens are events in the ledger like every other act, so an inspector sees who was given which
power and by whom. The secrets themselves (password and token hashes) never enter the ledger.

Separation of duties 三员分立 (GB/T 22239-2019, level 3): the system administrator, the security
administrator and the security auditor are three roles no person holds together, and none of
them is held with a role of the disclosure work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.domain.actors import ADMINISTRATORS, ROLE_NAMES_ZH, SYSTEM, Actor, Role, role_named
from zwgk.domain.commands import Changes, Context, Opens, Outcome
from zwgk.domain.errors import DomainError
from zwgk.domain.records import Record

GRANTABLE = frozenset(Role) - {Role.SYSTEM}


def account_id(user_id: str) -> UUID:
    """One record per user id, found again from the id a person signs in with."""
    return uuid5(NAMESPACE_URL, f"zwgk:account:{user_id}")


def _require_security_admin(actor: Actor) -> None:
    """Accounts are managed by the security administrator 安全管理员; the operator's own tool on the
    server (zwgk itself) opens the first ones."""
    if actor.role not in (Role.SECURITY_ADMIN, Role.SYSTEM):
        raise DomainError("ROLE_NOT_PERMITTED", "账户和授权只能由安全管理员管理。",
                          f"accounts are managed by the security administrator, not {actor.role}")


def _grantable(role: str) -> Role:
    checked = role_named(role)
    if checked not in GRANTABLE:
        raise DomainError("ROLE_NOT_GRANTABLE", f"角色“{ROLE_NAMES_ZH[checked]}”不能授予账户。", f"role {checked} is not grantable")
    return checked


def _separated(roles: set[Role]) -> None:
    """三员分立: an administrator role is the only role its holder has."""
    if len(roles) > 1 and roles & ADMINISTRATORS:
        names = "、".join(ROLE_NAMES_ZH[r] for r in sorted(roles))
        raise DomainError("DUTIES_NOT_SEPARATED", f"系统管理员、安全管理员、安全审计员须由不同人员担任，且不得兼任其他角色（{names}）。",
                          f"an administrator role cannot be held with another role: {sorted(roles)}")


class Account(Record):
    """A person's account 用户账户 (or an integrating system's)."""

    what_zh = "用户账户"
    context = "accounts"

    if TYPE_CHECKING:
        user_id: str
        roles: set[Role]
        disabled: bool
        tokens: dict[str, datetime | None]
        password_set_at: datetime | None

    class Opened(Record.Created):
        """An account opened for a unit with its first role."""

        user_id: str
        unit: str
        role: str

        def apply(self, account: Account) -> None:
            account.user_id, account.unit = self.user_id, self.unit
            account.roles = {Role(self.role)}
            account.disabled = False
            account.tokens = {}
            account.password_set_at = None

    class RoleGranted(Record.Event):
        role: str

        def apply(self, account: Account) -> None:
            account.roles.add(Role(self.role))

    class RoleRevoked(Record.Event):
        role: str

        def apply(self, account: Account) -> None:
            account.roles.discard(Role(self.role))

    class Disabled(Record.Event):
        """No sign-in and no token of the account is accepted from now on."""

        reason: str

        def apply(self, account: Account) -> None:
            account.disabled = True

    class Enabled(Record.Event):
        def apply(self, account: Account) -> None:
            account.disabled = False

    class TokenIssued(Record.Event):
        """An access token issued (its secret is shown once and kept only as a hash, outside the ledger)."""

        token_id: str
        expires_at: datetime | None

        def apply(self, account: Account) -> None:
            account.tokens[self.token_id] = self.expires_at

    class TokenRevoked(Record.Event):
        token_id: str

        def apply(self, account: Account) -> None:
            account.tokens.pop(self.token_id, None)

    class PasswordSet(Record.Event):
        """The account's password set or changed (the hash is kept outside the ledger)."""

        def apply(self, account: Account) -> None:
            account.password_set_at = self.occurred_at

    @classmethod
    def open(cls, *, id: UUID, actor: Actor, occurred_at: datetime | None, user_id: str, unit: str,  # noqa: A002
             role: str) -> Account:
        _require_security_admin(actor)
        if not user_id.strip() or not unit.strip():
            raise DomainError("ACCOUNT_INCOMPLETE", "账户须写明人员编号和所属单位。", "an account needs a user id and a unit")
        return cls._open(cls.Opened, id=id, actor=actor, occurred_at=occurred_at, user_id=user_id.strip(), unit=unit.strip(),
                         role=_grantable(role).value)

    def grant(self, *, actor: Actor, occurred_at: datetime | None, role: str) -> None:
        self._managed_by(actor)
        granted = _grantable(role)
        if granted in self.roles:
            raise DomainError("ROLE_ALREADY_GRANTED", f"该账户已有角色“{ROLE_NAMES_ZH[granted]}”。", f"role {granted} already granted")
        _separated(self.roles | {granted})
        self._record(self.RoleGranted, actor=actor, occurred_at=occurred_at, role=granted.value)

    def revoke(self, *, actor: Actor, occurred_at: datetime | None, role: str) -> None:
        self._managed_by(actor)
        revoked = role_named(role)
        if revoked not in self.roles:
            raise DomainError("ROLE_NOT_GRANTED", f"该账户没有角色“{ROLE_NAMES_ZH[revoked]}”。", f"role {revoked} is not granted")
        self._record(self.RoleRevoked, actor=actor, occurred_at=occurred_at, role=revoked.value)

    def disable(self, *, actor: Actor, occurred_at: datetime | None, reason: str) -> None:
        self._managed_by(actor)
        if self.disabled:
            raise DomainError("ACCOUNT_DISABLED", "该账户已停用。", "the account is disabled already")
        if not reason.strip():
            raise DomainError("REASON_REQUIRED", "停用账户须写明原因。", "disabling an account needs a reason")
        self._record(self.Disabled, actor=actor, occurred_at=occurred_at, reason=reason.strip())

    def enable(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        self._managed_by(actor)
        if not self.disabled:
            raise DomainError("ACCOUNT_ENABLED", "该账户未停用。", "the account is not disabled")
        self._record(self.Enabled, actor=actor, occurred_at=occurred_at)

    def issue_token(self, *, actor: Actor, occurred_at: datetime | None, token_id: str, expires_at: datetime | None) -> None:
        self._managed_by(actor)
        self._usable()
        self._record(self.TokenIssued, actor=actor, occurred_at=occurred_at, token_id=token_id, expires_at=expires_at)

    def revoke_token(self, *, actor: Actor, occurred_at: datetime | None, token_id: str) -> None:
        if not (actor.id == self.user_id or actor.role in (Role.SECURITY_ADMIN, Role.SYSTEM)):
            raise DomainError("ROLE_NOT_PERMITTED", "只有账户本人或安全管理员可以吊销访问令牌。",
                              "only the account holder or the security administrator revokes a token")
        if token_id not in self.tokens:
            raise DomainError("TOKEN_UNKNOWN", f"该账户没有有效的访问令牌 {token_id}。", f"no live token {token_id} on this account")
        self._record(self.TokenRevoked, actor=actor, occurred_at=occurred_at, token_id=token_id)

    def set_password(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        if actor.id != self.user_id:
            self._managed_by(actor)
        self._usable()
        self._record(self.PasswordSet, actor=actor, occurred_at=occurred_at)

    def _managed_by(self, actor: Actor) -> None:
        _require_security_admin(actor)
        if actor.id == self.user_id and actor != SYSTEM:
            raise DomainError("SELF_MANAGEMENT", "安全管理员不能管理自己的账户。",
                              "a security administrator cannot manage their own account")

    def _usable(self) -> None:
        if self.disabled:
            raise DomainError("ACCOUNT_DISABLED", "该账户已停用。", "the account is disabled")

    def actor(self, role: Role | None = None) -> Actor:
        """The actor the account signs in as: in its only role, or the one asked for among its roles."""
        self._usable()
        if role is None:
            if len(self.roles) != 1:
                names = "、".join(sorted(r.value for r in self.roles)) or "无"
                raise DomainError("ROLE_AMBIGUOUS", f"该账户有多个角色（{names}），请指明以哪个角色操作。",
                                  f"the account holds several roles ({names}); name the one to act in")
            (role,) = self.roles
        if role not in self.roles:
            raise DomainError("ROLE_NOT_PERMITTED", f"该账户没有角色“{ROLE_NAMES_ZH[role]}”。", f"the account does not hold role {role}")
        return Actor(self.user_id, role, self.unit)


@dataclass(frozen=True, kw_only=True)
class OpenAccount(Opens[Account], name="open_account", summary_zh="开设用户账户"):
    """The account's record id derives from the user id, so an account is never opened twice."""

    opens = Account.open
    user_id: str
    """the id the person signs in with"""
    unit: str
    """the unit the person acts for"""
    role: Role
    """the first role granted"""

    def open(self, new_id: UUID, ctx: Context) -> Account:
        return Account.open(id=new_id, **ctx.at(), **self.args())

    def handle(self, ctx: Context) -> Outcome:
        if self.id is not None and self.id != account_id(self.user_id):
            raise DomainError("ACCOUNT_ID_MISMATCH", "账户记录编号由人员编号导出，不能另行指定。",
                              "an account's id derives from its user id")
        return ctx.ledger.create(Account, account_id(self.user_id), lambda new: self.open(new, ctx))


@dataclass(frozen=True, kw_only=True)
class OnAccount(Changes[Account]):
    reference = ("user_id",)
    user_id: str
    """the account's user id"""

    def target(self, ctx: Context) -> UUID:
        return account_id(self.user_id)


@dataclass(frozen=True, kw_only=True)
class GrantRole(OnAccount, name="grant_role", summary_zh="授予角色"):
    decides = Account.grant
    role: Role


@dataclass(frozen=True, kw_only=True)
class RevokeRole(OnAccount, name="revoke_role", summary_zh="撤销角色"):
    decides = Account.revoke
    role: Role


@dataclass(frozen=True, kw_only=True)
class DisableAccount(OnAccount, name="disable_account", summary_zh="停用账户"):
    decides = Account.disable
    reason: str


@dataclass(frozen=True, kw_only=True)
class EnableAccount(OnAccount, name="enable_account", summary_zh="恢复账户"):
    decides = Account.enable


@dataclass(frozen=True, kw_only=True)
class RevokeToken(OnAccount, name="revoke_token", summary_zh="吊销访问令牌"):
    decides = Account.revoke_token
    token_id: str
