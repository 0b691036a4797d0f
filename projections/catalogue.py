"""The current catalogue 公开事项清单, and as it stood at any past instant (C1–C4)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from zwgk.domain.calendar import cst_date
from zwgk.domain.catalogue import CatalogueItem
from zwgk.domain.chain import utc_text
from zwgk.projections.events import ProjectedEvent, by_type, event_type, events_of
from zwgk.projections.projection import Projection, to_json
from zwgk.projections.store import Transaction

ITEM_COLUMNS = ("item_id", "unit", "matter", "elements", "withdrawn", "listed_at", "updated_at", "unfiled", "version")
ADJUSTMENTS = by_type({CatalogueItem.Listed: "listed", CatalogueItem.Amended: "amended", CatalogueItem.Withdrawn: "withdrawn"})
ITEM_EVENTS = events_of(CatalogueItem)
LISTED, FILED = event_type(CatalogueItem.Listed), event_type(CatalogueItem.AdjustmentFiled)


ts = utc_text  # instants in the views as the chain encodes them: fixed-width UTC text, sorting as text


def from_ts(stored: str) -> datetime:
    """The instant `ts` stored."""
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def cst_day(stored: str) -> str:
    """The day (YYYY-MM-DD, China Standard Time) of an instant stored by `ts`; a stored day is its own day.
    Years, quarters and report dates are counted in China's days, not in UTC's."""
    if len(stored) == len("YYYY-MM-DD"):
        return stored
    return cst_date(from_ts(stored)).isoformat()


class CatalogueView(Projection):
    name = "catalogue"
    tables = {
        "catalogue_items": """CREATE TABLE IF NOT EXISTS catalogue_items (
            item_id TEXT PRIMARY KEY, unit TEXT NOT NULL, matter TEXT NOT NULL, elements TEXT NOT NULL,
            withdrawn INTEGER NOT NULL, listed_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            unfiled TEXT NOT NULL, version INTEGER NOT NULL)""",
        "catalogue_history": """CREATE TABLE IF NOT EXISTS catalogue_history (
            item_id TEXT NOT NULL, version INTEGER NOT NULL, adjustment TEXT NOT NULL, occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL, actor_unit TEXT NOT NULL, reason TEXT NOT NULL, reason_text TEXT NOT NULL,
            changes TEXT NOT NULL, elements_after TEXT NOT NULL, filed_at TEXT, PRIMARY KEY (item_id, version))""",
    }
    export_order = {"catalogue_items": "item_id", "catalogue_history": "item_id, version"}

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        """Items a batch touches are read once and written once; history rows are written together."""
        items: dict[str, dict[str, Any]] = {}
        history: list[tuple[Any, ...]] = []
        listed = {e.aggregate_id for e in events if e.type == LISTED}
        stored = tx.by_key("catalogue_items", "item_id", ITEM_COLUMNS[1:],
                           {e.aggregate_id for e in events if e.type in ITEM_EVENTS} - listed)
        for event in events:
            r, item_id = event.record, event.aggregate_id
            if event.type == FILED:
                self._write_history(tx, history)
                tx.executemany("UPDATE catalogue_history SET filed_at = ? WHERE item_id = ? AND version = ?",
                               [(ts(event.occurred_at), item_id, version) for version in r["adjustments"]])
                filed = items.get(item_id) or self._item(stored, item_id)
                if filed is None:
                    raise LookupError(f"catalogue item {item_id} filed but not in the view")
                items[item_id] = filed
                filed.update(unfiled=[], version=event.version)
                continue
            adjustment = ADJUSTMENTS.get(event.type)
            if adjustment is None:
                continue
            item = (items.get(item_id) or (None if adjustment == "listed" else self._item(stored, item_id))
                    or {"item_id": item_id, "elements": {}, "unfiled": [], "listed_at": ts(event.occurred_at)})
            changes: dict[str, Any] = {}
            if adjustment == "listed":
                item["elements"] = dict(r["elements"])
            elif adjustment == "amended":
                changes = {k: v for k, v in r["changes"].items() if v is not None}
                item["elements"] = {**item["elements"], **changes}
            elements = item["elements"]
            history.append((item_id, event.version, adjustment, ts(event.occurred_at), ts(r["recorded_at"]),
                            event.actor.get("unit", ""), r["reason"], r["reason_text"], to_json(changes), to_json(elements)))
            item.update(unit=elements["responsible_unit"], matter=elements["matter"], withdrawn=int(adjustment == "withdrawn"),
                        updated_at=ts(event.occurred_at), unfiled=[*item["unfiled"], event.version], version=event.version)
            items[item_id] = item
        self._write_history(tx, history)
        tx.executemany(
            f"INSERT INTO catalogue_items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))}) "
            f"ON CONFLICT (item_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in ITEM_COLUMNS[1:])}",
            [(i["item_id"], i["unit"], i["matter"], to_json(i["elements"]), i["withdrawn"], i["listed_at"], i["updated_at"],
              to_json(i["unfiled"]), i["version"]) for i in items.values()],
        )

    @staticmethod
    def _item(stored: dict[str, tuple[Any, ...]], item_id: str) -> dict[str, Any] | None:
        if item_id not in stored:
            return None
        item = dict(zip(ITEM_COLUMNS, (item_id, *stored[item_id]), strict=True))
        return {**item, "elements": json.loads(item["elements"]), "unfiled": json.loads(item["unfiled"])}

    @staticmethod
    def _write_history(tx: Transaction, history: list[tuple[Any, ...]]) -> None:
        tx.executemany(
            "INSERT INTO catalogue_history (item_id, version, adjustment, occurred_at, recorded_at, actor_unit, reason, "
            "reason_text, changes, elements_after, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", history)
        history.clear()


def catalogue_as_of(tx: Transaction, as_of: datetime | None = None, unit: str = "") -> list[dict[str, Any]]:
    """Items in force at an instant (business time), with the elements they had then."""
    if as_of is None:
        rows = tx.all("SELECT item_id, elements, unfiled, updated_at FROM catalogue_items WHERE withdrawn = 0")
        items = [{"item_id": i, "elements": json.loads(e), "unfiled_adjustments": json.loads(u), "as_of": t} for i, e, u, t in rows]
    else:
        rows = tx.all(
            "SELECT h.item_id, h.elements_after, h.adjustment, h.occurred_at FROM catalogue_history h JOIN "
            "(SELECT item_id, MAX(version) AS version FROM catalogue_history WHERE occurred_at <= ? GROUP BY item_id) latest "
            "ON h.item_id = latest.item_id AND h.version = latest.version",
            (ts(as_of),),
        )
        items = [{"item_id": i, "elements": json.loads(e), "as_of": t} for i, e, a, t in rows if a != "withdrawn"]
    if unit:
        items = [i for i in items if i["elements"]["responsible_unit"] == unit]
    history: dict[str, list[dict[str, Any]]] = {item["item_id"]: [] for item in items}
    for i, v, a, o, r, rt, f in tx.all(  # one read for all items: a query per item costs a round trip each
            "SELECT item_id, version, adjustment, occurred_at, reason, reason_text, filed_at FROM catalogue_history "
            "ORDER BY item_id, version"):
        if i in history:
            history[i].append({"version": v, "adjustment": a, "occurred_at": o, "reason": r, "reason_text": rt, "filed_at": f})
    for item in items:
        item["history"] = history[item["item_id"]]
    return sorted(items, key=lambda i: (i["elements"]["responsible_unit"], i["elements"]["matter"]))
