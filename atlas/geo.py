"""Pure geometry: datum conversion, distances, the region's bounds."""
from __future__ import annotations

import math

# The Beijing-Tianjin-Hebei region with a small margin, in WGS-84 degrees.
REGION_LAT = (36.0, 42.7)
REGION_LON = (113.4, 119.9)
EARTH_RADIUS_KM = 6371.0088


def in_region(lat: float, lon: float) -> bool:
    return REGION_LAT[0] <= lat <= REGION_LAT[1] and REGION_LON[0] <= lon <= REGION_LON[1]


def looks_swapped(lat: float, lon: float) -> bool:
    """True when the pair is outside the region but would be inside with lat and lon exchanged."""
    return not in_region(lat, lon) and in_region(lon, lat)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


# GCJ-02 is WGS-84 plus a published obfuscation offset; the forward transform
# below is the widely reproduced one, inverted by fixed-point iteration.
_A = 6378245.0
_EE = 0.00669342162296594323


def _offset(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    dlat, dlon = _offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Invert the GCJ-02 offset to within a few centimetres."""
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < 1e-9 and abs(dlon) < 1e-9:
            break
    return wlat, wlon


def to_wgs84(lat: float, lon: float, datum: str) -> tuple[float, float]:
    return gcj02_to_wgs84(lat, lon) if datum == "gcj02" else (lat, lon)


# --- boundaries (GeoJSON geometry, coordinates as [lon, lat]) ---------------

def _rings(geometry: dict):
    """Yield each polygon of a Polygon/MultiPolygon as a list of rings."""
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["coordinates"]


def _in_ring(lat: float, lon: float, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat):
            cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < cross:
                inside = not inside
    return inside


def contains(geometry: dict, lat: float, lon: float) -> bool:
    """Whether a point lies inside a (Multi)Polygon, holes respected."""
    for rings in _rings(geometry):
        if _in_ring(lat, lon, rings[0]) and not any(_in_ring(lat, lon, h) for h in rings[1:]):
            return True
    return False


def distance_to_edge_km(geometry: dict, lat: float, lon: float) -> float:
    """Approximate distance from a point to the nearest edge of a (Multi)Polygon."""
    scale = math.cos(math.radians(lat))
    best = float("inf")
    for rings in _rings(geometry):
        for ring in rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                ax, ay, bx, by = (x1 - lon) * scale, y1 - lat, (x2 - lon) * scale, y2 - lat
                dx, dy = bx - ax, by - ay
                t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best * 111.195


def transform_geometry(geometry: dict, convert) -> dict:
    """A copy of a (Multi)Polygon with every (lon, lat) passed through convert(lat, lon)."""
    def ring(points):
        return [[round(c, 5) for c in reversed(convert(lat, lon))] for lon, lat in points]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {"type": "MultiPolygon",
            "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}
