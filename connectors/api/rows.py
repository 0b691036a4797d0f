"""What each query answers, row by row, as the OpenAPI document describes it to integrators. Rows come
from the application layer as they are; these models only name and type them (JSON the views store as
text is sent as JSON), and link a row to its record (`/api/v1/records/{id}`)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Json, computed_field

RECORDS = "/api/v1/records/"
UTC = "instant, UTC (ISO 8601)"
RowT = TypeVar("RowT")


class Page(BaseModel, Generic[RowT]):
    """One page of a list, in the list's fixed order."""

    items: list[RowT]
    next_cursor: str | None = Field(description="pass it as `cursor` for the next page; null on the last page")


class Signature(BaseModel):
    signer: str = Field(description="who signed the secrecy review sheet")
    decision: str = Field(description="approved | rejected")
    at: str = Field(description=UTC)


class ChannelPublication(BaseModel):
    at: str = Field(description=UTC)
    location: str = Field(description="where on the channel (address, column)")


class Recheck(BaseModel):
    still_withheld: bool
    at: str = Field(description=UTC)
    d10_outcome: str = Field(description="met | breached (D10: re-checked in November)")


class StoredDeadline(BaseModel):
    model_config = ConfigDict(extra="allow")
    rule: str
    start: str = Field(description="the day it runs from")
    due: str = Field(description="the day it falls due")
    working_days: int
    provisional: bool = Field(description="computed Monday to Friday: no official calendar of that year yet")
    calendar_version: str


class RegisterRow(BaseModel):
    """公开登记簿: a disclosure act, where it stands in review, its publication and its archived original (D1–D10)."""

    act_id: str = Field(description="the act's record id")
    unit: str = Field(description="公开主体: the unit responsible")
    title: str = Field(description="题名")
    doc_number: str = Field(description="文号 (empty before one is given)")
    kind: str = Field(description="the kind of document, e.g. policy, interpretation, enforcement")
    attribute: str = Field(description="公开属性 (D1): proactive | partial | on_request | withheld")
    reason: str | None = Field(description="the legal reason when not proactive (D2)")
    drafted_at: str = Field(description=UTC)
    signatures: Json[dict[str, Signature]] = Field(description="secrecy review sheet (D4): sheet role → signature")
    rejected: bool = Field(description="a signature rejected the draft")
    pre_review: str | None = Field(description="pre-review group's decision (D5): approved | rejected")
    signed_off_at: str | None = Field(description=f"the leader's sign-off (D6), {UTC}")
    deadline: Json[StoredDeadline | None] | None = Field(description="the publication deadline stored at sign-off (D3, D11)")
    published_at: str | None = Field(description=f"first publication, {UTC}")
    channels: Json[dict[str, ChannelPublication]] = Field(description="channel → publication")
    publication_outcome: str | None = Field(description="met | breached: the first publication against its deadline")
    corrections: int
    withdrawn: bool
    original_sha256: str | None = Field(description="the archived original's SHA-256 (D8)")
    interprets: str | None = Field(description="for an interpretation: the policy act it interprets")
    interpretation_due: str | None = Field(description="for a policy: the day its interpretation is due (D9)")
    interpretations: Json[list[str]] = Field(description="the interpretation acts published for this policy")
    d9_outcome: str | None
    rechecks: Json[dict[str, Recheck]] = Field(description="a withheld document's yearly re-checks (D10): year → re-check")
    version: int = Field(description="the record's version the row shows")


class DeadlineRow(BaseModel):
    """期限: a deadline a rule sets, as stored in the event that started it."""

    deadline_id: str
    source_id: str = Field(description="the record the deadline belongs to")
    rule: str = Field(description="D3, D9, D11, A1, A5, M1, P4, N2 or E4")
    unit: str
    subject: str = Field(description="what is due, in Chinese")
    start: str
    due: str = Field(description="YYYY-MM-DD, or for N2 an instant in China Standard Time to the minute")
    working_days: int
    provisional: bool
    calendar_version: str
    status: str = Field(description="open | met | breached")
    closed_at: str | None = Field(description=UTC)
    working_days_left: int | None = Field(description="open and due on a day: working days left (negative: overdue)")
    hours_left: float | None = Field(description="open and due at an instant (N2): hours left")
    overdue: bool = Field(description="closed late, or open past its due date")


