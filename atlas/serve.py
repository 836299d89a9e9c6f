"""`build.py serve`: build into a private folder, serve it on 127.0.0.1, rebuild when
content, templates, static files or atlas.toml change, and make open pages reload.

Only what is served is changed, never a built file: every HTML response gets a small
script that polls /__atlas__/build and reloads the page when a newer build (or a
newer failure) exists. While the last build failed, every page shows its problems
instead of the stale site, and turns back into the page once a build succeeds."""
from __future__ import annotations

import contextlib
import errno
import fnmatch
import functools
import html
import http.server
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import Project, load_settings, render_site
from .failures import build_problems
from .problems import Problem

WATCHED_FOLDERS = ("content", "templates", "static", "i18n")
WATCHED_FILES = ("atlas.toml",)
IGNORED_NAMES = ("*~", ".*.sw?", ".#*", "#*#")  # editors' swap, lock and backup files
STATUS_PATH = "/__atlas__/build"
POLL_S = 0.3
QUIET_S = 0.2    # a burst of saves (an editor, git checkout) is built once, when it ends
SETTLE_MAX_S = 3.0
AFTERMATH = "this page reloads by itself once it is fixed"

Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class BuildState:
    """The outcome of the latest build; `generation` counts every attempt."""

    generation: int = 0
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


# --- watching ---------------------------------------------------------------

def snapshot(root: Path) -> Snapshot:
    """Modification time and size of every watched file, by path relative to `root`."""
    found: Snapshot = {}
    paths = [root / name for name in WATCHED_FILES]
    for folder in WATCHED_FOLDERS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames.sort()
            paths.extend(Path(dirpath) / name for name in filenames)
    for path in paths:
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in IGNORED_NAMES):
            continue
        try:
            stat = path.stat()
        except OSError:  # missing, or deleted while we looked
            continue
        found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def settle(root: Path, current: Snapshot, sleep: Callable[[float], None] = time.sleep) -> Snapshot:
    """Wait until the watched files stop changing for QUIET_S (at most SETTLE_MAX_S)."""
    waited = 0.0
    while waited < SETTLE_MAX_S:
        sleep(QUIET_S)
        waited += QUIET_S
        again = snapshot(root)
        if again == current:
            break
        current = again
    return current


# --- building ---------------------------------------------------------------

