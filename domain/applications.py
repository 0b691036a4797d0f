"""Application services: one eventsourcing Application per bounded context.

Each command loads what it changes, lets the aggregate decide (or refuse, recording
nothing) and saves the new events in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from zwgk.domain.accountability import AccountabilityCase
from zwgk.domain.actors import SYSTEM, Actor
from zwgk.domain.announcements import Announcement
from zwgk.domain.annual_reports import AnnualReport
from zwgk.domain.archival import ArchivedOriginal, ArchiveNumber, FixityCheck, original_id
from zwgk.domain.assessment import Assessment, assessment_id
from zwgk.domain.calendar import BUILTIN_YEARS, WorkingDayCalendar
from zwgk.domain.catalogue import CatalogueItem, item_id
from zwgk.domain.chain import ChainReport, StoredRecord, verify_chains
from zwgk.domain.complaints import Complaint
from zwgk.domain.data_subjects import (
    DataSubject,
    PersonalDataHeld,
    PersonalDataPlace,
    SubjectKind,
    data_subject_id,
    personal_data_fields,
    sealed_values,
)
from zwgk.domain.disclosure import DisclosureAct
from zwgk.domain.emergencies import Emergency
from zwgk.domain.errors import AlreadyExists, DomainError, NotFound
from zwgk.domain.hearings import Hearing
from zwgk.domain.ledger import LedgerApplication, Outcome
from zwgk.domain.major_decisions import MajorDecision
from zwgk.domain.meetings import RepresentedMeeting
from zwgk.domain.official_calendar import OfficialCalendarYear, calendar_year_id
from zwgk.domain.open_days import OpenDay
from zwgk.domain.privacy import KeyStore, SealedValue, require_complaints_office, seal
from zwgk.domain.records import Record
from zwgk.domain.requests import InformationRequest

# How far past the built-in calendar a deadline may reach for loaded years to matter.
YEARS_AHEAD = 3
# The records that keep deadlines in working days, by the event that opens each.
WITH_DEADLINES: tuple[type[Record.Created], ...] = (
    DisclosureAct.Drafted, InformationRequest.Received, Hearing.Noticed, MajorDecision.Proposed,
    RepresentedMeeting.Invited, Announcement.Posted,
)


class CatalogueApplication(LedgerApplication):
    """The catalogue of disclosure items 公开事项清单 (C1–C4). Items live for years and are
    amended often: every 100th version is snapshotted, so replaying one as of an instant stays fast."""

    snapshotting_intervals = {CatalogueItem: 100}

    def list_item(
        self, actor: Actor, occurred_at: datetime | None, elements: Mapping[str, Any], reason: str, reason_text: str = ""
    ) -> Outcome:
        item = CatalogueItem.list_item(
            actor=actor, occurred_at=occurred_at, elements=elements, reason=reason, reason_text=reason_text
        )
        if self.exists(item.id):
            raise AlreadyExists("公开事项", "catalogue item", f"{elements.get('responsible_unit')}/{elements.get('matter')}")
        return self.record(item)

    def amend_item(self, item_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(CatalogueItem, item_id, lambda i: i.amend(actor=actor, occurred_at=occurred_at, **kwargs))

    def withdraw_item(self, item_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(CatalogueItem, item_id, lambda i: i.withdraw(actor=actor, occurred_at=occurred_at, **kwargs))

    def file_adjustments(self, item_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(CatalogueItem, item_id, lambda i: i.file_adjustments(actor=actor, occurred_at=occurred_at, **kwargs))

    def items(self) -> Iterator[CatalogueItem]:
        for aggregate_id in self.ids_of(CatalogueItem.Listed):
            yield self.load(CatalogueItem, aggregate_id)

    def unfiled(self) -> list[CatalogueItem]:
        """C4: items whose published adjustments have not been filed 备案."""
        return [item for item in self.items() if item.unfiled]

    @staticmethod
    def id_for(responsible_unit: str, matter: str) -> UUID:
        return item_id(responsible_unit, matter)


class CalendarApplication(LedgerApplication):
    """Official working-day calendars loaded for the years ahead."""

    def __init__(self, env: Mapping[str, str] | None = None, builtin_years: range = BUILTIN_YEARS):
        super().__init__(env)
        self.builtin_years = builtin_years

    def load_year(self, actor: Actor, occurred_at: datetime | None, document: Mapping[str, Any]) -> Outcome:
        year = document.get("year")
        if isinstance(year, int) and self.exists(calendar_year_id(year)):
            calendar = self.load(OfficialCalendarYear, calendar_year_id(year))
            calendar.replace(actor=actor, occurred_at=occurred_at, document=document)
        else:
            calendar = OfficialCalendarYear.load(actor=actor, occurred_at=occurred_at, document=document)
        return self.record(calendar)

    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar with every official year loaded so far."""
        loaded = {}
        for year in range(self.builtin_years.stop, self.builtin_years.stop + YEARS_AHEAD):
            if self.exists(calendar_year_id(year)):
                loaded[year] = self.load(OfficialCalendarYear, calendar_year_id(year)).as_loaded_year()
        return WorkingDayCalendar(loaded, self.builtin_years)

    def settle_provisional_deadlines(self, occurred_at: datetime | None = None) -> list[Outcome]:
        """After a calendar is loaded: a new event for every running deadline it settles, on any record."""
        calendar = self.calendar()
        outcomes = []
        for created in WITH_DEADLINES:
            for aggregate_id in self.ids_of(created):
                record = self.load(Record, aggregate_id)
                if record.settle_deadlines(actor=SYSTEM, calendar=calendar, occurred_at=occurred_at):
                    outcomes.append(self.record(record))
        return outcomes


