"""The main job's scenario: the five seed regulations, disclosed by their own units.

Each seed document is drafted, reviewed (three signatures), pre-reviewed, signed off
and published on the dates it gives (成文日期, 发布日期); where it gives none, dates
close to them are assumed. One is published late (D3), one draft is refused for a
missing reason (D2), a report still in review gets a second signature by the
same person refused (D4), and a state-secret document is signed but its
publication refused (D7). Every step goes through the command catalogue, like
`zwgk apply`. Ids are derived from the documents; once the scenario is recorded, a
second run replays only the refused steps, which record nothing. `run` records it and
reads back what the ledger shows, for `zwgk demo` to print.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from zwgk.archive.four_properties import FourPropertyReport
from zwgk.archive.service import Archivist
from zwgk.connectors import queries
from zwgk.connectors.config import Settings
from zwgk.connectors.demo_accounts import DemoAccount, open_demo_accounts
from zwgk.connectors.operations import apply_commands
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import audit_log, bring_log_up_to_date, catch_up, services, views
from zwgk.domain.actors import Actor, Role
from zwgk.domain.annual_reports import PublishAnnualReport, annual_report_id
from zwgk.domain.archival import original_id
from zwgk.domain.assessment import assessment_id
from zwgk.domain.calendar import CST
from zwgk.domain.catalogue import CatalogueItem
from zwgk.domain.chain import ChainReport
from zwgk.domain.checkpoint import Checkpoint, read_unverified
from zwgk.domain.rules import Rule, RuleOutcome
from zwgk.projections.audit_log import LogReport
from zwgk.projections.requests import annual_table, as_published
from zwgk.projections.runner import ProjectionRunner

# Codes that mean "this step is already recorded", after an interrupted run.
ALREADY_RECORDED = {
    "ALREADY_EXISTS",
    "ALREADY_SIGNED",
    "ALREADY_PRE_REVIEWED",
    "ALREADY_SIGNED_OFF",
    "ALREADY_PUBLISHED",
    "NOTHING_TO_FILE",
}


@dataclass(frozen=True)
class Step:
    envelope: dict[str, Any]
    refused_with: str | None = None  # the code the rules refuse this step with


@dataclass(frozen=True)
class SeedDocument:
    file: str
    unit: str
    title: str
    doc_number: str
    kind: str
    drafted: str
    signed: str  # 成文日期 / 签发
    published: str  # 发布日期
    channel: str
    archive_number: str  # 档号: each unit its own fonds, the first item of its series


SEEDS = [
    SeedDocument(
        "yanjiang-2022-6.txt", "资阳市雁江区人民政府办公室", "关于印发雁江区政务公开相关制度的通知",
        "资雁府办发〔2022〕6号", "policy", "2022-01-10", "2022-01-13", "2022-01-14", "website",
        "YJ01-WS·2022-Y-BGS-0001",
    ),
    SeedDocument(
        "tianning-2018-implementation.txt", "常州市天宁区人民政府", "天宁区关于全面推进政务公开工作的实施意见",
        "", "policy", "2018-05-11", "2018-05-16", "2018-05-18", "website",
        "TN01-WS·2018-Y-ZFB-0001",
    ),
    SeedDocument(
        "qingyuan-2016-rules.txt", "清原满族自治县人民政府", "清原满族自治县政务公开工作制度",
        "", "general", "2016-02-26", "2016-03-02", "2016-03-04", "bulletin_board",
        "QY01-WS·2016-D30-ZFB-0001",
    ),
    SeedDocument(
        "ziyang-2020-31.txt", "资阳市人民政府办公室", "关于印发《资阳市全面推进政务公开工作的实施意见》的通知",
        "资府办发〔2020〕31号", "policy", "2020-07-06", "2020-07-10", "2020-07-20", "gazette",
        "ZY01-WS·2020-Y-BGS-0001",
    ),
    SeedDocument(
        "dazhou-2009-97.txt", "达州市人民政府办公室", "关于切实做好2009年政务公开工作的通知",
        "达市府办函〔2009〕97号", "general", "2009-04-09", "2009-04-14", "2009-04-16", "gazette",
        "DZ01-WS·2009-D10-BGS-0001",
    ),
]

# Catalogue items drawn from the seeds' own lists of what each unit must disclose.
CATALOGUE = [
    ("资阳市雁江区人民政府办公室", "政务公开事项清单动态调整", "清单调整的内容、依据及调整后的内容", "调整后5个工作日内",
     "政务公开事项清单", "《雁江区政务公开事项清单动态管理制度》第五条"),
    ("资阳市雁江区人民政府办公室", "重大行政决策预公开", "决策草案、起草说明及公众意见采纳情况", "征求意见前",
     "重大行政决策预公开", "《雁江区重大行政决策预公开制度》"),
    ("常州市天宁区人民政府", "政府信息公开年度报告", "年度报告全文", "每年1月31日前",
     "政府信息公开年报", "《中华人民共和国政府信息公开条例》第四十九条"),
    ("清原满族自治县人民政府", "政务公开告示", "决策类、执行类、紧急类告示", "实时",
     "政务公开栏", "《清原满族自治县政务公开告示制度》"),
    ("资阳市人民政府办公室", "政策解读", "政策文件的解读材料", "文件公开后3个工作日内",
     "政策解读", "《资阳市全面推进政务公开工作的实施意见》"),
    ("达州市人民政府办公室", "政府公报", "市政府规章和规范性文件", "每月",
     "政府公报", "《中华人民共和国政府信息公开条例》第二十三条"),
]


def demo_id(*parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, "zwgk:demo:" + ":".join(parts))


def _at(day: str, hour: int = 9) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


def _people(unit: str, key: str) -> dict[str, dict[str, str]]:
    def actor(role: str, who: str) -> dict[str, str]:
        return {"id": f"{key}-{who}", "role": role, "unit": unit}

    return {
        "officer": actor("officer", "officer"),
        "compiler": actor("officer", "compiler"),
        "issuer": actor("officer", "issuer"),
        "publisher": actor("officer", "publisher"),
        "leader": actor("leader", "leader"),
        "pre_reviewer": {"id": f"{key}-prereview", "role": "pre_reviewer", "unit": f"{unit}政务公开预审小组"},
    }


def _catalogue_commands() -> Iterator[dict[str, Any]]:
    for n, (unit, matter, content, limit, column, basis) in enumerate(CATALOGUE):
        officer = {"id": f"cat-{n}-officer", "role": "officer", "unit": unit}
        elements = {
            "matter": matter, "content": content, "update_limit": limit, "responsible_unit": unit,
            "support_unit": unit, "channels": ["政府网站", "政务新媒体"], "column": column,
            "legal_basis": basis, "audience": "全社会", "mode": "proactive",
        }
        yield {"command": "list_catalogue_item", "actor": officer, "occurred_at": _at("2022-01-04"),
               "args": {"elements": elements, "reason": "other", "reason_text": "首次编制公开事项清单"}}
        yield {"command": "file_catalogue_adjustments", "actor": officer, "occurred_at": _at("2022-01-05"),
               "args": {"matter": matter, "adjusted_content": f"新增“{matter}”", "basis": basis}}
    # One amendment that is filed, one that is left unfiled (C4 shows it).
    unit, matter = CATALOGUE[0][0], CATALOGUE[0][1]
    officer = {"id": "cat-0-officer", "role": "officer", "unit": unit}
    yield {"command": "amend_catalogue_item", "actor": officer, "occurred_at": _at("2022-01-14"),
           "args": {"matter": matter, "changes": {"channels": ["政府网站", "政务新媒体", "政务服务大厅"]},
                    "reason": "element_changed"}}
    yield {"command": "file_catalogue_adjustments", "actor": officer, "occurred_at": _at("2022-01-17"),
           "args": {"matter": matter, "adjusted_content": "公开渠道增加政务服务大厅",
                    "basis": "《雁江区政务公开事项清单动态管理制度》第四条（二）"}}
    unit, matter = CATALOGUE[2][0], CATALOGUE[2][1]
    yield {"command": "amend_catalogue_item", "actor": {"id": "cat-2-officer", "role": "officer", "unit": unit},
           "occurred_at": _at("2022-02-08"),
           "args": {"matter": matter, "changes": {"update_limit": "每年1月31日前（新条例）"}, "reason": "law_changed"}}


def _disclosure_commands(seed: SeedDocument, key: str) -> Iterator[dict[str, Any]]:
    yield from _act_commands(
        _people(seed.unit, key), str(demo_id("disclosure", seed.file)),
        {"title": seed.title, "attribute": "proactive", "kind": seed.kind, "doc_number": seed.doc_number,
         "doc_type": "通知" if "通知" in seed.title else "制度"},
        seed.drafted, seed.signed, seed.published, seed.channel,
    )


def _act_commands(people: dict[str, dict[str, str]], act_id: str, draft: dict[str, Any], drafted: str, signed: str,
                  published: str, channel: str) -> Iterator[dict[str, Any]]:
    """One act's whole way: draft, three signatures (D4), pre-review (D5), sign-off (D6), publication."""
    ref = {"act_id": act_id}
    yield {"command": "draft_disclosure", "actor": people["officer"], "occurred_at": _at(drafted), "args": {"id": act_id, **draft}}
    for sheet_role in ("compiler", "issuer", "publisher"):
        yield {"command": "sign_review", "actor": people[sheet_role], "occurred_at": _at(drafted, 15),
               "args": {**ref, "sheet_role": sheet_role, "decision": "approved"}}
    yield {"command": "pre_review_disclosure", "actor": people["pre_reviewer"], "occurred_at": _at(drafted, 17),
           "args": {**ref, "decision": "approved", "comment": "内容无涉密信息，同意公开"}}
    yield {"command": "sign_off_disclosure", "actor": people["leader"], "occurred_at": _at(signed),
           "args": {**ref, "comment": "同意"}}
    yield {"command": "publish_disclosure", "actor": people["officer"], "occurred_at": _at(published, 10),
           "args": {**ref, "channel": channel}}


