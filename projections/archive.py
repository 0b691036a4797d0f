"""The archive catalogue 档案目录: every original by its archive number, document number and digest,
with its retention, 密级, legal hold and last fixity check, so that archivists search and retrieve without
reading every record's history (R1, R2, R3, D8); and the words of the originals' text, searched as
Chinese substrings without a word segmenter (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zwgk.domain.archival import AppraisalDecision, ArchivedOriginal, RetentionClass, retention_ends
from zwgk.projections.catalogue import ts
from zwgk.projections.events import ProjectedEvent, by_type, event_type, events_of
from zwgk.projections.projection import Projection
from zwgk.projections.store import Transaction

COLUMNS = ("archive_number", "original_id", "position", "doc_number", "title", "responsible_unit", "doc_date", "doc_type",
           "retention", "retention_ends", "retain_until", "classification", "pages", "media_type", "size", "sha256", "sm3",
           "disclosure_id", "archived_at", "legal_hold", "last_checked_at", "last_fixity", "destroyed")
LATER = ("legal_hold", "last_checked_at", "last_fixity", "destroyed")  # set by events after the original is archived
ARCHIVED = tuple(c for c in COLUMNS if c not in LATER)
HOLDS = by_type({ArchivedOriginal.LegalHoldPlaced: 1, ArchivedOriginal.LegalHoldReleased: 0})
ORIGINAL_EVENTS = events_of(ArchivedOriginal)
ARCHIVED_EVENT, FIXITY_CHECKED = event_type(ArchivedOriginal.Archived), event_type(ArchivedOriginal.FixityChecked)
APPRAISED, DESTROYED = event_type(ArchivedOriginal.Appraised), event_type(ArchivedOriginal.Destroyed)


def _day(value: Any) -> str | None:
    return None if value is None else str(value)


class ArchiveView(Projection):
    name = "archive"
    tables = {
        "archive_catalogue": """CREATE TABLE IF NOT EXISTS archive_catalogue (
            archive_number TEXT PRIMARY KEY, original_id TEXT NOT NULL UNIQUE, position BIGINT NOT NULL,
            doc_number TEXT NOT NULL, title TEXT NOT NULL, responsible_unit TEXT NOT NULL, doc_date TEXT NOT NULL,
            doc_type TEXT NOT NULL, retention TEXT NOT NULL, retention_ends TEXT, retain_until TEXT, classification TEXT NOT NULL,
            pages INTEGER, media_type TEXT NOT NULL,
            size BIGINT NOT NULL, sha256 TEXT NOT NULL, sm3 TEXT NOT NULL, disclosure_id TEXT, archived_at TEXT NOT NULL,
            legal_hold INTEGER NOT NULL DEFAULT 0, last_checked_at TEXT, last_fixity TEXT, destroyed INTEGER NOT NULL DEFAULT 0)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS archive_by_doc_number ON archive_catalogue (doc_number, position)",
        "CREATE INDEX IF NOT EXISTS archive_by_sha256 ON archive_catalogue (sha256, position)",
        "CREATE INDEX IF NOT EXISTS archive_by_unit ON archive_catalogue (responsible_unit, position)",
        "CREATE INDEX IF NOT EXISTS archive_by_position ON archive_catalogue (position)",  # unranked words, a page at a time
    )
    export_order = {"archive_catalogue": "archive_number"}
    revision = 2  # the titles' trigram index

    def create(self, tx: Transaction) -> None:
        """The catalogue, and the trigrams of its 文号 and 题名: an FTS5 table on SQLite, GIN indexes on PostgreSQL;
        and the originals' texts, which outlive a rebuilt catalogue."""
        super().create(tx)
        ArchiveTexts.ensure(tx)
        if tx.postgres:
            tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")  # one per database, seen from every schema
            for column in ("doc_number", "title"):
                tx.execute(f"CREATE INDEX IF NOT EXISTS archive_{column}_trigrams ON archive_catalogue USING gin ({column} gin_trgm_ops)")
        else:
            tx.execute("CREATE VIRTUAL TABLE IF NOT EXISTS archive_titles "
                       "USING fts5(original_id UNINDEXED, doc_number, title, tokenize='trigram')")

    def drop(self, tx: Transaction) -> None:
        super().drop(tx)
        if not tx.postgres:
            tx.execute("DROP TABLE IF EXISTS archive_titles")

    def clear(self, tx: Transaction) -> None:
        super().clear(tx)
        if not tx.postgres:
            tx.execute("DELETE FROM archive_titles")

    def fold_batch(self, tx: Transaction, events: Sequence[ProjectedEvent]) -> None:
        for event in events:
            if event.type not in ORIGINAL_EVENTS:
                continue
            r = event.record
            if event.type == ARCHIVED_EVENT:
                ends = retention_ends(r["doc_date"], RetentionClass(r["retention"]))
                row = {**{c: r.get(c) for c in ARCHIVED}, "original_id": event.aggregate_id, "position": event.position,
                       "doc_date": str(r["doc_date"]), "retain_until": _day(r["retain_until"]), "retention_ends": _day(ends),
                       "archived_at": ts(event.occurred_at)}
                tx.write(f"INSERT INTO archive_catalogue ({', '.join(ARCHIVED)}) VALUES ({', '.join('?' * len(ARCHIVED))})",
                         tuple(row[c] for c in ARCHIVED))
                if not tx.postgres:
                    tx.write("INSERT INTO archive_titles (original_id, doc_number, title) VALUES (?, ?, ?)",
                             (event.aggregate_id, r["doc_number"], r["title"]))
            elif event.type == FIXITY_CHECKED:
                tx.write("UPDATE archive_catalogue SET last_checked_at = ?, last_fixity = ? WHERE original_id = ?",
                         (ts(event.occurred_at), r["outcome"], event.aggregate_id))
            elif event.type == APPRAISED and r["decision"] == AppraisalDecision.KEEP:
                tx.write("UPDATE archive_catalogue SET retention = ?, retention_ends = ?, retain_until = ? WHERE original_id = ?",
                         (r["retention"], _day(r["retention_ends"]), _day(r["retain_until"]), event.aggregate_id))
            elif event.type == DESTROYED:
                tx.write("UPDATE archive_catalogue SET destroyed = 1 WHERE original_id = ?", (event.aggregate_id,))
                tx.write("DELETE FROM archive_text WHERE sha256 = ? AND NOT EXISTS "  # the words go with the bytes
                         "(SELECT 1 FROM archive_catalogue WHERE sha256 = ? AND destroyed = 0)", (r["sha256"], r["sha256"]))
            elif event.type in HOLDS:
                tx.write("UPDATE archive_catalogue SET legal_hold = ? WHERE original_id = ?", (HOLDS[event.type], event.aggregate_id))


