"""Access 授权: which role may run which command and read which view, and for which units: one table each.

A signed-in user is an `Actor` (person, role, unit). Each table maps a name to the roles permitted
and, for each, its `Scope`: `OWN_UNIT`, only for records its unit answers for (谁发布、谁负责, C3,
generalised from the catalogue to every record), or `ANY_UNIT`, across units, as the rules give the
role's work across units (the pre-review group, the leading-group office, the government office,
inspectors, the complaints office, archivists). A role a table does not name for a name is refused
(`ROLE_NOT_PERMITTED`), and so is a name no table has (`UNKNOWN_COMMAND`, `UNKNOWN_QUERY`).

The tables grant the least that lets each workflow run (the demo's actors and the command-line's
show who does what) and never what the domain itself refuses for role reasons (`actor.require`, the
complaints office's Q3 checks). Three rules shape them:

- officers 政务公开专员 do their unit's disclosure work and leaders 分管领导 sign it off, each for
  their own unit only, and read their own unit's rows;
- inspectors 纪检监察 read everything but personal data (Q3), accounts and the security log, and
  write only accountability; integrators 数据对接方 read the public views and the contract;
- 三员分立 (GB/T 22239-2019 level 3): the system administrator, the security administrator and the
  security auditor run no disclosure command and read no business view; only the security
  administrator runs the account commands, only the auditor reads the security log.

How a scope is enforced: a command run with `Context.scope` set to what `permit_command` returned
checks, once the record it changes is loaded (or once the record it opens is made, before anything
is saved), that the record's unit is the actor's (`Record.check_acting_unit`; see
`Record.answering_unit` for records without a `unit`). For a query the entrypoint reads only the
rows of the actor's unit when the scope is `OWN_UNIT` (a view without units has `ANY_UNIT` only).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from zwgk.domain.actors import ROLE_NAMES_ZH, Actor, Role
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule


class Scope(StrEnum):
    """For which records a permitted role acts or reads."""

    OWN_UNIT = "own_unit"  # only records the actor's unit answers for (谁发布、谁负责)
    ANY_UNIT = "any_unit"  # records of every unit


OWN, ANY = Scope.OWN_UNIT, Scope.ANY_UNIT
OFFICER, LEADER, PRE_REVIEWER = Role.OFFICER, Role.LEADER, Role.PRE_REVIEWER
LEADING_GROUP_OFFICE, GOVERNMENT_OFFICE = Role.LEADING_GROUP_OFFICE, Role.GOVERNMENT_OFFICE
ARCHIVIST, INSPECTOR, COMPLAINTS_OFFICE, INTEGRATOR = Role.ARCHIVIST, Role.INSPECTOR, Role.COMPLAINTS_OFFICE, Role.INTEGRATOR

# The security administrator's commands: declared by the accounts module, not all registered yet.
ACCOUNT_COMMANDS_ZH = {
    "open_account": "开设账户",
    "grant_role": "授予角色",
    "revoke_role": "撤销角色",
    "disable_account": "停用账户",
    "enable_account": "启用账户",
    "issue_token": "签发访问令牌",
    "revoke_token": "吊销访问令牌",
    "set_password": "设置密码",
}
ACCOUNT_COMMANDS = frozenset(ACCOUNT_COMMANDS_ZH)

UNIT_WORK: Mapping[Role, Scope] = {OFFICER: OWN}
"""A unit's disclosure work, done by its officer for its own records."""


def _frozen(table: Mapping[str, Mapping[Role, Scope]]) -> Mapping[str, Mapping[Role, Scope]]:
    return MappingProxyType({name: MappingProxyType(dict(roles)) for name, roles in table.items()})


