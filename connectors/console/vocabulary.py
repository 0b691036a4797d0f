"""The Chinese words a form shows: a label for each argument name of the command catalogue, and for each
choice of an enumeration the words the domain already gives it (its `…_ZH` tables), found by the enum's class."""

from __future__ import annotations

import importlib
import pkgutil
from enum import StrEnum
from functools import cache

import zwgk.domain
from zwgk.domain import accountability, announcements, archival, catalogue, complaints, disclosure, major_decisions, meetings, requests

FIELD_LABELS_ZH = {
    "account": "投诉内容", "act_id": "公开行为编号", "adjusted_content": "调整内容", "adopted": "是否采纳",
    "adopted_topics": "采纳的问题", "announcement_id": "告示编号", "answer": "答复类型", "answerers": "主答人员",
    "applicant": "申请人（姓名及联系方式）", "applicant_kind": "申请人类别", "approver": "批准人", "archive_number": "档号",
    "attended": "出席人数", "attribute": "公开属性", "basis": "法定事由", "birth_date": "出生日期", "case_id": "案件编号",
    "category": "投诉类别", "chair": "主持人", "changes": "变更内容", "channel": "渠道", "clerk": "记录人",
    "closed_reason": "不公开举行的理由", "comment": "意见", "comment_days": "征求意见天数", "commenter": "提出意见者（姓名及联系方式）",
    "complainant_contact": "投诉人联系方式", "complainant_name": "投诉人姓名", "complaint_id": "投诉编号",
    "completed_on": "补正日期", "completion_due": "补正期限", "conclusion": "结论", "consensus": "是否达成一致",
    "consulted": "征求意见的第三方", "correction": "更正内容", "days": "日历（JSON）", "deadline": "期限",
    "decision": "决定", "decision_id": "决策编号", "description": "说明", "details": "详情", "disclosure_id": "公开行为编号",
    "doc_date": "成文日期", "doc_number": "文号", "doc_type": "文种", "draft_title": "草案名称", "elements": "十项要素（JSON）",
    "emergency_id": "突发事件编号", "evidence": "证据（事件编号，每行一个）", "explanation": "起草说明（JSON）", "feedback": "反馈",
    "field": "字段", "file": "文件路径", "filed_with": "备案机关", "findings": "调查结论", "form": "投诉形式",
    "handler_unit": "承办单位", "happened_at": "发生时间", "hearing_id": "听证编号", "held_on": "举行日期", "id": "编号",
    "instructions": "要求", "interprets": "所解读的政策文件编号", "invited": "邀请人数（JSON）", "item_id": "公开事项编号",
    "items": "事项（JSON）", "kind": "类别", "location": "位置", "major": "是否重大", "matter": "公开事项",
    "media_type": "文件类型", "meeting": "领导小组会议", "meeting_id": "会议编号", "meeting_on": "会议日期",
    "not_adopted_reasons": "未采纳理由（JSON）", "note": "说明", "notice": "公告", "observers_count": "旁听人数",
    "on": "日期", "open_day_id": "开放日编号", "opinion": "意见", "opinions": "意见", "opinions_summary": "意见摘要",
    "origin": "案件来源", "outcome": "结果", "participant": "参加者（姓名及联系方式）", "period": "期间", "place": "地点",
    "places": "名额", "public": "是否公开", "purpose": "查阅目的", "questioners": "主问人员", "reason": "不予主动公开的法定理由",
    "reason_basis": "理由依据", "reason_text": "理由", "received_on": "收到日期", "record_id": "记录编号", "repeats": "重新举行的听证编号",
    "report": "报告", "representatives": "听证代表", "request": "申请内容", "request_id": "申请编号", "requirements": "要求",
    "respondent_unit": "被投诉单位", "responsible_unit": "责任者", "retention": "保管期限", "role": "角色", "sanctions": "处理方式",
    "scheduled_at": "计划时间", "scores": "评分（JSON）", "sector": "界别", "self_score": "自评分", "sha256": "SHA-256 摘要",
    "sheet_role": "签字栏", "shortened_reason": "缩短征求意见期的理由", "signed": "签署", "speaker": "发言人",
    "still_withheld": "仍不予公开", "storage_key": "存储键", "sub_reason": "具体理由", "subject_id": "数据主体编号",
    "subject_kind": "责任对象类别", "subject_unit": "责任单位", "substantiated": "是否属实", "summary": "摘要",
    "table": "申请情况表（JSON）",
    "text": "意见内容", "theme": "主题", "title": "题名", "token_id": "令牌编号", "topic": "问题", "total": "合计",
    "unit": "单位", "update": "更新内容", "user_id": "人员编号", "violation": "违规情形", "working_days": "工作日数",
    "working_group": "工作组", "year": "年度",
    "list_id": "销毁清册编号", "archive_numbers": "档号", "appraisers": "鉴定人员", "supervisors": "监销人",
    "reasons": "鉴定理由", "classification": "密级", "pages": "页数", "new_retention": "新保管期限",
}


