"""`build.py new company|cluster|park <id>`: a skeleton that names what to fill in,
validates once filled, and refuses ids that cannot be or already are."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from atlas.model import PROVINCES
from atlas.urls import SECTIONS
from atlas.validate import CLUSTER_KINDS, COMPANY_ROLES, PARK_KINDS

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("company", "cluster", "park")
FILL_IN = re.compile(r"^([a-z_]+):\s+# FILL IN: ")
COMMENTED_FIELD = re.compile(r"^# (\s*(?:- )?[a-z_]+:)\s+#")


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "--root", str(project)],
                          capture_output=True, text=True, timeout=120,
                          env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"})


def _first_id(path: Path) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))[0]["id"]


def _filled_values(project: Path, kind: str) -> dict[str, str]:
    """What a curator would write on each FILL IN line, taken from the project's own tables."""
    first_source = sorted(p.stem for p in (project / "content/sources").glob("*.yaml"))[0]
    kinds = {"company": COMPANY_ROLES, "cluster": CLUSTER_KINDS, "park": PARK_KINDS}[kind]
    return {"name": f"测试{kind}", "name_en": f"Test {kind}", "role": COMPANY_ROLES[0],
            "kind": kinds[0], "industry": _first_id(project / "content/industries.yaml"),
            "region": sorted(PROVINCES)[0], "sources": f"[{first_source}]"}


def _count(check_output: str, kind: str) -> int:
    plural = {"company": "companies", "cluster": "clusters", "park": "parks"}[kind]
    return int(re.search(rf"(\d+) {plural}", check_output).group(1))


def _new_file(project: Path, kind: str, ident: str) -> Path:
    return project / "content" / SECTIONS[kind] / f"{ident}.yaml"


@pytest.mark.parametrize("kind", KINDS)
def test_skeleton_names_each_line_to_fill_and_validates_once_filled(project_copy, kind):
    before = _run(project_copy, "check")
    assert before.returncode == 0, before.stderr
    ident = f"new-test-{kind}"

    made = _run(project_copy, "new", kind, ident)
    assert made.returncode == 0, made.stderr
    path = _new_file(project_copy, kind, ident)
    rel = path.relative_to(project_copy).as_posix()
    assert rel in made.stdout
    lines = path.read_text(encoding="utf-8").splitlines()
    to_fill = {i + 1: FILL_IN.match(line).group(1) for i, line in enumerate(lines) if FILL_IN.match(line)}
    assert {"name", "name_en", "sources"} <= set(to_fill.values())

    unfilled = _run(project_copy, "check")
    assert unfilled.returncode == 1
    assert "Traceback" not in unfilled.stderr
    problems = [line for line in unfilled.stderr.splitlines() if line.startswith(rel)]
    # One problem per line to fill, at that line, naming the field; nothing else.
    named = [re.match(rf"{re.escape(rel)}:(\d+): field `([a-z_]+)` is empty", p) for p in problems]
    assert all(named), problems
    assert [(int(m.group(1)), m.group(2)) for m in named] == sorted(to_fill.items())
    assert unfilled.stderr.strip().endswith(f"{len(to_fill)} problems found; nothing was written.")

    values = _filled_values(project_copy, kind)
    filled = [f"{FILL_IN.match(line).group(1)}: {values[FILL_IN.match(line).group(1)]}"
              if FILL_IN.match(line) else line for line in lines]
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    after = _run(project_copy, "check")
    assert after.returncode == 0, after.stderr
    assert _count(after.stdout, kind) == _count(before.stdout, kind) + 1


