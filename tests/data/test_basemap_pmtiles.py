"""A PMTiles v3 extract imported into the basemap store: the tiny city's own tiles written as PMTiles by a
writer made apart from the reader (tests/data/pmtiles_writer.py) come back byte for byte; files that are
not PMTiles, hold other tiles or are cut short are refused and leave the store as it was."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from data import basemap, basemap_pmtiles, db
from tests.data.pmtiles_writer import hilbert_id, write_pmtiles

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tiny_db_copy):
    """Return (connection, the store's tiles before the test) of a private copy of the tiny city."""
    con = db.open_store(tiny_db_copy)
    yield con, _tiles(con)
    con.close()


def _tiles(con) -> dict:
    return {(z, x, y): bytes(tile) for z, x, y, tile in con.execute("SELECT z, x, y, tile FROM basemap_tiles").fetchall()}


def _rows(tiles: dict) -> list:
    return [(z, x, y, data) for (z, x, y), data in tiles.items()]


@pytest.mark.parametrize(("z", "x", "y", "tile_id"), [(0, 0, 0, 0), (1, 0, 0, 1), (1, 0, 1, 2), (1, 1, 1, 3),
                                                      (1, 1, 0, 4), (2, 1, 3, 11), (3, 3, 0, 26)])
def test_tile_ids_follow_the_reference_implementation(z, x, y, tile_id):
    # The values asserted by pmtiles-rs (src/tile.rs) and the spec's zoom-1 order.
    assert basemap_pmtiles.tile_zxy(tile_id) == (z, x, y)
    assert basemap_pmtiles.tile_id_of(z, x, y) == tile_id == hilbert_id(z, x, y)


def test_tile_ids_round_trip_over_whole_zooms():
    for z in range(6):
        ids = sorted(basemap_pmtiles.tile_id_of(z, x, y) for x in range(1 << z) for y in range(1 << z))
        first = ((1 << 2 * z) - 1) // 3
        assert ids == list(range(first, first + (1 << 2 * z)))
        assert {basemap_pmtiles.tile_zxy(i)[0] for i in ids} == {z}
        assert all(basemap_pmtiles.tile_id_of(*basemap_pmtiles.tile_zxy(i)) == i for i in ids)


@pytest.mark.parametrize("leaf_entries", [None, 50])
def test_the_city_tiles_written_as_pmtiles_import_byte_for_byte(store, tmp_path, leaf_entries):
    con, before = store
    assert len(before) > 100                                            # the tiny city's built basemap
    extract = tmp_path / "city.pmtiles"
    write_pmtiles(extract, _rows(before), leaf_entries=leaf_entries)
    summary = basemap.import_file(con, extract)
    zooms = [z for z, _x, _y in before]
    assert summary == {"tiles": len(before), "minzoom": min(zooms), "maxzoom": max(zooms)}
    assert _tiles(con) == before
    found = basemap.describe(con)
    assert found["source"] == "imported:city.pmtiles" and found["bounds"] == "119.300000,32.100000,119.600000,32.300000"


def test_repeated_tiles_and_uncompressed_directories_and_tiles(store, tmp_path):
    con, before = store
    (z, x, y), data = sorted(before.items())[-1]
    raw = gzip.decompress(data)
    # Four neighbours on the curve with one content: one entry of run length 4.
    first = basemap_pmtiles.tile_zxy(hilbert_id(z, x, y) - hilbert_id(z, x, y) % 4)
    block = [basemap_pmtiles.tile_zxy(hilbert_id(*first) + step) for step in range(4)]
    extract = tmp_path / "plain.pmtiles"
    write_pmtiles(extract, [(*zxy, raw) for zxy in block], internal="none", tile_compression="none")
    assert basemap.import_file(con, extract)["tiles"] == 4
    imported = _tiles(con)
    assert sorted(imported) == sorted(block) and all(gzip.decompress(t) == raw for t in imported.values())


def _refused(con, before, path: Path, message: str) -> None:
    with pytest.raises(basemap.BasemapError, match=message):
        basemap.import_file(con, path)
    assert _tiles(con) == before and basemap.describe(con)["source"] == "built"        # nothing half-imported


def test_files_that_are_not_pmtiles_of_vector_tiles_are_refused(store, tmp_path):
    con, before = store
    rows = _rows(dict(sorted(before.items())[:20]))
    bogus = tmp_path / "notes.pmtiles"
    for text in ("PMTile notes, not tiles", "a note named .pmtiles" * 10):
        bogus.write_text(text)
        _refused(con, before, bogus, "not a PMTiles file")
    raster = tmp_path / "raster.pmtiles"
    write_pmtiles(raster, rows, tile_type="png")
    _refused(con, before, raster, "holds no vector tiles \\(tile type png\\)")
    brotli = tmp_path / "brotli.pmtiles"
    write_pmtiles(brotli, rows, tile_compression="brotli")
    _refused(con, before, brotli, "tiles compressed with brotli")
    whole = tmp_path / "whole.pmtiles"
    write_pmtiles(whole, rows, leaf_entries=8)
    for cut in (100, len(whole.read_bytes()) - 10):                     # inside the header; inside the last tile
        cut_file = tmp_path / f"cut{cut}.pmtiles"
        cut_file.write_bytes(whole.read_bytes()[:cut])
        _refused(con, before, cut_file, "cut short")
    forged = bytearray(whole.read_bytes())
    forged[7] = 2
    (tmp_path / "v2.pmtiles").write_bytes(bytes(forged))
    _refused(con, before, tmp_path / "v2.pmtiles", "version 2")
    _refused(con, before, tmp_path / "missing.pmtiles", "no such file")


def test_forged_directories_are_refused(store, tmp_path):
    con, before = store
    rows = _rows(dict(sorted(before.items())[:20]))
    whole = tmp_path / "whole.pmtiles"
    write_pmtiles(whole, rows)
    forged = bytearray(whole.read_bytes())
    forged[127:131] = b"\x00\x00\x00\x00"                          # the root directory's gzip header
    (tmp_path / "garbled.pmtiles").write_bytes(bytes(forged))
    _refused(con, before, tmp_path / "garbled.pmtiles", "not valid gzip")
    write_pmtiles(tmp_path / "runaway.pmtiles", rows[:1], forged_run=2**40)
    _refused(con, before, tmp_path / "runaway.pmtiles", "more tiles than")


def test_cli_imports_a_pmtiles_file(tiny_db_copy, tmp_path):
    con = db.open_store(tiny_db_copy)
    before = _tiles(con)
    con.close()
    extract = tmp_path / "extract.pmtiles"
    write_pmtiles(extract, _rows(before), leaf_entries=100)

    def cli(*args):
        return subprocess.run([sys.executable, "cli.py", "basemap", *args, "--db", str(tiny_db_copy)], cwd=ROOT,
                              capture_output=True, text=True)
    imported = cli("import", str(extract))
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["tiles"] == len(before)
    assert json.loads(cli("show").stdout)["source"] == "imported:extract.pmtiles"