FIELD_HINTS_ZH = {
    "id": "留空则自动生成。", "archive_number": "DA/T 22 档号，如 Z001-WS·2022-D30-BGS-0006。", "period": "如 2022 或 2022-Q1。",
    "purpose": "查阅目的将如实记录，请勿在此填写个人信息。", "comment_days": "不少于 30 日；缩短至 7–29 日须说明理由（P3）。",
}
WIDGET_HINTS_ZH = {"lines": "每行一项。", "json": "JSON 格式。", "datetime": "北京时间。"}


# Enumerations whose Chinese words the domain keeps in comments only, not in a table.
CHOICES_ZH: dict[type[StrEnum], dict[str, str]] = {
    accountability.SubjectKind: {"person": "直接责任人", "unit_head": "单位负责人", "unit": "单位"},
    accountability.Violation: {
        "perfunctory": "工作迟缓、流于形式", "no_organisation": "无组织、无制度", "no_carriers": "公开载体缺失",
        "not_disclosed": "未按目录公开", "procedure_or_time_limit": "违反程序或时限", "application_not_accepted": "不受理申请",
        "commitment_broken": "不兑现承诺", "subjective_error": "主观过错", "obstruction_or_falsification": "阻挠检查或弄虚作假",
        "other": "其他"},
    accountability.Origin: {"complaint": "投诉", "inspection": "检查", "assessment_failure": "考核不合格", "overdue_deadline": "逾期未办"},
    accountability.Sanction: {
        "criticism_education": "批评教育", "written_self_criticism": "责令书面检查", "circulated_criticism": "通报批评",
        "award_ineligibility": "取消当年评先评优资格", "reassignment": "调整工作岗位"},
    archival.AppraisalDecision: {"keep": "继续保存", "destroy": "销毁"},
    announcements.AnnouncementKind: {"decision": "决策类", "execution": "执行类", "emergency": "应急类"},
    catalogue.AdjustmentReason: {"law_changed": "法律法规新立、修订或废止", "element_changed": "公开要素发生变化",
                                 "function_changed": "机构职能调整或职权变化", "other": "其他情形"},
    complaints.ComplaintCategory: {c.value: zh for c, zh in complaints.CATEGORIES_ZH.items()},
    complaints.ComplaintForm: {"oral": "口头", "written": "书面"},
    disclosure.Kind: {"general": "一般主动公开文件", "policy": "政策文件", "enforcement_decision": "执法决定", "licensing": "行政许可",
                      "penalty": "行政处罚", "interpretation": "政策解读"},
    disclosure.LegalReason: {
        "state_secret": "国家秘密", "law_prohibited": "法律、行政法规禁止公开", "commercial_secret": "商业秘密",
        "security_stability": "危及国家安全、公共安全、经济安全、社会稳定", "personal_privacy": "个人隐私",
        "internal_affairs": "内部事务信息", "process_information": "过程性信息", "enforcement_file": "行政执法案卷信息"},
    major_decisions.SecrecyDecision: {"approved": "通过", "rejected": "不通过"},
    meetings.MeetingKind: {"plenary": "政府全体会议", "executive": "政府常务会议", "other": "其他会议"},
    requests.Channel: {"in_person": "当面提交", "post": "邮寄", "internet": "互联网", "fax": "传真"},
    requests.ApplicantKind: {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
                             "social_welfare_organisation": "社会公益组织", "legal_service_organisation": "法律服务机构",
                             "other_organisation": "其他组织"},
}


def field_label(name: str) -> str:
    return FIELD_LABELS_ZH.get(name, name)


def field_hint(name: str, widget: str) -> str:
    return FIELD_HINTS_ZH.get(name) or WIDGET_HINTS_ZH.get(widget, "")


def _domain_tables() -> list[dict[object, object]]:
    tables = []
    for info in pkgutil.iter_modules(zwgk.domain.__path__, "zwgk.domain."):
        module = importlib.import_module(info.name)
        tables += [value for name, value in vars(module).items() if name.endswith("_ZH") and isinstance(value, dict) and value]
    return tables


@cache
def choice_labels(enum: type[StrEnum]) -> dict[str, str]:
    """The domain's Chinese words for an enumeration's values (the fullest table keyed by its members)."""
    if enum in CHOICES_ZH:
        return CHOICES_ZH[enum]
    tables = [t for t in _domain_tables() if all(isinstance(k, enum) and isinstance(v, str) for k, v in t.items())]
    best = max(tables, key=len, default={})
    return {str(k): str(v) for k, v in best.items()}
