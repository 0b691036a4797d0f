"""The main job's scenario: the five seed regulations, disclosed by their own units.

Each seed document is drafted, reviewed (three signatures), pre-reviewed, signed off
and published on the dates it gives (成文日期, 发布日期); where it gives none, dates
close to them are assumed. One is published late (D3), one draft is refused for a
missing reason (D2), a report still in review gets a second signature by the
same person refused (D4), and a state-secret document is signed but its
publication refused (D7). Every step goes through the command catalogue, like
`zwgk apply`. Ids are derived from the documents; once the scenario is recorded, a
second run replays only the refused steps, which record nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from zwgk.archive.service import Archivist
from zwgk.domain.actors import Actor, Role
from zwgk.domain.archival import original_id

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


def demo_id(*parts: str):
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
           "args": {"matter": matter, "adjusted_content": "公开渠道增加政务服务大厅", "basis": "《雁江区政务公开事项清单动态管理制度》第四条（二）"}}
    unit, matter = CATALOGUE[2][0], CATALOGUE[2][1]
    yield {"command": "amend_catalogue_item", "actor": {"id": "cat-2-officer", "role": "officer", "unit": unit},
           "occurred_at": _at("2022-02-08"),
           "args": {"matter": matter, "changes": {"update_limit": "每年1月31日前（新条例）"}, "reason": "law_changed"}}


def _disclosure_commands(seed: SeedDocument, key: str) -> Iterator[dict[str, Any]]:
    people = _people(seed.unit, key)
    act_id = str(demo_id("disclosure", seed.file))
    ref = {"act_id": act_id}
    yield {"command": "draft_disclosure", "actor": people["officer"], "occurred_at": _at(seed.drafted),
           "args": {"id": act_id, "title": seed.title, "attribute": "proactive", "kind": seed.kind,
                    "doc_number": seed.doc_number, "doc_type": "通知" if "通知" in seed.title else "制度"}}
    for sheet_role in ("compiler", "issuer", "publisher"):
        yield {"command": "sign_review", "actor": people[sheet_role], "occurred_at": _at(seed.drafted, 15),
               "args": {**ref, "sheet_role": sheet_role, "decision": "approved"}}
    yield {"command": "pre_review_disclosure", "actor": people["pre_reviewer"], "occurred_at": _at(seed.drafted, 17),
           "args": {**ref, "decision": "approved", "comment": "内容无涉密信息，同意公开"}}
    yield {"command": "sign_off_disclosure", "actor": people["leader"], "occurred_at": _at(seed.signed),
           "args": {**ref, "comment": "同意"}}
    yield {"command": "publish_disclosure", "actor": people["officer"], "occurred_at": _at(seed.published, 10),
           "args": {**ref, "channel": seed.channel}}


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


def archive_originals(keeper: Archivist) -> int:
    """Each seed document archived as a real original, linked to its disclosure act (D8)."""
    archived = 0
    for seed in SEEDS:
        if keeper.app.exists(original_id(seed.archive_number)):
            continue
        with resources.files("zwgk.connectors").joinpath("demo_data", seed.file).open("rb") as source:
            keeper.put(
                source, actor=Actor(f"{seed.archive_number[:4]}-{DEMO_ARCHIVIST}", Role.ARCHIVIST, seed.unit),
                archive_number=seed.archive_number, doc_number=seed.doc_number, title=seed.title,
                responsible_unit=seed.unit, retention=seed.archive_number.split("-")[2], doc_date=date.fromisoformat(seed.signed),
                doc_type="通知" if "通知" in seed.title else "制度", media_type="text/plain",
                disclosure_id=demo_id("disclosure", seed.file),
                occurred_at=datetime.fromisoformat(_at(seed.published, 16)),
            )
        archived += 1
    return archived


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
    yield Step({"command": "file_case", "actor": leading, "occurred_at": _at("2020-08-21"), "args": {**case, "filed_with": "资阳市纪委监委"}})

    gov = {"id": "gov-assessor", "role": "government_office", "unit": "市政府办公室"}
    for unit, key, points, self_score in (("资阳市雁江区人民政府办公室", "yanjiang", "0.95", "96"), ("达州市人民政府办公室", "dazhou", "0.5", "72")):
        officer = {"id": f"{key}-officer", "role": "officer", "unit": unit}
        period = {"unit": unit, "period": "2022"}
        yield Step({"command": "self_assess", "actor": officer, "occurred_at": _at("2023-01-09"),
                    "args": {"period": "2022", "self_score": self_score, "report": "2022年度政务公开工作自查报告"}})
        scores = {c: str((Decimal(m) * Decimal(points)).quantize(Decimal("0.1"))) for c, m in zip(CRITERIA, [10, 15, 15, 10, 10, 15, 10, 15])}
        yield Step({"command": "assess_unit", "actor": gov, "occurred_at": _at("2023-01-16"), "args": {**period, "scores": scores, "opinion": "实地考核"}})
        yield Step({"command": "approve_grade", "actor": leading, "occurred_at": _at("2023-01-20"), "args": period})
        yield Step({"command": "publish_assessment", "actor": leading, "occurred_at": _at("2023-01-30"), "args": period})
    period = {"unit": "达州市人民政府办公室", "period": "2022"}
    yield Step({"command": "order_rectification", "actor": leading, "occurred_at": _at("2023-02-01"),
                "args": {**period, "deadline": "2023-03-31", "requirements": "健全公开目录，完善审查流程"}})
    yield Step({"command": "reassess_unit", "actor": gov, "occurred_at": _at("2023-04-03"), "args": {**period, "total": "55", "on": "2023-04-03"}})


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


def scenario() -> list[Step]:
    """The whole scenario, in business order."""
    steps = [Step(e) for e in _catalogue_commands()]
    keys = ["yanjiang", "tianning", "qingyuan", "ziyang", "dazhou"]
    for seed, key in zip(SEEDS, keys):
        steps.extend(Step(e) for e in _disclosure_commands(seed, key))
    steps.extend(_refusals())
    steps.extend(_withheld())
    steps.extend(_supervision())
    steps.extend(_requests())
    steps.extend(_emergency())
    return steps
