"""`build.py serve`: the site served from a private folder, rebuilt on every save, open
pages reloading by themselves, a failed build shown in the page until it is fixed."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
COMPANY = "beijing-benz"
STARTUP_S = 180
CHANGE_S = 60  # a bound for loaded machines; a rebuild normally takes a few seconds


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Server:
    """`build.py serve` in a subprocess, its output collected line by line."""

    def __init__(self, project: Path, port: int = 0):
        self.project = project
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
             "--root", str(project)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"},
            # As from a terminal, where Ctrl-C interrupts: a test run started in the
            # background (nohup, `&`) ignores SIGINT, and a child would inherit that.
            preexec_fn=_interruptible)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.errors: list[str] = []
        self.readers = [threading.Thread(target=self._collect, args=(stream, into), daemon=True)
                        for stream, into in ((self.process.stdout, self.output),
                                             (self.process.stderr, self.errors))]
        for reader in self.readers:
            reader.start()

    def _collect(self, stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r}; output:\n{''.join(self.output)}"
                             f"{''.join(self.errors)}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def served(project_copy):
    server = Server(project_copy)
    try:
        found = server.wait_for(r"serving the atlas at (http://127\.0\.0\.1:\d+/) .*, built in (\S+);",
                                STARTUP_S)
        server.url, server.private = found.group(1), Path(found.group(2))
        assert (server.private / "index.html").is_file()
        yield server
    finally:
        server.stop()


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode("utf-8")


def company_file(project: Path) -> Path:
    return project / "content/companies" / f"{COMPANY}.yaml"


def set_summary(project: Path, text: str) -> None:
    """Replace the company's Chinese summary (a `summary: |` block) with one line."""
    path = company_file(project)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("summary: |")
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    path.write_text("\n".join(lines[:start + 1] + [f"  {text}"] + lines[end:]) + "\n", encoding="utf-8")


def test_serves_pages_with_the_reload_script_then_stops_on_ctrl_c(served):
    status, kind, page = fetch(served.url + f"companies/{COMPANY}.html")
    assert status == 200 and kind.startswith("text/html")
    assert "北京奔驰" in page
    assert "/__atlas__/build" in page and page.rstrip().endswith("</html>")
    status, _, body = fetch(served.url + "__atlas__/build")
    assert status == 200 and json.loads(body)["ok"] is True
    # Assets are served as built, without the script.
    status, _, css = fetch(served.url + "static/atlas.css")
    assert status == 200 and css == (served.project / "static/atlas.css").read_text(encoding="utf-8")
    status, _, missing = fetch(served.url + "companies/no-such-company.html")
    assert status == 404 and "/__atlas__/build" in missing
    assert not (served.project / "site").exists(), "serve must not write the project's site/"
    built = (served.private / "companies" / f"{COMPANY}.html").read_text(encoding="utf-8")
    assert "北京奔驰" in built and "__atlas__" not in built, "the script is added when served, not built"

    # Ctrl-C stops it without a traceback and removes the private folder.
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=20) == 0
    for reader in served.readers:
        reader.join(timeout=10)
    assert "stopped" in "".join(served.output)
    assert "Traceback" not in "".join(served.errors)
    assert not served.private.exists(), "the private build folder was left behind"


def test_a_save_rebuilds_and_a_broken_file_shows_in_every_page(served):
    set_summary(served.project, "预览服务测试摘要")
    served.wait_for(rf"content/companies/{COMPANY}\.yaml changed", CHANGE_S)
    served.wait_for(r"built \d+ pages in", CHANGE_S)
    assert "预览服务测试摘要" in fetch(served.url + f"companies/{COMPANY}.html")[2]

    template = served.project / "templates/company.html"
    good = template.read_text(encoding="utf-8")
    assert "{% endblock %}" in good
    template.write_text(good.replace("{% endblock %}", "{% endblok %}", 1), encoding="utf-8")
    served.wait_for(r"build failed, 1 problem", CHANGE_S)
    status, _, html = fetch(served.url + "index.html")
    assert status == 500 and "templates/company.html:" in html and "endblok" in html
    template.write_text(good, encoding="utf-8")
    served.wait_for(r"built \d+ pages in", CHANGE_S)
    assert fetch(served.url + "index.html")[0] == 200

    path = company_file(served.project)
    path.write_text(path.read_text(encoding="utf-8") + "<b>bold</b>: 1\n", encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    served.wait_for(r"build failed, 1 problem", CHANGE_S)
    for page in (f"companies/{COMPANY}.html", "index.html", "map.html"):
        status, _, html = fetch(served.url + page)
        assert status == 500
        assert f"content/companies/{COMPANY}.yaml:{line}" in html
        assert "unknown field `&lt;b&gt;bold&lt;/b&gt;`" in html and "<b>bold" not in html


def test_port_in_use_is_refused_with_a_clear_message(project_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Server(project_copy, port)
        try:
            assert server.process.wait(timeout=30) == 1
        finally:
            server.stop()
    text = "".join(server.output + server.errors)
    assert f"port {port} on 127.0.0.1 is already in use" in text and "--port" in text
    assert "Traceback" not in text


# --- in a real browser ----------------------------------------------------------

@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("ATLAS_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.browser
def test_open_page_follows_edits_errors_and_fixes_by_itself(served, chromium):
    from playwright.sync_api import expect

    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served.url + f"companies/{COMPANY}.html")
    expect(page.locator("h1")).to_contain_text("北京奔驰")

    # An edit shows up in the open page; the test never reloads it.
    set_summary(served.project, "预览服务自动刷新测试")
    expect(page.locator("body")).to_contain_text("预览服务自动刷新测试", timeout=CHANGE_S * 1000)

    # A broken file replaces the page with the problem, its file and line, as text.
    path = company_file(served.project)
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "<img src=x onerror=alert(1)>: 1\n", encoding="utf-8")
    line = len(good.splitlines()) + 1
    problems = page.locator("ol.problems")
    expect(problems).to_contain_text(f"content/companies/{COMPANY}.yaml:{line}",
                                     timeout=CHANGE_S * 1000)
    expect(problems).to_contain_text("unknown field `<img src=x onerror=alert(1)>`")
    assert page.locator("img").count() == 0

    # Fixed, the page comes back by itself.
    path.write_text(good, encoding="utf-8")
    expect(page.locator("h1")).to_contain_text("北京奔驰", timeout=CHANGE_S * 1000)
    expect(page.locator("body")).to_contain_text("预览服务自动刷新测试")
    assert page.locator("ol.problems").count() == 0
    assert dialogs == []
    page.close()
