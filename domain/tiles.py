"""The log's static layout, C2SP `tlog-tiles`: which hash tiles and entry bundles a tree has, their
paths, and the entry-bundle encoding. Pure: the application layer fills tiles from the audit log.

A tile holds up to 256 (2^8) consecutive hashes of one level of tiles: level L's hashes are the
tree's nodes of height 8·L. Paths are ``tile/<L>/<N>`` and ``tile/entries/<N>``, with ``.p/<W>``
for a partial tile of W < 256; N is written in groups of three digits, each but the last prefixed
with "x" (1234067 → x001/x234/067). An entry bundle is each entry prefixed by its length as a
big-endian uint16.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

HEIGHT = 8
WIDTH = 1 << HEIGHT
ENTRIES = "entries"
_PATH = re.compile(r"tile/(?P<level>entries|[0-9]|[1-5][0-9]|6[0-3])/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[0-9]{1,3}))?")


class TileError(ValueError):
    """A path that names no tile, or a tile this tree does not have."""


@dataclass(frozen=True)
class Tile:
    level: int | str  # a hash level, or ENTRIES for an entry bundle
    index: int
    width: int = WIDTH

    @property
    def path(self) -> str:
        digits = f"{self.index:03d}"
        digits = "0" * (-len(digits) % 3) + digits
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
        encoded = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
        partial = f".p/{self.width}" if self.width < WIDTH else ""
        return f"tile/{self.level}/{encoded}{partial}"

    @property
    def first(self) -> int:
        """The first node (or entry) index of its level that the tile holds."""
        return self.index * WIDTH


def parse_path(path: str) -> Tile:
    match = _PATH.fullmatch(path)
    if match is None:
        raise TileError(f"not a tile path: {path}")
    index = int("".join(g.lstrip("x") for g in match["index"].split("/")))
    width = int(match["width"]) if match["width"] else WIDTH
    if not 0 < width <= WIDTH or (match["width"] and width == WIDTH):
        raise TileError(f"partial tile width {width} is not 1..255")
    level: int | str = ENTRIES if match["level"] == ENTRIES else int(match["level"])
    tile = Tile(level, index, width)
    if tile.path != path:
        raise TileError(f"not the canonical tile path: {path} (it is {tile.path})")
    return tile


def available(tile: Tile, size: int) -> bool:
    """Whether a tree of `size` leaves has this tile at this width (any width up to what it holds)."""
    height = 0 if tile.level == ENTRIES else int(tile.level) * HEIGHT
    return (size >> height) >= tile.first + tile.width


def tiles_of(size: int) -> Iterator[Tile]:
    """Every full tile and the partial tiles at the right edge of a tree of `size` leaves, per level,
    then the entry bundles: the files a static copy of the log holds."""
    level = 0
    while size >> (level * HEIGHT):
        count = size >> (level * HEIGHT)
        yield from (Tile(level, n) for n in range(count // WIDTH))
        if count % WIDTH:
            yield Tile(level, count // WIDTH, count % WIDTH)
        level += 1
    yield from (Tile(ENTRIES, n) for n in range(size // WIDTH))
    if size % WIDTH:
        yield Tile(ENTRIES, size // WIDTH, size % WIDTH)


def bundle(entries: Sequence[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) >= 1 << 16:
            raise TileError(f"an entry of {len(entry)} bytes does not fit an entry bundle")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise TileError("entry bundle truncated")
        length = int.from_bytes(data[at : at + 2], "big")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if at != len(data):
        raise TileError("entry bundle truncated")
    return entries
