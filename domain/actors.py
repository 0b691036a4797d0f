"""Who acts: every event names its actor (person, role and the unit acted for)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule


class Role(StrEnum):
    """The roles that disclosure work distinguishes."""

    OFFICER = "officer"  # 政务公开专员, a unit's disclosure clerk
    LEADER = "leader"  # 分管领导, the leader in charge who signs off (D6)
    PRE_REVIEWER = "pre_reviewer"  # 预审小组成员, member of the pre-review group (D5)
    LEADING_GROUP_OFFICE = "leading_group_office"  # 政务公开领导小组办公室
    ARCHIVIST = "archivist"  # 档案员
    AGENCY_HEAD = "agency_head"  # 机关负责人, who approves a destruction list (R5)
    INSPECTOR = "inspector"  # 纪检监察
    COMPLAINTS_OFFICE = "complaints_office"  # 投诉受理机构 (Q3: the only role that reads complainants' identities)
    GOVERNMENT_OFFICE = "government_office"  # 政府办公室, which assesses units (E3)
    INTEGRATOR = "integrator"  # 数据对接方, a system reading public views and the event contract
    # 三员 (GB/T 22239-2019 level 3): three administrators no person is together, none acting in disclosure work
    SYSTEM_ADMIN = "system_admin"  # 系统管理员
    SECURITY_ADMIN = "security_admin"  # 安全管理员, who manages accounts and grants
    SECURITY_AUDITOR = "security_auditor"  # 安全审计员, who reads the security log
    SYSTEM = "system"  # zwgk itself, e.g. recomputing deadlines


ROLE_NAMES_ZH = {
    Role.OFFICER: "政务公开专员",
    Role.LEADER: "分管领导",
    Role.PRE_REVIEWER: "预审小组成员",
    Role.LEADING_GROUP_OFFICE: "政务公开领导小组办公室",
    Role.ARCHIVIST: "档案员",
    Role.AGENCY_HEAD: "机关负责人",
    Role.INSPECTOR: "纪检监察人员",
    Role.COMPLAINTS_OFFICE: "投诉受理机构",
    Role.GOVERNMENT_OFFICE: "政府办公室",
    Role.INTEGRATOR: "数据对接方",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.SECURITY_AUDITOR: "安全审计员",
    Role.SYSTEM: "系统",
}


@dataclass(frozen=True)
class Actor:
    """A person (or zwgk itself) acting in a role on behalf of a unit."""

    id: str
    role: Role
    unit: str

    def __post_init__(self) -> None:
        _require_named(self.id, self.unit)
        object.__setattr__(self, "role", role_named(self.role))

    @classmethod
    def from_text(cls, id: str, role: str, unit: str) -> Actor:  # noqa: A002
        """An actor as a command file or the command line names it, the role as text; refused as
        the constructor refuses (keys other than these three: TypeError)."""
        _require_named(id, unit)
        return cls(id, role_named(role), unit)

    def require(self, role: Role, rule: Rule | None = None) -> None:
        if self.role != role:
            raise DomainError(
                "ROLE_NOT_PERMITTED",
                f"此操作须由{ROLE_NAMES_ZH[role]}进行，当前角色为{ROLE_NAMES_ZH[self.role]}。",
                f"this command needs role {role}, actor has {self.role}",
                rule,
            )


def _require_named(person: str, unit: str) -> None:
    if not person or not unit:
        raise DomainError(
            "ACTOR_INCOMPLETE",
            "操作人须写明人员编号和所属单位。",
            "actor needs an id and a unit",
        )


def role_named(text: str) -> Role:
    """The role a text names; refused when it names none."""
    try:
        return Role(text)
    except ValueError:
        raise DomainError(
            "UNKNOWN_ROLE",
            f"未知角色：{text}",
            f"unknown role: {text}",
        ) from None


ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR})
"""三员分立: each held by a different person, and by no one who holds any other role."""

SYSTEM = Actor(id="zwgk", role=Role.SYSTEM, unit="zwgk")
