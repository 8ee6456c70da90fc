"""Chinese web-map coordinate offsets: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to WGS84.

GCJ-02 is WGS84 plus a published obfuscation polynomial; it has no closed-form inverse, so we
invert it by fixed-point iteration (error below 1 mm after a few steps). BD-09 is GCJ-02 with a
further rotation and shift. Outside mainland China GCJ-02 equals WGS84.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0                 # Krasovsky 1940 semi-major axis, used by the GCJ-02 formula
_EE = 0.00669342162296594323   # its eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_ITERATIONS = 6


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the GCJ-02 shift (degrees) at WGS84 positions."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return GCJ-02 coordinates of WGS84 positions."""
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 coordinates of GCJ-02 positions (iterative inverse, sub-millimetre)."""
    glon, glat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(_ITERATIONS):
        elon, elat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (elon - glon), wlat - (elat - glat)
    return wlon, wlat


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return GCJ-02 coordinates of BD-09 positions."""
    x, y = np.asarray(lon, dtype="float64") - 0.0065, np.asarray(lat, dtype="float64") - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return BD-09 coordinates of GCJ-02 positions."""
    x, y = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def to_wgs84(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 coordinates from ``system`` ('wgs84', 'gcj02' or 'bd09')."""
    if system == "wgs84":
        return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    if system == "bd09":
        lon, lat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(lon, lat)


def transform_geometries(geometries: np.ndarray, system: str) -> np.ndarray:
    """Return shapely geometries with every vertex converted from ``system`` to WGS84."""
    import shapely

    if system == "wgs84":
        return geometries

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], system)
        return np.column_stack([lon, lat])

    return shapely.transform(geometries, convert)
