"""Read the vector tiles of a PMTiles v3 archive (the protomaps single-file format), for the basemap import.

A small reader of the v3 layout, so a city's extract imports without a new dependency: the 127-byte
header, the root directory and its leaf directories (varint columns: tile id deltas, run lengths,
lengths, offsets, compressed as the header's internal compression says: none or gzip), tiles
addressed by their Hilbert tile id. Each tile comes out with its z/x/y (XYZ rows, like the store's)
and its bytes as stored; gzip and uncompressed tiles are accepted, brotli and zstd are refused with
a message naming them. Every offset is checked against the file's size, so a cut file is refused
before anything is written.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MAGIC = b"PMTiles"
VERSION = 3
HEADER_BYTES = 127
COMPRESSIONS = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}
TILE_TYPES = {0: "unknown", 1: "mvt", 2: "png", 3: "jpeg", 4: "webp", 5: "avif"}
MAX_DIRECTORY_DEPTH = 4            # the root and leaves: writers nest one level, a loop would nest for ever
MAX_ZOOM = 26                      # tile ids past it do not fit the spec's 64 bits
MAX_DIRECTORY_BYTES = 64 << 20     # a directory inflated (a planet's root and leaves stay far below)
MAX_TILES = 20_000_000             # read at most this many when the header does not say how many it addresses


class PMTilesError(ValueError):
    """The file is not a PMTiles v3 archive of vector tiles this reader can import; the message says why."""


def read_header(head: bytes) -> dict:
    """Return the header's fields (offsets, lengths, compressions, tile type, zooms, lon/lat bounds)."""
    if head[:7] != MAGIC:
        raise PMTilesError("not a PMTiles file (no PMTiles header)")
    if len(head) < HEADER_BYTES:
        raise PMTilesError(f"the file is cut short: {len(head)} bytes, a header alone takes {HEADER_BYTES}")
    if head[7] != VERSION:
        raise PMTilesError(f"PMTiles version {head[7]} (only version 3 is read)")
    (root_offset, root_length, _meta_offset, _meta_length, leaf_offset, leaf_length, data_offset, data_length,
     addressed, _entries, _contents) = struct.unpack_from("<11Q", head, 8)
    internal, tile_compression, tile_type, minzoom, maxzoom = head[97:102]
    west, south, east, north = (v / 1e7 for v in struct.unpack_from("<4i", head, 102))
    return {"root": (root_offset, root_length), "leaves": (leaf_offset, leaf_length), "data": (data_offset, data_length),
            "addressed": addressed, "internal": COMPRESSIONS.get(internal, str(internal)),
            "tile_compression": COMPRESSIONS.get(tile_compression, str(tile_compression)),
            "tile_type": TILE_TYPES.get(tile_type, str(tile_type)), "minzoom": minzoom, "maxzoom": maxzoom,
            "bounds": (west, south, east, north)}