def _interpretations() -> Iterator[Step]:
    """Policy interpretations 解读 (D9): 资阳's on time, 天宁's two days late, 雁江's never
    published (its deadline stays open and overdue); interpreting a general document is refused."""
    for seed, key, signed, published in ((SEEDS[3], "ziyang", "2020-07-21", "2020-07-22"),
                                         (SEEDS[1], "tianning", "2018-05-24", "2018-05-25")):
        policy = demo_id("disclosure", seed.file)
        yield from (Step(e) for e in _act_commands(
            _people(seed.unit, key), str(demo_id("interpretation", seed.file)),
            {"title": f"《{seed.title}》政策解读", "attribute": "proactive", "kind": "interpretation", "interprets": str(policy),
             "doc_type": "解读"}, seed.published, signed, published, "website"))
    qingyuan = SEEDS[2]
    yield Step({"command": "draft_disclosure", "actor": _people(qingyuan.unit, "qingyuan")["officer"],
                "occurred_at": _at("2016-03-07"),
                "args": {"id": str(demo_id("interpretation", qingyuan.file)), "title": f"《{qingyuan.title}》解读",
                         "attribute": "proactive", "kind": "interpretation",
                         "interprets": str(demo_id("disclosure", qingyuan.file))}}, "NOT_A_POLICY")


