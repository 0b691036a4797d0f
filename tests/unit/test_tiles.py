"""The C2SP tlog-tiles layout: tile paths, which tiles a tree has, entry bundles."""

import pytest

from zwgk.domain.tiles import ENTRIES, Tile, TileError, available, bundle, parse_path, tiles_of, unbundle


@pytest.mark.parametrize(("tile", "path"), [
    (Tile(0, 0), "tile/0/000"),
    (Tile(0, 1234067), "tile/0/x001/x234/067"),
    (Tile(1, 5, 17), "tile/1/005.p/17"),
    (Tile(ENTRIES, 1000), "tile/entries/x001/000"),
    (Tile(ENTRIES, 3, 255), "tile/entries/003.p/255"),
])
def test_tile_paths_follow_the_spec_and_parse_back(tile, path):
    assert tile.path == path
    assert parse_path(path) == tile


@pytest.mark.parametrize("path", ["tile/0/0", "tile/0/x000/001", "tile/0/000.p/256", "tile/0/000.p/0", "tile/64/000",
                                  "tile/data/000", "tile/0/001/", "checkpoint"])
def test_paths_that_name_no_tile_are_refused(path):
    with pytest.raises(TileError):
        parse_path(path)


def test_a_tree_has_full_tiles_and_partial_ones_at_its_right_edge():
    assert [t.path for t in tiles_of(3)] == ["tile/0/000.p/3", "tile/entries/000.p/3"]
    assert [t.path for t in tiles_of(256 * 2 + 5)] == [
        "tile/0/000", "tile/0/001", "tile/0/002.p/5", "tile/1/000.p/2",
        "tile/entries/000", "tile/entries/001", "tile/entries/002.p/5"]
    assert list(tiles_of(0)) == []


def test_any_width_up_to_what_the_tree_holds_is_available():
    assert available(Tile(0, 0, 5), 5) and available(Tile(0, 0, 3), 5) and not available(Tile(0, 0, 6), 5)
    assert not available(Tile(0, 0), 255) and available(Tile(1, 0, 1), 256) and not available(Tile(1, 0, 1), 255)


def test_entry_bundles_round_trip_with_big_endian_lengths():
    entries = [b"", b"a", "中文".encode() * 100]
    data = bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert unbundle(data) == entries
    with pytest.raises(TileError):
        unbundle(data[:-1])