COMMAND_ACCESS: Mapping[str, Mapping[Role, Scope]] = _frozen({
    # 公开事项清单 (C1–C4): the unit that publishes an item adjusts it and files the adjustment (C3, C4).
    "list_catalogue_item": UNIT_WORK,
    "amend_catalogue_item": UNIT_WORK,
    "withdraw_catalogue_item": UNIT_WORK,
    "file_catalogue_adjustments": UNIT_WORK,
    # 公开行为 (D1–D11): the drafting unit's officers draft, sign the review sheet (组稿人、签发人、推送人) and
    # publish; the pre-review group reviews every unit's content (D5); the unit's leader signs off (D6).
    "draft_disclosure": UNIT_WORK,
    "revise_disclosure": UNIT_WORK,
    "sign_review": UNIT_WORK,
    "pre_review_disclosure": {PRE_REVIEWER: ANY},
    "sign_off_disclosure": {LEADER: OWN},
    "publish_disclosure": UNIT_WORK,
    "correct_disclosure": UNIT_WORK,
    "withdraw_disclosure": UNIT_WORK,
    "recheck_withholding": UNIT_WORK,
    # D8: the act's unit or an archivist, who keeps every unit's originals, links the archived original.
    "link_original": {OFFICER: OWN, ARCHIVIST: ANY},
    # 依申请公开 (A1–A6): the unit that received the application handles it and reports on its year.
    "receive_request": UNIT_WORK,
    "request_completion": UNIT_WORK,
    "complete_request": UNIT_WORK,
    "abandon_request": UNIT_WORK,
    "start_consultation": UNIT_WORK,
    "end_consultation": UNIT_WORK,
    "extend_request": UNIT_WORK,
    "answer_request": UNIT_WORK,
    "publish_annual_report": UNIT_WORK,
    # A6: the leading-group office records once whether a unit is a government or a department (its report's due date).
    "record_organ_kind": {LEADING_GROUP_OFFICE: ANY},
    # 重大突发事件 (N2), 告示 (N1), 重大行政决策预公开 (P1–P4), 听证 (H1–H5), 列席 (M1, M2), 开放日 (O1): the unit's own.
    "report_emergency": UNIT_WORK,
    "release_emergency_information": UNIT_WORK,
    "hold_press_conference": UNIT_WORK,
    "post_announcement": UNIT_WORK,
    "update_announcement": UNIT_WORK,
    "take_down_announcement": UNIT_WORK,
    "propose_decision": UNIT_WORK,
    "review_decision_secrecy": UNIT_WORK,
    "discuss_decision": UNIT_WORK,
    "pre_disclose_decision": UNIT_WORK,
    "receive_decision_comment": UNIT_WORK,
    "absorb_decision_comments": UNIT_WORK,
    "publish_adoption_report": UNIT_WORK,
    "notice_hearing": UNIT_WORK,
    "assign_hearing_roles": UNIT_WORK,
    "hold_hearing": UNIT_WORK,
    "archive_hearing_record": {OFFICER: OWN, ARCHIVIST: ANY},  # H4: as link_original
    "issue_hearing_minutes": UNIT_WORK,
    "publish_hearing_outcome": UNIT_WORK,
    "invite_representatives": UNIT_WORK,
    "hold_meeting": UNIT_WORK,
    "publish_meeting_feedback": UNIT_WORK,
    "plan_open_day": UNIT_WORK,
    "admit_open_day_participant": UNIT_WORK,
    "announce_open_day_participants": UNIT_WORK,
    "hold_open_day": UNIT_WORK,
    # 投诉 (Q1–Q4): the complaints office receives complaints about any unit and alone handles complainants'
    # identities (Q3); the unit a complaint is assigned to records its handling, as the office may.
    "register_complaint": {COMPLAINTS_OFFICE: ANY},
    "assign_complaint": {COMPLAINTS_OFFICE: ANY},
    "handle_complaint": {OFFICER: OWN, COMPLAINTS_OFFICE: ANY},
    "give_complaint_feedback": {COMPLAINTS_OFFICE: ANY},
    "publish_complaint_feedback": {COMPLAINTS_OFFICE: ANY},
    "erase_personal_data": {COMPLAINTS_OFFICE: ANY},
    # A complainant's identity, read one field at a time with a purpose, the read recorded (Q3).
    "read_personal_data": {COMPLAINTS_OFFICE: ANY},
    # 责任追究 (K1–K4): inspectors open, investigate and give the preliminary opinion; the leading group decides
    # and files (K3). zwgk opens a case itself when a unit fails again after rectification (E4).
    "open_case": {INSPECTOR: ANY, Role.SYSTEM: ANY},
    "investigate_case": {INSPECTOR: ANY},
    "give_case_opinion": {INSPECTOR: ANY},
    "decide_case": {LEADING_GROUP_OFFICE: ANY},
    "file_case": {LEADING_GROUP_OFFICE: ANY},
    # 考核 (E1–E4): each unit assesses itself; the government office scores and reassesses, the leading-group
    # office approves the grade, publishes it and orders rectification (E3, E4).
    "self_assess": UNIT_WORK,
    "assess_unit": {GOVERNMENT_OFFICE: ANY},
    "approve_grade": {LEADING_GROUP_OFFICE: ANY},
    "publish_assessment": {LEADING_GROUP_OFFICE: ANY},
    "order_rectification": {LEADING_GROUP_OFFICE: ANY},
    "reassess_unit": {GOVERNMENT_OFFICE: ANY},
    # The official calendar, for every unit's deadlines: loaded by the leading-group office; zwgk settles deadlines.
    "load_calendar": {LEADING_GROUP_OFFICE: ANY},
    "recompute_deadlines": {LEADING_GROUP_OFFICE: ANY, Role.SYSTEM: ANY},
    # 档案 (R1, R2): archivists keep every unit's originals (责任者 is the unit, not the archivist).
    "archive_original": {ARCHIVIST: ANY},
    "place_legal_hold": {ARCHIVIST: ANY},
    "release_legal_hold": {ARCHIVIST: ANY},
    # 到期鉴定、销毁 (R4, R5): archivists appraise, list and destroy; the agency's head alone approves a list.
    "appraise_original": {ARCHIVIST: ANY},
    "draft_destruction_list": {ARCHIVIST: ANY},
    "approve_destruction_list": {Role.AGENCY_HEAD: ANY},
    "destroy_originals": {ARCHIVIST: ANY},
    # 三员分立: accounts and grants are the security administrator's alone.
    **{name: {Role.SECURITY_ADMIN: ANY} for name in ACCOUNT_COMMANDS_ZH},
})

