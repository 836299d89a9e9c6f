/* Site search on search.html (query in ?q=).
 *
 * Over http(s) it asks Pagefind, whose index the build writes in shards (pagefind/<n>/,
 * listed in pagefind/shards.json): the first shard's pagefind.js is loaded and every
 * other shard merged into it, so one search asks them all. The index holds one record
 * per entry with both languages' text; a result links to the page in the reader's
 * language. From file://, where fetch() fails, or when Pagefind cannot load, it reads the compact index static/data/search.js
 * (window.ATLAS_SEARCH, loaded by <script src>) and matches the query as a substring of
 * names, English names, aliases and products.
 * Everything from the data reaches the page through textContent, never as HTML. */
(function () {
  'use strict';
  var script = document.currentScript;
  var form = document.getElementById('search-form');
  var input = document.getElementById('search-q');
  var list = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  if (!script || !form || !input || !list || !status) { return; }

  var lang = (document.documentElement.lang || 'zh').toLowerCase().indexOf('en') === 0 ? 'en' : 'zh';
  var siteRoot = script.getAttribute('data-site-root') || '';
  var langRoot = script.getAttribute('data-lang-root') || '';
  var text = {
    searching: script.getAttribute('data-searching'),
    none: script.getAttribute('data-none'),
    found: script.getAttribute('data-found'),
    empty: script.getAttribute('data-empty')
  };
  var MAX_RESULTS = 50;

  /* Full-width letters and digits to half-width, one case, one kind of space. */
  function normalise(s) {
    return String(s || '').normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  }

  function absolute(relativePath) {
    return new URL(relativePath, document.baseURI).href;
  }

  // -- offline: the compact index -------------------------------------------------

  var indexPromise = null;
  function loadIndex() {
    if (window.ATLAS_SEARCH) { return Promise.resolve(window.ATLAS_SEARCH); }
    if (!indexPromise) {
      indexPromise = new Promise(function (resolve, reject) {
        var tag = document.createElement('script');
        tag.src = siteRoot + 'static/data/search.js';
        tag.onload = function () { window.ATLAS_SEARCH ? resolve(window.ATLAS_SEARCH) : reject(new Error('empty index')); };
        tag.onerror = function () { reject(new Error('search index not found')); };
        document.head.appendChild(tag);
      });
    }
    return indexPromise;
  }

  /* Rank of one record for the query: 0 a name or alias is the query, 1 a name starts
     with it, 2 any field contains it, 3 every word of the query is in some field;
     -1 no match. */
  function rank(fields, names, q, words) {
    var i;
    for (i = 0; i < names.length; i++) { if (names[i] === q) { return 0; } }
    for (i = 0; i < 2; i++) { if (names[i] && names[i].indexOf(q) === 0) { return 1; } }
    for (i = 0; i < fields.length; i++) { if (fields[i].indexOf(q) !== -1) { return 2; } }
    if (words.length < 2) { return -1; }
    var all = fields.join('\n');
    for (i = 0; i < words.length; i++) { if (all.indexOf(words[i]) === -1) { return -1; } }
    return 3;
  }

  function offlineSearch(query) {
    return loadIndex().then(function (data) {
      var q = normalise(query), words = q.split(' ').filter(Boolean), hits = [];
      data.records.forEach(function (r, order) {
        var names = [r[2], r[3]].concat(r[4]).map(normalise);
        var fields = names.concat(r[5].map(normalise));
        var score = rank(fields, names, q, words);
        if (score < 0) { return; }
        var kind = data.kinds[r[0]];
        hits.push({
          score: score, order: order,
          kind: lang === 'en' ? kind[3] : kind[2],
          title: lang === 'en' ? (r[3] || r[2]) : r[2],
          also: lang === 'en' ? (r[3] ? r[2] : '') : r[3],
          href: langRoot + kind[1] + '/' + r[1] + '.html'
        });
      });
      hits.sort(function (a, b) { return a.score - b.score || a.order - b.order; });
      return hits;
    });
  }

  // -- online: Pagefind ------------------------------------------------------------

  var pagefindPromise = null;
  function loadPagefind() {
    if (!pagefindPromise) {
      /* The path from the server's root: Pagefind takes the site's base from it. */
      var folder = new URL(siteRoot + 'pagefind/', document.baseURI).pathname;
      pagefindPromise = fetch(folder + 'shards.json', { cache: 'no-cache' }).then(function (response) {
        if (!response.ok) { throw new Error('no search shards'); }
        return response.json();
      }).then(function (shards) {
        if (!Array.isArray(shards) || !shards.length) { throw new Error('no search shards'); }
        return import(absolute(folder + shards[0] + '/pagefind.js')).then(function (pf) {
          return pf.init().then(function () {
            return Promise.all(shards.slice(1).map(function (name) {
              return pf.mergeIndex(folder + name + '/');
            }));
          }).then(function () { return pf; });
        });
      });
    }
    return pagefindPromise;
  }

  /* Pagefind's order, except that a name that is the query comes first, then names
     that contain it. */
  function titleRank(title, q) {
    if (title === q) { return 0; }
    return title.indexOf(q) !== -1 ? 1 : 2;
  }

  /* The index is Chinese (segmented, not stemmed), and Pagefind matches each query word
     as the beginning of an indexed word; cutting English endings from the query makes
     one word find its other forms, as a stemmer would: wire finds wiring, batteries
     battery, vehicles vehicle. A "quoted" query is left as it is. */
  function stemEnglish(word) {
    if (!/^[a-z]+$/.test(word)) { return word; }
    /* Every cut leaves at least three letters, so that a stem stays a word's beginning. */
    return word.replace(/^(.{3,})ies$/, '$1').replace(/^(.{3,}[^su])s$/, '$1')
      .replace(/^(.{3,})(ing|ed)$/, '$1').replace(/^(.{3,})[ey]$/, '$1');
  }

  function pagefindQuery(query) {
    if (/^\s*".+"\s*$/.test(query)) { return query; }
    return normalise(query).split(' ').map(stemEnglish).join(' ');
  }

  function pagefindSearch(query) {
    return loadPagefind().then(function (pf) {
      return pf.search(pagefindQuery(query));
    }).then(function (search) {
      if (!search || !search.results) { throw new Error('Pagefind gave no answer'); }
      return Promise.all(search.results.slice(0, MAX_RESULTS).map(function (r) { return r.data(); }));
    }).then(function (found) {
      var q = normalise(query);
      var hits = found.map(function (d, order) {
        /* One record per entry for both languages: its names and kind in each, and its
           site path, which goes under the reader's language. */
        var meta = d.meta || {};
        var title = lang === 'en' ? (meta.title_en || meta.title) : meta.title;
        return {
          score: titleRank(normalise(title), q), order: order,
          kind: (lang === 'en' ? meta.kind_en : meta.kind) || '',
          title: title || meta.path,
          also: lang === 'en' ? (meta.title_en ? meta.title : '') : (meta.title_en || ''),
          href: langRoot + meta.path
        };
      });
      hits.sort(function (a, b) { return a.score - b.score || a.order - b.order; });
      return hits;
    });
  }

  function search(query) {
    if (location.protocol === 'file:') { return offlineSearch(query); }
    return pagefindSearch(query).catch(function () { return offlineSearch(query); });
  }

  // -- the page --------------------------------------------------------------------

  function show(hits) {
    list.textContent = '';
    hits.slice(0, MAX_RESULTS).forEach(function (hit) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = hit.href;
      var kind = document.createElement('span');
      kind.className = 'search-kind';
      kind.textContent = hit.kind;
      var name = document.createElement('span');
      name.className = 'search-name';
      name.textContent = hit.title;
      link.appendChild(kind);
      link.appendChild(document.createTextNode(' '));
      link.appendChild(name);
      item.appendChild(link);
      if (hit.also && hit.also !== hit.title) {
        var also = document.createElement('span');
        also.className = 'search-also';
        also.lang = lang === 'en' ? 'zh-CN' : 'en';
        also.textContent = hit.also;
        item.appendChild(document.createTextNode(' '));
        item.appendChild(also);
      }
      list.appendChild(item);
    });
    status.textContent = hits.length ? text.found.replace('{count}', String(hits.length)) : text.none;
  }

  var latest = 0;
  function run(query) {
    var ticket = ++latest;
    if (!normalise(query)) {
      list.textContent = '';
      status.textContent = text.empty;
      return;
    }
    status.textContent = text.searching;
    search(query).then(function (hits) {
      if (ticket === latest) { show(hits); }
    }, function () {
      if (ticket === latest) { show([]); }
    });
  }

  function remember(query) {
    var url = new URL(location.href);
    url.searchParams.set('q', query);
    try { history.replaceState(null, '', url.href); } catch (e) { /* file:// may refuse */ }
  }

  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { remember(input.value); run(input.value); }, 200);
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    clearTimeout(timer);
    remember(input.value);
    run(input.value);
  });

  var initial = new URLSearchParams(location.search).get('q') || '';
  input.value = initial;
  run(initial);
}());
