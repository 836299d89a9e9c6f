"""What every browser test shares: the real Chromium, the site served as GitHub Pages
serves a project site, and a tab that records errors and requests leaving the site."""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]
SUBPATH = "/atlas/"

if not HAVE_CHROMIUM and os.environ.get("ATLAS_REQUIRE_BROWSER"):
    raise RuntimeError(f"{CHROMIUM} is missing; install Debian's chromium package")

needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")


def require_chromium() -> None:
    """Skip the calling test module where Chromium is absent (fail under CI)."""
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """`folder` over http on a free local port; yields the address of its root."""
    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


@contextlib.contextmanager
def serving_under_subpath(site: Path, scratch: Path):
    """A built site copied into `scratch` under SUBPATH and served over http, as GitHub
    Pages serves a project site; yields the address of the site's root."""
    shutil.copytree(site, scratch / SUBPATH.strip("/"))
    with serving(scratch) as address:
        yield address.rstrip("/") + SUBPATH


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """Opens a page and records console errors and every request leaving the site."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 360, "height": 740})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def close(self):
        self.context.close()


def serious_axe_problems(browser, base: str, path: str) -> tuple[list, list]:
    """axe-core's serious and critical violations on a page, and the page's script errors."""
    from axe_playwright_python.sync_playwright import Axe
    watch = PageWatch(browser, base)
    try:
        watch.open(path)
        violations = [(v["id"], v["help"]) for v in Axe().run(watch.page).response["violations"]
                      if v["impact"] in ("serious", "critical")]
        return violations, list(watch.errors)
    finally:
        watch.close()