PUBLIC_READERS: Mapping[Role, Scope] = {
    OFFICER: ANY, LEADER: ANY, PRE_REVIEWER: ANY, LEADING_GROUP_OFFICE: ANY, ARCHIVIST: ANY, INSPECTOR: ANY,
    COMPLAINTS_OFFICE: ANY, GOVERNMENT_OFFICE: ANY, INTEGRATOR: ANY, Role.AGENCY_HEAD: ANY,
}
"""Every role in disclosure work and the integrators, for what has no unit and no business content of its own."""

OVERSIGHT: Mapping[Role, Scope] = {
    OFFICER: OWN, LEADER: OWN, LEADING_GROUP_OFFICE: ANY, GOVERNMENT_OFFICE: ANY, INSPECTOR: ANY,
}
"""A unit's own rows for its officers and leader; every unit's for those who lead, assess and inspect the work."""

QUERY_ACCESS: Mapping[str, Mapping[Role, Scope]] = _frozen({
    # The disclosure register: the pre-review group and archivists work on every unit's acts; integrators, the public part.
    "register": {**OVERSIGHT, PRE_REVIEWER: ANY, ARCHIVIST: ANY, INTEGRATOR: ANY},
    "catalogue": {**OVERSIGHT, INTEGRATOR: ANY},
    "unfiled_adjustments": OVERSIGHT,
    "deadlines": OVERSIGHT,
    "violations": OVERSIGHT,
    "assessment": OVERSIGHT,
    "annual_report": {**OVERSIGHT, INTEGRATOR: ANY},
    # Hearings among them: archivists find the hearing whose record they archive (H4).
    "participation": {**OVERSIGHT, ARCHIVIST: ANY, INTEGRATOR: ANY},
    "participation_counts": OVERSIGHT,
    "requests": {OFFICER: OWN, LEADER: OWN, INSPECTOR: ANY},
    # Complaints, sealed (Q3): the complaints office; inspectors and the unit handling one see them without identities.
    "complaints": {OFFICER: OWN, COMPLAINTS_OFFICE: ANY, INSPECTOR: ANY},
    "data_subjects": {COMPLAINTS_OFFICE: ANY, INSPECTOR: ANY},
    "erasures": {COMPLAINTS_OFFICE: ANY, INSPECTOR: ANY},
    # The archive: archivists and inspectors; a unit finds and retrieves its own originals.
    "archive_search": {OFFICER: OWN, ARCHIVIST: ANY, INSPECTOR: ANY},
    "archive_download": {OFFICER: OWN, ARCHIVIST: ANY, INSPECTOR: ANY},
    "archive_metadata": {OFFICER: OWN, ARCHIVIST: ANY, INSPECTOR: ANY},
    "fixity_report": {ARCHIVIST: ANY, INSPECTOR: ANY},
    "four_properties": {ARCHIVIST: ANY, INSPECTOR: ANY},
    "bagit_export": {ARCHIVIST: ANY, INSPECTOR: ANY},
    # Originals due for appraisal and the destruction lists: archivists, inspectors and the agency's head who approves.
    "appraisal_due": {ARCHIVIST: ANY, INSPECTOR: ANY, Role.AGENCY_HEAD: ANY},
    # The audit trail: inspectors replay and verify; anyone checks the signed checkpoint, integrators prove what they hold.
    # A unit follows its own records' histories; inspectors every unit's.
    "timeline": {OFFICER: OWN, LEADER: OWN, INSPECTOR: ANY},
    "record_as_of": {OFFICER: OWN, LEADER: OWN, INSPECTOR: ANY},
    "audit_verify": {INSPECTOR: ANY},
    "audit_event": {INSPECTOR: ANY},
    "audit_checkpoint": PUBLIC_READERS,
    "audit_proofs": {INSPECTOR: ANY, INTEGRATOR: ANY},
    "contract": PUBLIC_READERS,
    # Operations and security (三员分立).
    "projection_status": {Role.SYSTEM_ADMIN: ANY, INSPECTOR: ANY},
    "security_log": {Role.SECURITY_AUDITOR: ANY},
    "accounts": {Role.SECURITY_ADMIN: ANY, Role.SECURITY_AUDITOR: ANY},
})

