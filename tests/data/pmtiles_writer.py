"""A small PMTiles v3 writer for the tests, written from the spec apart from data/basemap_pmtiles.py, so the
reader is checked against an independent encoding (its tile ids against the reference implementation's
own test values, tests/data/test_basemap_pmtiles.py)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

COMPRESSION = {"none": 1, "gzip": 2, "brotli": 3, "zstd": 4}
TILE_TYPE = {"mvt": 1, "png": 2}


def hilbert_id(z: int, x: int, y: int) -> int:
    """Return the PMTiles tile id of z/x/y: the tiles of lower zooms, then the position on zoom z's Hilbert curve."""
    before = sum(4 ** level for level in range(z))
    position = 0
    for level in reversed(range(z)):
        half = 1 << level
        rx, ry = (x >> level) & 1, (y >> level) & 1
        position += half * half * ((3 * rx) ^ ry)
        x, y = x & (half - 1), y & (half - 1)           # keep the bits below this level, then turn the quadrant
        if ry == 0:
            if rx == 1:
                x, y = half - 1 - x, half - 1 - y
            x, y = y, x
    return before + position


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def directory(entries: list[tuple[int, int, int, int]], internal: str) -> bytes:
    """Return a directory of (tile id, run length, length, offset) entries, compressed as ``internal``."""
    raw = bytearray(varint(len(entries)))
    previous = 0
    for tile_id, *_ in entries:
        raw += varint(tile_id - previous)
        previous = tile_id
    raw += b"".join(varint(run) for _, run, _, _ in entries)
    raw += b"".join(varint(length) for _, _, length, _ in entries)
    for index, (_, _, _, offset) in enumerate(entries):
        follows = index > 0 and offset == entries[index - 1][3] + entries[index - 1][2]
        raw += varint(0 if follows else offset + 1)
    return gzip.compress(bytes(raw)) if internal == "gzip" else bytes(raw)


def write_pmtiles(path: Path, tiles: list[tuple[int, int, int, bytes]], *, internal: str = "gzip",
                  tile_compression: str = "gzip", tile_type: str = "mvt", leaf_entries: int | None = None,
                  bounds=(119.3, 32.1, 119.6, 32.3), forged_run: int | None = None) -> None:
    """Write ``tiles`` (z, x, y, bytes) as a PMTiles v3 file; identical neighbours share one run; with
    ``leaf_entries`` the entries go to leaf directories of that many, the root pointing to them.
    ``forged_run``: the first entry claims that many tiles, and the header does not say how many there are."""
    data, entries = bytearray(), []
    for tile_id, content in sorted((hilbert_id(z, x, y), content) for z, x, y, content in tiles):
        last = entries[-1] if entries else None
        if last and last[0] + last[1] == tile_id and data[last[3]:last[3] + last[2]] == content:
            entries[-1] = (last[0], last[1] + 1, last[2], last[3])
            continue
        entries.append((tile_id, 1, len(content), len(data)))
        data += content
    if forged_run is not None:
        entries[0] = (entries[0][0], forged_run, *entries[0][2:])
    leaves, root_entries = bytearray(), entries
    if leaf_entries:
        root_entries = []
        for start in range(0, len(entries), leaf_entries):
            leaf = directory(entries[start:start + leaf_entries], internal)
            root_entries.append((entries[start][0], 0, len(leaf), len(leaves)))
            leaves += leaf
    root = directory(root_entries, internal)
    metadata = b"{}"
    zooms = [z for z, *_ in tiles]
    offsets = [127, len(root), 127 + len(root), len(metadata), 127 + len(root) + len(metadata), len(leaves),
               127 + len(root) + len(metadata) + len(leaves), len(data), 0 if forged_run else len(tiles),
               len(entries), len(entries)]
    header = (b"PMTiles" + bytes([3]) + struct.pack("<11Q", *offsets)
              + bytes([1, COMPRESSION[internal], COMPRESSION[tile_compression], TILE_TYPE[tile_type], min(zooms),
                       max(zooms)])
              + struct.pack("<4i", *(round(v * 1e7) for v in bounds)) + bytes([min(zooms)])
              + struct.pack("<2i", *(round(v * 1e7) for v in ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2))))
    assert len(header) == 127
    path.write_bytes(header + root + metadata + bytes(leaves) + bytes(data))
