"""The Chinese words for the values the views give: one vocabulary for every table people read,
the CLI's and the service's spreadsheets alike."""

from __future__ import annotations

from zwgk.domain.announcements import Announcement
from zwgk.domain.archival import FixityOutcome
from zwgk.domain.calendar import CST
from zwgk.domain.hearings import Hearing
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.open_days import OpenDay
from zwgk.domain.rules import RuleOutcome
from zwgk.projections.catalogue import from_ts
from zwgk.projections.participation import PROCESSES

DEADLINE_STATUS_ZH = {("open", False): "未到期", ("open", True): "逾期未完成", (RuleOutcome.MET, False): "按时完成",
                      (RuleOutcome.BREACHED, True): "逾期完成"}
RULE_OUTCOMES_ZH = {RuleOutcome.MET: "按时", RuleOutcome.BREACHED: "逾期", RuleOutcome.MISSED: "未达到"}
VIOLATION_KINDS_ZH = {"breached": "违规", "overdue": "逾期未办", "missing": "缺失"}
CHAIN_BREAKS_ZH = {"undecodable": "存储的字节无法解码", "missing": "缺少事件（版本不连续）", "unchained": "事件没有哈希链字段",
                   "relinked": "前一事件的哈希（prev_hash）不符", "unencodable": "事件无法规范编码",
                   "reformatted": "存储的内容不是规范编码：事件被改动（哈希可能已被重新计算）",
                   "altered": "内容与其哈希不符：事件被改动"}
LOG_MISMATCHES_ZH = {"moved": "有事件被删除或插入", "unencodable": "事件无法规范编码", "altered": "事件与日志中记载的不同",
                     "missing": "日志记载的事件在事件库中缺失",
                     "unlogged": "事件记录已超过宽限期仍未纳入审计日志：审计日志被删除或截短"}
CHECKPOINT_PROBLEMS_ZH = {"unverified": "签名无效：检查点被改动，或不是此公钥所签",
                          "uncosigned": "缺少所要求的见证人联署",
                          "shrunk": "后签发的检查点比先签发的小：检查点的历史被改动",
                          "truncated": "审计日志的条目少于检查点曾签署的数目：日志被删减",
                          "diverged": "该大小处的树根与检查点所签的不同：其下的历史被改写"}
CHECKPOINT_SOURCES_ZH = {"kept": "库中保存的检查点", "held": "外部保存的检查点"}
COMPLAINT_STATUS_ZH = {"registered": "已登记", "assigned": "已交办", "handled": "已处理", "answered": "已反馈", "published": "已公开"}
FIXITY_ZH = {FixityOutcome.INTACT: "完好", FixityOutcome.CHANGED: "已变化", FixityOutcome.MISSING: "缺失"}
PROCESSES_ZH = {"hearing": "听证", "decision": "重大行政决策预公开", "meeting": "列席会议", "open_day": "政务开放日",
                "announcement": "告示"}
# Where a public-participation record stands, named by the event that put it there.
STEPS_ZH: dict[type, str] = {
    Hearing.Noticed: "已公告", Hearing.RolesAssigned: "已确定人员", Hearing.Held: "已举行", Hearing.RecordArchived: "笔录已归档",
    Hearing.MinutesIssued: "纪要已印发", Hearing.OutcomePublished: "结果已公开",
    MajorDecision.Proposed: "已立项", MajorDecision.SecrecyReviewed: "已保密审查", MajorDecision.CollectivelyDiscussed: "已集体讨论",
    MajorDecision.PreDisclosed: "征求意见中", MajorDecision.CommentReceived: "征求意见中",
    MajorDecision.CommentsAbsorbed: "已汇总吸纳", MajorDecision.AdoptionReportPublished: "采纳情况已公开",
    RepresentedMeeting.Invited: "已邀请", RepresentedMeeting.Held: "已举行", RepresentedMeeting.FeedbackPublished: "反馈已公开",
    OpenDay.Planned: "已计划", OpenDay.ParticipantAdmitted: "招募中", OpenDay.ParticipantsAnnounced: "已公示", OpenDay.Held: "已举行",
    Announcement.Posted: "公示中", Announcement.Updated: "公示中", Announcement.TakenDown: "已撤下",
}
_STEPS_BY_NAME = {cls.__qualname__: zh for cls, zh in STEPS_ZH.items()}
_AGGREGATES = {process: aggregate for aggregate, process in PROCESSES.items()}


def step_zh(process: str, status: str) -> str:
    return _STEPS_BY_NAME.get(f"{_AGGREGATES.get(process)}.{status}", status)


def beijing_time(stored: str) -> str:
    """An instant as the views store it (UTC), as people in China read it."""
    return from_ts(stored).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
