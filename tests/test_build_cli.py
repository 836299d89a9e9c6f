"""The command line as a curator meets it: clear errors, no traceback, the old site kept."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "--root", str(project)],
                          capture_output=True, text=True, env={"SOURCE_DATE_EPOCH": "0",
                                                               "PATH": "/usr/bin:/bin"})


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_check_passes_on_the_real_content():
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "content OK" in result.stdout


def test_bad_content_reports_file_and_line_and_keeps_the_site(project_copy):
    assert _run(project_copy).returncode == 0
    site = project_copy / "site"
    before = _digest(site)
    company = project_copy / "content/companies/langfang-leoni-wiring.yaml"
    lines = company.read_text(encoding="utf-8").splitlines()
    role_line = next(i for i, line in enumerate(lines) if line.startswith("role:"))
    lines[role_line] = "role: tier1-suplier"
    company.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (project_copy / "content/parks/broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")

    result = _run(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"content/companies/langfang-leoni-wiring.yaml:{role_line + 1}: `role: tier1-suplier`" \
        in result.stderr
    assert "did you mean `tier1-supplier`?" in result.stderr
    assert "content/parks/broken.yaml:1: YAML syntax error" in result.stderr
    assert result.stderr.strip().endswith("2 problems found; nothing was written.")
    assert _digest(site) == before


def test_template_error_keeps_the_site(project_copy):
    assert _run(project_copy).returncode == 0
    before = _digest(project_copy / "site")
    template = project_copy / "templates/company.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{{ loc(r, 'name') }}", "{{ r.no_such_field }}", 1), encoding="utf-8")
    result = _run(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "templates/company.html:" in result.stderr and "template error" in result.stderr
    assert "no_such_field" in result.stderr
    assert _digest(project_copy / "site") == before
    assert not [p for p in project_copy.iterdir() if p.name.startswith(".site-")], \
        "the temporary build folder was left behind"


def test_hostile_strings_are_escaped(project_copy):
    company = project_copy / "content/companies/langfang-leoni-wiring.yaml"
    text = company.read_text(encoding="utf-8")
    payload = "<script>alert(1)</script>`${alert(2)}`\\\"'><img src=x onerror=alert(3)>"
    text = "\n".join(f"name_en: {yaml_quote(payload)}" if line.startswith("name_en:") else line
                  for line in text.splitlines()) + "\n"
    company.write_text(text, encoding="utf-8")
    summary_file = project_copy / "content/pages/about.md"
    summary_file.write_text(summary_file.read_text(encoding="utf-8") +
                            "\n<script>alert(4)</script> [x](javascript:alert(5))\n", encoding="utf-8")
    assert _run(project_copy).returncode == 0
    site = project_copy / "site"
    for page in [site / "companies/langfang-leoni-wiring.html", site / "map.html",
                 site / "about.html", site / "index.html"]:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page.name
        assert "onerror=alert" not in html.replace("onerror=alert(3)&gt;", ""), page.name
        assert "javascript:alert" not in html, page.name
        scripts = "".join(re.findall(r"<script>(.*?)</script>", html, flags=re.S))
        assert "${alert" not in scripts and "`${" not in scripts, page.name


def yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