@pytest.mark.parametrize("kind", KINDS)
def test_every_optional_line_is_a_field_the_validator_knows(project_copy, kind):
    """Uncommented as they are, the optional lines give only "empty" problems: no
    unknown field, no wrong shape."""
    ident = f"all-fields-{kind}"
    assert _run(project_copy, "new", kind, ident).returncode == 0
    path = _new_file(project_copy, kind, ident)
    values = _filled_values(project_copy, kind)
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if FILL_IN.match(line):
            line = f"{FILL_IN.match(line).group(1)}: {values[FILL_IN.match(line).group(1)]}"
        elif COMMENTED_FIELD.match(line):
            line = COMMENTED_FIELD.match(line).group(1)
        lines.append(line)
    uncommented = [line for line in lines if not line.startswith("#") and line.strip()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _run(project_copy, "check")
    rel = path.relative_to(project_copy).as_posix()
    problems = [line for line in result.stderr.splitlines() if line.startswith(rel)]
    assert problems, "the optional lines are empty and must be reported"
    assert all(re.match(rf"{re.escape(rel)}:\d+: field `[a-z_]+` is empty", p) for p in problems), problems
    # Every uncommented key with an empty value was reported: the validator read them all.
    empty_keys = {re.match(r"\s*(?:- )?([a-z_]+):$", line).group(1)
                  for line in uncommented if re.match(r"\s*(?:- )?[a-z_]+:$", line)}
    reported = {re.search(r"field `([a-z_]+)`", p).group(1) for p in problems}
    assert reported == empty_keys - {"location", "facts", "products", "people", "designations"}


def _keys(value, prefix: str = "") -> set[str]:
    """Every key path in a YAML document: `location.lat`, `facts.quote` ..."""
    if isinstance(value, dict):
        out = set()
        for key, sub in value.items():
            out.add(prefix + str(key))
            out |= _keys(sub, f"{prefix}{key}.")
        return out
    if isinstance(value, list):
        return set().union(*(_keys(item, prefix) for item in value)) if value else set()
    return set()


@pytest.mark.parametrize("kind", KINDS)
def test_skeleton_has_every_field_the_real_records_use(project_copy, kind):
    ident = f"keys-{kind}"
    assert _run(project_copy, "new", kind, ident).returncode == 0
    text = _new_file(project_copy, kind, ident).read_text(encoding="utf-8")
    offered = _keys(yaml.safe_load("\n".join(
        COMMENTED_FIELD.match(line).group(1) if COMMENTED_FIELD.match(line)
        else line.split("#", 1)[0] for line in text.splitlines())))
    used = set()
    for path in sorted((ROOT / "content" / SECTIONS[kind]).glob("*.yaml")):
        used |= _keys(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert used, "no records of this kind to compare with"
    assert used <= offered, f"fields real {kind} records use but the skeleton lacks: {used - offered}"


@pytest.mark.parametrize("args, message", [
    (("company", "Tianjin_Example"), "`Tianjin_Example` cannot be an id"),
    (("park", "2-parks"), "`2-parks` cannot be an id"),
    (("cluster", "x" * 65), "at most 64 characters"),
    (("company", "index"), "`index` is a reserved name"),
    (("company", "../escape"), "cannot be an id"),
    (("factory", "some-factory"), "cannot create a `factory`: choose company, cluster, park"),
])
def test_refuses_an_id_or_kind_that_cannot_be(project_copy, args, message):
    before = sorted(p.relative_to(project_copy) for p in (project_copy / "content").rglob("*"))
    result = _run(project_copy, "new", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(project_copy) for p in (project_copy / "content").rglob("*")) == before


def test_refuses_an_id_that_exists_and_keeps_the_file(project_copy):
    existing = sorted((project_copy / "content/companies").glob("*.yaml"))[0]
    text = existing.read_text(encoding="utf-8")
    result = _run(project_copy, "new", "company", existing.stem)
    assert result.returncode == 1
    assert f"content/companies/{existing.name} already exists" in result.stderr
    assert existing.read_text(encoding="utf-8") == text


def test_new_without_an_id_says_how_to_call_it(project_copy):
    result = _run(project_copy, "new", "company")
    assert result.returncode == 2
    assert "new needs a kind and an id" in result.stderr
    assert "Traceback" not in result.stderr
