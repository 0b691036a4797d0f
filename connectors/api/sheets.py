"""Each list's spreadsheet: the CLI's table columns, in Chinese, with whole values (nothing cut to fit a
terminal) and each row's record id, so a row found in Excel can be looked up again."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from zwgk.archive.four_properties import PROPERTIES
from zwgk.archive.service import detail_zh
from zwgk.connectors.api.spreadsheet import Cell, Sheet
from zwgk.connectors.labels import (
    COMPLAINT_STATUS_ZH,
    DEADLINE_STATUS_ZH,
    FIXITY_ZH,
    PROCESSES_ZH,
    RULE_OUTCOMES_ZH,
    VIOLATION_KINDS_ZH,
    beijing_time,
    percent,
    step_zh,
)
from zwgk.domain.actors import ROLE_NAMES_ZH, Role
from zwgk.domain.archival import RETENTION_ZH, FixityOutcome, RetentionClass
from zwgk.domain.assessment import GRADES_ZH, Grade
from zwgk.domain.complaints import CATEGORIES_ZH
from zwgk.domain.data_subjects import ERASURE_BASIS_ZH, SUBJECT_KINDS_ZH, ErasureBasis
from zwgk.domain.disclosure import ATTRIBUTES_ZH, CHANNELS_ZH, DECISIONS_ZH, Attribute, Channel, Decision
from zwgk.domain.privacy import REDACTED
from zwgk.projections.catalogue import cst_day
from zwgk.projections.requests import COLUMNS as APPLICANT_KINDS
from zwgk.projections.requests import COLUMNS_ZH as APPLICANT_KINDS_ZH
from zwgk.projections.requests import OUTCOME_LINES

Row = dict[str, Any]


def _day(stored: str | None) -> str:
    return cst_day(stored) if stored else ""


def _yes(value: Any) -> str:
    return "是" if value else ""


_OUTCOMES_ZH = {str(outcome): zh for outcome, zh in RULE_OUTCOMES_ZH.items()}


def _outcome(value: str | None) -> str:
    return _OUTCOMES_ZH.get(value or "", value or "")


def _left(r: Row) -> Cell:
    if r["working_days_left"] is not None:
        return f"{r['working_days_left']} 个工作日"
    return f"{r['hours_left']} 小时" if r["hours_left"] is not None else ""


def _answer(r: Row) -> str:
    """An application's outcome as the annual report's row names it."""
    sub_reason = r["sub_reason"] or "other"
    return next((label for _, label, row, sub in OUTCOME_LINES if row == r["report_row"] and sub in (None, sub_reason)),
                r["report_row"] or "")


def _data_subject_status(r: Row) -> str:
    if r["erased"]:
        return f"已删除（{ERASURE_BASIS_ZH[ErasureBasis(r['erased']['basis'])]}）"
    return "可读" if r["readable"] else "密钥已不存在（无删除记录）"


REGISTER = Sheet("register", "公开登记簿", (
    ("单位", lambda r: r["unit"]), ("文号", lambda r: r["doc_number"]), ("题名", lambda r: r["title"]),
    ("属性", lambda r: ATTRIBUTES_ZH[Attribute(r["attribute"])]),
    ("审查签字", lambda r: f"{len(json.loads(r['signatures']))}/3"),
    ("预审", lambda r: DECISIONS_ZH[Decision(r["pre_review"])] if r["pre_review"] else ""),
    ("签发", lambda r: _day(r["signed_off_at"])), ("发布", lambda r: _day(r["published_at"])),
    ("发布渠道", lambda r: "、".join(CHANNELS_ZH.get(Channel(c), c) for c in json.loads(r["channels"]))),
    ("时限", lambda r: _outcome(r["publication_outcome"])), ("存档", lambda r: _yes(r["original_sha256"])),
    ("撤回", lambda r: _yes(r["withdrawn"])), ("记录编号", lambda r: r["act_id"]),
))
DEADLINES = Sheet("deadlines", "期限", (
    ("规则", lambda r: r["rule"]), ("单位", lambda r: r["unit"]), ("事项", lambda r: r["subject"]), ("起算", lambda r: r["start"]),
    ("到期", lambda r: r["due"]), ("状态", lambda r: DEADLINE_STATUS_ZH.get((r["status"], r["overdue"]), r["status"])),
    ("剩余", _left), ("临时", lambda r: _yes(r["provisional"])), ("记录编号", lambda r: r["source_id"]),
))
VIOLATIONS = Sheet("violations", "违规情况", (
    ("日期", lambda r: r["on"]), ("规则", lambda r: r["rule"]), ("类别", lambda r: VIOLATION_KINDS_ZH[r["kind"]]),
    ("单位", lambda r: r["unit"]), ("事项", lambda r: r["subject"]), ("情况", lambda r: r["detail"]),
    ("记录编号", lambda r: r["record_id"]), ("起算", lambda r: r["start"] or ""), ("到期", lambda r: r["due"] or ""),
    ("实际", lambda r: r["actual"] or ""), ("逾期工作日", lambda r: r["late_working_days"]),
    ("逾期小时", lambda r: r["late_hours"]),
))
TIMELINE = Sheet("timeline", "审计时间线", (
    ("业务时间（北京时间）", lambda r: beijing_time(r["occurred_at"])), ("记录时间（北京时间）", lambda r: beijing_time(r["recorded_at"])),
    ("事件", lambda r: r["event_type"]), ("记录编号", lambda r: r["aggregate_id"]), ("版本", lambda r: r["version"]),
    ("人员", lambda r: r["actor_id"]), ("角色", lambda r: ROLE_NAMES_ZH.get(r["actor_role"], r["actor_role"])),
    ("单位", lambda r: r["actor_unit"]),
    ("规则", lambda r: "、".join(f"{rule} {_outcome(o)}" for rule, o in sorted(r["rule_outcomes"].items()))),
    ("台账位置", lambda r: r["position"]),
))
CATALOGUE = Sheet("catalogue", "公开事项清单", (
    ("公开主体", lambda r: r["elements"]["responsible_unit"]), ("公开事项", lambda r: r["elements"]["matter"]),
    ("公开内容", lambda r: r["elements"]["content"]), ("公开渠道", lambda r: "、".join(r["elements"]["channels"])),
    ("信息更新时间", lambda r: r["elements"]["update_limit"]), ("调整次数", lambda r: len(r["history"])),
    ("未备案", lambda r: sum(h["filed_at"] is None for h in r["history"]) or ""), ("记录编号", lambda r: r["item_id"]),
))
UNFILED = Sheet("unfiled-adjustments", "未备案的清单调整", (
    ("公开主体", lambda r: r["unit"]), ("公开事项", lambda r: r["matter"]),
    ("未备案的调整（版本）", lambda r: "、".join(map(str, r["unfiled_adjustments"]))), ("记录编号", lambda r: r["item_id"]),
))
ASSESSMENT = Sheet("assessment", "考核", (
    ("期间", lambda r: r["period"]), ("名次", lambda r: r["rank"]), ("单位", lambda r: r["unit"]), ("公开", lambda r: r["published"]),
    ("按时公开率", lambda r: percent(r["on_time_rate"])), ("调整", lambda r: r["adjustments"]),
    ("备案率", lambda r: percent(r["filing_rate"])), ("存档率", lambda r: percent(r["archiving_rate"])),
    ("解读及时率", lambda r: percent(r["interpretation_rate"])), ("答复及时率", lambda r: percent(r["reply_rate"])),
    ("听证完备率", lambda r: percent(r["hearing_completion_rate"])), ("投诉公开率", lambda r: percent(r["complaint_publication_rate"])),
    ("追责", lambda r: r["accountability_cases"]), ("得分", lambda r: r["score"] or "—"),
    ("等次", lambda r: GRADES_ZH[Grade(r["grade"])] if r["grade"] else "—"),
))
PARTICIPATION = Sheet("participation", "公众参与与告示", (
    ("类别", lambda r: PROCESSES_ZH[r["process"]]), ("单位", lambda r: r["unit"]), ("事项", lambda r: r["title"]),
    ("日期", lambda r: r["day"]), ("进度", lambda r: step_zh(r["process"], r["status"])), ("问题", lambda r: "；".join(r["flags"])),
    ("记录编号", lambda r: r["record_id"]),
))
PARTICIPATION_COUNTS = Sheet("participation-counts", "公众参与年度次数", (
    ("单位", lambda r: r["unit"]), ("年度", lambda r: r["year"]),
    ("列席全体会议、常务会议", lambda r: r["meetings_with_representatives"]),
    ("上半年政务开放日", lambda r: r["open_days_first_half"]), ("下半年政务开放日", lambda r: r["open_days_second_half"]),
    ("问题", lambda r: "；".join(r["flags"])),
))
COMPLAINTS = Sheet("complaints", "投诉", (
    ("登记时间", lambda r: _day(r["registered_at"])), ("类别", lambda r: CATEGORIES_ZH.get(r["category"], r["category"])),
    ("被投诉单位", lambda r: r["respondent_unit"]),
    ("投诉人", lambda r: REDACTED), ("状态", lambda r: COMPLAINT_STATUS_ZH.get(r["status"], r["status"])),
    ("未公开反馈", lambda r: _yes(r["feedback_unpublished"])), ("记录编号", lambda r: r["complaint_id"]),
))
REQUESTS = Sheet("requests", "政府信息公开申请", (
    ("收到日期", lambda r: r["received_on"]), ("单位", lambda r: r["unit"]),
    ("申请人类别", lambda r: APPLICANT_KINDS_ZH.get(r["applicant_kind"], r["applicant_kind"])), ("答复期限", lambda r: r["due"]),
    ("办结日期", lambda r: r["concluded_on"] or ""), ("办理结果", _answer), ("按时答复", lambda r: _outcome(r["a1_outcome"])),
    ("记录编号", lambda r: r["request_id"]),
))
DATA_SUBJECTS = Sheet("data-subjects", "个人信息清单", (
    ("数据主体", lambda r: r["subject_id"]), ("类别", lambda r: SUBJECT_KINDS_ZH.get(r["kind"], r["kind"])),
    ("所在记录", lambda r: "\n".join(sorted({f"{p['record_type']} {p['record_id']}" for p in r["places"]}))),
    ("字段", lambda r: "、".join(dict.fromkeys(p["field"] for p in r["places"]))), ("状态", _data_subject_status),
))
ERASURES = Sheet("erasures", "个人信息删除记录", (
    ("数据主体", lambda r: r["subject_id"]), ("法定事由", lambda r: ERASURE_BASIS_ZH[ErasureBasis(r["basis"])]),
    ("说明", lambda r: r["note"]), ("操作人", lambda r: r["actor"]), ("单位", lambda r: r["unit"]),
    ("删除时间", lambda r: r["occurred_at"]),
))
ARCHIVE = Sheet("archive", "档案目录", (
    ("档号", lambda r: r["archive_number"]), ("文号", lambda r: r["doc_number"]), ("题名", lambda r: r["title"]),
    ("责任者", lambda r: r["responsible_unit"]), ("日期", lambda r: r["doc_date"]),
    ("保管期限", lambda r: RETENTION_ZH.get(RetentionClass(r["retention"]), r["retention"])),
    ("保管期满", lambda r: r["retention_ends"] or "永久"), ("密级", lambda r: r["classification"]), ("页数", lambda r: r["pages"]),
    ("大小（字节）", lambda r: r["size"]),
    ("法律保全", lambda r: _yes(r["legal_hold"])), ("SHA-256", lambda r: r["sha256"]),
))
FIXITY_HISTORY = Sheet("fixity-history", "固定性核验记录", (
    ("核验时间", lambda r: beijing_time(r["checked_at"])), ("结果", lambda r: FIXITY_ZH[FixityOutcome(r["outcome"])]),
    ("说明", lambda r: detail_zh(r["detail"])), ("执行者", lambda r: r["actor"]), ("角色", lambda r: ROLE_NAMES_ZH[Role(r["role"])]),
    ("重算的 SHA-256", lambda r: r["sha256_found"]), ("重算的 SM3", lambda r: r["sm3_found"]),
))


def _findings(prop: str) -> Callable[[Row], Cell]:
    return lambda r: "；".join(r[prop]) or "通过"


FOUR_PROPERTIES = Sheet("four-properties", "四性检测", (
    ("档号", lambda r: r["archive_number"]), ("题名", lambda r: r["title"]),
    *((zh, _findings(prop)) for prop, zh in PROPERTIES.items()),
    ("结论", lambda r: "通过" if r["ok"] else "未通过"),
))
PROJECTIONS = Sheet("projections", "视图状态", (
    ("视图", lambda r: r["view"]), ("位置", lambda r: r["position"]), ("滞后", lambda r: r["lag"]),
))
ANNUAL_REPORT = Sheet("annual-report", "政府信息公开申请情况", (
    ("行", lambda r: r["line"]), ("项目", lambda r: r["label"]),
    *((APPLICANT_KINDS_ZH[c], lambda r, c=c: r[c]) for c in [*APPLICANT_KINDS, "total"]),
))
