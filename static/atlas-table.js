/* Sortable tables and the supply page's vehicle-maker filter, as progressive enhancement:
   without this script every table is complete and in its built order, and each maker's
   network has its own section (or, on a split supply page, a link to its company page).

   A table with class "sortable" gets a button in each column header. A cell's
   data-sort attribute, when present, is the number the column sorts by (the figure
   scaled by its unit, so 1.2 亿元 comes after 5000 万元); a cell without one in a
   number column ("not reported") goes last either way. Other columns sort by their
   text, Chinese by pinyin (the page language's collation). The header of the sorted
   column carries aria-sort; a status line announces the new order. */
(function () {
  'use strict';

  var script = document.currentScript;
  var texts = {
    asc: (script && script.getAttribute('data-sorted-asc')) || '{column} ↑',
    desc: (script && script.getAttribute('data-sorted-desc')) || '{column} ↓'
  };
  var lang = document.documentElement.lang || 'zh-CN';
  var collator = new Intl.Collator(lang, {numeric: true, sensitivity: 'base'});

  function sortKey(cell, numeric) {
    if (!cell) { return null; }
    if (numeric) {
      var raw = cell.getAttribute('data-sort');
      if (raw === null || raw === '') { return null; }
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return cell.textContent.replace(/\s+/g, ' ').trim();
  }

  function compare(a, b, numeric) {
    return numeric ? a.key - b.key : collator.compare(a.key, b.key);
  }

  function makeSortable(table) {
    var head = table.tHead && table.tHead.rows[0];
    var body = table.tBodies[0];
    if (!head || !body) { return; }
    var status = document.createElement('p');
    status.className = 'sort-status visually-hidden';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    (table.parentNode.classList.contains('table-wrap') ? table.parentNode : table)
      .insertAdjacentElement('afterend', status);

    Array.prototype.forEach.call(head.cells, function (th, column) {
      if (th.hasAttribute('data-nosort')) { return; }
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort-button';
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener('click', function () {
        var numeric = th.getAttribute('data-type') === 'number';
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        var rows = Array.prototype.map.call(body.rows, function (row, index) {
          return {row: row, index: index, key: sortKey(row.cells[column], numeric)};
        });
        rows.sort(function (a, b) {
          /* Missing values last, whatever the direction; ties keep their built order. */
          var missing = (a.key === null) - (b.key === null);
          if (missing) { return missing; }
          var order = compare(a, b, numeric) * (ascending ? 1 : -1);
          return order || a.index - b.index;
        });
        rows.forEach(function (r) { body.appendChild(r.row); });
        Array.prototype.forEach.call(head.cells, function (other) {
          other.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        status.textContent = (ascending ? texts.asc : texts.desc)
          .replace('{column}', button.textContent.replace(/\s+/g, ' ').trim());
      });
    });
  }

  /* The supply page: choose a vehicle maker, see only the links of its network (rows
     whose data-makers names it) and its own network section. ?maker=<id> preselects.
     A split supply page (data-mode="go": its links are on several pages) instead
     points the form's links at the chosen maker's network (its company page, the
     option's data-network) and at its map; choosing never leaves the page by itself. */
  function makerFilter(form) {
    var select = form.querySelector('select');
    var goes = form.getAttribute('data-mode') === 'go';
    var table = document.getElementById(form.getAttribute('data-filter-table'));
    var status = form.querySelector('.filter-status');
    var mapLink = form.querySelector('.filter-map');
    var networkLink = form.querySelector('.filter-network');
    if (!select || !(table || (goes && networkLink))) { return; }

    function point(maker) {
      var option = select.options[select.selectedIndex];
      networkLink.href = maker ? option.getAttribute('data-network')
        : networkLink.getAttribute('data-base');
      status.textContent = maker
        ? form.getAttribute('data-status-one').replace('{maker}', option.textContent.trim())
            .replace('{n}', option.getAttribute('data-links') || '')
        : '';
      if (mapLink) {
        mapLink.href = mapLink.getAttribute('data-base') + (maker ? '?maker=' + encodeURIComponent(maker) : '');
      }
    }

    function apply(maker) {
      if (goes) { point(maker); return; }
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var makers = (row.getAttribute('data-makers') || '').split(' ');
        row.hidden = Boolean(maker) && makers.indexOf(maker) < 0;
        if (!row.hidden) { shown += 1; }
      });
      Array.prototype.forEach.call(document.querySelectorAll('section[data-maker]'), function (s) {
        s.hidden = Boolean(maker) && s.getAttribute('data-maker') !== maker;
      });
      var option = select.options[select.selectedIndex];
      status.textContent = maker
        ? form.getAttribute('data-status-one').replace('{maker}', option.textContent.trim())
            .replace('{n}', String(shown))
        : form.getAttribute('data-status-all');
      if (mapLink) {
        mapLink.href = mapLink.getAttribute('data-base') + (maker ? '?maker=' + encodeURIComponent(maker) : '');
      }
    }

    var wanted = new URLSearchParams(window.location.search).get('maker');
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
    select.addEventListener('change', function () {
      apply(select.value);
      try {
        var address = new URL(window.location.href);
        if (select.value) { address.searchParams.set('maker', select.value); }
        else { address.searchParams.delete('maker'); }
        window.history.replaceState(null, '', address.href);
      } catch (e) { /* file:// pages may refuse; the filter works regardless */ }
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.hidden = false;
    apply(select.value);
  }

  /* The split supply page: an address naming a link (supply.html#link-1234, as the
     open data gives it) goes to the page of links that lists it. */
  function findLinkPage() {
    var pager = document.querySelector('nav.pager[data-per-page]');
    var wanted = /^#link-(\d+)$/.exec(window.location.hash);
    if (!pager || !wanted || document.getElementById(wanted[0].slice(1))) { return; }
    var number = Math.floor((parseInt(wanted[1], 10) - 1) / parseInt(pager.getAttribute('data-per-page'), 10)) + 1;
    if (number > parseInt(pager.getAttribute('data-pages'), 10)) { return; }
    window.location.replace(pager.getAttribute('data-page-paths').replace('{n}', String(number)) + wanted[0]);
  }

  function init() {
    findLinkPage();
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll('form.maker-filter'), makerFilter);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
