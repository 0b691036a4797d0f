"""How the service represents stored bytes over HTTP: ranges, validators, digests, file names;
and a bag packed as one tar or zip stream whose announced length is exact."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from zwgk.archive.bagit_export import packed
from zwgk.connectors.api.content import RangeNotSatisfiable, attachment, byte_range, none_match, repr_digest


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 100)), ("bytes=100-", (100, 1000)), ("bytes=-10", (990, 1000)), ("bytes=-5000", (0, 1000)),
    ("bytes=990-5000", (990, 1000)), ("bytes = 5 - 9", (5, 10)), ("BYTES=0-0", (0, 1)),
    ("bytes=0-1,5-9", None), ("items=0-9", None), ("bytes=9-5", None), ("bytes=-", None), ("bytes=a-b", None), ("", None),
])
def test_one_byte_range_is_honoured_and_anything_else_means_the_whole(header, expected):
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=1000-", 1000), ("bytes=5000-6000", 1000), ("bytes=-0", 1000),
                                              ("bytes=0-0", 0), ("bytes=-5", 0)])
def test_a_range_with_no_byte_in_the_original_is_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, size)


def test_if_none_match_compares_weakly_and_knows_the_wildcard():
    assert none_match('"abc"', '"abc"') and none_match('W/"x", W/"abc"', '"abc"') and none_match("*", '"abc"')
    assert not none_match('"abcd", "ab"', '"abc"') and not none_match("", '"abc"')


def test_repr_digest_is_the_sha256_as_a_structured_field_byte_sequence():
    digest = hashlib.sha256(b"original")
    assert repr_digest(digest.hexdigest()) == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"


def test_the_disposition_names_the_file_in_chinese_with_an_ascii_fallback():
    header = attachment('关于印发《实施意见》的通知/"草稿"', "application/pdf", "ZY01-WS·2020-Y-BGS-0001")
    assert header.isascii()
    fallback, encoded = header.split('filename="', 1)[1].split('"; filename*=UTF-8\'\'')
    assert fallback == "ZY01-WS_2020-Y-BGS-0001.pdf"
    assert unquote(encoded) == "关于印发《实施意见》的通知__草稿_.pdf"


@pytest.mark.parametrize("fmt", ["tar", "zip"])
def test_a_packed_bag_holds_every_file_byte_for_byte_under_its_root(tmp_path: Path, fmt: str):
    bag = tmp_path / "bag"
    (bag / "data" / "ZY01-WS·2020-Y-BGS-0001").mkdir(parents=True)
    files = {"bagit.txt": b"BagIt-Version: 1.0\n", "data/ZY01-WS·2020-Y-BGS-0001/original.bin": bytes(range(256)) * 9000,
             "data/ZY01-WS·2020-Y-BGS-0001/metadata.json": "{\"题名\": \"通知\"}".encode()}
    for name, content in files.items():
        (bag / name).write_bytes(content)
    package = packed(bag, fmt, "zwgk-export-1")
    data = b"".join(package.chunks)
    if fmt == "tar":
        assert package.length == len(data) and len(data) % tarfile.RECORDSIZE == 0
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            found = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            found = {name: archive.read(name) for name in archive.namelist()}
    assert found == {f"zwgk-export-1/{name}": content for name, content in files.items()}
