"""The four-property check 四性检测 of DA/T 70-2018 over the archived originals:
真实性 authenticity, 完整性 integrity, 可用性 usability, 安全性 safety.

Each original is read once: its digests come from the pass that copies it for the format library,
which parses it whole (archive/formats.py). Findings are written for archivists, in Chinese.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zwgk.archive import formats
from zwgk.archive.service import GONE, METADATA_ZH, Archivist, metadata_of
from zwgk.archive.store import Digests, OriginalMissing, StorageUnavailable
from zwgk.domain.archival import ArchivedOriginal, ArchiveNumber, RetentionClass

PROPERTIES = {
    "authenticity": "真实性",
    "integrity": "完整性",
    "usability": "可用性",
    "safety": "安全性",
}
SIDECAR_V1 = "zwgk-archive-metadata/1"
ADDED_IN_V2 = frozenset({"retention_ends", "classification", "pages"})
REQUIRED = ("archive_number", "title", "responsible_unit", "doc_date", "retention", "media_type", "sha256", "sm3")


@dataclass
class OriginalFindings:
    archive_number: str
    title: str
    findings: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PROPERTIES})

    def passed(self, prop: str) -> bool:
        return not self.findings[prop]

    @property
    def ok(self) -> bool:
        return all(self.passed(p) for p in PROPERTIES)

    def as_dict(self) -> dict[str, Any]:
        return {"archive_number": self.archive_number, "title": self.title, "ok": self.ok,
                **{p: {"ok": self.passed(p), "findings": f} for p, f in self.findings.items()}}


@dataclass
class FourPropertyReport:
    originals: list[OriginalFindings]
    series_gaps: list[str]
    untracked: list[str]
    destroyed: list[str] = field(default_factory=list)  # destroyed under an approved list (R5): no gap, nothing to check
    leftovers: list[str] = field(default_factory=list)  # spools of interrupted puts, removed: told, not a failure

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.originals) and not self.series_gaps and not self.untracked

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "originals": [o.as_dict() for o in self.originals],
                "series_gaps": self.series_gaps, "untracked": self.untracked, "destroyed": self.destroyed,
                "leftovers": self.leftovers}


def _read(archivist: Archivist, original: ArchivedOriginal) -> tuple[Digests | None, formats.Reading | None, str]:
    """Digests and what the format library reads in the original, from one pass over it; or why it
    cannot be read."""
    digests = Digests()
    with tempfile.TemporaryFile(prefix="zwgk-check-") as copy:
        try:
            for chunk in archivist.chunks(original):
                digests.update(chunk)
                copy.write(chunk)
        except OriginalMissing:
            return None, None, f"无法读取：{GONE.zh}"
        except (StorageUnavailable, OSError) as error:
            return None, None, f"无法读取（{error}）"
        copy.flush()
        return digests, formats.read(copy, original.media_type), ""


def _usability(original: ArchivedOriginal, reading: formats.Reading) -> tuple[list[str], list[str]]:
    """Findings of usability, and of authenticity, from what the format library read."""
    usability, authenticity = [], []
    if reading.problem:
        usability.append(reading.problem.zh)
    if not formats.agree(original.media_type, reading.media_type):
        mismatch = f"内容为 {reading.media_type}，声明为 {original.media_type}"
        usability.append(mismatch)
        authenticity.append(mismatch)
    if original.pages is not None and reading.pages is not None and original.pages != reading.pages:
        usability.append(f"页数 {reading.pages}，存档时记录 {original.pages}")
    return usability, authenticity


def _sidecar_problem(archivist: Archivist, original: ArchivedOriginal) -> str:
    """'' when the metadata sidecar beside the original says what the ledger recorded."""
    stored = archivist.stored_sidecar(original)
    if stored is None:
        return "元数据副本缺失（archive verify 会按台账重写）"
    try:
        kept = json.loads(stored)
    except ValueError:
        return "元数据副本不是有效的 JSON"
    first_format = kept.get("format") == SIDECAR_V1  # written before 保管期满, 密级 and 页数 were recorded
    differing = [METADATA_ZH[name] for name, value in metadata_of(original).items()
                 if not (first_format and name in ADDED_IN_V2) and kept.get(name) != value]
    return "元数据副本与台账不符：" + "、".join(differing) if differing else ""


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def check(archivist: Archivist, unit: str = "") -> FourPropertyReport:
    """Every original's four properties; with a unit, that unit's originals only (objects in the store
    that no original is recorded as are then not listed: they belong to no unit)."""
    everything = archivist.originals()
    held = {(o.storage_key, o.version_id) for o in everything if o.legal_hold}  # shared bytes: held while any original is
    originals = [o for o in everything if not unit or o.responsible_unit == unit]
    report = []
    series: dict[tuple[str, str, int, RetentionClass, str], list[int]] = defaultdict(list)
    destroyed = [o.archive_number for o in archivist.destroyed() if not unit or o.responsible_unit == unit]
    for number in map(ArchiveNumber.parse, destroyed):
        series[number.series].append(number.item)
    for original in originals:
        found = OriginalFindings(original.archive_number, original.title)
        missing = [name for name in REQUIRED if not getattr(original, name)]
        if missing:
            found.findings["integrity"].append("缺少元数据：" + "、".join(METADATA_ZH[name] for name in missing))
        if sidecar := _sidecar_problem(archivist, original):
            found.findings["integrity"].append(sidecar)
        number = ArchiveNumber.parse(original.archive_number)
        series[number.series].append(number.item)
        state = archivist.state(original)
        if not state.exists:
            for prop in ("authenticity", "integrity", "usability"):
                found.findings[prop].append("原件缺失")
        else:
            digests, reading, unreadable = _read(archivist, original)
            if unreadable:
                found.findings["usability"].append(unreadable)
            if digests is not None and reading is not None:
                if digests.sha256 != original.sha256 or digests.sm3 != original.sm3:
                    found.findings["authenticity"].append("摘要与存档时记录的不符")
                if digests.size != original.size:
                    found.findings["integrity"].append(f"大小 {digests.size} 字节，存档时记录 {original.size} 字节")
                usability, authenticity = _usability(original, reading)
                found.findings["usability"] += usability
                found.findings["authenticity"] += authenticity
            locked = original.retain_until
            if locked is not None and (not state.compliance or state.retain_until is None or state.retain_until < locked):
                found.findings["safety"].append(
                    f"保留锁未生效（存储中保留至：{state.retain_until or '无'}，台账记录保留至：{locked}）"
                )
            expected = (original.storage_key, original.version_id) in held
            if state.legal_hold != expected:
                found.findings["safety"].append(f"法律保全状态不一致（存储中：{_yes_no(state.legal_hold)}，按台账应为：{_yes_no(expected)}）")
        report.append(found)
    gaps = []
    for key, items in sorted(series.items(), key=lambda kv: str(kv[0])):
        numbered = set(range(1, max(items) + 1))
        absent = sorted(numbered - set(items))
        if absent:
            fonds, category, year, retention, organisation = key
            prefix = f"{fonds}-{category}·{year}-{retention.value}-{organisation}"
            gaps.append(f"{prefix}：件号 {'、'.join(f'{i:04d}' for i in absent)} 缺失")
    return FourPropertyReport(report, gaps, [] if unit else archivist.untracked(), destroyed,
                              [] if unit else archivist.store.leftovers())
