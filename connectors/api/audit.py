"""Audit over HTTP 审计核验: the ledger verified, the audit log's latest signed checkpoint and the key it
verifies with, inclusion and consistency proofs, and the canonical bytes of any event — what an
inspector or an integrator needs to check the ledger offline (docs/audit.md). Each answer comes after
the audit log has taken in every event recorded so far (one request at a time in a process folds it)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from zwgk.connectors import operations, queries, tlog
from zwgk.connectors.accounts import Unauthenticated
from zwgk.connectors.api.content import etag, repr_digest
from zwgk.connectors.api.identity import Anyone, RuntimeDep, SignedIn
from zwgk.connectors.api.problems import PROBLEM_RESPONSES
from zwgk.connectors.api.scope import permitted
from zwgk.domain.checkpoint import read_unverified
from zwgk.domain.errors import NotFound
from zwgk.domain.tiles import ENTRIES, WIDTH, TileError, parse_path

router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计核验"], responses=PROBLEM_RESPONSES)
TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}


@router.get("/verify", summary="核验每条记录的哈希链、审计日志（Merkle 树）与签名检查点的历史（及外部保存的副本）",
            description="`ok` false names the first break (`broken_records`: how many records), with `all_breaks` every "
                        "broken record (`breaks`, as `zwgk audit verify --all-breaks`); the answer is 200 either way, the "
                        "check itself having been done.")
def verify(actor: SignedIn, rt: RuntimeDep, request: Request,
           all_breaks: Annotated[bool, Query(description="list every broken record, not only the first")] = False,
           views: Annotated[bool, Query(description="compare every view with the log folded afresh too (`views` in the answer)")] = False,
           ) -> dict[str, Any]:
    permitted(rt, request, actor, "audit_verify")
    with rt.audit_lock:
        report = operations.verify_ledger(rt.services, rt.merkle, rt.settings, with_views=views, bring_up_to_date=True)
    return report.as_dict(all_breaks)


@router.get("/checkpoint", summary="最新的签名检查点（signed note 文本；日志有新事件时先签发新的）",
            response_class=PlainTextResponse, responses={200: {**TEXT, "description": "the signed note, byte for byte"}})
def checkpoint(actor: SignedIn, rt: RuntimeDep, request: Request) -> PlainTextResponse:
    permitted(rt, request, actor, "audit_checkpoint")
    with rt.audit_lock:
        note = queries.latest_checkpoint(rt.services, rt.merkle, rt.settings)
    if note is None:
        raise NotFound("检查点（台账中还没有事件）", "checkpoint (the ledger has no event yet)", rt.settings.log_origin)
    return PlainTextResponse(note, headers={"Zwgk-Tree-Size": str(read_unverified(note).size)})


@router.get("/public-key", summary="检查点签名公钥（verifier key），供离线核验", response_class=PlainTextResponse,
            description="With `key_id` (the 8 hex digits a checkpoint's signature line names), the key only if it is that one.",
            responses={200: {**TEXT, "description": "name+key id+base64 key (docs/audit.md §3)"}})
def public_key(actor: SignedIn, rt: RuntimeDep, request: Request,
               key_id: Annotated[str | None, Query(pattern="^[0-9a-f]{8}$", description="the checkpoint's key id")] = None,
               ) -> PlainTextResponse:
    permitted(rt, request, actor, "audit_checkpoint")
    key = queries.verifier_key(rt.settings)
    if key_id is not None and key.split("+")[1] != key_id:
        raise NotFound("检查点签名公钥", "checkpoint key", key_id)
    return PlainTextResponse(key + "\n")


@router.get("/proofs/inclusion/{event_id}", summary="某事件在审计日志中的包含证明（zwgk-inclusion-proof/1）",
            description="Against the latest checkpoint, or the one of `tree_size`; verify it with the event's bytes "
                        "(`/audit/events/{event_id}`), the checkpoint and the public key, as `zwgk audit verify-proof` does.")
def inclusion(event_id: str, actor: SignedIn, rt: RuntimeDep, request: Request,
              tree_size: Annotated[int | None, Query(ge=1, description="the size a checkpoint signed")] = None) -> dict[str, Any]:
    permitted(rt, request, actor, "audit_proofs")
    with rt.audit_lock:
        return queries.inclusion(rt.services, rt.merkle, rt.settings, event_id, tree_size=tree_size).proof


@router.get("/proofs/consistency", summary="一致性证明：较新的检查点只是在较早的基础上追加（zwgk-consistency-proof/1）")
def consistency(actor: SignedIn, rt: RuntimeDep, request: Request,
                old_size: Annotated[int, Query(ge=1, description="the tree size of the checkpoint held from before")],
                new_size: Annotated[int | None, Query(ge=1, description="by default the latest checkpoint's")] = None) -> dict[str, Any]:
    permitted(rt, request, actor, "audit_proofs")
    with rt.audit_lock:
        return queries.consistency_to(rt.services, rt.merkle, rt.settings, old_size, new_size)


@router.get("/events/{event_id}", summary="某事件的规范字节（审计日志的叶子；其 SHA-256 即事件的 hash）",
            response_class=Response, responses={200: {"content": {"application/json": {}}, "description": "the canonical bytes"}})
def event(event_id: str, actor: SignedIn, rt: RuntimeDep, request: Request) -> Response:
    permitted(rt, request, actor, "audit_event")
    with rt.audit_lock:
        logged = queries.logged_event(rt.services, rt.merkle, rt.settings, event_id)
    digest = hashlib.sha256(logged.entry).hexdigest()
    return Response(logged.entry, media_type="application/json", headers={
        "ETag": etag(digest), "Repr-Digest": repr_digest(digest), "Zwgk-Leaf-Index": str(logged.leaf_index),
        "Zwgk-Notification-Id": str(logged.notification_id)})



TLOG = "/tlog"
IMMUTABLE = "public, max-age=31536000, immutable"


@router.get(f"{TLOG}/checkpoint", summary="C2SP tlog-tiles：最新检查点，含见证人联署", response_class=PlainTextResponse,
            responses={200: {**TEXT, "description": "the signed note with its cosignature lines"}})
def tlog_checkpoint(actor: Anyone, rt: RuntimeDep) -> PlainTextResponse:
    """Public, as the public page's checkpoint: a witness or any tlog client fetches it without an account."""
    with rt.audit_lock:
        note = tlog.latest_cosigned(rt.services, rt.merkle, rt.settings)
    if note is None:
        raise NotFound("检查点（台账中还没有事件）", "checkpoint (the ledger has no event yet)", rt.settings.log_origin)
    return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})


@router.get(TLOG + "/tile/{path:path}", summary="C2SP tlog-tiles：哈希瓦片与条目包（只读）", response_class=Response,
            description="`tile/<L>/<N>[.p/<W>]` hashes, `tile/entries/<N>[.p/<W>]` entry bundles; full tiles never change.",
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the tile's bytes"}})
def tlog_tile(path: str, actor: Anyone, rt: RuntimeDep, request: Request) -> Response:
    """Hash tiles are public (hashes tell nothing of the records); entry bundles are the events' own bytes, a
    withheld document's title among them, and need an inspector's sign-in."""
    try:
        tile = parse_path(f"tile/{path}")
    except TileError:
        raise NotFound("瓦片", "tile", f"tile/{path}") from None
    if tile.level == ENTRIES:
        if actor is None:
            raise Unauthenticated("条目包即事件原文，须登录后读取。", "entry bundles need sign-in")
        permitted(rt, request, actor, "audit_event")
    with rt.audit_lock:
        try:
            content = tlog.tile_content(rt.services, rt.merkle, tile)
        except TileError:
            raise NotFound("瓦片", "tile", tile.path) from None
    return Response(content, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE if tile.width == WIDTH else "no-cache"})
