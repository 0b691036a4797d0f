"""What a format library reads in an original: its real format, its pages, its text, or why it is unusable.

Archiving reads it to record 页数 and to index the words of the text; the four-property check reads it
again for usability 可用性 (DA/T 70-2018). PDF is parsed whole by pypdf; OFD (GB/T 33190) is a ZIP whose
`OFD.xml` names the document, whose `Document.xml` lists the pages and whose page content carries the
text in `TextCode` elements; DOCX and XLSX are OOXML packages (python-docx reads a DOCX's text, its pages are the
count the word processor saved in docProps/app.xml); images are
decoded by Pillow; text is decoded as UTF-8 (or GB 18030, the national encoding).
"""

from __future__ import annotations

import codecs
import io
import mimetypes
import posixpath
import zipfile
from dataclasses import dataclass
from typing import IO, NamedTuple
from xml.etree import ElementTree

import docx
import filetype
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

OFD = "application/ofd"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
ZIP = "application/zip"
OCTET = "application/octet-stream"
TEXT_TYPES = ("text/", "application/json", "application/xml")
TEXT_LIMIT = 1_000_000  # characters of an original's text indexed for search
CHUNK = 1024 * 1024

mimetypes.add_type(OFD, ".ofd")


class Problem(NamedTuple):
    """Why an original is not usable: in English for logs, in Chinese for archivists."""

    en: str
    zh: str


@dataclass(frozen=True)
class Reading:
    """What the format library found: the format the content is, its pages where the format counts
    them, its text where it has one, and what makes it unusable (None: usable)."""

    media_type: str
    pages: int | None = None
    text: str = ""
    problem: Problem | None = None


def media_type_of(filename: str) -> str:
    """The media type an original's file name declares."""
    return mimetypes.guess_type(filename)[0] or OCTET


def agree(declared: str, detected: str) -> bool:
    """A declared type agrees with the content when they are the same, or when it declares only text
    or bytes for what is text or bytes."""
    return declared == detected or (declared.startswith(TEXT_TYPES) and detected.startswith(TEXT_TYPES))


def read(file: IO[bytes], declared: str) -> Reading:
    """Read an original's file (open, seekable; its position is left anywhere) with the library for the
    format its content is."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return _pdf(file)
    if head.startswith(b"PK\x03\x04"):
        return _package(file)
    sniffed = filetype.guess_mime(head)
    if sniffed and sniffed.startswith("image/"):
        return _image(file, sniffed)
    if sniffed:
        return Reading(sniffed)
    if declared.startswith(TEXT_TYPES):
        return _text(file, declared)
    return Reading(OCTET)


def _text(file: IO[bytes], media_type: str) -> Reading:
    """Decoded whole, a chunk at a time; the first TEXT_LIMIT characters kept."""
    for encoding in ("utf-8", "gb18030"):
        decoder, kept, length = codecs.getincrementaldecoder(encoding)(), [], 0
        file.seek(0)
        try:
            while chunk := file.read(CHUNK):
                piece = decoder.decode(chunk)
                if length < TEXT_LIMIT:
                    kept.append(piece)
                    length += len(piece)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return Reading(media_type, text="".join(kept)[:TEXT_LIMIT])
    return Reading(media_type, problem=Problem(f"declared {media_type}, not valid UTF-8 or GB 18030 text",
                                               f"声明为 {media_type}，但不是有效的 UTF-8 或 GB 18030 文本"))


def _pdf(file: IO[bytes]) -> Reading:
    file.seek(max(0, file.seek(0, io.SEEK_END) - 2048))
    if b"%%EOF" not in file.read():
        return Reading(PDF, problem=Problem("PDF truncated: no %%EOF", "PDF 文件不完整（缺少文件尾 %%EOF），可能被截断"))
    file.seek(0)
    try:
        reader = PdfReader(file)
        pages = len(reader.pages)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)[:TEXT_LIMIT]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        return Reading(PDF, problem=Problem(f"PDF unreadable: {error}", f"PDF 无法解析（{error}）"))
    if pages == 0:
        return Reading(PDF, 0, problem=Problem("PDF without pages", "PDF 没有页面"))
    return Reading(PDF, pages, text)


def _package(file: IO[bytes]) -> Reading:
    try:
        with zipfile.ZipFile(file) as package:
            broken = package.testzip()
            if broken is not None:
                return Reading(ZIP, problem=Problem(f"ZIP entry {broken} corrupt", f"压缩包内 {broken} 已损坏"))
            names = set(package.namelist())
            if "OFD.xml" in names:
                return _ofd(package)
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return _docx(file, package)
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return Reading(XLSX)
            return Reading(ZIP)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return Reading(ZIP, problem=Problem(f"ZIP unreadable: {error}", f"压缩包无法读取，可能被截断或损坏（{error}）"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(package: zipfile.ZipFile, name: str) -> ElementTree.Element:
    return ElementTree.fromstring(package.read(name))


def _ofd(package: zipfile.ZipFile) -> Reading:
    """OFD (GB/T 33190-2016): OFD.xml → DocBody/DocRoot → Document.xml → Pages/Page BaseLoc → TextCode."""
    try:
        root = next((e.text or "").strip().lstrip("/") for e in _xml(package, "OFD.xml").iter() if _local(e.tag) == "DocRoot")
        document = _xml(package, root)
        base = posixpath.dirname(root)
        pages = [e.get("BaseLoc", "") for e in document.iter() if _local(e.tag) == "Page"]
        text = []
        for location in pages:
            page = posixpath.normpath(posixpath.join(base, location.lstrip("/")))
            text += [e.text or "" for e in _xml(package, page).iter() if _local(e.tag) == "TextCode"]
    except (StopIteration, KeyError, ElementTree.ParseError) as error:
        return Reading(OFD, problem=Problem(f"OFD structure broken: {error!r}", f"OFD 结构不完整（{error!r}）"))
    if not pages:
        return Reading(OFD, 0, problem=Problem("OFD without pages", "OFD 没有页面"))
    return Reading(OFD, len(pages), "".join(text)[:TEXT_LIMIT])


def _docx(file: IO[bytes], package: zipfile.ZipFile) -> Reading:
    file.seek(0)
    try:
        document = docx.Document(file)
    except (KeyError, ValueError, ElementTree.ParseError) as error:
        return Reading(DOCX, problem=Problem(f"DOCX unreadable: {error}", f"DOCX 无法解析（{error}）"))
    text = [p.text for p in document.paragraphs]
    text += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    pages = None
    if "docProps/app.xml" in package.namelist():
        counted = [e.text or "" for e in _xml(package, "docProps/app.xml").iter() if _local(e.tag) == "Pages"]
        pages = int(counted[0]) if counted and counted[0].isdigit() and int(counted[0]) > 0 else None
    return Reading(DOCX, pages, "\n".join(text)[:TEXT_LIMIT])


def _image(file: IO[bytes], media_type: str) -> Reading:
    try:
        with Image.open(file) as image:
            frames = getattr(image, "n_frames", 1)
            image.load()  # decodes every pixel: a truncated image fails here
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        return Reading(media_type, problem=Problem(f"image not decodable: {error}", f"图像无法解码（{error}）"))
    return Reading(media_type, frames)