def _refusals() -> Iterator[Step]:
    """Steps the rules refuse, to show them; each records nothing."""
    seed = SEEDS[4]
    people = _people(seed.unit, "dazhou")
    yield Step(
        {"command": "draft_disclosure", "actor": people["officer"], "occurred_at": _at("2009-04-08"),
         "args": {"id": str(demo_id("refused", seed.file)), "title": f"{seed.title}（部分公开稿）",
                  "attribute": "partial", "doc_number": seed.doc_number}},
        "ATTRIBUTE_REASON_REQUIRED",
    )
    report = {"act_id": str(IN_REVIEW_ID)}
    yield Step(
        {"command": "draft_disclosure", "actor": people["officer"], "occurred_at": _at("2009-12-21"),
         "args": {"id": str(IN_REVIEW_ID), "title": "达州市2009年政务公开工作情况报告", "attribute": "proactive"}},
    )
    yield Step(
        {"command": "sign_review", "actor": people["compiler"], "occurred_at": _at("2009-12-22"),
         "args": {**report, "sheet_role": "compiler"}},
    )
    yield Step(
        {"command": "sign_review", "actor": people["compiler"], "occurred_at": _at("2009-12-22", 10),
         "args": {**report, "sheet_role": "issuer"}},
        "SIGNERS_NOT_DISTINCT",
    )


IN_REVIEW_ID = demo_id("in-review", "dazhou-2009-report")
WITHHELD_ID = demo_id("withheld", "dazhou-2009-reserve-site")
WITHHELD_TITLE = "达州市2009年应急物资储备库选址方案"


def _withheld() -> Iterator[Step]:
    """A document that is 不予公开 (state secret): reviewed and signed, never published (D7)."""
    seed = SEEDS[4]
    people = _people(seed.unit, "dazhou")
    ref = {"act_id": str(WITHHELD_ID)}
    yield Step({"command": "draft_disclosure", "actor": people["officer"], "occurred_at": _at("2009-05-11"),
                "args": {"id": str(WITHHELD_ID), "title": WITHHELD_TITLE, "attribute": "withheld",
                         "reason": "state_secret", "reason_basis": "《中华人民共和国保守国家秘密法》第九条",
                         "doc_number": "达市府办密〔2009〕3号"}})
    for sheet_role in ("compiler", "issuer", "publisher"):
        yield Step({"command": "sign_review", "actor": people[sheet_role], "occurred_at": _at("2009-05-12"),
                    "args": {**ref, "sheet_role": sheet_role}})
    yield Step({"command": "pre_review_disclosure", "actor": people["pre_reviewer"], "occurred_at": _at("2009-05-13"),
                "args": {**ref, "decision": "approved", "comment": "涉密，确认不予公开"}})
    yield Step({"command": "sign_off_disclosure", "actor": people["leader"], "occurred_at": _at("2009-05-14"),
                "args": {**ref, "comment": "按涉密文件管理"}})
    yield Step({"command": "publish_disclosure", "actor": people["officer"], "occurred_at": _at("2009-05-15"),
                "args": {**ref, "channel": "website"}}, "CONFIDENTIAL_NOT_PUBLISHABLE")


DEMO_ARCHIVIST = "archivist"


def archive_originals(keeper: Archivist) -> None:
    """Each seed document archived as a real original, linked to its disclosure act (D8)."""
    for seed in SEEDS:
        _archive(keeper, seed.file, seed.archive_number, seed.unit, seed.title, seed.doc_number, seed.signed,
                 f"{seed.published}T16:00:00+08:00", disclosure_id=demo_id("disclosure", seed.file))


def archive_hearing_record(keeper: Archivist) -> None:
    """The first parking-fees hearing's clerk's record 听证笔录, linked to the hearing (H4); the
    second hearing's is left out, for the view to flag."""
    file, archive_number = HEARING_RECORD
    _archive(keeper, file, archive_number, "资阳市雁江区发展和改革局", "雁江区城区停车收费标准调整听证会笔录", "",
             "2022-08-15", "2022-08-18T10:00:00+08:00", hearing_id=HEARING_IDS[0])


def _archive(keeper: Archivist, file: str, archive_number: str, unit: str, title: str, doc_number: str, doc_date: str,
             at: str, disclosure_id: UUID | None = None, hearing_id: UUID | None = None) -> None:
    if keeper.ledger.exists(original_id(archive_number)):
        return
    with resources.files("zwgk.connectors").joinpath("demo_data", file).open("rb") as source:
        keeper.put(
            source, actor=Actor(f"{archive_number[:4]}-{DEMO_ARCHIVIST}", Role.ARCHIVIST, unit),
            archive_number=archive_number, doc_number=doc_number, title=title, responsible_unit=unit,
            retention=archive_number.split("-")[2], doc_date=date.fromisoformat(doc_date),
            doc_type="通知" if "通知" in title else ("笔录" if "笔录" in title else "制度"), media_type="text/plain",
            occurred_at=datetime.fromisoformat(at), disclosure_id=disclosure_id, hearing_id=hearing_id,
        )


