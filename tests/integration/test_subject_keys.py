"""Q3: a data subject's key exists only for personal data that was recorded. A command refused after it
sealed a value (a participant under 18, O1) leaves no key behind; an accepted one keeps its key."""

from __future__ import annotations

from pathlib import Path

from zwgk.connectors.commands import execute
from zwgk.connectors.config import Settings
from zwgk.connectors.wiring import services
from zwgk.domain.errors import DomainError
from zwgk.projections.store import ViewStore

OFFICE = {"id": "keys-officer", "role": "officer", "unit": "资阳市雁江区人民政府办公室"}
OPEN_DAY = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def key_count(url: str) -> int:
    store = ViewStore(url)
    try:
        with store.transaction() as tx:
            return int(tx.single("SELECT COUNT(*) FROM subject_keys", ())[0])
    finally:
        store.close()


def admit(s, born: str) -> None:
    execute(s, {"command": "admit_open_day_participant", "actor": OFFICE, "occurred_at": "2022-09-30T09:00:00+08:00",
                "args": {"open_day_id": OPEN_DAY, "participant": "示例报名人 示例联系方式", "birth_date": born, "sector": "居民"}})


def test_q3_a_refused_command_leaves_no_key_and_an_accepted_one_keeps_its_key(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/zwgk.sqlite3", keystore_url=f"sqlite:///{tmp_path}/keys.sqlite3")
    with services(settings) as s:
        execute(s, {"command": "plan_open_day", "actor": OFFICE, "occurred_at": "2022-09-20T09:00:00+08:00",
                    "args": {"id": OPEN_DAY, "theme": "走进政务服务中心", "held_on": "2022-10-14", "places": 3}})
        try:
            admit(s, "2005-10-15")
        except DomainError as refusal:
            assert refusal.code == "PARTICIPANT_UNDER_18"
        else:
            raise AssertionError("a 17-year-old was admitted")
        assert key_count(settings.keystore_url) == 0
        admit(s, "1975-03-02")
        assert key_count(settings.keystore_url) == 1
