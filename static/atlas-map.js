/* The atlas's map layers, shared by every page: places, supply links and small maps
   come from one compact array (static/data/places.js, window.ATLAS_PLACES), so a page
   carries only a few numbers. Text is put into the page with textContent, never as
   HTML, so nothing a content file says can run here. */
(function () {
  'use strict';

  var KINDS = ['park', 'vehicle', 'supplier', 'institution'];
  /* English pages (<html lang="en">) show English names; their links
     already lead to English pages, being relative to the page. */
  var EN = (document.documentElement.lang || '').slice(0, 2) === 'en';
  /* The interface words, from the catalogue of the page's language: the build writes
     them on this script's tag (data-words, templates/_chrome.html). Without them a
     popup leaves out what it has no word for. */
  var WORDS = (function () {
    var tag = document.currentScript;
    try {
      return JSON.parse(tag && tag.getAttribute('data-words')) || {};
    } catch (e) {
      return {};
    }
  }());
  var PRECISION = WORDS.precision || [];
  var ROLE = WORDS.role || {};

  /* A place's name in the page's language, and in the other one. */
  function placeName(place) { return EN ? place[4] || place[3] : place[3]; }
  function otherName(place) { return EN ? place[3] : place[4] || ''; }

  /* static/data/places.js in columns (atlas/maps.py, MapMaker.places_data), decoded
     once into rows: a place [lat, lon, kind, name, English name, section, id,
     precision], a link [from, to, approximate, product, figures, English figures]. */
  var BASE = 90, DIGIT = [], decoded = null;  /* DIGIT[char code] = its value */
  (function () {
    for (var c = 0x23, v = 0; c < 0x7f; c++) {
      if (c !== 0x5c && c !== 0x3c) { DIGIT[c] = v++; }  /* no backslash, no '<' */
    }
  }());

  function numberAt(text, at, width) {
    var n = 0;
    for (var k = 0; k < width; k++) { n = n * BASE + DIGIT[text.charCodeAt(at + k)]; }
    return n;
  }

  function texts(packed, count) {
    if (!count) { return []; }
    var words = {}, codes = packed.codes;
    for (var k = 0; k < codes.length; k++) { words[codes.charAt(k)] = packed.words[k]; }
    var list = packed.text.split(packed.sep);
    if (!codes.length) { return list; }
    var pattern = new RegExp('[' + codes + ']', 'g');
    function word(c) { return words[c]; }
    for (var i = 0; i < list.length; i++) { list[i] = list[i].replace(pattern, word); }
    return list;
  }

  function decode(raw) {
    var p = raw.places, points = raw.points, n = p.count;
    var pointWidth = 1;
    while (Math.pow(BASE, pointWidth) < points.length / 2) { pointWidth++; }
    var names = texts(p.name, n), namesEn = texts(p.name_en, n), ids = texts(p.id, n);
    var places = new Array(n), links = new Array(raw.links.count);
    for (var i = 0; i < n; i++) {
      var at = 2 * numberAt(p.point, i * pointWidth, pointWidth);
      var flag = DIGIT[p.flags.charCodeAt(i)];
      places[i] = [points[at] / 1e5, points[at + 1] / 1e5, flag % 4, names[i], namesEn[i],
                   Math.floor(flag / 16), ids[i], Math.floor(flag / 4) % 4];
    }
    var w = raw.links.widths, rows = raw.links.rows, step = w[0] + w[1] + w[2] + w[3];
    for (var j = 0, o = 0; j < links.length; j++, o += step) {
      var a = numberAt(rows, o, w[0]), b = numberAt(rows, o + w[0], w[1]);
      var product = numberAt(rows, o + w[0] + w[1], w[2]) - 1;
      var figure = numberAt(rows, o + w[0] + w[1] + w[2], w[3]) - 1;
      var shown = figure >= 0 ? raw.figures[figure] : ['', ''];
      links[j] = [a, b, places[a][7] >= 2 || places[b][7] >= 2 ? 1 : 0, product, shown[0], shown[1]];
    }
    return {sections: raw.sections, products: raw.products, places: places, links: links};
  }

  function data() {
    if (!decoded) {
      decoded = window.ATLAS_PLACES ? decode(window.ATLAS_PLACES)
        : {sections: [], products: [], places: [], links: []};
    }
    return decoded;
  }
  window.atlasPlaces = data;  /* the decoded rows, for tests and tools */

  /* A place's page, relative to the site's root (see MapMaker.places_data). */
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

  /* One icon object per kind, shared by its markers (10,000 places make 10,000 markers). */
  var icons = {};
  function icon(kind, here) {
    var key = kind + (here ? ' mk-here' : '');
    if (!icons[key]) {
      icons[key] = L.divIcon({className: 'mk-wrap', iconSize: [16, 16], iconAnchor: [8, 8],
                              html: '<span class="mk mk-' + key + '"></span>'});
    }
    return icons[key];
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
    var role = [ROLE[KINDS[place[2]]], PRECISION[place[7]]].filter(Boolean).join(' · ');
    if (role) {
      box.appendChild(el('span', 'popup-role', role));
      box.appendChild(el('br'));
    }
    var link = el('a', '', WORDS.profile || placeName(place));
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

  /* Supply lines are drawn on one canvas per map: no element per line, so none of
     thousands of lines is a Tab stop without a name. Every link is listed, named, on
     the supply page and on both companies' pages; the tooltip still shows on hover. */
  function line(link, places, canvas) {
    var a = places[link[0]], b = places[link[1]];
    var options = {color: '#b4541c', weight: 2, opacity: 0.7, renderer: canvas};
    if (link[2]) { options.dashArray = '6 6'; }
    /* The label is made when the tooltip first opens: tens of thousands of lines. */
    return L.polyline([[a[0], a[1]], [b[0], b[1]]], options)
      .bindTooltip(function () { return el('span', '', linkLabel(link, places)); });
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

  /* The first view of the overview shows every circle drawn at the start whole, its
     outermost ring included, on a phone too (the map's zoom steps by a quarter). */
  function fitCircles(map, circles) {
    var bounds = L.latLngBounds([]);
    circles.forEach(function (c) {
      if (map.hasLayer(c[0])) { c[0].eachLayer(function (ring) { bounds.extend(ring.getBounds()); }); }
    });
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [4, 4], animate: false}); }
  }

  /* A ring of a supply circle is focusable (its tooltip opens on focus): it is named
     from the page's words (data-ring-stated, data-ring-assumed on the map's figure),
     else from its tooltip. */
  function nameRings(map, group, label) {
    var holder = document.querySelector('[data-ring-stated]');
    var circle = new DOMParser().parseFromString(label, 'text/html')
      .querySelector(EN ? '.only-en' : '.only-zh');
    group.eachLayer(function (ring) {
      function name() {
        var node = ring.getElement && ring.getElement(), text = '';
        if (!node) { return; }
        if (holder && circle) {
          text = holder.getAttribute(ring.options.dashArray ? 'data-ring-assumed' : 'data-ring-stated')
            .replace('{circle}', circle.textContent)
            .replace('{km}', String(Math.round(ring.getRadius() / 100) / 10));
        } else if (ring.getTooltip()) {
          var tip = ring.getTooltip().getContent();
          text = new DOMParser().parseFromString(String(tip), 'text/html').body.textContent;
        }
        node.setAttribute('role', 'img');
        node.setAttribute('aria-label', text.replace(/\s+/g, ' ').trim());
      }
      ring.on('add', name);
      if (map.hasLayer(ring)) { name(); }
    });
  }

  /* The overview map (made with folium): one cluster layer per kind, the supply links,
     and a layer control that also lists the circles folium drew. */
  window.atlasOverview = function (map, root, labels, circles, collapsed, linesAtFirst) {
    /* On a phone the open layer list would cover most of the map: it starts folded. */
    var folded = collapsed || window.matchMedia('(max-width: 600px)').matches;
    var d = data(), groups = {}, control = L.control.layers(null, null, {collapsed: folded});
    var net = networkFilter(d), points = [];
    /* Fitted before any marker or line is added: they are then drawn once, not again. */
    if (!net) { fitCircles(map, circles); }
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
    /* Past `linesAtFirst` links (atlas/maps.py) the lines start switched off and are
       made when the layer list switches them on: tens of thousands are a tangle at this
       zoom, and drawing them held the page for a second. A maker's network (?maker=)
       always shows its own. */
    var lines = L.featureGroup(), canvas = L.canvas(), made = false;
    function makeLines() {
      if (made) { return; }
      made = true;
      d.links.forEach(function (link, i) {
        if (!net || net.links[i]) { lines.addLayer(line(link, d.places, canvas)); }
      });
    }
    if (net || d.links.length <= linesAtFirst) {
      makeLines();
      lines.addTo(map);
    } else {
      lines.once('add', makeLines);
    }
    control.addOverlay(lines, labels[KINDS.length]);
    circles.forEach(function (c) {
      control.addOverlay(c[0], c[1]);
      nameRings(map, c[0], c[1]);
    });
    control.addTo(map);
    if (net) {
      networkNotice(map, net.name);
      if (points.length > 1) { map.fitBounds(points, {padding: [24, 24], maxZoom: 11}); }
    }
  };

  /* A small map: `focus` places highlighted, `context` places around them, and the
     supply links between them, from a few indexes written on the map's element. */
  window.atlasSmallMap = function (map, root, focus, context, links) {
    var d = data(), group = clusterGroup(), seen = {}, points = [], canvas = L.canvas();
    focus.concat(context).forEach(function (i, n) {
      if (seen[i]) { return; }
      seen[i] = true;
      group.addLayer(marker(d.places[i], root, n < focus.length));
      points.push([d.places[i][0], d.places[i][1]]);
    });
    group.addTo(map);
    window.atlas_small_markers = group;
    links.forEach(function (i) { line(d.links[i], d.places, canvas).addTo(map); });
    if (points.length > 1) {
      map.fitBounds(points, {padding: [24, 24], maxZoom: 12});
    } else if (points.length === 1) {
      map.setView(points[0], 11);
    }
  };
}());
