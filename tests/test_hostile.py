"""Hostile content: a script payload in every string field must never run in a
reader's browser, on any page or on the map (checked in real headless Chromium)."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from atlas import Project, build

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    if os.environ.get("ATLAS_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing; install Debian's chromium package")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

PAYLOADS = [
    "<script>window.__xss='script';alert(1)</script>",
    "<img src=x onerror=\"window.__xss='img';alert(2)\">",
    "\"><svg onload=\"window.__xss='svg'\">",
    "'><b onmouseover=alert(3)>x</b>",
    "`${window.__xss='template';alert(4)}`",
    "</script><script>window.__xss='close';alert(5)</script>",
    "\\`;window.__xss='backslash';//",
]
# Free-text fields of every kind of record; ids, enums and numbers are checked by
# the validator, so only these can carry arbitrary text.
TEXT_KEYS = {"name", "name_en", "summary", "summary_en", "subject", "subject_en", "note",
             "product", "product_en", "title", "title_en", "list", "list_en", "outlet",
             "outlet_en", "date_clue", "assumed_basis"}
LIST_KEYS = {"aliases", "reporters", "sections"}


def _poison(node, counter):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_KEYS and isinstance(value, str):
                node[key] = value + PAYLOADS[next(counter) % len(PAYLOADS)]
            elif key in LIST_KEYS and isinstance(value, list):
                node[key] = value + [PAYLOADS[next(counter) % len(PAYLOADS)]]
            else:
                _poison(value, counter)
    elif isinstance(node, list):
        for item in node:
            _poison(item, counter)


def _hostile_project(folder: Path) -> Path:
    import itertools
    for name in ("content", "templates", "static", "i18n"):
        shutil.copytree(ROOT / name, folder / name)
    counter = itertools.count()
    content = folder / "content"
    for path in sorted(content.rglob("*.yaml")):
        if path.name in ("districts.yaml", "metrics.yaml", "industries.yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        _poison(data, counter)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # A quote is verbatim source text: make one article carry a payload and quote it.
    source = content / "sources/tjrb-2025-09-clusters.txt"
    source.write_text(source.read_text(encoding="utf-8") + "\n" + PAYLOADS[0] + PAYLOADS[5] + "\n",
                      encoding="utf-8")
    cluster = content / "clusters/ninghe-auto-parts.yaml"
    data = yaml.safe_load(cluster.read_text(encoding="utf-8"))
    data["facts"][0]["quote"] = PAYLOADS[0] + PAYLOADS[5]
    cluster.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # Markdown: raw HTML, event handlers and script links.
    about = content / "pages/about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(PAYLOADS) +
                     "\n\n[click](javascript:window.__xss='link') "
                     "<a href=\"javascript:alert(9)\">a</a> <iframe src=\"javascript:alert(10)\"></iframe>\n",
                     encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    folder = _hostile_project(tmp_path_factory.mktemp("hostile"))
    build(Project(folder), folder / "site")
    return folder / "site"


@pytest.fixture(scope="module")
def hostile_server(hostile_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(hostile_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


INJECTED = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.getAttributeNames()) {
            if (attr.startsWith('on')) bad.push(el.tagName + '[' + attr + ']');
        }
        if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') bad.push('img[src=x]');
        if (el.tagName === 'IFRAME') bad.push('iframe');
        const href = el.getAttribute('href') || '';
        if (href.trim().toLowerCase().startsWith('javascript:')) bad.push('javascript: link');
    }
    for (const s of document.querySelectorAll('script')) {
        // The payload may sit in a script as escaped text, but never as live syntax.
        if (!s.src && (s.textContent.includes("${window.__xss") ||
                       s.textContent.includes("<script>window.__xss")))
            bad.push('inline script with live payload');
    }
    return {bad, xss: window.__xss || null};
}"""

OPEN_EVERY_POPUP_AND_TOOLTIP = """() => {
    let n = 0;
    for (const key of Object.keys(window)) {
        const v = window[key];
        if (v && typeof v.eachLayer === 'function' && v instanceof L.LayerGroup) {
            v.eachLayer(layer => {
                if (layer.getPopup && layer.getPopup()) {
                    const p = layer.getPopup();
                    const div = document.createElement('div');
                    let content = p.getContent();
                    if (typeof content === 'function') content = content(layer);
                    div.appendChild(typeof content === 'string' ? document.createRange()
                        .createContextualFragment(content) : content.cloneNode(true));
                    document.body.appendChild(div); n++;
                }
                if (layer.getTooltip && layer.getTooltip()) {
                    const t = layer.getTooltip().getContent();
                    const div = document.createElement('div');
                    if (typeof t === 'string') div.innerHTML = t; else div.appendChild(t.cloneNode(true));
                    document.body.appendChild(div); n++;
                }
            });
        }
    }
    return n;
}"""


def test_the_payloads_reach_the_site_as_text(hostile_site):
    page = (hostile_site / "companies/langfang-leoni-wiring.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in page or "&lt;img" in page or "&lt;/script&gt;" in page


def test_no_payload_runs_on_any_page_or_map(hostile_site, hostile_server):
    pages = sorted(p.relative_to(hostile_site).as_posix() for p in hostile_site.rglob("*.html"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        opened = 0
        try:
            for path in pages:
                page.goto(hostile_server + path)
                page.wait_for_load_state("load")
                if page.locator(".folium-map").count():
                    opened += page.evaluate(OPEN_EVERY_POPUP_AND_TOOLTIP)
                    page.mouse.move(200, 300)
                    page.wait_for_timeout(50)
                found = page.evaluate(INJECTED)
                assert not found["bad"], (path, found["bad"][:5])
                assert found["xss"] is None, (path, found["xss"])
                assert not dialogs, (path, dialogs)
                assert not errors, (path, errors)
        finally:
            browser.close()
    assert opened > 500, "the map's popups and tooltips were not exercised"