COMPLAINT_ID = demo_id("complaint", "qingyuan-2016-1")
CASE_ID = demo_id("case", "ziyang-2020-late")
CRITERIA = ["organisation", "scope", "content", "form", "supervision", "effect", "accountability", "priorities"]


def _supervision() -> Iterator[Step]:
    """A complaint (identity sealed, Q3), an accountability case (K1–K4), and the 2022
    assessment of two units, one of which fails twice and loses its award eligibility (E4)."""
    office = {"id": "qy-complaints", "role": "complaints_office", "unit": "清原满族自治县政务公开办公室"}
    ref = {"complaint_id": str(COMPLAINT_ID)}
    yield Step({"command": "register_complaint", "actor": office, "occurred_at": _at("2016-04-11"),
                "args": {"id": str(COMPLAINT_ID), "category": "delay_without_reason", "form": "written", "signed": True,
                         "major": True, "respondent_unit": "清原满族自治县国土资源局", "channel": "信函",
                         "complainant_name": "示例投诉人甲", "complainant_contact": "示例联系电话",
                         "account": "申请公开的土地征收信息逾期未答复"}})
    yield Step({"command": "assign_complaint", "actor": office, "occurred_at": _at("2016-04-12"),
                "args": {**ref, "handler_unit": "清原满族自治县国土资源局", "instructions": "十五日内调查处理"}})
    yield Step({"command": "handle_complaint", "actor": {"id": "qy-land-1", "role": "officer", "unit": "清原满族自治县国土资源局"},
                "occurred_at": _at("2016-04-20"),
                "args": {**ref, "findings": "答复超期七个工作日", "substantiated": True, "outcome": "已答复申请人并责令改进"}})
    yield Step({"command": "give_complaint_feedback", "actor": office, "occurred_at": _at("2016-04-21"),
                "args": {**ref, "feedback": "您反映的问题属实，已责令改正。"}})
    yield Step({"command": "publish_complaint_feedback", "actor": office, "occurred_at": _at("2016-04-22"),
                "args": {**ref, "summary": "一件关于依申请公开答复超期的投诉经查属实，已责令承办单位改正。"}})

    inspector = {"id": "zy-jw-1", "role": "inspector", "unit": "资阳市纪委监委派驻纪检监察组"}
    leading = {"id": "zy-lg-1", "role": "leading_group_office", "unit": "资阳市政务公开领导小组办公室"}
    case = {"case_id": str(CASE_ID)}
    yield Step({"command": "open_case", "actor": inspector, "occurred_at": _at("2020-08-03"),
                "args": {"id": str(CASE_ID), "subject_kind": "person", "subject_id": "ziyang-officer",
                         "subject_unit": "资阳市人民政府办公室", "violation": "procedure_or_time_limit", "origin": "inspection",
                         "description": "资府办发〔2020〕31号签发后逾期公开（D3）"}})
    yield Step({"command": "investigate_case", "actor": inspector, "occurred_at": _at("2020-08-10"),
                "args": {**case, "working_group": ["zy-jw-1", "zy-jw-2"], "findings": "签发后第 6 个工作日方公开，无正当理由"}})
    yield Step({"command": "give_case_opinion", "actor": inspector, "occurred_at": _at("2020-08-12"),
                "args": {**case, "opinion": "建议批评教育并责令书面检查"}})
    yield Step({"command": "decide_case", "actor": leading, "occurred_at": _at("2020-08-20"),
                "args": {**case, "sanctions": ["criticism_education", "written_self_criticism"],
                         "decision": "批评教育，责令书面检查", "meeting": "市政务公开领导小组2020年第2次会议"}})
    yield Step({"command": "file_case", "actor": leading, "occurred_at": _at("2020-08-21"),
                "args": {**case, "filed_with": "资阳市纪委监委"}})

    gov = {"id": "gov-assessor", "role": "government_office", "unit": "市政府办公室"}
    for unit, key, points, self_score in (("资阳市雁江区人民政府办公室", "yanjiang", "0.95", "96"),
                                          ("达州市人民政府办公室", "dazhou", "0.5", "72")):
        officer = {"id": f"{key}-officer", "role": "officer", "unit": unit}
        period = {"unit": unit, "period": "2022"}
        yield Step({"command": "self_assess", "actor": officer, "occurred_at": _at("2023-01-09"),
                    "args": {"period": "2022", "self_score": self_score, "report": "2022年度政务公开工作自查报告"}})
        scores = {c: str((Decimal(m) * Decimal(points)).quantize(Decimal("0.1")))
                  for c, m in zip(CRITERIA, [10, 15, 15, 10, 10, 15, 10, 15], strict=True)}
        yield Step({"command": "assess_unit", "actor": gov, "occurred_at": _at("2023-01-16"),
                    "args": {**period, "scores": scores, "opinion": "实地考核"}})
        yield Step({"command": "approve_grade", "actor": leading, "occurred_at": _at("2023-01-20"), "args": period})
        yield Step({"command": "publish_assessment", "actor": leading, "occurred_at": _at("2023-01-30"), "args": period})
    period = {"unit": "达州市人民政府办公室", "period": "2022"}
    yield Step({"command": "order_rectification", "actor": leading, "occurred_at": _at("2023-02-01"),
                "args": {**period, "deadline": "2023-03-31", "requirements": "健全公开目录，完善审查流程"}})
    yield Step({"command": "reassess_unit", "actor": gov, "occurred_at": _at("2023-04-03"),
                "args": {**period, "total": "55", "on": "2023-04-03"}})


