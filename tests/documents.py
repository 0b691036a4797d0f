"""Small real documents of each format an archive receives, made by the formats' own libraries (PDF,
DOCX, PNG) or by the structure the standard gives (OFD, GB/T 33190-2016)."""

from __future__ import annotations

import io
import zipfile

import docx
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

OFD_NS = "http://www.ofdspec.org/2016"


def pdf(pages: int, text: str = "") -> bytes:
    """A PDF of blank pages; the first carries `text` (ASCII, in a standard font) when given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        page = writer.pages[0]
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ofd(pages: list[str]) -> bytes:
    """An OFD package: OFD.xml naming Doc_0/Document.xml, which lists one page per text, each page's
    content carrying its text in a TextCode element."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" '
                                    'DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        listed = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        package.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
                                               f'<ofd:Pages>{listed}</ofd:Pages></ofd:Document>')
        for i, text in enumerate(pages):
            package.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                             f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer>'
                             f'<ofd:TextObject ID="{100 + i}"><ofd:TextCode X="0" Y="0">{text}</ofd:TextCode></ofd:TextObject>'
                             '</ofd:Layer></ofd:Content></ofd:Page>')
    return out.getvalue()


def docx_file(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
