"""The map's interface words (popup role, precision, profile link) come from the
catalogues: written on the atlas-map.js script tag of every map page, shown in the
page's language, and a missing one stops the build naming it."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atlas import maps
from atlas.i18n import load_catalogues
from atlas.urls import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = load_catalogues(ROOT / "i18n")


def expected_words(lang: str) -> dict:
    words = CATALOGUES[lang]
    return {"precision": [words[f"precision.{p}"] for p in maps.PRECISIONS],
            "role": {kind: words[f"map.role.{kind}"] for kind, _, _ in maps.MARKER_KINDS},
            "profile": words["mappage.profile"]}


class MapScriptTags(HTMLParser):
    """The data-words of every <script> that loads atlas-map.js (None when it has none)."""

    def __init__(self):
        super().__init__()
        self.words: list = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and (attrs.get("src") or "").endswith("static/atlas-map.js"):
            self.words.append(attrs.get("data-words"))


def test_every_map_page_carries_its_languages_words_once(built_site):
    pages = 0
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if "atlas-map.js" not in html:
            continue
        tags = MapScriptTags()
        tags.feed(html)
        lang = "en" if page.relative_to(built_site).parts[0] == "en" else "zh"
        assert len(tags.words) == 1, page
        assert json.loads(tags.words[0]) == expected_words(lang), page
        pages += 1
    assert pages > 100   # the map page, the home page and every located record's page


def _build(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project)],
                          capture_output=True, text=True,
                          env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"})


def _drop_role(catalogue: Path, kind: str) -> None:
    text = catalogue.read_text(encoding="utf-8")
    role = re.search(r"^  role:\n(    .*\n)+", text, re.MULTILINE)
    entry = re.search(rf"^    {kind}: .*\n", role.group(), re.MULTILINE)
    start = role.start() + entry.start()
    catalogue.write_text(text[:start] + text[role.start() + entry.end():], encoding="utf-8")


def test_a_map_word_missing_from_one_catalogue_is_a_build_error_naming_it(project_copy):
    _drop_role(project_copy / "i18n/en.yaml", "vehicle")
    result = _build(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "i18n/en.yaml" in result.stderr and "`map.role.vehicle` is missing" in result.stderr
    assert not (project_copy / "site").exists()


def test_a_map_word_missing_from_both_catalogues_is_a_build_error_naming_it(project_copy):
    for lang in ("zh", "en"):
        _drop_role(project_copy / f"i18n/{lang}.yaml", "institution")
    result = _build(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = next(n for n, text in enumerate(
        (project_copy / "templates/_chrome.html").read_text(encoding="utf-8").splitlines(), 1)
        if "map.role.institution" in text)
    assert (f"templates/_chrome.html:{line}: interface string `map.role.institution` is not in"
            in result.stderr), result.stderr
    assert not (project_copy / "site").exists()


# --- in a real Chromium ----------------------------------------------------------

def _showing(real_atlas) -> list:
    """Located records that together show every marker kind and every precision."""
    kinds, precisions, chosen = set(), set(), []
    for record in maps.located(real_atlas):
        kind, precision = maps.marker_kind(record), record.location.precision
        if kind not in kinds or precision not in precisions:
            chosen.append(record)
            kinds.add(kind)
            precisions.add(precision)
    return chosen


OPEN_POPUP = """async (path) => {
    for (const kind of ['park', 'vehicle', 'supplier', 'institution']) {
        const group = window['atlas_' + kind + '_markers'];
        let found = null;
        group.eachLayer(m => { if (m.atlasPath === path) { found = m; } });
        if (found) {
            await new Promise(done => group.zoomToShowLayer(found, done));
            found.openPopup();
            const box = found.getPopup().getElement().querySelector('.leaflet-popup-content');
            const role = box.querySelector('.popup-role');
            return {role: role ? role.textContent : null, link: box.querySelector('a').textContent,
                    text: box.textContent};
        }
    }
    return null;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang, path", [("zh", "map.html"), ("en", "en/map.html")])
def test_popups_speak_the_page_language_from_the_catalogue(
        server, browser, real_atlas, lang, path):
    words = CATALOGUES[lang]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server + path)
        page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
        records = _showing(real_atlas)
        assert len({maps.marker_kind(r) for r in records}) == 4
        for record in records:
            shown = page.evaluate(OPEN_POPUP, f"{SECTIONS[record.kind_name]}/{record.id}.html")
            assert shown is not None, record.id
            role = (f"{words['map.role.' + maps.marker_kind(record)]} · "
                    f"{words['precision.' + record.location.precision]}")
            assert shown["role"] == role, record.id
            assert shown["link"] == words["mappage.profile"], record.id
        assert not errors
    finally:
        context.close()


@pytest.mark.browser
def test_without_its_words_a_popup_shows_nothing_made_up(server, browser, real_atlas):
    """A page whose script tag lost data-words: no 'undefined', the link named by the place."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def without_words(route):
        body = route.fetch().text()
        route.fulfill(body=re.sub(r' data-words="[^"]*"', "", body),
                      headers={"content-type": "text/html; charset=utf-8"})
    page.route("**/en/map.html", without_words)
    try:
        page.goto(server + "en/map.html")
        page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
        record = real_atlas.companies["langfang-leoni-wiring"]
        shown = page.evaluate(OPEN_POPUP, "companies/langfang-leoni-wiring.html")
        assert shown["role"] is None
        assert "undefined" not in shown["text"]
        assert shown["link"] == (record.name_en or record.name)
        assert not errors
    finally:
        context.close()