REQUEST_IDS = [demo_id("request", "yanjiang-2022-1"), demo_id("request", "yanjiang-2022-2")]


def _requests() -> Iterator[Step]:
    """Two applications for disclosure at 雁江 in 2022: one answered on time, one whose third-party
    consultation paused the clock and which is still answered late (A1, A5); a second
    extension is refused (A2)."""
    office = {"id": "yanjiang-ysq", "role": "officer", "unit": "资阳市雁江区人民政府办公室"}
    first, second = ({"request_id": str(r)} for r in REQUEST_IDS)
    yield Step({"command": "receive_request", "actor": office, "occurred_at": _at("2022-02-07"),
                "args": {"id": str(REQUEST_IDS[0]), "channel": "internet", "received_on": "2022-02-07",
                         "applicant_kind": "natural_person", "applicant": "示例申请人乙 示例联系方式",
                         "request": "2021年度城区老旧小区改造项目清单"}})
    yield Step({"command": "answer_request", "actor": office, "occurred_at": _at("2022-02-21"),
                "args": {**first, "answer": "disclosed", "details": {"how_and_when": "2022年2月21日通过电子邮件提供"}}})
    yield Step({"command": "receive_request", "actor": office, "occurred_at": _at("2022-03-01"),
                "args": {"id": str(REQUEST_IDS[1]), "channel": "post", "received_on": "2022-03-01",
                         "applicant_kind": "legal_service_organisation", "applicant": "示例律师事务所",
                         "request": "某征收项目补偿方案及其合法性审查意见"}})
    yield Step({"command": "start_consultation", "actor": office, "occurred_at": _at("2022-03-03"),
                "args": {**second, "consulted": "第三方：被征收企业"}})
    yield Step({"command": "end_consultation", "actor": office, "occurred_at": _at("2022-03-17"), "args": second})
    yield Step({"command": "extend_request", "actor": office, "occurred_at": _at("2022-03-25"),
                "args": {**second, "working_days": 5, "approver": "区政府办公室主任", "notice": "已书面告知申请人延期"}})
    yield Step({"command": "extend_request", "actor": office, "occurred_at": _at("2022-04-18"),
                "args": {**second, "working_days": 5, "approver": "区政府办公室主任", "notice": "再次延期"}}, "EXTENSION_ONCE")
    yield Step({"command": "answer_request", "actor": office, "occurred_at": _at("2022-04-29"),
                "args": {**second, "answer": "partially_disclosed",
                         "details": {"how_and_when": "2022年4月29日邮寄补偿方案", "withheld_reason": "合法性审查意见属过程性信息"}}})


EMERGENCY_ID = demo_id("emergency", "ziyang-2020-08-rain")


def _emergency() -> Iterator[Step]:
    """A major emergency (N2): information out in 2.5 hours, the press conference a day late."""
    office = {"id": "zy-xwb", "role": "officer", "unit": "资阳市人民政府新闻办公室"}
    ref = {"emergency_id": str(EMERGENCY_ID)}
    yield Step({"command": "report_emergency", "actor": office, "occurred_at": "2020-08-18T14:30:00+08:00",
                "args": {"id": str(EMERGENCY_ID), "title": "资阳市强降雨洪涝灾害", "happened_at": "2020-08-18T14:00:00+08:00"}})
    yield Step({"command": "release_emergency_information", "actor": office, "occurred_at": "2020-08-18T16:30:00+08:00",
                "args": {**ref, "channel": "政务微博", "summary": "全市转移安置群众情况及防汛应急响应等级"}})
    yield Step({"command": "hold_press_conference", "actor": office, "occurred_at": "2020-08-19T16:00:00+08:00",
                "args": {**ref, "speaker": "市政府新闻发言人"}})


ANNOUNCEMENT_IDS = demo_id("announcement", "qingyuan-2016-fees"), demo_id("announcement", "qingyuan-2016-flood")


def _announcements() -> Iterator[Step]:
    """Announcements 告示 at 清原 (N1): a decision taken down too early is refused, then taken down
    once its 20 working days (over the 清明 holiday) have run; an emergency posted at once and updated."""
    office = {"id": "qy-gsb", "role": "officer", "unit": "清原满族自治县人民政府"}
    decision, emergency = ({"announcement_id": str(a)} for a in ANNOUNCEMENT_IDS)
    yield Step({"command": "post_announcement", "actor": office, "occurred_at": _at("2016-03-07"),
                "args": {"id": decision["announcement_id"], "kind": "decision", "title": "关于调整县城集中供热收费标准的告示",
                         "channel": "notice_board"}})
    yield Step({"command": "take_down_announcement", "actor": office, "occurred_at": _at("2016-04-01"),
                "args": {**decision, "reason": "已满公示期"}}, "POSTING_PERIOD_NOT_OVER")
    yield Step({"command": "take_down_announcement", "actor": office, "occurred_at": _at("2016-04-06"),
                "args": {**decision, "reason": "已满公示期"}})
    yield Step({"command": "post_announcement", "actor": office, "occurred_at": "2016-07-25T06:10:00+08:00",
                "args": {"id": emergency["announcement_id"], "kind": "emergency", "title": "浑河上游降雨，沿河群众注意避险",
                         "channel": "media"}})
    yield Step({"command": "update_announcement", "actor": office, "occurred_at": "2016-07-25T11:00:00+08:00",
                "args": {**emergency, "update": "沿河低洼地带群众已全部转移"}})


