"""The archive's commands: they move originals' bytes as well as record them, so they run with the
archive's store beside the ledger (`ArchiveContext`), which every entrypoint's execute provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO
from uuid import UUID, uuid4

from zwgk.archive.imports import ImportDirectory
from zwgk.archive.service import Archivist
from zwgk.domain.archival import AppraisalDecision, Classification, DestructionList, RetentionClass
from zwgk.domain.commands import Command, Context, Outcome
from zwgk.domain.errors import DomainError
from zwgk.domain.rules import Rule


@dataclass(frozen=True)
class ArchiveContext(Context):
    """A command's context with the archive's store, opened only when a command moves originals, and
    the original's bytes when they arrive as a stream (an upload to the service) instead of a file, or
    else the directory its file may be read from (none: no file is read)."""

    archivist: Callable[[], Archivist]
    upload: IO[bytes] | None = field(default=None, kw_only=True)
    files: ImportDirectory | None = field(default=None, kw_only=True)


def archivist_of(ctx: Context) -> Archivist:
    if not isinstance(ctx, ArchiveContext):
        raise TypeError("an archive command runs with the archive's store (ArchiveContext)")
    return ctx.archivist()


@dataclass(frozen=True, kw_only=True)
class ArchiveOriginal(Command, name="archive_original", summary_zh="存档原件（按保管期限锁定）"):
    """An original 原件 to archive from a file, with its DA/T 46 core metadata (R1)."""

    file: str
    """the original's file, in the import directory (`zwgk apply --files-from`, by default the command file's), a relative
    path from there (for an upload: the name it was sent under)"""
    archive_number: str
    """档号 in the DA/T 22 structure, e.g. Z001-WS·2022-D30-BGS-0006"""
    title: str
    responsible_unit: str
    """责任者"""
    retention: RetentionClass
    """R2"""
    doc_number: str = ""
    doc_date: date | None = None
    """the day the document was formed, in the archive number's year (R3); required unless the disclosure act gives it"""
    doc_type: str = ""
    """文种, e.g. 通知"""
    classification: Classification = Classification.PUBLIC
    """密级 (DA/T 46)"""
    pages: int | None = None
    """页数; read from the file where its format counts pages, and refused if it says otherwise"""
    media_type: str = ""
    """by default the format the content is, or else from the file's name"""
    disclosure_id: UUID | None = None
    """the disclosure act it is the original of (D8)"""
    hearing_id: UUID | None = None
    """the hearing whose clerk's record it is (H4)"""

    def handle(self, ctx: Context) -> Outcome:
        name = Path(self.file).name
        if isinstance(ctx, ArchiveContext) and ctx.upload is not None:
            return self._store(ctx.upload, name, ctx)  # the upload's bytes; no file is opened
        if not isinstance(ctx, ArchiveContext) or ctx.files is None:
            raise DomainError("NO_IMPORT_DIRECTORY", "此处没有导入目录，不能按路径读取原件；请以上传方式存档。",
                              "no import directory: an original's file cannot be read here", Rule.R1)
        with ctx.files.open(self.file) as source:
            return self._store(source, name, ctx)

    def _store(self, source: IO[bytes], filename: str, ctx: Context) -> Outcome:
        fields = {k: v for k, v in self.args().items() if k != "file"}
        outcome, _ = archivist_of(ctx).put(source, **ctx.at(), filename=filename, **fields)
        return outcome


@dataclass(frozen=True, kw_only=True)
class PlaceLegalHold(Command, name="place_legal_hold", summary_zh="对原件实施法律保全"):
    archive_number: str
    reason: str
    """e.g. 行政复议, 行政诉讼"""

    def handle(self, ctx: Context) -> Outcome:
        return archivist_of(ctx).hold(ctx.ledger.original(self.archive_number), ctx.actor, self.reason, True,
                                      occurred_at=ctx.occurred_at)


@dataclass(frozen=True, kw_only=True)
class ReleaseLegalHold(PlaceLegalHold, name="release_legal_hold", summary_zh="解除原件法律保全"):
    def handle(self, ctx: Context) -> Outcome:
        return archivist_of(ctx).hold(ctx.ledger.original(self.archive_number), ctx.actor, self.reason, False,
                                      occurred_at=ctx.occurred_at)


@dataclass(frozen=True, kw_only=True)
class AppraiseOriginal(Command, name="appraise_original", summary_zh="到期鉴定原件（继续保存或拟销毁）"):
    """到期鉴定 (R4) of an original whose period has ended."""

    archive_number: str
    decision: AppraisalDecision
    """keep: kept with a new period and lock; destroy: proposed for the destruction list"""
    reasons: str
    appraisers: list[str]
    """the appraisers 鉴定人, by name or account id"""
    retention: str = ""
    """for keep: the new period, Y, D30 or D10, counted from 1 January after the appraisal's year"""

    def handle(self, ctx: Context) -> Outcome:
        return archivist_of(ctx).appraise(ctx.ledger.original(self.archive_number), ctx.actor, decision=self.decision,
                                          reasons=self.reasons, appraisers=self.appraisers, retention=self.retention,
                                          occurred_at=ctx.occurred_at)


@dataclass(frozen=True, kw_only=True)
class DraftDestructionList(Command, name="draft_destruction_list", summary_zh="编制销毁清册"):
    """销毁清册 (R5) of originals appraised for destruction; none on legal hold."""

    title: str
    archive_numbers: list[str]

    def handle(self, ctx: Context) -> Outcome:
        originals = [ctx.ledger.original(number) for number in self.archive_numbers]
        drafted = DestructionList.draft(id=uuid4(), actor=ctx.actor, occurred_at=ctx.occurred_at, title=self.title,
                                        originals=originals, listed_elsewhere=ctx.ledger.listed_for_destruction())
        return ctx.ledger.record(drafted)


@dataclass(frozen=True, kw_only=True)
class ApproveDestructionList(Command, name="approve_destruction_list", summary_zh="批准销毁清册（机关负责人）"):
    list_id: UUID
    comment: str = ""

    def handle(self, ctx: Context) -> Outcome:
        listed = ctx.ledger.load(DestructionList, self.list_id)
        listed.approve(actor=ctx.actor, occurred_at=ctx.occurred_at, comment=self.comment)
        return ctx.ledger.record(listed)


@dataclass(frozen=True, kw_only=True)
class DestroyOriginals(Command, name="destroy_originals", summary_zh="按批准的销毁清册监销原件"):
    """Destroy what an approved list names, under at least two supervisors who appraised none of it (R5)."""

    list_id: UUID
    supervisors: list[str]
    """监销人, at least two, none of them an appraiser"""

    def handle(self, ctx: Context) -> Outcome:
        return archivist_of(ctx).destroy(ctx.ledger.load(DestructionList, self.list_id), ctx.actor, self.supervisors,
                                         occurred_at=ctx.occurred_at)