def archive_catalogue(
    tx: Transaction, *, unit: str = "", year: int | None = None, retention: str = "", title_contains: str = "",
    doc_type: str = "", doc_number: str = "", sha256: str = "",
) -> list[dict[str, Any]]:
    """The originals that match every criterion given, in the order they were archived."""
    where, params = [], []
    for column, value in (("responsible_unit", unit), ("retention", retention), ("doc_type", doc_type),
                          ("doc_number", doc_number), ("sha256", sha256.lower())):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if year is not None:
        where.append("doc_date >= ? AND doc_date < ?")
        params += [f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]
    sql = f"SELECT {', '.join(COLUMNS)} FROM archive_catalogue {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY position"
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in tx.execute(sql, params).cursor.fetchall()]
    return [{**row, "legal_hold": bool(row["legal_hold"]), "destroyed": bool(row["destroyed"])}
            for row in rows if title_contains in row["title"]]


class ArchiveTexts:
    """The words of each original's text, by its SHA-256, beside the catalogue: written when the original is
    archived (its text read by a format library), and kept when the catalogue is rebuilt (the text does not
    come from the events). One table `archive_text` (sha256, body) on both databases, its body indexed by
    trigrams — SQLite: an FTS5 `trigram` index over it (`archive_text_words`); PostgreSQL: a GIN `pg_trgm`
    index — so any substring of three characters or more is found through the index, shorter ones by a scan.
    A destroyed original's text leaves the index with its bytes (kept while another original has the same bytes)."""

    @staticmethod
    def ensure(tx: Transaction) -> None:
        if tx.postgres:
            tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")  # one per database, seen from every schema
            tx.execute("CREATE TABLE IF NOT EXISTS archive_text (sha256 TEXT PRIMARY KEY, body TEXT NOT NULL)")
            tx.execute("CREATE INDEX IF NOT EXISTS archive_text_trigrams ON archive_text USING gin (body gin_trgm_ops)")
            return
        earlier = tx.one("SELECT sql FROM sqlite_master WHERE name = 'archive_text'")
        if earlier and "fts5" in earlier[0].lower():  # the index itself was the table: kept, moved into the table
            tx.execute("ALTER TABLE archive_text RENAME TO archive_text_before")
        tx.execute("CREATE TABLE IF NOT EXISTS archive_text (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, body TEXT NOT NULL)")
        tx.execute("CREATE VIRTUAL TABLE IF NOT EXISTS archive_text_words "
                   "USING fts5(body, content='archive_text', content_rowid='id', tokenize='trigram')")
        tx.execute("CREATE TRIGGER IF NOT EXISTS archive_text_indexed AFTER INSERT ON archive_text BEGIN "
                   "INSERT INTO archive_text_words (rowid, body) VALUES (new.id, new.body); END")
        tx.execute("CREATE TRIGGER IF NOT EXISTS archive_text_removed AFTER DELETE ON archive_text BEGIN "
                   "INSERT INTO archive_text_words (archive_text_words, rowid, body) VALUES ('delete', old.id, old.body); END")
        if earlier and "fts5" in earlier[0].lower():
            tx.execute("INSERT INTO archive_text (sha256, body) SELECT sha256, body FROM archive_text_before WHERE true "
                       "ON CONFLICT (sha256) DO NOTHING")
            tx.execute("DROP TABLE archive_text_before")

    @staticmethod
    def unindexed(tx: Transaction, limit: int) -> list[str]:
        """Digests of originals in the catalogue whose text is not in the index yet (archived before texts were
        indexed as they were archived, or while the views' database could not be written)."""
        return [row[0] for row in tx.all(
            "SELECT DISTINCT c.sha256 FROM archive_catalogue c WHERE NOT EXISTS "
            "(SELECT 1 FROM archive_text t WHERE t.sha256 = c.sha256) LIMIT ?", (limit,))]

    @staticmethod
    def add(tx: Transaction, texts: Sequence[tuple[str, str]]) -> None:
        """Each (SHA-256, text), unless that text is indexed already (the same bytes archived again); an original
        without text is added empty, so that it is not looked for again."""
        tx.executemany("INSERT INTO archive_text (sha256, body) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", texts)