QUERIES_ZH = {
    "register": "公开行为台账",
    "catalogue": "公开事项清单",
    "unfiled_adjustments": "未备案的清单调整",
    "deadlines": "期限",
    "violations": "违规情况报告",
    "timeline": "审计时间线",
    "record_as_of": "记录的历史状态",
    "assessment": "考核结果",
    "annual_report": "年度报告申请情况表",
    "participation": "公众参与",
    "participation_counts": "公众参与年度统计",
    "complaints": "投诉",
    "requests": "政府信息公开申请",
    "data_subjects": "个人信息清单",
    "erasures": "个人信息删除记录",
    "archive_search": "档案目录检索",
    "archive_download": "下载档案原件",
    "archive_metadata": "档案元数据",
    "fixity_report": "原件完整性检查",
    "four_properties": "四性检测",
    "bagit_export": "BagIt 导出",
    "appraisal_due": "到期鉴定与销毁清册",
    "audit_verify": "审计核验",
    "audit_checkpoint": "审计日志检查点",
    "audit_proofs": "审计日志证明",
    "audit_event": "审计日志事件",
    "projection_status": "视图状态",
    "security_log": "安全审计日志",
    "accounts": "账户",
    "contract": "数据对接契约",
}

# The rule a refusal names where the role restriction restates one (as the domain's own check cites it).
COMMAND_RULES: Mapping[str, Rule] = MappingProxyType({
    "pre_review_disclosure": Rule.D5,
    "sign_off_disclosure": Rule.D6,
    "investigate_case": Rule.K3,
    "decide_case": Rule.K3,
    "assess_unit": Rule.E3,
    "approve_grade": Rule.E3,
    "reassess_unit": Rule.E4,
    "register_complaint": Rule.Q3,
    "assign_complaint": Rule.Q3,
    "give_complaint_feedback": Rule.Q3,
    "publish_complaint_feedback": Rule.Q3,
    "erase_personal_data": Rule.Q3,
    "read_personal_data": Rule.Q3,
    "archive_original": Rule.R1,
    "place_legal_hold": Rule.R2,
    "release_legal_hold": Rule.R2,
    "appraise_original": Rule.R4,
    "draft_destruction_list": Rule.R5,
    "approve_destruction_list": Rule.R5,
    "destroy_originals": Rule.R5,
})
QUERY_RULES: Mapping[str, Rule] = MappingProxyType({})


def permit_command(actor: Actor, name: str) -> Scope:
    """The scope in which the actor may run the command; refused for a role the table does not name."""
    if name not in COMMAND_ACCESS:
        raise DomainError("UNKNOWN_COMMAND", f"未知命令：{name}", f"unknown command {name}")
    return _permitted(actor, COMMAND_ACCESS[name], "进行", f"“{_command_zh(name)}”（{name}）", f"run {name}",
                      COMMAND_RULES.get(name))


def permit_query(actor: Actor, name: str) -> Scope:
    """The scope in which the actor may read the view; refused for a role the table does not name."""
    if name not in QUERY_ACCESS:
        raise DomainError("UNKNOWN_QUERY", f"未知查询：{name}", f"unknown query {name}")
    return _permitted(actor, QUERY_ACCESS[name], "查阅", f"“{QUERIES_ZH.get(name, name)}”（{name}）", f"read {name}",
                      QUERY_RULES.get(name))


def _permitted(actor: Actor, roles: Mapping[Role, Scope], verb_zh: str, what_zh: str, what_en: str, rule: Rule | None) -> Scope:
    scope = roles.get(actor.role)
    if scope is None:
        who = "、".join(ROLE_NAMES_ZH[role] for role in roles) or "无"
        raise DomainError(
            "ROLE_NOT_PERMITTED",
            f"{ROLE_NAMES_ZH[actor.role]}无权{verb_zh}{what_zh}；可{verb_zh}的角色：{who}。",
            f"role {actor.role} may not {what_en}; permitted: {', '.join(roles) or 'none'}",
            rule,
        )
    return scope


def _command_zh(name: str) -> str:
    """The command's Chinese summary, from its class where it is registered."""
    from zwgk.domain.commands import COMMANDS  # commands imports Scope from here

    registered = COMMANDS.get(name)
    return registered.summary_zh if registered else ACCOUNT_COMMANDS_ZH.get(name, name)