class TimelineRow(BaseModel):
    """审计时间线: one event, who recorded it in which role, business and recorded time, the rules it met or broke."""

    position: int = Field(description="the event's place in the ledger (notification id)")
    aggregate_id: str = Field(description="the record the event belongs to")
    version: int = Field(description="the record's version after this event")
    event_type: str = Field(description="Record.Event, e.g. DisclosureAct.Published")
    subject_unit: str = Field(description="the unit the record is about")
    actor_id: str
    actor_role: str
    actor_unit: str
    occurred_at: str = Field(description=f"business time, {UTC}")
    recorded_at: str = Field(description=f"recording time, {UTC}")
    event_id: str
    rule_outcomes: dict[str, str] = Field(description="rule → met | breached | missed")

    @computed_field(description="the record as it stood: add ?as_of=…")  # type: ignore[prop-decorator]
    @property
    def record_href(self) -> str:
        return RECORDS + self.aggregate_id


class ViolationRow(BaseModel):
    """违规情况: a breach, an overdue deadline or something a rule asks for and the ledger lacks."""

    rule: str
    unit: str = Field(description="the unit responsible (for E2: the unit assessed)")
    record_id: str = Field(description="the record concerned (empty for a unit's or a year's gap)")
    subject: str
    on: str = Field(description="the day, YYYY-MM-DD (China Standard Time)")
    kind: str = Field(description="breached | overdue | missing")
    detail: str = Field(description="in Chinese, e.g. 逾期公开：应于2020-07-10前公开，实际2020-07-14公开，逾期2个工作日（D3）")
    reason: str = Field(description="the same in English")
    start: str | None = Field(description="the day the deadline ran from (YYYY-MM-DD; N2: an instant in CST)")
    due: str | None = Field(description="the day it fell due (YYYY-MM-DD; N2: an instant in CST, to the minute)")
    actual: str | None = Field(description="when it was done (as `due`); null: not yet")
    late_working_days: int | None = Field(description="working days from the due day to the act (or to today)")
    late_hours: float | None = Field(description="N2: hours from the due instant to the act (or to now)")


class CatalogueElements(BaseModel):
    """The ten elements of an item (C1)."""

    model_config = ConfigDict(extra="allow")
    matter: str = Field(description="公开事项")
    content: str = Field(description="公开内容")
    update_limit: str = Field(description="信息更新时间")
    responsible_unit: str = Field(description="公开主体")
    support_unit: str = Field(description="信息保障单位")
    channels: list[str] = Field(description="公开渠道")
    column: str = Field(description="公开栏目")
    legal_basis: str = Field(description="公开依据")
    audience: str = Field(description="公开对象")
    mode: str = Field(description="公开方式: proactive | on_request")


class CatalogueAdjustment(BaseModel):
    version: int
    adjustment: str = Field(description="listed | amended | withdrawn")
    occurred_at: str = Field(description=UTC)
    reason: str = Field(description="C2: law_changed | element_changed | function_changed | other")
    reason_text: str
    filed_at: str | None = Field(description=f"备案 (C4), {UTC}; null: not filed")


class CatalogueRow(BaseModel):
    """公开事项清单: an item in force at the instant asked (now by default), with its whole history."""

    item_id: str
    elements: CatalogueElements = Field(description="as they stood at the instant")
    unfiled_adjustments: list[int] | None = Field(default=None, description="now only: versions not filed (C4)")
    as_of: str = Field(description=f"the item's last change at or before the instant, {UTC}")
    history: list[CatalogueAdjustment]


class UnfiledRow(BaseModel):
    """C4: an item adjusted and not filed."""

    item_id: str
    unit: str
    matter: str
    unfiled_adjustments: list[int]