@dataclass(frozen=True)
class ArchiveQuery:
    """What an archivist searches by; every criterion given must hold. 文号 and 题名 match as substrings
    (an exact 文号 ranks first), `words` anywhere in the title or the text."""

    unit: str = ""
    year: int | None = None
    retention: str = ""
    classification: str = ""
    doc_type: str = ""
    doc_number: str = ""
    title: str = ""
    words: str = ""
    legal_hold: bool | None = None
    sha256: str = ""


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


RANKED_AT_MOST = 1000  # words more originals hold than this come in the order archived, unranked


def _contains(tx: Transaction, column: str, text: str) -> str:
    """A condition that the catalogue's column contains the text, through the trigram index where it can."""
    if len(text) >= 3:
        if tx.postgres:
            return f"c.{column} LIKE ? ESCAPE '\\'"
        return "c.original_id IN (SELECT original_id FROM archive_titles WHERE archive_titles MATCH ?)"
    if tx.postgres:  # without a trigram, the index would be read whole: a scan is cheaper
        return f"strpos(c.{column}, ?) > 0"
    return f"c.{column} LIKE ? ESCAPE '\\'"


def _pattern(tx: Transaction, column: str, text: str) -> str:
    if len(text) >= 3:
        return _like(text) if tx.postgres else f"{column} : {_phrase(text)}"
    return text if tx.postgres else _like(text)


