"""Stage 0, configuration: atlas.toml, read once and checked like content."""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .problems import ContentError, Problems

TILE_LAYERS = ("osm", "tianditu", "gaode")


@dataclass(frozen=True)
class Config:
    name: str = "jjj-atlas"
    title: str = "京津冀产业图谱"
    title_en: str = "Jing-Jin-Ji Industry Atlas"
    url: str = ""
    build_date: str = ""
    licence_data: str = "CC BY 4.0"
    licence_code: str = "MIT"
    version: str = "0.0.0"
    tiles: tuple[str, ...] = field(default_factory=tuple)
    tianditu_key: str = ""

    @property
    def map_datum(self) -> str:
        """The datum the maps are drawn in: GCJ-02 only when AutoNavi tiles are offered."""
        return "gcj02" if "gaode" in self.tiles else "wgs84"

    def with_base_url(self, url: str | None) -> "Config":
        return self if url is None else replace(self, url=normalise_url(url))


def normalise_url(url: str) -> str:
    url = url.strip()
    return url if not url or url.endswith("/") else url + "/"


def today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch \
        else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def load_config(path: Path, version: str) -> Config:
    """Read atlas.toml (all of it optional); raise ContentError on any problem."""
    problems = Problems()
    rel = path.name
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            line = re.search(r"line (\d+)", str(err))
            problems.add(rel, int(line.group(1)) if line else 0, f"TOML syntax error: {err}",
                         "check quotes and brackets on that line")
            raise ContentError(problems)
    site, maps = data.get("site", {}), data.get("map", {})
    for section, known in (("site", Config.__dataclass_fields__), ("map", {"tiles", "tianditu_key"})):
        for key in data.get(section, {}):
            if key not in known or key == "version":
                problems.add(rel, 0, f"unknown setting `{key}` in [{section}]", "see the comments in atlas.toml")
    for key in data:
        if key not in ("site", "map"):
            problems.add(rel, 0, f"unknown section [{key}]", "atlas.toml has [site] and [map]")
    tiles = tuple(maps.get("tiles", ()))
    for tile in tiles:
        if tile not in TILE_LAYERS:
            problems.add(rel, 0, f"unknown tile layer `{tile}`", "use osm, tianditu or gaode")
    if "gaode" in tiles and len(set(tiles) - {"gaode"}):
        problems.add(rel, 0, "`gaode` (GCJ-02) cannot be combined with WGS-84 tile layers",
                     "offer either gaode or osm/tianditu")
    if "tianditu" in tiles and not maps.get("tianditu_key"):
        problems.add(rel, 0, "`tianditu` needs `tianditu_key`", "get a key from Tianditu and set it")
    build_date = str(site.get("build_date", "")) or today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", build_date):
        problems.add(rel, 0, f"`build_date = {build_date}` is not a date", "write YYYY-MM-DD")
    if problems:
        raise ContentError(problems)
    fields = {k: str(v) for k, v in site.items() if k in Config.__dataclass_fields__}
    fields.update(build_date=build_date, url=normalise_url(fields.get("url", "")), version=version)
    return Config(**fields, tiles=tiles, tianditu_key=str(maps.get("tianditu_key", "")))
