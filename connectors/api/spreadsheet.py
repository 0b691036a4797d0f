"""Lists as files people open in a spreadsheet: CSV in UTF-8 behind a byte order mark (without it, Excel
on Chinese Windows reads the file as GBK and garbles every character), Chinese column headers, the file
named in Chinese (RFC 6266 `filename*`, RFC 5987 encoding) with an ASCII name for older clients, and
streamed a few hundred rows at a time, so a long list is never held whole. A cell that a spreadsheet
would run as a formula (=, +, -, @ first) is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from zwgk.connectors.api.content import attachment
from zwgk.domain.calendar import CST

BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
FLUSH_EVERY = 500  # rows
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "JSON as described, or with ?format=csv or Accept: text/csv a spreadsheet (UTF-8 with BOM)"}}
Cell = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    """A list's columns as people read them: a Chinese header and how to fill its cell from a row."""

    name: str  # the file's ASCII name
    title_zh: str  # the file's Chinese name
    columns: tuple[tuple[str, Callable[[dict[str, Any]], Cell]], ...]


def wanted(request: Request, format: str | None) -> bool:  # noqa: A002
    """CSV when asked by ?format=csv, or when no format is given, by an Accept header that prefers text/csv
    to application/json (a wildcard is no preference: JSON stays the default)."""
    if format:
        return format == "csv"
    weights = {}
    for media_range in request.headers.get("accept", "").lower().split(","):
        media, *parameters = (part.strip() for part in media_range.split(";"))
        weight = next((p[2:] for p in parameters if p.startswith("q=")), "1")
        weights[media] = float(weight) if weight.replace(".", "", 1).isdigit() else 0.0
    return weights.get("text/csv", 0.0) > 0 and weights["text/csv"] >= weights.get("application/json", 0.0)


def _text(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_FIRST):
        return "'" + value
    return value


def _lines(sheet: Sheet, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([header for header, _ in sheet.columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_text(cell(row)) for _, cell in sheet.columns])
        if count % FLUSH_EVERY == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def response(sheet: Sheet, rows: Iterable[dict[str, Any]], *qualifiers: str) -> StreamingResponse:
    """The file, named by the list, what it was narrowed to, and the day it was read."""
    stem = "-".join([sheet.title_zh, *filter(None, qualifiers), datetime.now(CST).strftime("%Y%m%d")])
    return StreamingResponse(_lines(sheet, rows), media_type=MEDIA_TYPE,
                             headers={"Content-Disposition": attachment(stem, "text/csv", sheet.name)})