PROBED = 200  # texts read first, as stored, to tell words common enough to count by reading texts (PostgreSQL)
READ_AT_MOST = 20_000  # texts read to count a common word's matches before the trigram index is asked instead


def _caseless(words: str) -> bool:
    """Words without letters that have a case (Chinese, digits): matched as they are, a text need not be lowered
    first, which costs PostgreSQL more than the match."""
    return words == words.lower() == words.upper()


def _found(tx: Transaction, column: str, words: str) -> str:
    """A condition that the column holds the words, whatever their case, checked row by row (no index)."""
    if tx.postgres:
        return f"strpos({column}, ?) > 0" if _caseless(words) else f"strpos(lower({column}), lower(?)) > 0"
    return f"instr(lower({column}), lower(?)) > 0"


def _read(tx: Transaction, words: str, at_most: int) -> list[str] | None:
    """PostgreSQL: the digests of `at_most` texts holding the words, read as stored, when the first PROBED texts
    hold them often enough that `at_most` are to be found within READ_AT_MOST texts (reading a common word's
    texts finds that many sooner than the trigram index, which reads every text's trigrams before the first);
    None when they are not (a rare word, or rare past the first texts: the index is asked)."""
    probed = tx.one(f"SELECT count(*) FROM (SELECT body FROM archive_text LIMIT ?) first WHERE {_found(tx, 'body', words)}",
                    [PROBED, words])
    if not probed or probed[0] * READ_AT_MOST < 2 * at_most * PROBED:  # at half the frequency seen, still found
        return None
    holding = [row[0] for row in tx.all(f"SELECT sha256 FROM (SELECT sha256, body FROM archive_text LIMIT ?) first "
                                        f"WHERE {_found(tx, 'body', words)} LIMIT ?", [READ_AT_MOST, words, at_most])]
    return holding if len(holding) == at_most else None


def _holding(tx: Transaction, words: str, at_most: int) -> list[str]:
    """The digests of at most `at_most` texts holding the words, through the trigram index where it can (the
    index stops once it has found that many: a common word costs no more than a rare one). PostgreSQL's index
    reads all of every trigram's matches before the first: a common word's texts are read instead (`_read`)."""
    if tx.postgres and (read := _read(tx, words, at_most)) is not None:
        return read
    if tx.postgres and len(words) >= 3:  # LIKE for caseless words: the index's candidates checked as they are
        sql = f"SELECT sha256 FROM archive_text WHERE body {'LIKE' if _caseless(words) else 'ILIKE'} ? ESCAPE '\\' LIMIT ?"
        params: list[Any] = [_like(words)]
    elif tx.postgres:  # shorter than a trigram: a scan, which stops as soon as it has found that many
        sql = f"SELECT sha256 FROM archive_text WHERE {_found(tx, 'body', words)} LIMIT ?"
        params = [words]
    elif len(words) >= 3:
        sql = ("SELECT t.sha256 FROM archive_text_words w JOIN archive_text t ON t.id = w.rowid "
               "WHERE archive_text_words MATCH ? LIMIT ?")
        params = [_phrase(words)]
    else:  # shorter than a trigram: a scan, which stops as soon as it has found that many
        sql = "SELECT sha256 FROM archive_text WHERE instr(body, ?) > 0 LIMIT ?"
        params = [words]
    return [row[0] for row in tx.all(sql, [*params, at_most])]


