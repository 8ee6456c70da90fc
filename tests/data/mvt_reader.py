"""A small reader of Mapbox Vector Tiles for the tests, written from the spec apart from data/mvt.py,
so the encoder is checked against an independent decoding of the same wire format."""

from __future__ import annotations

import gzip
import struct


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes):
    """Yield (field number, wire type, value) of a protobuf message (values: int, bytes or float)."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack("<d", buf[pos:pos + 8])[0], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def _packed(buf: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        value, pos = _varint(buf, pos)
        out.append(value)
    return out


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(buf: bytes):
    for number, _wire, value in fields(buf):
        return {1: lambda v: v.decode(), 3: lambda v: v, 6: _unzigzag, 7: bool}[number](value)


def geometry(commands: list[int]) -> list[list[tuple[int, int]]]:
    """Return the parts (lists of absolute points) drawn by the command integers; a ClosePath closes its ring."""
    parts, x, y, i = [], 0, 0, 0
    while i < len(commands):
        command, count = commands[i] & 7, commands[i] >> 3
        i += 1
        if command == 7:
            parts[-1].append(parts[-1][0])
            continue
        for _ in range(count):
            x, y = x + _unzigzag(commands[i]), y + _unzigzag(commands[i + 1])
            i += 2
            if command == 1:
                parts.append([])
            parts[-1].append((x, y))
    return parts


def read_tile(data: bytes) -> dict:
    """Return {layer name: {"extent", "version", "features": [{"type", "properties", "parts"}]}}."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    layers = {}
    for number, _wire, layer_buf in fields(data):
        assert number == 3
        layer = {"features": [], "keys": [], "values": [], "raw": []}
        for field_number, _w, value in fields(layer_buf):
            if field_number == 1:
                layer["name"] = value.decode()
            elif field_number == 2:
                layer["raw"].append(value)
            elif field_number == 3:
                layer["keys"].append(value.decode())
            elif field_number == 4:
                layer["values"].append(_value(value))
            elif field_number == 5:
                layer["extent"] = value
            elif field_number == 15:
                layer["version"] = value
        for raw in layer.pop("raw"):
            parsed = {n: v for n, _w, v in fields(raw)}
            tags = _packed(parsed.get(2, b""))
            properties = {layer["keys"][tags[i]]: layer["values"][tags[i + 1]] for i in range(0, len(tags), 2)}
            layer["features"].append({"type": parsed[3], "properties": properties, "parts": geometry(_packed(parsed[4]))})
        layers[layer["name"]] = layer
    return layers


def ring_area(points: list[tuple[int, int]]) -> float:
    """Return the signed area of a closed ring in tile space (positive: an exterior ring, MVT 2.1)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:])) / 2