DECISION_ID = demo_id("decision", "yanjiang-2022-parking")
HEARING_IDS = demo_id("hearing", "yanjiang-2022-parking-1"), demo_id("hearing", "yanjiang-2022-parking-2")
HEARING_RECORD = ("yanjiang-2022-hearing-record.txt", "YJ02-WS·2022-D30-FGJ-0001")


def _major_decision() -> Iterator[Step]:
    """雁江's parking fees reform (P1–P4, H1–H5): secrecy review and collective discussion, a
    comment period too short without a reason refused, then 30 days; three comments, two on one
    topic, whose non-adoption is explained; a hearing noticed too late refused, a first hearing
    without consensus, a second with it, and the outcome published."""
    unit = "资阳市雁江区发展和改革局"
    office = {"id": "yj-fgj", "role": "officer", "unit": unit}
    ref = {"decision_id": str(DECISION_ID)}
    yield Step({"command": "propose_decision", "actor": office, "occurred_at": _at("2022-06-01"),
                "args": {"id": str(DECISION_ID), "title": "雁江区城区停车收费标准调整方案"}})
    yield Step({"command": "review_decision_secrecy", "actor": office, "occurred_at": _at("2022-06-02"),
                "args": {**ref, "decision": "approved", "comment": "不涉及国家秘密"}})
    yield Step({"command": "discuss_decision", "actor": office, "occurred_at": _at("2022-06-06"),
                "args": {**ref, "meeting": "局党组2022年第9次会议", "conclusion": "同意向社会公开征求意见"}})
    disclose = {**ref, "draft_title": "雁江区城区停车收费标准调整方案（征求意见稿）", "channel": "门户网站",
                "explanation": {"background": "现行停车收费标准施行已满十年，城区停车供需矛盾突出",
                                "basis": "《中华人民共和国价格法》、《四川省定价目录》", "main_content": "按区域分三类、按时段分档收费"}}
    yield Step({"command": "pre_disclose_decision", "actor": office, "occurred_at": _at("2022-06-08"),
                "args": {**disclose, "comment_days": 15}}, "COMMENT_PERIOD_TOO_SHORT")
    yield Step({"command": "pre_disclose_decision", "actor": office, "occurred_at": _at("2022-06-08"), "args": disclose})
    for n, topic, day in ((1, "夜间收费", "2022-06-12"), (2, "夜间收费", "2022-06-20"), (3, "老旧小区免费时段", "2022-07-01")):
        yield Step({"command": "receive_decision_comment", "actor": office, "occurred_at": _at(day),
                    "args": {**ref, "commenter": f"示例市民{n} 示例联系方式", "text": f"关于{topic}的意见", "topic": topic,
                             "channel": "电子邮件"}})
    yield Step({"command": "absorb_decision_comments", "actor": office, "occurred_at": _at("2022-07-11"),
                "args": {**ref, "summary": "收到意见3条，涉及夜间收费和老旧小区免费时段"}})
    yield Step({"command": "publish_adoption_report", "actor": office, "occurred_at": _at("2022-07-20"),
                "args": {**ref, "adopted_topics": ["老旧小区免费时段"], "channel": "门户网站",
                         "not_adopted_reasons": {"夜间收费": "夜间收费标准将经听证后确定"}}})
    first, second = ({"hearing_id": str(h)} for h in HEARING_IDS)
    notice = {"matter": "雁江区城区停车收费标准调整", "place": "雁江区人民政府三楼会议室",
              "requirements": "听证代表凭身份证件入场；旁听人员提前报名"}
    yield Step({"command": "notice_hearing", "actor": office, "occurred_at": _at("2022-08-10"),
                "args": {"id": str(demo_id("hearing", "yanjiang-2022-parking-refused")), **notice,
                         "scheduled_at": _at("2022-08-15", 14)}}, "NOTICE_TOO_SHORT")
    yield Step({"command": "notice_hearing", "actor": office, "occurred_at": _at("2022-08-05"),
                "args": {"id": first["hearing_id"], **notice, "scheduled_at": _at("2022-08-15", 14)}})
    roles = {"chair": "区发展和改革局副局长", "clerk": "区发展和改革局价格股干部", "answerers": ["区发展和改革局价格股股长"],
             "questioners": ["示例听证代表甲"], "representatives": [f"示例听证代表{c}" for c in "甲乙丙丁戊己庚辛壬"],
             "observers_count": 3}
    yield Step({"command": "assign_hearing_roles", "actor": office, "occurred_at": _at("2022-08-10"), "args": {**first, **roles}})
    yield Step({"command": "hold_hearing", "actor": office, "occurred_at": _at("2022-08-15", 14),
                "args": {**first, "attended": 12, "summary": "夜间收费标准分歧较大"}})
    yield Step({"command": "issue_hearing_minutes", "actor": office, "occurred_at": _at("2022-08-17"),
                "args": {**first, "summary": "未就夜间收费标准形成一致意见，另行组织听证", "consensus": False}})
    yield Step({"command": "notice_hearing", "actor": office, "occurred_at": _at("2022-08-22"),
                "args": {"id": second["hearing_id"], **notice, "scheduled_at": _at("2022-09-01", 14),
                         "repeats": first["hearing_id"]}})
    yield Step({"command": "assign_hearing_roles", "actor": office, "occurred_at": _at("2022-08-26"), "args": {**second, **roles}})
    yield Step({"command": "hold_hearing", "actor": office, "occurred_at": _at("2022-09-01", 14),
                "args": {**second, "attended": 11, "summary": "夜间收费降为每小时1元"}})
    yield Step({"command": "issue_hearing_minutes", "actor": office, "occurred_at": _at("2022-09-02"),
                "args": {**second, "summary": "同意夜间按每小时1元收费", "consensus": True}})
    yield Step({"command": "publish_hearing_outcome", "actor": office, "occurred_at": _at("2022-09-09"),
                "args": {**second, "decision": "城区停车收费标准按听证修改后的方案执行", "channel": "门户网站"}})


