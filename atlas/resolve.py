"""Stage 3, model: link the validated records both ways and derive what is implied."""
from __future__ import annotations

import hashlib

from .load import collector_paused
from .model import Atlas, Location


def resolve(atlas: Atlas) -> Atlas:
    """Fill the derived fields: back-links, effective locations, fact anchors, source index."""
    with collector_paused():
        return _resolve(atlas)


def _resolve(atlas: Atlas) -> Atlas:
    for cluster in atlas.clusters.values():
        if cluster.parent in atlas.clusters:
            atlas.clusters[cluster.parent].children.append(cluster.id)
        for park in cluster.parks:
            atlas.parks[park].clusters.append(cluster.id)
    for park in atlas.parks.values():
        if park.parent in atlas.parks:
            atlas.parks[park.parent].children.append(park.id)
    for company in atlas.companies.values():
        for cluster in company.clusters:
            atlas.clusters[cluster].companies.append(company.id)
        if company.park:
            atlas.parks[company.park].companies.append(company.id)
        if company.parent in atlas.companies:
            atlas.companies[company.parent].subsidiaries.append(company.id)
    for link in atlas.links:
        link.anchor = f"link-{link.index + 1}"
        atlas.companies[link.supplier].supplies.append(link.index)
        atlas.companies[link.customer].supplied_by.append(link.index)

    for park in _parents_first(atlas):
        park.location = effective_location(park, atlas)
    for company in atlas.companies.values():
        company.location = effective_location(company, atlas)
    for cluster in atlas.clusters.values():
        cluster.location = effective_location(cluster, atlas)

    _index_facts(atlas)
    return atlas


def _parents_first(atlas: Atlas):
    done: set[str] = set()
    order = []

    def visit(ident: str) -> None:
        if ident in done:
            return
        done.add(ident)
        parent = atlas.parks[ident].parent
        if parent in atlas.parks:
            visit(parent)
        order.append(atlas.parks[ident])

    for ident in atlas.parks:
        visit(ident)
    return order


def effective_location(record, atlas: Atlas) -> Location | None:
    """The record's own point, else its park's (precision park), else its district centre."""
    if record.location is not None:
        return record.location
    if record.kind_name == "park":
        park_id = record.parent
    elif record.kind_name == "cluster":
        park_id = record.parks[0] if record.parks else ""
    else:
        park_id = record.park
    if park_id and park_id in atlas.parks and atlas.parks[park_id].location:
        own = atlas.parks[park_id].location
        precision = "park" if own.precision in ("exact", "park") else own.precision
        return Location(own.lat, own.lon, precision, own.datum_given,
                        f"placed at {atlas.parks[park_id].name_en}", f"park:{park_id}")
    district = atlas.districts.get(record.district)
    if district is not None:
        precision = "city" if district.level == "city" else "district"
        return Location(district.lat, district.lon, precision, "wgs84",
                        f"placed at the centre of {district.name_en}", f"district:{district.id}")
    return None


def _index_facts(atlas: Atlas) -> None:
    """Give every fact its owner and a stable anchor, and list it under its source."""
    owners = [("cluster", r) for r in atlas.clusters.values()] + \
             [("company", r) for r in atlas.companies.values()] + \
             [("park", r) for r in atlas.parks.values()] + \
             [("circle", r) for r in atlas.circles.values()]
    for kind, record in owners:
        for fact in record.facts:
            fact.owner_kind, fact.owner_id = kind, record.id
        for source in record.source_ids:
            atlas.sources[source].cited_by.append((kind, record.id))
    for link in atlas.links:
        for fact in link.facts:
            fact.owner_kind, fact.owner_id = "link", str(link.index)
    taken: set[str] = set()
    for fact in atlas.all_facts():
        key = (f"{fact.owner_kind}|{fact.owner_id}|{fact.metric}|{fact.value}|"
               f"{fact.quote}|{fact.period}|{fact.as_of}")
        anchor = _anchor(key)
        if anchor in taken:
            # Two figures from one quote that differ only in unit or subject: the
            # longer key keeps the first one's anchor (and links to it) unchanged.
            anchor = _anchor(f"{key}|{fact.unit}|{fact.subject}|{fact.kind}|{fact.value_max}")
        taken.add(anchor)
        fact.anchor = anchor
        atlas.sources[fact.source_id].facts.append(fact)


def _anchor(key: str) -> str:
    return "fact-" + hashlib.sha1(key.encode()).hexdigest()[:8]