def read_varint(buffer: bytes, position: int) -> tuple[int, int]:
    """Return the unsigned LEB128 varint at ``position`` and the position after it."""
    value = shift = 0
    while True:
        if position >= len(buffer) or shift > 63:
            raise PMTilesError("a directory ends inside a number (corrupt directory)")
        byte = buffer[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if byte < 0x80:
            return value, position


def decode_directory(raw: bytes) -> list[tuple[int, int, int, int]]:
    """Return a decompressed directory's entries as (tile id, run length, length, offset)."""
    count, position = read_varint(raw, 0)
    columns = []
    for _column in range(3):                        # tile id deltas, run lengths, lengths
        values = []
        for _entry in range(count):
            value, position = read_varint(raw, position)
            values.append(value)
        columns.append(values)
    deltas, runs, lengths = columns
    entries, tile_id, offset = [], 0, 0
    for index in range(count):
        stored, position = read_varint(raw, position)
        tile_id += deltas[index]
        # 0 after the first entry: the tile follows the previous one; otherwise the offset plus one.
        offset = offset + lengths[index - 1] if stored == 0 and index > 0 else stored - 1
        entries.append((tile_id, runs[index], lengths[index], offset))
    return entries


def tile_zxy(tile_id: int) -> tuple[int, int, int]:
    """Return the z/x/y (XYZ rows) of a tile id: tiles of lower zooms first, each zoom along a Hilbert curve."""
    z, first = 0, 0
    while first + (1 << 2 * z) <= tile_id:
        first += 1 << 2 * z
        z += 1
        if z > MAX_ZOOM:
            raise PMTilesError(f"tile id {tile_id} lies past zoom {MAX_ZOOM}")
    position, x, y, side = tile_id - first, 0, 0, 1
    while side < (1 << z):
        rx = 1 & (position // 2)
        ry = 1 & (position ^ rx)
        x, y = _rotate(side, x, y, rx, ry)
        x, y, position, side = x + side * rx, y + side * ry, position // 4, side * 2
    return z, x, y


def tile_id_of(z: int, x: int, y: int) -> int:
    """Return the tile id of z/x/y (the inverse of ``tile_zxy``)."""
    tile_id, side = ((1 << 2 * z) - 1) // 3, (1 << z) // 2
    while side > 0:
        rx, ry = int(x & side > 0), int(y & side > 0)
        tile_id += side * side * ((3 * rx) ^ ry)
        x, y = _rotate(side, x, y, rx, ry)
        side //= 2
    return tile_id


def _rotate(side: int, x: int, y: int, rx: int, ry: int) -> tuple[int, int]:
    if ry == 0:
        if rx == 1:
            x, y = side - 1 - x, side - 1 - y
        return y, x
    return x, y


class _Archive:
    """An open PMTiles file whose every read is checked against its size."""

    def __init__(self, path: Path):
        self.file = path.open("rb")
        self.size = path.stat().st_size
        self.header = read_header(self.file.read(HEADER_BYTES))
        self.budget = self.header["addressed"] or MAX_TILES       # tiles still allowed: a forged run cannot fill memory

    def read(self, offset: int, length: int, what: str) -> bytes:
        if offset + length > self.size:
            raise PMTilesError(f"the file is cut short: {what} ends at byte {offset + length}, the file has {self.size}")
        self.file.seek(offset)
        return self.file.read(length)

    def directory(self, offset: int, length: int) -> list[tuple[int, int, int, int]]:
        raw = self.read(offset, length, "a directory")
        if self.header["internal"] == "gzip":
            try:
                inflater = zlib.decompressobj(wbits=31)              # gzip framing
                raw = inflater.decompress(raw, MAX_DIRECTORY_BYTES)
            except zlib.error as exc:
                raise PMTilesError(f"a directory is not valid gzip ({exc})") from None
            if inflater.unconsumed_tail:
                raise PMTilesError(f"a directory inflates past {MAX_DIRECTORY_BYTES} bytes")
        return decode_directory(raw)

    def tiles(self, entries: list, depth: int = 0):
        """Yield (z, x, y, bytes) of every tile the entries address, following leaf directories."""
        if depth >= MAX_DIRECTORY_DEPTH:
            raise PMTilesError("leaf directories nest deeper than a PMTiles writer makes them")
        leaf_start, data_start = self.header["leaves"][0], self.header["data"][0]
        for tile_id, run, length, offset in entries:
            if run == 0:
                yield from self.tiles(self.directory(leaf_start + offset, length), depth + 1)
                continue
            if run > self.budget:
                raise PMTilesError(f"the directories address more tiles than {self.header['addressed'] or MAX_TILES}")
            self.budget -= run
            data = self.read(data_start + offset, length, f"tile {tile_id}")
            for repeat in range(run):
                yield (*tile_zxy(tile_id + repeat), data)


def read_pmtiles(path: Path) -> tuple[dict, list[tuple[int, int, int, bytes]]]:
    """Return (header, rows z/x/y/tile) of a PMTiles file of vector tiles; raise PMTilesError otherwise."""
    archive = _Archive(path)
    try:
        header = archive.header
        if header["internal"] not in ("none", "gzip"):
            raise PMTilesError(f"directories compressed with {header['internal']} (this reader takes gzip or none)")
        if header["tile_type"] != "mvt":
            raise PMTilesError(f"holds no vector tiles (tile type {header['tile_type']})")
        if header["tile_compression"] not in ("none", "gzip"):
            raise PMTilesError(f"tiles compressed with {header['tile_compression']}: convert them to gzip first "
                               "(e.g. pmtiles convert, or tippecanoe with gzip)")
        rows = list(archive.tiles(archive.directory(*header["root"])))
        if header["addressed"] and len(rows) != header["addressed"]:
            raise PMTilesError(f"the directories address {len(rows)} tiles, the header {header['addressed']}")
        return header, rows
    finally:
        archive.file.close()