MEETING_IDS = demo_id("meeting", "ziyang-2020-executive-12"), demo_id("meeting", "ziyang-2020-plenary-3")


def _meetings() -> Iterator[Step]:
    """资阳's 2020 meetings with public representatives (M1, M2): one fed back on time, one late;
    two in the year, short of the three M2 asks for."""
    office = {"id": "zy-zfb", "role": "officer", "unit": "资阳市人民政府办公室"}
    plans = ((MEETING_IDS[0], "executive", "市政府第12次常务会议", "2020-07-06", "2020-07-08"),
             (MEETING_IDS[1], "plenary", "市政府第3次全体会议", "2020-09-14", "2020-09-21"))
    for meeting_id, kind, title, day, fed_back in plans:
        ref = {"meeting_id": str(meeting_id)}
        yield Step({"command": "invite_representatives", "actor": office,
                    "occurred_at": _at("2020-06-30" if kind == "executive" else "2020-09-07"),
                    "args": {"id": str(meeting_id), "kind": kind, "title": title, "meeting_on": day,
                             "invited": {"人大代表": 1, "政协委员": 1, "公众代表": 2}}})
        yield Step({"command": "hold_meeting", "actor": office, "occurred_at": _at(day, 15),
                    "args": {**ref, "attended": 4, "opinions": 3, "opinions_summary": "建议加快老旧小区改造信息公开"}})
        yield Step({"command": "publish_meeting_feedback", "actor": office, "occurred_at": _at(fed_back),
                    "args": {**ref, "adopted": 2, "feedback": "采纳2条，另1条纳入下半年工作计划", "channel": "门户网站"}})


OPEN_DAY_ID = demo_id("open-day", "yanjiang-2022-10")


def _open_day() -> Iterator[Step]:
    """雁江's open day of 14 October 2022 (O1): recruitment window over the National Day holiday
    and its 调休 weekend, a 17-year-old refused, the participants announced in time; no open
    day in the first half of the year (the view flags it)."""
    office = {"id": "yj-zwfw", "role": "officer", "unit": "资阳市雁江区人民政府办公室"}
    ref = {"open_day_id": str(OPEN_DAY_ID)}
    yield Step({"command": "plan_open_day", "actor": office, "occurred_at": _at("2022-09-20"),
                "args": {"id": str(OPEN_DAY_ID), "theme": "走进政务服务中心", "held_on": "2022-10-14", "places": 3}})
    for n, born in ((1, "1975-03-02"), (2, "2005-10-15"), (3, "1998-11-30")):
        yield Step({"command": "admit_open_day_participant", "actor": office, "occurred_at": _at("2022-09-30"),
                    "args": {**ref, "participant": f"示例报名人{n} 示例联系方式", "birth_date": born, "sector": "居民"}},
                   "PARTICIPANT_UNDER_18" if born.startswith("2005") else None)
    yield Step({"command": "announce_open_day_participants", "actor": office, "occurred_at": _at("2022-10-09"),
                "args": {**ref, "channel": "门户网站"}})
    yield Step({"command": "hold_open_day", "actor": office, "occurred_at": _at("2022-10-14", 15),
                "args": {**ref, "attended": 2, "opinions": 2, "summary": "建议增加周末延时服务"}})


ANNUAL_REPORT = ("资阳市雁江区人民政府办公室", 2022, "2023-01-20")


def publish_annual_report(services: Services, runner: ProjectionRunner) -> None:
    """雁江's 2022 annual report published on time (A6), its table as the views count the year's applications."""
    unit, year, day = ANNUAL_REPORT
    if services.ledger.exists(annual_report_id(unit, year)):
        return
    with runner.store.transaction() as tx:
        table = as_published(annual_table(tx, unit, year))
    services.ledger.execute(PublishAnnualReport(year=year, channel="website", table=table),
                            Actor("yanjiang-ysq", Role.OFFICER, unit), datetime.fromisoformat(_at(day)))


def _seeds() -> Iterator[Step]:
    yield from (Step(e) for e in _catalogue_commands())
    for seed, key in zip(SEEDS, ["yanjiang", "tianning", "qingyuan", "ziyang", "dazhou"], strict=True):
        yield from (Step(e) for e in _disclosure_commands(seed, key))
    yield from _refusals()
    yield from _withheld()


def sections() -> list[tuple[UUID, list[Step]]]:
    """The scenario in business order, in sections; each names the record it creates last, so
    that a run records only the sections not recorded yet (a section added by a later version too)."""
    return [
        (WITHHELD_ID, list(_seeds())),
        (assessment_id("达州市人民政府办公室", "2022"), list(_supervision())),
        (REQUEST_IDS[1], list(_requests())),
        (EMERGENCY_ID, list(_emergency())),
        (demo_id("interpretation", SEEDS[1].file), list(_interpretations())),
        (ANNOUNCEMENT_IDS[1], list(_announcements())),
        (HEARING_IDS[1], list(_major_decision())),
        (MEETING_IDS[1], list(_meetings())),
        (OPEN_DAY_ID, list(_open_day())),
    ]


def scenario() -> list[Step]:
    return [step for _, steps in sections() for step in steps]


