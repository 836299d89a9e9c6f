/* The atlas's map layers, shared by every page: places, supply links and small maps
   come from one compact array (static/data/places.js, window.ATLAS_PLACES), so a page
   carries only a few numbers. Text is put into the page with textContent, never as
   HTML, so nothing a content file says can run here. */
(function () {
  'use strict';

  var KINDS = ['park', 'vehicle', 'supplier', 'institution'];
  /* English pages (<html lang="en">) show English names and labels; their links
     already lead to English pages, being relative to the page. */
  var EN = (document.documentElement.lang || '').slice(0, 2) === 'en';
  var PRECISION = EN ? ['exact site', 'within the park', 'district centre', 'city centre']
    : ['精确位置', '园区级位置', '区县中心', '城市中心'];
  var ROLE = EN ? {park: 'Park', vehicle: 'Vehicle maker', supplier: 'Company', institution: 'Institution'}
    : {park: '园区', vehicle: '整车企业', supplier: '企业', institution: '机构'};
  var PROFILE = EN ? 'Open profile' : '查看档案';

  /* A place's name in the page's language, and in the other one. */
  function placeName(place) { return EN ? place[4] || place[3] : place[3]; }
  function otherName(place) { return EN ? place[3] : place[4] || ''; }

  function data() {
    return window.ATLAS_PLACES || {sections: [], products: [], places: [], links: []};
  }

  /* A place's page, relative to the site's root (see MapMaker.places_script). */
  function placePath(place) { return data().sections[place[5]] + '/' + place[6] + '.html'; }

  /* A supply link's label: who supplies whom, the product and any figures. */
  function linkLabel(link, places) {
    var parts = [placeName(places[link[0]]) + ' → ' + placeName(places[link[1]])];
    var names = link[3] >= 0 ? data().products[link[3]] : ['', ''];
    var product = EN ? names[1] || names[0] : names[0];
    var figures = EN ? link[5] || link[4] : link[4];
    if (product) { parts.push(product); }
    if (figures) { parts.push(figures); }
    return parts.join(' · ');
  }

  function icon(kind, here) {
    return L.divIcon({className: 'mk-wrap', iconSize: [16, 16], iconAnchor: [8, 8],
                      html: '<span class="mk mk-' + kind + (here ? ' mk-here' : '') + '"></span>'});
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function popup(place, root) {
    var box = el('div', 'popup');
    box.appendChild(el('strong', '', placeName(place)));
    box.appendChild(el('br'));
    var other = el('span', '', otherName(place));
    other.lang = EN ? 'zh-CN' : 'en';
    box.appendChild(other);
    box.appendChild(el('br'));
    box.appendChild(el('span', 'popup-role', ROLE[KINDS[place[2]]] + ' · ' + PRECISION[place[7]]));
    box.appendChild(el('br'));
    var link = el('a', '', PROFILE);
    link.href = root + placePath(place);
    box.appendChild(link);
    return box;
  }

  function marker(place, root, here) {
    var m = L.marker([place[0], place[1]], {icon: icon(KINDS[place[2]], here), alt: placeName(place)});
    m.bindPopup(function () { return popup(place, root); }, {maxWidth: 280});
    m.bindTooltip(el('span', '', [placeName(place), otherName(place)].filter(Boolean).join(' ')));
    m.atlasPlace = place;
    m.atlasPath = placePath(place);
    return m;
  }

  function clusterGroup() {
    return L.markerClusterGroup({maxClusterRadius: 18, spiderfyOnMaxZoom: true,
                                 showCoverageOnHover: false, disableClusteringAtZoom: 15});
  }

  function line(link, places) {
    var a = places[link[0]], b = places[link[1]];
    var options = {color: '#b4541c', weight: 2, opacity: 0.7};
    if (link[2]) { options.dashArray = '6 6'; }
    return L.polyline([[a[0], a[1]], [b[0], b[1]]], options)
      .bindTooltip(el('span', '', linkLabel(link, places)));
  }

  /* The region's outlines (window.ATLAS_BASEMAP, from static/geo/basemap.js), shaded
     by how many clusters each area hosts, with names once zoomed in far enough. */
  window.atlasBasemap = function (map) {
    var base = window.ATLAS_BASEMAP;
    if (!base) { return; }
    var shades = ['#f4f1ea', '#e3eddc', '#c9dfbd', '#a9cc98'];
    L.geoJSON(base, {
      style: function (f) {
        if (f.properties.level === 'province') {
          return {color: '#55606e', weight: 1.6, fill: false, interactive: false};
        }
        return {color: '#9aa5b1', weight: 0.7, fillOpacity: 1, interactive: false,
                fillColor: shades[Math.min(f.properties.clusters || 0, 3)]};
      }
    }).addTo(map);
    var labels = [];
    base.features.forEach(function (f) {
      if (!f.properties.label) { return; }
      var span = el('span', '', f.properties.label);
      var m = L.marker(f.properties.label_at, {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'area-label area-' + f.properties.level, iconSize: [0, 0],
                         html: span.outerHTML})});
      m.areaLevel = f.properties.level;
      m.addTo(map);
      labels.push(m);
    });
    function update() {
      var z = map.getZoom();
      labels.forEach(function (m) {
        var node = m.getElement();
        if (node) { node.style.display = (m.areaLevel === 'city' ? z >= 7 : z >= 9) ? '' : 'none'; }
      });
    }
    map.on('zoomend', update);
    update();
  };

  /* A small map on an entity page, made from the indexes on its element. */
  window.atlasSmall = function (id, root, focus, context, links) {
    var map = L.map(id, {minZoom: 6, maxZoom: 16, center: [39.3, 116.9], zoom: 9});
    L.control.scale().addTo(map);
    window.atlasBasemap(map);
    window.atlasSmallMap(map, root, focus, context, links);
    window.atlas_small_map = map;
  };

  /* map.html?maker=<id>: only that vehicle maker's supply network: the maker, its
     suppliers and theirs (listed by the build on the map's figure, data-networks), and
     the links between them that end at the maker or at one of its tier-1 suppliers. */
  function networkFilter(d) {
    var wanted = new URLSearchParams(window.location.search).get('maker');
    var holder = document.querySelector('[data-networks]');
    var all = holder ? JSON.parse(holder.getAttribute('data-networks')) : {};
    if (!wanted || !Object.prototype.hasOwnProperty.call(all, wanted)) { return null; }
    var net = {maker: -1, name: wanted, places: {}, links: {}}, ends = {};
    all[wanted][1].forEach(function (i) { net.places[i] = true; });
    all[wanted][0].forEach(function (i) { ends[i] = true; });
    d.places.forEach(function (place, i) {
      if (d.sections[place[5]] === 'companies' && place[6] === wanted) {
        net.maker = i;
        net.name = placeName(place);
        ends[i] = true;
      }
    });
    d.links.forEach(function (link, i) {
      if (net.places[link[0]] && ends[link[1]]) { net.links[i] = true; }
    });
    return net;
  }

  /* The notice's words come from the page (data-network-only, data-network-all). */
  function networkNotice(map, name) {
    var holder = document.querySelector('[data-networks]');
    var text = {only: holder.getAttribute('data-network-only'), all: holder.getAttribute('data-network-all')};
    var notice = L.control({position: 'bottomleft'});
    notice.onAdd = function () {
      var box = el('div', 'map-network-notice', text.only + name + ' ');
      box.setAttribute('role', 'status');
      var all = el('a', '', text.all);
      all.href = window.location.pathname.split('/').pop() || 'map.html';
      box.appendChild(all);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    notice.addTo(map);
  }

  /* The overview map (made with folium): one cluster layer per kind, the supply links,
     and a layer control that also lists the circles folium drew. */
  window.atlasOverview = function (map, root, labels, circles, collapsed) {
    /* On a phone the open layer list would cover most of the map: it starts folded. */
    var folded = collapsed || window.matchMedia('(max-width: 600px)').matches;
    var d = data(), groups = {}, control = L.control.layers(null, null, {collapsed: folded});
    var net = networkFilter(d), points = [];
    KINDS.forEach(function (kind) { groups[kind] = clusterGroup(); });
    d.places.forEach(function (place, i) {
      if (net && !net.places[i]) { return; }
      groups[KINDS[place[2]]].addLayer(marker(place, root, net !== null && i === net.maker));
      points.push([place[0], place[1]]);
    });
    KINDS.forEach(function (kind, i) {
      groups[kind].addTo(map);
      control.addOverlay(groups[kind], labels[i]);
      window['atlas_' + kind + '_markers'] = groups[kind];
    });
    var lines = L.featureGroup();
    d.links.forEach(function (link, i) {
      if (!net || net.links[i]) { lines.addLayer(line(link, d.places)); }
    });
    lines.addTo(map);
    control.addOverlay(lines, labels[KINDS.length]);
    circles.forEach(function (c) { control.addOverlay(c[0], c[1]); });
    control.addTo(map);
    if (net) {
      networkNotice(map, net.name);
      if (points.length > 1) { map.fitBounds(points, {padding: [24, 24], maxZoom: 11}); }
    }
  };

  /* A small map: `focus` places highlighted, `context` places around them, and the
     supply links between them, from a few indexes written on the map's element. */
  window.atlasSmallMap = function (map, root, focus, context, links) {
    var d = data(), group = clusterGroup(), seen = {}, points = [];
    focus.concat(context).forEach(function (i, n) {
      if (seen[i]) { return; }
      seen[i] = true;
      group.addLayer(marker(d.places[i], root, n < focus.length));
      points.push([d.places[i][0], d.places[i][1]]);
    });
    group.addTo(map);
    window.atlas_small_markers = group;
    links.forEach(function (i) { line(d.links[i], d.places).addTo(map); });
    if (points.length > 1) {
      map.fitBounds(points, {padding: [24, 24], maxZoom: 12});
    } else if (points.length === 1) {
      map.setView(points[0], 11);
    }
  };
}());