class AssessmentRow(BaseModel):
    """考核: what the events show about a unit in a period, beside the assessors' score and grade (E1–E4)."""

    rank: int = Field(description="within the period: by score, then on-time rate, filing rate, archiving rate")
    unit: str
    period: str = Field(description="2022 or 2022-Q1")
    published: int
    published_on_time: int
    adjustments: int
    adjustments_filed: int
    archived: int
    interpretations_due: int
    interpreted_on_time: int
    replies: int
    replies_on_time: int
    hearings_held: int
    hearings_complete: int
    complaints: int
    complaints_published: int
    accountability_cases: int
    on_time_rate: float | None = Field(description="null: nothing to count")
    filing_rate: float | None
    archiving_rate: float | None
    interpretation_rate: float | None
    reply_rate: float | None
    hearing_completion_rate: float | None
    complaint_publication_rate: float | None
    score: str | None = Field(description="the assessed total (decimal), null until assessed")
    grade: str | None = Field(description="excellent | good | pass | fail")
    award_eligible: bool | None


class ParticipationRow(BaseModel):
    """公众参与与告示: a hearing, pre-disclosed decision, meeting, open day or announcement, with what its rules flag."""

    record_id: str
    process: str = Field(description="hearing | decision | meeting | open_day | announcement")
    unit: str
    title: str
    kind: str
    day: str = Field(description="YYYY-MM-DD")
    status: str = Field(description="the last step, named by its event")
    steps: dict[str, str] = Field(description=f"step → {UTC}")
    counts: dict[str, int] = Field(description="people counted, never named")
    rule_outcomes: dict[str, str]
    related: str | None = Field(description="the hearing this one repeats")
    flags: list[str] = Field(description="in Chinese, each led by its rule ID")
    missing: list[str]


class ParticipationCountRow(BaseModel):
    """A unit's year: meetings with representatives (M2, ≥ 3) and open days each half-year (O1)."""

    unit: str
    year: int
    meetings_with_representatives: int | None = Field(description="null: the unit holds none")
    open_days_first_half: int | None
    open_days_second_half: int | None
    flags: list[str]


class ComplaintRow(BaseModel):
    """投诉: a complaint without its complainant (Q3); revealing one is a separate, recorded act."""

    complaint_id: str
    category: str
    form: str = Field(description="written | oral")
    major: bool
    respondent_unit: str = Field(description="the unit complained about")
    handler_unit: str | None
    status: str = Field(description="registered | assigned | handled | answered | published")
    registered_at: str = Field(description=UTC)
    substantiated: bool | None
    published_summary: str | None = Field(description="Q4: the handling as published")
    feedback_unpublished: bool = Field(description="Q4: feedback given, not yet published")
    complainant_name: None = Field(description="always null: sealed")
    complainant_contact: None = Field(description="always null: sealed")
    account: None = Field(description="always null: sealed")
    complainant_sealed: bool = Field(description="always true: the complainant's fields are sealed in every list, whoever reads")


class RequestRow(BaseModel):
    """依申请公开: an application (the applicant is sealed in its events and absent here)."""

    request_id: str
    unit: str
    applicant_kind: str = Field(description="natural_person | commercial_enterprise | … (the annual report's columns)")
    received_on: str = Field(description="the day the time limit counts from (Art. 31)")
    due: str = Field(description="A1: the reply's due day, as extended, completed or consulted")
    concluded_on: str | None
    report_row: str | None = Field(description="the annual report's row: disclosed | partially_disclosed | withheld | …")
    sub_reason: str | None
    a1_outcome: str | None
    completion_requested_on: str | None = Field(description="补正 (A4)")
    a4_outcome: str | None


class Place(BaseModel):
    record_type: str
    record_id: str
    field: str
    recorded_at: str


class Erased(BaseModel):
    basis: str
    actor: str
    occurred_at: str