@dataclass(frozen=True)
class DemoRun:
    """What a run recorded and what the ledger shows after it, for the summary people read."""

    new_events: int
    already_recorded: bool  # every section was recorded by an earlier run
    catalogue_items: int
    unfiled_items: int
    acts: list[dict[str, Any]]  # the disclosure register's rows
    archive: FourPropertyReport
    complaints: list[dict[str, Any]]  # complainants sealed, as every list shows them
    subjects: Counter[str]  # data subjects by kind
    cases: list[dict[str, Any]]  # accountability cases opened, from the audit timeline
    assessed_units: int
    requests: dict[str, Any]  # 雁江's 2022 table of applications
    deadlines: list[dict[str, Any]]
    participation: list[dict[str, Any]]
    yearly_counts: list[dict[str, Any]]
    breaches: Counter[str]  # violations by rule
    refused: list[dict[str, Any]]  # refusals, apart from steps found already recorded
    unexpected: list[dict[str, Any]]  # refusals the scenario did not expect
    chains: ChainReport
    log: LogReport
    checkpoint: Checkpoint
    accounts: list[DemoAccount]  # opened by this run, their credentials to be shown this once

    @property
    def published(self) -> list[dict[str, Any]]:
        return [a for a in self.acts if a["published_at"]]

    @property
    def late(self) -> list[dict[str, Any]]:
        """Acts published after their deadline (D3, D11), as the register recorded at publication."""
        return [a for a in self.acts if a["publication_outcome"] == RuleOutcome.BREACHED]

    @property
    def channels(self) -> Counter[str]:
        return Counter(channel for a in self.published for channel in json.loads(a["channels"]))

    def replies(self, status: RuleOutcome) -> int:
        """雁江's 2022 replies to applications (A1) with this outcome."""
        return sum(d["status"] == status for d in self.deadlines if d["rule"] == Rule.A1)

    @property
    def interpretations(self) -> Counter[str]:
        """Policy interpretations (D9): met, breached, or overdue and still not given."""
        return Counter("overdue" if d["overdue"] and d["status"] == "open" else d["status"]
                       for d in self.deadlines if d["rule"] == Rule.D9)

    @property
    def ok(self) -> bool:
        return not self.unexpected and self.chains.ok and self.log.ok and self.archive.ok


def run(settings: Settings) -> DemoRun:
    """Record the sections not recorded yet (replaying the refused steps of the others), archive the
    originals, and read back what the ledger now shows."""
    with services(settings) as s, audit_log(settings) as merkle:
        before = s.ledger.recorder.max_notification_id() or 0
        recorded = [(s.ledger.exists(marker), steps) for marker, steps in sections()]
        keeper = s.archivist()
        todo: list[Step] = []
        results: list[dict[str, Any]] = []
        for n, (done, steps) in enumerate(recorded):
            run_now = [step for step in steps if step.refused_with or not done]
            results += apply_commands(s, ((len(todo) + i, step.envelope) for i, step in enumerate(run_now, start=1)), False)
            todo += run_now
            if n == 0:  # the seed documents' originals, archived on their publication day (D8)
                archive_originals(keeper)
        archive_hearing_record(keeper)
        opened = open_demo_accounts(s)
        archive = queries.four_property_check(s)
        with views(settings, s) as runner:
            catch_up(s, runner)  # views, and the E4 policy's case
            publish_annual_report(s, runner)
            now = datetime.now(CST)
            complaints = queries.complaints(s, runner)
            cases = [e for unit in ("达州市人民政府办公室", "资阳市人民政府办公室") for e in queries.timeline(s, runner, unit=unit)
                     if e["event_type"] == "AccountabilityCase.Opened"]
            assessed = queries.assessment(s, runner, 2022)
            requests = queries.annual_report(s, runner, "资阳市雁江区人民政府办公室", 2022)
            deadlines = queries.deadlines(s, runner, now=now)
            engaged = queries.participation(s, runner)
            counted = (queries.participation_counts(s, runner, 2020, "资阳市人民政府办公室", now)
                       + queries.participation_counts(s, runner, 2022, "资阳市雁江区人民政府办公室", now))
            breaches = Counter(v["rule"] for v in queries.violations(s, runner, now=now))
            acts = queries.register(s, runner)
        after = s.ledger.recorder.max_notification_id() or 0
        bring_log_up_to_date(s, merkle, settings)
        items = list(s.ledger.all_of(CatalogueItem))
        audited = queries.audit(s, merkle, settings)
        latest = merkle.latest_checkpoint()
        if latest is None:
            raise RuntimeError("no checkpoint signed over the demo's events")
        checkpoint = read_unverified(latest[1])
        subjects = Counter(h.kind for h in s.ledger.personal_data())
    return DemoRun(
        new_events=after - before, already_recorded=all(done for done, _ in recorded), catalogue_items=len(items),
        unfiled_items=sum(1 for i in items if i.unfiled), acts=acts, archive=archive, complaints=complaints,
        subjects=subjects, cases=cases, assessed_units=len(assessed), requests=requests, deadlines=deadlines,
        participation=engaged, yearly_counts=counted, breaches=breaches,
        refused=[r for r in results if not r["ok"] and r["code"] not in ALREADY_RECORDED],
        unexpected=[r for r, step in zip(results, todo, strict=True)
                    if not r["ok"] and r["code"] != step.refused_with and r["code"] not in ALREADY_RECORDED],
        chains=audited.chains, log=audited.log, checkpoint=checkpoint, accounts=opened,
    )
