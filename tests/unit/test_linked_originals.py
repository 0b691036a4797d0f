"""D8 and H4: a disclosure act or a hearing links only an original the archive has recorded, named by its
archive number or its SHA-256; a link to anything else is refused and records nothing."""

import hashlib
from datetime import date, datetime

import pytest

from tests.keys import KeysInMemory
from zwgk.domain.actors import Actor
from zwgk.domain.calendar import CST
from zwgk.domain.disclosure import DisclosureAct, DraftDisclosure, LinkOriginal
from zwgk.domain.errors import DomainError
from zwgk.domain.hearings import ArchiveHearingRecord, AssignHearingRoles, Hearing, HoldHearing, NoticeHearing
from zwgk.domain.ledger import Ledger
from zwgk.domain.rules import Rule

UNIT = "资阳市雁江区人民政府办公室"
OFFICER = Actor("yj-officer", "officer", UNIT)
ARCHIVIST = Actor("yj-daj", "archivist", "雁江区档案馆")
NUMBER = "YJ01-WS·2025-D30-BGS-0001"
SHA256 = hashlib.sha256(b"the original").hexdigest()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CST)


def archived(ledger: Ledger) -> None:
    ledger.record_original(
        ARCHIVIST, at("2025-03-10"), archive_number=NUMBER, doc_number="", title="原件", responsible_unit=UNIT,
        doc_date=date(2025, 3, 4), doc_type="通知", retention="D30", retain_until=date(2056, 1, 1), classification="公开",
        pages=1, media_type="text/plain",
        size=12, sha256=SHA256, sm3="a" * 64, storage_key="originals/k1", version_id="v1",
    )


def refused(ledger: Ledger, command, rule: Rule, code: str = "ORIGINAL_NOT_ARCHIVED") -> None:
    before = ledger.recorder.max_notification_id()
    with pytest.raises(DomainError) as error:
        ledger.execute(command, ARCHIVIST, at("2025-03-11"))
    assert (error.value.code, error.value.rule) == (code, rule)
    assert ledger.recorder.max_notification_id() == before


def test_d8_a_link_to_an_original_the_archive_has_not_recorded_is_refused():
    ledger = Ledger()
    act = ledger.execute(DraftDisclosure(title="某通知", attribute="proactive"), OFFICER, at("2025-03-03"))[0].aggregate_id
    refused(ledger, LinkOriginal(act_id=act, sha256="0" * 64), Rule.D8)
    refused(ledger, LinkOriginal(act_id=act, archive_number=NUMBER), Rule.D8)
    refused(ledger, LinkOriginal(act_id=act), Rule.D8, "ORIGINAL_REQUIRED")
    archived(ledger)
    refused(ledger, LinkOriginal(act_id=act, archive_number=NUMBER, sha256="0" * 64), Rule.D8, "ORIGINAL_DIGEST_MISMATCH")
    ledger.execute(LinkOriginal(act_id=act, sha256=SHA256.upper()), ARCHIVIST, at("2025-03-11"))
    assert ledger.load(DisclosureAct, act).original == SHA256


def test_h4_a_clerk_s_record_the_archive_has_not_recorded_is_refused():
    ledger = Ledger(keys=KeysInMemory())
    hearing = ledger.execute(NoticeHearing(matter="停车收费", scheduled_at=at("2025-03-17"), place="会议室", requirements="凭证入场"),
                             OFFICER, at("2025-03-03"))[0].aggregate_id
    ledger.execute(AssignHearingRoles(hearing_id=hearing, chair="甲", clerk="乙", answerers=["丙"], questioners=["丁"],
                                      representatives=["丁"]), OFFICER, at("2025-03-05"))
    ledger.execute(HoldHearing(hearing_id=hearing, attended=3), OFFICER, at("2025-03-17"))
    refused(ledger, ArchiveHearingRecord(hearing_id=hearing, sha256="ab" * 32), Rule.H4)
    archived(ledger)
    ledger.execute(ArchiveHearingRecord(hearing_id=hearing, archive_number=NUMBER), ARCHIVIST, at("2025-03-18"))
    assert ledger.load(Hearing, hearing).record_archived