class DataSubjectRow(BaseModel):
    """个人信息清单: where a data subject's sealed data is (ids only, never the data), and whether it is erased."""

    subject_id: str
    kind: str = Field(description="complainant | applicant | commenter | hearing-participant | open-day-participant")
    readable: bool = Field(description="the subject's key still exists")
    places: list[Place]
    erased: Erased | None


class ErasureRow(BaseModel):
    """An erasure of a data subject's personal data (PIPL art. 47): who, when, on what basis."""

    subject_id: str
    key_id: str
    basis: str
    note: str
    actor: str
    unit: str
    occurred_at: str
    recorded_at: str
    records: list[str] = Field(description="the records that held the subject's data")


class ArchiveRow(BaseModel):
    """档案目录: an archived original's DA/T 46 metadata, retention, legal hold and last fixity check."""

    archive_number: str = Field(description="档号")
    original_id: str = Field(description="the original's record id")
    position: int
    doc_number: str = Field(description="文号")
    title: str
    responsible_unit: str = Field(description="责任者")
    doc_date: str
    doc_type: str = Field(description="文种")
    retention: str = Field(description="Y | D30 | D10")
    retention_ends: str | None = Field(description="保管期满: 1 January after the year of formation plus the period (R3); none for 永久")
    retain_until: str | None = Field(description="the store's lock; none when the period had ended before archiving")
    classification: str = Field(description="密级; empty for originals archived before it was recorded")
    pages: int | None = Field(description="页数, where the format counts pages")
    media_type: str
    size: int = Field(description="bytes")
    sha256: str
    sm3: str
    disclosure_id: str | None = Field(description="the disclosure act it is the original of")
    rank: int = Field(description="strong matches of the search: the exact 文号, the words in the 题名")
    ranked: bool = Field(description="false: more than 1000 originals hold the words; they come in the order archived, unranked")
    destroyed: bool = Field(description="destroyed under an approved destruction list (R5): the record stays")
    archived_at: str
    legal_hold: bool
    last_checked_at: str | None
    last_fixity: str | None = Field(description="intact | changed | missing")


class ProjectionRow(BaseModel):
    view: str
    position: int
    lag: int = Field(description="events the view has yet to fold")


class AnnualReportLine(BaseModel):
    line: str = Field(description="1, 2, 3.1 … 3.7, 4")
    label: str = Field(description="the row's label in the national format")
    natural_person: int
    commercial_enterprise: int
    research_institution: int
    social_welfare_organisation: int
    legal_service_organisation: int
    other_organisation: int
    total: int


class AnnualReport(BaseModel):
    """The application table of the annual report (国办公开办函〔2021〕30号) and its check 一 + 二 = 三（七）+ 四."""

    unit: str
    year: int
    rows: list[AnnualReportLine]
    check_holds: bool
    check: dict[str, bool] = Field(description="the check, column by column")


class RecordState(BaseModel):
    """A record as it stood at an instant of business time, or as the ledger held it at a recording time, replayed
    from its events (the same document as `zwgk audit replay --format json`)."""

    record_id: str
    type: str = Field(description="the kind of record, e.g. DisclosureAct")
    version: int
    as_of: str | None = Field(description="business time: the events that had happened by then (null: not bounded)")
    as_recorded: str | None = Field(description="recording time: the events the ledger had recorded by then (null: not bounded)")
    state: dict[str, Any] = Field(description=f"the record's fields then: structures as objects, instants {UTC}, days YYYY-MM-DD; "
                                              "other records are named by id")

    @computed_field(description="its events")  # type: ignore[prop-decorator]
    @property
    def timeline_href(self) -> str:
        return f"/api/v1/timeline?aggregate_id={self.record_id}"


class Change(BaseModel):
    before: Any
    after: Any


class RecordChanges(BaseModel):
    """What changed in a record between two instants: its state at each, the fields that differ, the events between."""

    record_id: str
    before: dict[str, Any] | None = Field(description="the state at `from`; null: the record did not exist yet")
    after: dict[str, Any] = Field(description="the state at `to`")
    changed: dict[str, Change]
    events: list[TimelineRow]