class DisclosureApplication(LedgerApplication):
    """Disclosure acts 公开行为 from draft to publication (D1–D9, D11)."""

    def __init__(self, env: Mapping[str, str] | None = None, calendar: Callable[[], WorkingDayCalendar] | None = None):
        super().__init__(env)
        self.calendar = calendar or WorkingDayCalendar

    def draft(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None,  # noqa: A002
              interprets: UUID | None = None, **kwargs: Any) -> Outcome:
        act_id = id or uuid4()
        if self.exists(act_id):
            raise AlreadyExists("公开行为", "disclosure act", act_id)
        policy = self.load(DisclosureAct, interprets) if interprets else None
        act = DisclosureAct.draft(id=act_id, actor=actor, occurred_at=occurred_at, interprets=policy, **kwargs)
        return self.record(act)

    def _change(self, act_id: UUID, change: Callable[[DisclosureAct], None]) -> Outcome:
        return self.change(DisclosureAct, act_id, change)

    def revise(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.revise(actor=actor, occurred_at=occurred_at, **kwargs))

    def sign_review(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.sign_review(actor=actor, occurred_at=occurred_at, **kwargs))

    def pre_review(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.pre_review(actor=actor, occurred_at=occurred_at, **kwargs))

    def sign_off(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, comment: str = "") -> Outcome:
        calendar = self.calendar()
        return self._change(
            act_id, lambda act: act.sign_off(actor=actor, occurred_at=occurred_at, calendar=calendar, comment=comment)
        )

    def publish(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        """An interpretation's publication also records, on its policy, that it is interpreted (D9)."""
        act = self.load(DisclosureAct, act_id)
        policy = self.load(DisclosureAct, act.interprets) if act.interprets else None
        act.publish(actor=actor, occurred_at=occurred_at, calendar=self.calendar(), policy=policy, **kwargs)
        return self.record(act, *([policy] if policy else []))

    def correct(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.correct(actor=actor, occurred_at=occurred_at, **kwargs))

    def withdraw(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.withdraw(actor=actor, occurred_at=occurred_at, **kwargs))

    def link_original(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.link_original(actor=actor, occurred_at=occurred_at, **kwargs))

    def recheck_withholding(self, act_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(act_id, lambda act: act.recheck_withholding(actor=actor, occurred_at=occurred_at, **kwargs))

    def acts(self) -> Iterator[DisclosureAct]:
        for aggregate_id in self.ids_of(DisclosureAct.Drafted):
            yield self.load(DisclosureAct, aggregate_id)


class ArchiveApplication(LedgerApplication):
    """The archive's records 档案: originals' metadata, fixity checks, legal holds (R1, R2, D8).

    An original gains an event at every fixity check, daily for decades: every 100th version is
    snapshotted, so that loading one stays as quick after years of checks as on its first day."""

    snapshotting_intervals = {ArchivedOriginal: 100}

    def check_new(self, archive_number: str, title: str, responsible_unit: str, retention: str) -> None:
        """Refuse what can be refused before the original's bytes are stored."""
        number = ArchivedOriginal.check_metadata(archive_number, title, responsible_unit, retention)
        if self.exists(original_id(str(number))):
            raise AlreadyExists("档号", "archive number", number)

    def archive(self, actor: Actor, occurred_at: datetime | None, hearing_id: UUID | None = None, **fields: Any) -> Outcome:
        """Record an original already stored; with a disclosure id, link it to that act (D8), with a
        hearing id, to that hearing as its clerk's record (H4); atomically."""
        original = ArchivedOriginal.archive(actor=actor, occurred_at=occurred_at, **fields)
        if self.exists(original.id):
            raise AlreadyExists("档号", "archive number", fields["archive_number"])
        records: list[Record] = [original]
        if fields.get("disclosure_id"):
            act = self.load(DisclosureAct, fields["disclosure_id"])
            act.link_original(actor=actor, occurred_at=occurred_at, sha256=original.sha256, storage_key=original.storage_key)
            records.append(act)
        if hearing_id:
            hearing = self.load(Hearing, hearing_id)
            hearing.archive_record(actor=actor, occurred_at=occurred_at, sha256=original.sha256, storage_key=original.storage_key)
            records.append(hearing)
        return self.record(*records)

    def original(self, archive_number: str) -> ArchivedOriginal:
        """One original by its 档号, found by the id the number derives."""
        number = str(ArchiveNumber.parse(archive_number))
        try:
            return self.load(ArchivedOriginal, original_id(number))
        except NotFound:
            raise NotFound(ArchivedOriginal.what_zh, "archived original", number) from None

    def originals(self) -> Iterator[ArchivedOriginal]:
        for aggregate_id in self.ids_of(ArchivedOriginal.Archived):
            yield self.load(ArchivedOriginal, aggregate_id)

    def storage_keys(self) -> set[str]:
        """Where every original is stored, from the events that archived them (a key never changes):
        what the store holds beyond these is untracked, told without loading any original's history."""
        return {archived.storage_key for archived in self.created_events(ArchivedOriginal.Archived)}

    def held_elsewhere(self, original: ArchivedOriginal) -> bool:
        """Whether another original stored as the same object version (the same bytes archived under
        another number) is under legal hold: the object must stay held while any of them is."""
        return any(
            self.load(ArchivedOriginal, archived.originator_id).legal_hold
            for archived in self.created_events(ArchivedOriginal.Archived)
            if (archived.storage_key, archived.version_id) == (original.storage_key, original.version_id)
            and archived.originator_id != original.id
        )

    def record_fixity(self, actor: Actor, checks: Sequence[FixityCheck]) -> None:
        """Several checks in one transaction: a verify of many small originals writes once a group,
        not once an original. Each check is still an event of its own original."""
        checked: dict[UUID, ArchivedOriginal] = {}
        for check in checks:
            original = checked.get(check.original_id) or self.load(ArchivedOriginal, check.original_id)
            original.record_fixity(actor=actor, outcome=check.outcome, sha256_found=check.sha256_found,
                                   sm3_found=check.sm3_found, detail=check.detail)
            checked[original.id] = original
        if checked:
            self.record(*checked.values())


class ComplaintsApplication(LedgerApplication):
    """Complaints 投诉 with sealed personal data (Q1–Q4)."""

    def __init__(self, env: Mapping[str, str] | None = None, keys: KeyStore | None = None):
        super().__init__(env)
        self.keys = keys

    def register(
        self, actor: Actor, occurred_at: datetime | None, *, complainant_name: str, complainant_contact: str,
        account: str, id: UUID | None = None, **fields: Any,  # noqa: A002
    ) -> Outcome:
        """A new data subject per complainant: their key seals name, contact and account."""
        require_complaints_office(actor)
        assert self.keys is not None, "a key store is wired in"
        complaint_id = id or uuid4()
        if self.exists(complaint_id):
            raise AlreadyExists("投诉", "complaint", complaint_id)
        key = self.keys.key_for(SubjectKind.COMPLAINANT.subject(complaint_id))
        complaint = Complaint.register(
            id=complaint_id, actor=actor, occurred_at=occurred_at,
            complainant_name=seal(key, "complainant_name", complainant_name),
            complainant_contact=seal(key, "complainant_contact", complainant_contact),
            account=seal(key, "account", account), **fields,
        )
        return self.record(complaint)

    def _change(self, complaint_id: UUID, change: Callable[[Complaint], None]) -> Outcome:
        return self.change(Complaint, complaint_id, change)

    def assign(self, complaint_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(complaint_id, lambda c: c.assign(actor=actor, occurred_at=occurred_at, **kwargs))

    def handle(self, complaint_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(complaint_id, lambda c: c.handle(actor=actor, occurred_at=occurred_at, **kwargs))

    def give_feedback(self, complaint_id: UUID, actor: Actor, occurred_at: datetime | None, feedback: str) -> Outcome:
        complaint = self.load(Complaint, complaint_id)
        require_complaints_office(actor)
        assert self.keys is not None
        key = self.keys.find(complaint.subject_id)
        if key is None:
            raise DomainError("SUBJECT_FORGOTTEN", "该投诉人的个人信息已删除，无法再向其反馈。",
                              "the complainant has been forgotten", "Q3")
        complaint.give_feedback(actor=actor, occurred_at=occurred_at, feedback=seal(key, "feedback", feedback))
        return self.record(complaint)

    def publish_feedback(self, complaint_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(complaint_id, lambda c: c.publish_feedback(actor=actor, occurred_at=occurred_at, **kwargs))

    def complaints(self) -> Iterator[Complaint]:
        for aggregate_id in self.ids_of(Complaint.Registered):
            yield self.load(Complaint, aggregate_id)


class PrivacyApplication(LedgerApplication):
    """Data subjects' personal data (Q3): where it is held, and its erasure 个人信息删除.

    The erasure is recorded before the key is forgotten: a crash between the two leaves a
    recorded erasure whose key still exists, and erasing again finishes it. The other order
    could lose the record of who erased the data, which nothing could bring back."""

    def __init__(self, env: Mapping[str, str] | None = None, keys: KeyStore | None = None):
        super().__init__(env)
        self.keys = keys

    def erase(self, actor: Actor, occurred_at: datetime | None, *, subject_id: str, basis: str, note: str = "") -> Outcome:
        assert self.keys is not None, "a key store is wired in"
        key = self.keys.find(subject_id)
        record_id = data_subject_id(subject_id)
        if self.exists(record_id):
            if key is None:
                raise DomainError("SUBJECT_ALREADY_ERASED", f"数据主体 {subject_id} 的个人信息已删除。",
                                  f"data subject {subject_id} is already erased", "Q3")
            require_complaints_office(actor)
            self.keys.forget(subject_id)
            return self._recorded(record_id)
        if key is None:
            raise DomainError("SUBJECT_UNKNOWN", f"没有数据主体 {subject_id} 的密钥。",
                              f"no key for data subject {subject_id}", "Q3")
        records = dict.fromkeys(place.record_id for subject, place in self._places() if subject == subject_id)
        outcome = self.record(DataSubject.erase(actor=actor, occurred_at=occurred_at, subject_id=subject_id,
                                                key_id=key.key_id, basis=basis, note=note, records=list(records)))
        self.keys.forget(subject_id)
        return outcome

    def _recorded(self, record_id: UUID) -> Outcome:
        (notification,) = (n for n in self.notifications(topics=[get_topic(DataSubject.Erased)]) if n.originator_id == record_id)
        return Outcome(record_id, notification.originator_version, notification.id)

    def erasures(self) -> Iterator[DataSubject.Erased]:
        return self.created_events(DataSubject.Erased)

    def _places(self) -> Iterator[tuple[str, PersonalDataPlace]]:
        """Each sealed value's subject and place, in log order, read from the events that carry sealed fields
        only: never stale, never plaintext."""
        carriers = {get_topic(event): fields for event, fields in personal_data_fields().items()}
        for notification in self.notifications(topics=sorted(carriers)):
            event = self.mapper.to_domain_event(notification)
            record_type = type(event).__qualname__.split(".")[0]
            for name in carriers[notification.topic]:
                for sealed in sealed_values(event, name):
                    yield sealed.subject_id, PersonalDataPlace(record_type, event.originator_id, name, event.recorded_at)

    def personal_data(self) -> list[PersonalDataHeld]:
        """The inventory 个人信息清单: every data subject, where their sealed data is, whether it is erased."""
        held: dict[str, PersonalDataHeld] = {}
        for subject_id, place in self._places():
            held.setdefault(subject_id, PersonalDataHeld(subject_id)).places.append(place)
        for erased in self.erasures():
            held.setdefault(erased.subject_id, PersonalDataHeld(erased.subject_id)).erased = erased
        assert self.keys is not None, "a key store is wired in"
        for subject in held.values():
            subject.readable = self.keys.find(subject.subject_id) is not None
        return list(held.values())  # in the order the subjects first gave data


class EmergenciesApplication(LedgerApplication):
    """Responses to major emergencies 舆情回应 (N2)."""

    def report(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        return self.create(Emergency, id, lambda new: Emergency.report(id=new, actor=actor, occurred_at=occurred_at, **fields))

    def release_information(self, emergency_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Emergency, emergency_id, lambda e: e.release_information(actor=actor, occurred_at=occurred_at, **kwargs))

    def hold_press_conference(self, emergency_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Emergency, emergency_id, lambda e: e.hold_press_conference(actor=actor, occurred_at=occurred_at, **kwargs))


class AnnouncementsApplication(LedgerApplication):
    """Announcements 政务事项告示 (N1)."""

    def __init__(self, env: Mapping[str, str] | None = None, calendar: Callable[[], WorkingDayCalendar] | None = None):
        super().__init__(env)
        self.calendar = calendar or WorkingDayCalendar

    def post(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        calendar = self.calendar()
        return self.create(Announcement, id, lambda new: Announcement.post(
            id=new, actor=actor, occurred_at=occurred_at, calendar=calendar, **fields))

    def update(self, announcement_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Announcement, announcement_id, lambda a: a.update(actor=actor, occurred_at=occurred_at, **kwargs))

    def take_down(self, announcement_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Announcement, announcement_id, lambda a: a.take_down(actor=actor, occurred_at=occurred_at, **kwargs))


class ParticipationApplication(LedgerApplication):
    """Public participation 公众参与: major-decision pre-disclosure (P1–P4), hearings (H1–H5),
    meetings with representatives (M1–M2) and open days (O1). Each member of the public
    named in them is a data subject of their own, sealed with their own key."""

    def __init__(self, env: Mapping[str, str] | None = None, keys: KeyStore | None = None,
                 calendar: Callable[[], WorkingDayCalendar] | None = None):
        super().__init__(env)
        self.keys = keys
        self.calendar = calendar or WorkingDayCalendar

    def _sealed(self, kind: SubjectKind, field: str, value: str) -> SealedValue:
        """A new data subject's value, under a key of its own."""
        assert self.keys is not None, "a key store is wired in"
        return seal(self.keys.key_for(kind.subject(uuid4())), field, value)

    def propose_decision(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        return self.create(MajorDecision, id, lambda new: MajorDecision.propose(id=new, actor=actor, occurred_at=occurred_at, **fields))

    def review_decision_secrecy(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(MajorDecision, decision_id, lambda d: d.review_secrecy(actor=actor, occurred_at=occurred_at, **kwargs))

    def discuss_decision(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(MajorDecision, decision_id, lambda d: d.discuss(actor=actor, occurred_at=occurred_at, **kwargs))

    def pre_disclose(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(MajorDecision, decision_id, lambda d: d.pre_disclose(actor=actor, occurred_at=occurred_at, **kwargs))

    def receive_comment(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, *, commenter: str, text: str,
                        **kwargs: Any) -> Outcome:
        assert self.keys is not None, "a key store is wired in"
        key = self.keys.key_for(SubjectKind.COMMENTER.subject(uuid4()))
        return self.change(MajorDecision, decision_id, lambda d: d.receive_comment(
            actor=actor, occurred_at=occurred_at, commenter=seal(key, "commenter", commenter), text=seal(key, "text", text),
            **kwargs))

    def absorb_comments(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self.change(MajorDecision, decision_id, lambda d: d.absorb_comments(
            actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def publish_adoption_report(self, decision_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(MajorDecision, decision_id, lambda d: d.publish_adoption_report(
            actor=actor, occurred_at=occurred_at, **kwargs))

    def notice_hearing(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None,  # noqa: A002
                       repeats: UUID | None = None, **fields: Any) -> Outcome:
        calendar = self.calendar()
        previous = self.load(Hearing, repeats) if repeats else None
        return self.create(Hearing, id, lambda new: Hearing.notice(
            id=new, actor=actor, occurred_at=occurred_at, calendar=calendar, repeats=previous, **fields))

    def assign_hearing_roles(self, hearing_id: UUID, actor: Actor, occurred_at: datetime | None, *, questioners: list[str],
                             representatives: list[str], **kwargs: Any) -> Outcome:
        participant = SubjectKind.HEARING_PARTICIPANT
        sealed_questioners = [self._sealed(participant, "questioner", name) for name in questioners]
        sealed_representatives = [self._sealed(participant, "representative", name) for name in representatives]
        return self.change(Hearing, hearing_id, lambda h: h.assign_roles(
            actor=actor, occurred_at=occurred_at, questioners=sealed_questioners, representatives=sealed_representatives,
            **kwargs))

    def hold_hearing(self, hearing_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Hearing, hearing_id, lambda h: h.hold(actor=actor, occurred_at=occurred_at, **kwargs))

    def archive_hearing_record(self, hearing_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Hearing, hearing_id, lambda h: h.archive_record(actor=actor, occurred_at=occurred_at, **kwargs))

    def issue_hearing_minutes(self, hearing_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Hearing, hearing_id, lambda h: h.issue_minutes(actor=actor, occurred_at=occurred_at, **kwargs))

    def publish_hearing_outcome(self, hearing_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(Hearing, hearing_id, lambda h: h.publish_outcome(actor=actor, occurred_at=occurred_at, **kwargs))

    def invite_representatives(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        return self.create(RepresentedMeeting, id, lambda new: RepresentedMeeting.invite(
            id=new, actor=actor, occurred_at=occurred_at, **fields))

    def hold_meeting(self, meeting_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self.change(RepresentedMeeting, meeting_id, lambda m: m.hold(
            actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def publish_meeting_feedback(self, meeting_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(RepresentedMeeting, meeting_id, lambda m: m.publish_feedback(
            actor=actor, occurred_at=occurred_at, **kwargs))

    def plan_open_day(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        calendar = self.calendar()
        return self.create(OpenDay, id, lambda new: OpenDay.plan(
            id=new, actor=actor, occurred_at=occurred_at, calendar=calendar, **fields))

    def admit_participant(self, open_day_id: UUID, actor: Actor, occurred_at: datetime | None, *, participant: str,
                          **kwargs: Any) -> Outcome:
        sealed = self._sealed(SubjectKind.OPEN_DAY_PARTICIPANT, "participant", participant)
        return self.change(OpenDay, open_day_id, lambda o: o.admit(
            actor=actor, occurred_at=occurred_at, participant=sealed, **kwargs))

    def announce_participants(self, open_day_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(OpenDay, open_day_id, lambda o: o.announce_participants(actor=actor, occurred_at=occurred_at, **kwargs))

    def hold_open_day(self, open_day_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self.change(OpenDay, open_day_id, lambda o: o.hold(actor=actor, occurred_at=occurred_at, **kwargs))


class RequestsApplication(LedgerApplication):
    """Applications for disclosure 依申请公开 (A1–A6), the applicant sealed (Q3)."""

    def __init__(self, env: Mapping[str, str] | None = None, keys: KeyStore | None = None,
                 calendar: Callable[[], WorkingDayCalendar] | None = None):
        super().__init__(env)
        self.keys = keys
        self.calendar = calendar or WorkingDayCalendar

    def receive(self, actor: Actor, occurred_at: datetime | None, *, applicant: str, request: str,
                id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        assert self.keys is not None, "a key store is wired in"
        request_id = id or uuid4()
        if self.exists(request_id):
            raise AlreadyExists("政府信息公开申请", "information request", request_id)
        key = self.keys.key_for(SubjectKind.APPLICANT.subject(request_id))
        received = InformationRequest.receive(
            id=request_id, actor=actor, occurred_at=occurred_at, applicant=seal(key, "applicant", applicant),
            request=seal(key, "request", request), calendar=self.calendar(), **fields,
        )
        return self.record(received)

    def _change(self, request_id: UUID, change: Callable[[InformationRequest], None]) -> Outcome:
        return self.change(InformationRequest, request_id, change)

    def request_completion(self, request_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self._change(request_id, lambda r: r.request_completion(actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def complete(self, request_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self._change(request_id, lambda r: r.complete(actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def abandon(self, request_id: UUID, actor: Actor, occurred_at: datetime | None) -> Outcome:
        return self._change(request_id, lambda r: r.abandon(actor=actor, occurred_at=occurred_at))

    def start_consultation(self, request_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self._change(request_id, lambda r: r.start_consultation(actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def end_consultation(self, request_id: UUID, actor: Actor, occurred_at: datetime | None) -> Outcome:
        calendar = self.calendar()
        return self._change(request_id, lambda r: r.end_consultation(actor=actor, occurred_at=occurred_at, calendar=calendar))

    def extend(self, request_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        calendar = self.calendar()
        return self._change(request_id, lambda r: r.extend(actor=actor, occurred_at=occurred_at, calendar=calendar, **kwargs))

    def answer(self, request_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(request_id, lambda r: r.answer(actor=actor, occurred_at=occurred_at, **kwargs))

    def publish_annual_report(self, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        report = AnnualReport.publish(actor=actor, occurred_at=occurred_at, **kwargs)
        if self.exists(report.id):
            raise AlreadyExists("年度报告", "annual report", f"{actor.unit} {kwargs.get('year')}")
        return self.record(report)


class AccountabilityApplication(LedgerApplication):
    """Accountability cases 责任追究 (K1–K4)."""

    def open_case(self, actor: Actor, occurred_at: datetime | None, id: UUID | None = None, **fields: Any) -> Outcome:  # noqa: A002
        return self.create(AccountabilityCase, id,
                           lambda new: AccountabilityCase.open(id=new, actor=actor, occurred_at=occurred_at, **fields))

    def _change(self, case_id: UUID, change: Callable[[AccountabilityCase], None]) -> Outcome:
        return self.change(AccountabilityCase, case_id, change)

    def investigate(self, case_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(case_id, lambda c: c.investigate(actor=actor, occurred_at=occurred_at, **kwargs))

    def give_opinion(self, case_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(case_id, lambda c: c.give_opinion(actor=actor, occurred_at=occurred_at, **kwargs))

    def decide(self, case_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(case_id, lambda c: c.decide(actor=actor, occurred_at=occurred_at, **kwargs))

    def file(self, case_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(case_id, lambda c: c.file(actor=actor, occurred_at=occurred_at, **kwargs))


class AssessmentApplication(LedgerApplication):
    """Assessments 考核 (E1–E4)."""

    def self_assess(self, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        assessment = Assessment.self_assess(actor=actor, occurred_at=occurred_at, **kwargs)
        if self.exists(assessment.id):
            raise AlreadyExists("考核", "assessment", f"{actor.unit} {kwargs.get('period')}")
        return self.record(assessment)

    def find(self, unit: str, period: str) -> Assessment | None:
        key = assessment_id(unit, period)
        return self.load(Assessment, key) if self.exists(key) else None

    def _change(self, assessment_id: UUID, change: Callable[[Assessment], None]) -> Outcome:
        return self.change(Assessment, assessment_id, change)

    def assess(self, assessment_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(assessment_id, lambda a: a.assess(actor=actor, occurred_at=occurred_at, **kwargs))

    def approve_grade(self, assessment_id: UUID, actor: Actor, occurred_at: datetime | None) -> Outcome:
        return self._change(assessment_id, lambda a: a.approve_grade(actor=actor, occurred_at=occurred_at))

    def publish(self, assessment_id: UUID, actor: Actor, occurred_at: datetime | None) -> Outcome:
        return self._change(assessment_id, lambda a: a.publish(actor=actor, occurred_at=occurred_at))

    def order_rectification(self, assessment_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(assessment_id, lambda a: a.order_rectification(actor=actor, occurred_at=occurred_at, **kwargs))

    def reassess(self, assessment_id: UUID, actor: Actor, occurred_at: datetime | None, **kwargs: Any) -> Outcome:
        return self._change(assessment_id, lambda a: a.reassess(actor=actor, occurred_at=occurred_at, **kwargs))


class AuditApplication(LedgerApplication):
    """Inspectors' checks over the whole ledger 纪检监察核验."""

    def stored_records(self, after: int = 0) -> Iterator[StoredRecord]:
        """Every event as stored after a log position, decoded but not upcast, in log order."""
        for n in self.notifications(after=after):
            try:
                state = n.state
                if self.mapper.cipher:
                    state = self.mapper.cipher.decrypt(state)
                if self.mapper.compressor:
                    state = self.mapper.compressor.decompress(state)
                decoded = self.mapper.transcoder.decode(state)
                if not isinstance(decoded, dict):
                    raise DomainError("STATE_NOT_OBJECT", "", "stored state is not an object")
            except Exception as error:  # noqa: BLE001 - any undecodable record is a finding
                yield StoredRecord(n.id, n.topic, n.originator_id, n.originator_version, None, str(error))
            else:
                yield StoredRecord(n.id, n.topic, n.originator_id, n.originator_version, decoded)

    def stored_record(self, position: int) -> StoredRecord | None:
        record = next(self.stored_records(after=position - 1), None)
        return record if record and record.position == position else None

    def verify(self) -> ChainReport:
        return verify_chains(self.stored_records())