def rebuild(project: Project, site: Path, generation: int) -> tuple[BuildState, str]:
    """Build the site into `site`; the new state and a line for the terminal."""
    started = time.monotonic()
    try:
        # No base URL: the preview's links all stay on this server.
        report = render_site(project, load_settings(project, ""), site)
    except Exception as err:  # noqa: BLE001 - shown in the page and terminal, never as a traceback
        problems = build_problems(err, project.root, site, AFTERMATH) or [
            Problem("atlas", 0, f"internal error: {type(err).__name__}: {err}",
                    "run `build.py --debug` to see the traceback")]
        n = len(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        return (BuildState(generation, tuple(problems)),
                f"build failed, {n} problem{'s' if n != 1 else ''}:\n{lines}")
    return (BuildState(generation),
            f"built {report.pages} pages in {time.monotonic() - started:.1f} s")


# --- what the browser gets --------------------------------------------------

RELOAD_SCRIPT = """<script>/* build.py serve: reload when the site is rebuilt */
(function () {
  var shown = GENERATION;
  function poll() {
    fetch("STATUS_PATH", {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (s) { if (s.generation !== shown) { location.reload(); } },
            function () {})
      .then(function () { setTimeout(poll, 400); });
  }
  setTimeout(poll, 400);
})();
</script>
"""


def reload_script(generation: int) -> str:
    return RELOAD_SCRIPT.replace("GENERATION", str(int(generation))).replace("STATUS_PATH", STATUS_PATH)


def inject_reload(page: str, generation: int) -> str:
    """The page with the reload script added just before its last </body>."""
    script = reload_script(generation)
    at = page.lower().rfind("</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


ERROR_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #fff5f5; color: #1a1a1a; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { color: #a40000; font-size: 1.5rem; }
ol { padding-left: 1.5rem; }
li { margin: .6rem 0; }
code { font: .95em ui-monospace, monospace; background: #ffe3e3; padding: .1em .3em; }
.hint { color: #444; }
"""


def error_page(state: BuildState) -> str:
    """A page listing the build's problems. Every problem's text is escaped: it may
    quote content, and content is not trusted."""
    items = "".join(
        f"<li><code>{html.escape(f'{p.path}:{p.line}' if p.line else p.path)}</code> "
        f"{html.escape(p.message)}"
        + (f' <span class="hint">({html.escape(p.hint)})</span>' if p.hint else "") + "</li>\n"
        for p in state.problems)
    n = len(state.problems)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>Build failed · 构建失败</title>\n"
            f"<style>{ERROR_STYLE}</style>\n</head>\n<body>\n<main>\n"
            "<h1>The site could not be built <span lang=\"zh\">网站未能生成</span></h1>\n"
            f"<p>{n} problem{'s' if n != 1 else ''}. Fix {'them' if n != 1 else 'it'} and save: "
            "this page turns back into the page you opened by itself.</p>\n"
            f"<ol class=\"problems\">\n{items}</ol>\n</main>\n"
            + reload_script(state.generation) + "</body>\n</html>\n")


NOT_BUILT = "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>" \
            "<body><p>No such page.</p></body></html>\n"


def with_root_base(page: str) -> str:
    """A page shown at another address (404.html) resolves its relative links from /."""
    return re.sub(r"(<head[^>]*>)", r'\1<base href="/">', page, count=1, flags=re.IGNORECASE)


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Path):
        self.site = site
        self.state = BuildState()
        super().__init__(address, functools.partial(PreviewHandler, directory=str(site)))

    def handle_error(self, request, client_address) -> None:
        err = sys.exc_info()[1]
        # A browser that gives up on a response (a reload, a closed tab) is normal here.
        if not isinstance(err, ConnectionError):
            print(f"error answering {client_address[0]}: {type(err).__name__}: {err}", flush=True)


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows builds, not requests

    def _respond(self, send_body: bool) -> None:
        url_path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        state = self.server.state
        if url_path == STATUS_PATH:
            status = {"generation": state.generation, "ok": state.ok, "problems": len(state.problems)}
            return self._send(200, "application/json", json.dumps(status), send_body)
        page = self._page_file(url_path)
        if page is None:
            return super().do_GET() if send_body else super().do_HEAD()
        if not state.ok:
            return self._send(500, "text/html; charset=utf-8", error_page(state), send_body)
        if page.is_file():
            text = inject_reload(page.read_bytes().decode("utf-8", "replace"), state.generation)
            return self._send(200, "text/html; charset=utf-8", text, send_body)
        missing = self.server.site / "404.html"
        text = with_root_base(missing.read_text(encoding="utf-8")) if missing.is_file() else NOT_BUILT
        return self._send(404, "text/html; charset=utf-8", inject_reload(text, state.generation),
                          send_body)

    def _page_file(self, url_path: str) -> Path | None:
        """The HTML file a request asks for, or None when it asks for something else
        (an asset, or a folder without its trailing slash, which the base class redirects)."""
        path = Path(self.translate_path(self.path))
        if url_path.endswith("/"):
            return path / "index.html"
        if path.suffix == ".html":
            return path
        return None

    def _send(self, code: int, content_type: str, text: str, send_body: bool) -> None:
        body = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


# --- the command --------------------------------------------------------------

@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Stop on SIGTERM as on Ctrl-C, so the private folder is removed either way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


def _describe(paths: list[str]) -> str:
    return paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "") if paths else "files"


def serve(project: Project, port: int = 8000, host: str = "127.0.0.1") -> int:
    """Serve the site until Ctrl-C; 0 on a clean stop, 1 when the port cannot be used."""
    with tempfile.TemporaryDirectory(prefix="atlas-serve-") as tmp:
        try:
            server = PreviewServer((host, port), Path(tmp) / "site")
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                print(f"port {port} on {host} is already in use (is another `build.py serve` "
                      f"running?): pick another with --port {port + 1}, or --port 0 for any free port",
                      flush=True)
            else:
                print(f"cannot listen on {host}:{port}: {err.strerror}", flush=True)
            return 1
        thread = threading.Thread(target=server.serve_forever, name="atlas-serve", daemon=True)
        try:
            with _sigterm_as_interrupt():
                seen = snapshot(project.root)
                server.state, line = rebuild(project, server.site, 1)
                _say(line)
                thread.start()
                address = f"http://{host}:{server.server_address[1]}/"
                print(f"serving the atlas at {address} (Ctrl-C to stop), built in {server.site}; "
                      f"watching {', '.join(f + '/' for f in WATCHED_FOLDERS)} and "
                      f"{', '.join(WATCHED_FILES)}", flush=True)
                while True:
                    time.sleep(POLL_S)
                    now = snapshot(project.root)
                    if now == seen:
                        continue
                    now = settle(project.root, now)
                    _say(f"{_describe(changed_paths(seen, now))} changed, rebuilding")
                    seen = now
                    server.state, line = rebuild(project, server.site, server.state.generation + 1)
                    _say(line)
        except KeyboardInterrupt:
            print("stopped", flush=True)
        finally:
            if thread.is_alive():
                server.shutdown()
            server.server_close()
    return 0