def _titled(tx: Transaction, words: str, at_most: int) -> int:
    """How many titles hold the words, counted up to `at_most`."""
    if not tx.postgres and len(words) >= 3:
        sql = "SELECT 1 FROM archive_titles WHERE archive_titles MATCH ? LIMIT ?"
    else:
        sql = f"SELECT 1 FROM archive_catalogue c WHERE {_contains(tx, 'title', words)} LIMIT ?"
    row = tx.one(f"SELECT count(*) FROM ({sql}) titled", [_pattern(tx, "title", words), at_most])
    return int(row[0]) if row else 0


def search_originals(tx: Transaction, query: ArchiveQuery, after: tuple[int, int] | None, limit: int) -> list[dict[str, Any]]:
    """A page of the originals that match, best first: a row's `rank` counts its strong matches (the exact
    文号, the words in its 题名), then in the order archived; `after` is the (−rank, position) of the
    last row of the page before.

    Words more than RANKED_AT_MOST titles or texts hold are not ranked (each row says `ranked` false): ranking
    would read every match before the first page. Their originals come in the order archived, read off the
    catalogue's order and each checked for the words, so a page costs what its rows cost."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("responsible_unit", query.unit), ("retention", query.retention), ("doc_type", query.doc_type),
                          ("classification", query.classification), ("sha256", query.sha256.lower())):
        if value:
            where.append(f"c.{column} = ?")
            params.append(value)
    if query.year is not None:
        where.append("c.doc_date >= ? AND c.doc_date < ?")
        params += [f"{query.year:04d}-01-01", f"{query.year + 1:04d}-01-01"]
    if query.legal_hold is not None:
        where.append("c.legal_hold = ?")
        params.append(int(query.legal_hold))
    for column, value in (("doc_number", query.doc_number), ("title", query.title)):
        if value:
            where.append(_contains(tx, column, value))
            params.append(_pattern(tx, column, value))
    ranked = True
    if query.words:
        holding = _holding(tx, query.words, RANKED_AT_MOST + 1)
        ranked = len(holding) <= RANKED_AT_MOST and _titled(tx, query.words, RANKED_AT_MOST + 1) <= RANKED_AT_MOST
        if ranked:
            where.append(f"({_contains(tx, 'title', query.words)} OR c.sha256 IN ({', '.join('?' * len(holding)) or 'NULL'}))")
            params += [_pattern(tx, "title", query.words), *holding]
        else:
            # a value, not EXISTS: PostgreSQL would turn EXISTS into one scan of every text before the first row
            where.append(f"({_found(tx, 'c.title', query.words)} OR (SELECT {_found(tx, 't.body', query.words)} "
                         "FROM archive_text t WHERE t.sha256 = c.sha256))")
            params += [query.words, query.words]
    if ranked:
        rank = ("(CASE WHEN ? <> '' AND c.doc_number = ? THEN 1 ELSE 0 END"
                " + CASE WHEN ? <> '' AND c.title LIKE ? ESCAPE '\\' THEN 1 ELSE 0 END)")
        rank_params: list[Any] = [query.doc_number, query.doc_number, query.words, _like(query.words)]
    else:
        rank, rank_params = "0", []
    inner = (f"SELECT {', '.join('c.' + c for c in COLUMNS)}, {rank} AS rank FROM archive_catalogue c"
             f"{' WHERE ' + ' AND '.join(where) if where else ''}")
    outer_where, outer_params = "", []
    if after is not None:
        outer_where = " WHERE (-rank > ? OR (-rank = ? AND position > ?))"
        outer_params = [after[0], after[0], after[1]]
    order = "rank DESC, position" if ranked else "position"
    sql = f"SELECT * FROM ({inner}) found{outer_where} ORDER BY {order} LIMIT ?"
    rows = tx.all(sql, [*rank_params, *params, *outer_params, limit])
    names = (*COLUMNS, "rank")
    return [{**dict(zip(names, row, strict=True)), "legal_hold": bool(row[COLUMNS.index("legal_hold")]),
             "destroyed": bool(row[COLUMNS.index("destroyed")]), "ranked": ranked} for row in rows]
