"""The quick ways of loading read exactly what the plain ways read.

- load.py reads ordinary YAML from the parser's events; anything unusual (aliases,
  tags, merge keys, duplicate keys, the limits, errors) goes to the node walk. Both
  must give the same values and lines, and ordinary content must not fall back.
- validate.py reads the links and part of the companies in a forked helper on a
  machine with two cores; the atlas and the problems must be those of reading alone.
- model.py's records pickle as their fields (what the helper hands back).
- load.ParsedFiles keeps the parse trees of one build for the next: a rebuild must read
  what a fresh read gives, with the same problems, parsing only the changed files."""
from __future__ import annotations

import importlib
import importlib.util
import math
import os
import pickle
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atlas import load
from atlas.load import Mapping, Sequence
from atlas.problems import ContentError
from atlas.resolve import resolve
from atlas.validate import validate
from fixture_atlas import FILES, bench_synth, make_content

ROOT = Path(__file__).resolve().parent.parent
validate_module = importlib.import_module("atlas.validate")  # `atlas.validate` is the function


def _same(a, b) -> bool:
    """Equal values, types and remembered lines, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return (a.line == b.line and a.key_lines == b.key_lines and list(a) == list(b)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, Sequence):
        return (a.line == b.line and a.item_lines == b.item_lines and len(a) == len(b)
                and all(map(_same, a, b)))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _by_nodes(text: str):
    return yaml.load(text, Loader=load._LineLoader)  # noqa: S506 - a SafeLoader subclass


def _by_events(text: str):
    """The event reader's tree, or load._Unusual when it leaves the text to the node walk."""
    loader = load._LineLoader(text)
    try:
        return load._read_events(loader)
    finally:
        loader.dispose()


ORDINARY = [
    "a: 1\n",
    "name: x\nlist: [a, b, 'c', \"d\"]\nmap: {x: 1, y: [2, 3]}\n",
    "- a\n- b: 1\n  c: [x, {y: z}]\n-\n- ''\n",
    "text: |\n  line one\n  line two\nfolded: >\n  one\n  two\n",
    "n: ~\nb: true\nB: no\nf: 1.5e3\ni: 0x1f\nd: 2025-09-01\nbad: 2025-09-31\nq: '2025'\ninf: .inf\n",
    "1: one\ntrue: yes\nnull: x\n2.5: y\n",
    "# only a comment\n",
    "",
    "plain scalar\n",
    "---\na: b\n...\n",
    "a:\n  b:\n    c:\n      - d\n      - e: [f, g]\n",
    "中文: 天津\n名单: [华翔, 奔驰]\n",
]

UNUSUAL = [
    "a: &x [1, 2]\nb: *x\n",                       # anchor and alias
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",     # merge key
    "a: !!str 123\n",                               # tag
    "a: !custom x\n",                               # unknown tag: an error
    "a: 1\na: 2\n",                                 # duplicate key
    "{a: 1, a: 2}\n",
    "? [a, b]\n: c\n",                              # complex key
    "a: 1\n---\nb: 2\n",                            # two documents
    "a: [1, 2\n",                                   # syntax error
    "=: x\n",                                       # the `value` tag
    "".join("  " * i + f"k{i}:\n" for i in range(31)) + "  " * 31 + "v\n",  # too deep
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_yaml_is_read_from_events_as_the_node_walk_reads_it(text):
    assert _same(_by_events(text), _by_nodes(text))


@pytest.mark.parametrize("text", UNUSUAL)
def test_unusual_yaml_is_left_to_the_node_walk(text):
    with pytest.raises((load._Unusual, yaml.YAMLError)):
        _by_events(text)


@pytest.mark.parametrize("text", ORDINARY + UNUSUAL)
def test_parse_yaml_gives_what_the_node_walk_gives(text):
    from atlas.problems import Problems
    problems = Problems()
    parsed = load.parse_yaml(text, "t.yaml", problems)
    try:
        expected = _by_nodes(text)
    except yaml.YAMLError:
        assert problems and parsed is None
        return
    assert not problems
    assert _same(parsed, expected)


def test_the_fixture_and_the_real_content_are_read_from_events():
    texts = [t for rel, t in FILES.items() if rel.endswith(".yaml")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").rglob("*.yaml"))]
    for text in texts:
        assert _same(_by_events(text), _by_nodes(text))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["yes", "No", "~", "null", "0x1F", "0o17", "1_000", "2025-09-01",
                                     "1:30", ".5", "+1", "-", "<<", "=", "中文", " x", "a: b"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=VALUES, flow=st.sampled_from([None, True, False]))
@example(data={"a": [1, {"b": None}], "c": ""}, flow=False)
def test_any_dumped_value_reads_the_same_both_ways(data, flow):
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow)
    _assert_read_alike(text, yaml.YAMLError)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(list("ab:- \n[]{},'\"&*!#|>?~01.") + ["\n  ", ": ", "- "]),
                     max_size=40).map("".join))
def test_any_text_reads_the_same_both_ways(text):
    """Fragments of YAML syntax, valid or not: whatever the event reader accepts, the
    node walk reads the same way."""
    _assert_read_alike(text, (yaml.YAMLError, ValueError, RecursionError))


def _assert_read_alike(text: str, refused) -> None:
    """Unless the node walk refuses `text` (with `refused`) or the event reader passes
    it to the node walk as unusual, both read it the same."""
    try:
        expected = _by_nodes(text)
    except refused:
        return
    try:
        fast = _by_events(text)
    except load._Unusual:
        return
    assert _same(fast, expected)


# --- model records pickle as their fields ---------------------------------------------

def test_records_pickle_as_they_are(tmp_path):
    atlas = resolve(validate(make_content(tmp_path)))
    again = pickle.loads(pickle.dumps(atlas))
    assert again == atlas
    assert list(again.companies) == list(atlas.companies)
    company = next(iter(atlas.companies.values()))
    assert pickle.loads(pickle.dumps(company)).location == company.location


# --- the helper process ---------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    bench_synth().generate(root, 120, sources=10)
    return root / "content"


def _read(content: Path, monkeypatch, jobs: str):
    """(atlas, None) or (None, every problem noted, duplicates kept)."""
    monkeypatch.setenv("ATLAS_JOBS", jobs)
    try:
        return validate(content), None
    except ContentError as err:
        return None, sorted(err.problems.items)


@pytest.fixture
def helped(monkeypatch):
    """A helper process for any atlas, taking few files at a time."""
    monkeypatch.setattr(validate_module, "PARALLEL_MIN_COMPANIES", 1)
    monkeypatch.setattr(validate_module, "_BATCH", 3)
    monkeypatch.delenv("ATLAS_JOBS", raising=False)
    if not validate_module._helper_wanted(1):
        pytest.skip("one core, no fork, or other threads running: no helper here")


def test_reading_with_a_helper_makes_the_same_atlas(synthetic, monkeypatch, helped):
    alone, _ = _read(synthetic, monkeypatch, "1")
    together, _ = _read(synthetic, monkeypatch, "2")
    assert together == alone
    for table in ("sources", "clusters", "companies", "parks"):
        assert list(getattr(together, table)) == list(getattr(alone, table))
    assert [link.index for link in together.links] == list(range(len(alone.links)))


def test_reading_with_a_helper_finds_the_same_problems(synthetic, tmp_path, monkeypatch, helped):
    broken = tmp_path / "content"
    import shutil
    shutil.copytree(synthetic, broken)
    companies = sorted((broken / "companies").glob("*.yaml"))
    for path in companies[::7]:   # spread over both processes' shares
        path.write_text(path.read_text(encoding="utf-8").replace("role:", "rolle:", 1),
                        encoding="utf-8")
    for path in companies[2::9]:
        path.write_text(path.read_text(encoding="utf-8").replace("quote: ", "quote: 并无此句", 1),
                        encoding="utf-8")
    companies[3].write_text("name: [unclosed\n", encoding="utf-8")
    links = broken / "links.yaml"
    links.write_text(links.read_text(encoding="utf-8").replace("supplier: ", "supplier: x-", 1),
                     encoding="utf-8")
    _, alone = _read(broken, monkeypatch, "1")
    _, together = _read(broken, monkeypatch, "2")
    assert together == alone
    messages = " ".join(p.message for p in alone)
    assert "unknown field `rolle`" in messages and "quote not found" in messages
    assert "YAML syntax error" in messages and "names unknown company `x-" in messages


def test_a_helper_that_dies_leaves_its_share_to_this_process(synthetic, monkeypatch, helped):
    alone, _ = _read(synthetic, monkeypatch, "1")
    monkeypatch.setattr(validate_module, "_help", lambda helper: os._exit(3))
    together, _ = _read(synthetic, monkeypatch, "2")
    assert together == alone and list(together.companies) == list(alone.companies)


def test_a_helper_error_is_raised_here(synthetic, monkeypatch, helped):
    def broken(self, path):
        raise KeyError("helper bug")
    monkeypatch.setattr(validate_module.Validator, "read_links", broken)
    with pytest.raises(KeyError, match="helper bug"):
        _read(synthetic, monkeypatch, "2")


# --- Parse trees kept between builds ------------------------------------------------------

def _validate_keeping(content: Path, kept_at: Path, monkeypatch, jobs: str):
    """Validate with the parse trees kept at `kept_at`, as a build does; the atlas (or
    the problems) and the files really parsed."""
    parsed = []
    real = load._parse_yaml
    monkeypatch.setattr(load, "_parse_yaml", lambda *a: parsed.append(a[1]) or real(*a))
    monkeypatch.setenv("ATLAS_JOBS", jobs)
    with load.parsed_files(load.ParsedFiles.read(kept_at)) as kept:
        try:
            result = validate(content), None
        except ContentError as err:
            return (None, sorted(err.problems.items)), parsed   # a build saves only on success
    kept.save(kept_at)
    return result, parsed


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rebuild_parses_only_changed_files_and_reads_the_same(synthetic, tmp_path, monkeypatch,
                                                                 jobs):
    import shutil
    content = tmp_path / "content"
    shutil.copytree(synthetic, content)
    kept_at = tmp_path / "parsed.pickle"
    (fresh, _), first = _validate_keeping(content, kept_at, monkeypatch, jobs)
    assert len(first) > 120 and fresh is not None
    company = sorted((content / "companies").glob("*.yaml"))[5]
    company.write_text(company.read_text(encoding="utf-8").replace("summary: |\n",
                                                                   "summary: |\n  改过。\n", 1),
                       encoding="utf-8")
    (again, _), second = _validate_keeping(content, kept_at, monkeypatch, jobs)
    assert second == [f"content/companies/{company.name}"]
    monkeypatch.setattr(load, "_parsed", None)
    assert again == validate(content)


def test_a_kept_tree_is_a_copy_and_a_broken_file_is_always_parsed(synthetic, tmp_path, monkeypatch):
    import shutil
    content = tmp_path / "content"
    shutil.copytree(synthetic, content)
    kept_at = tmp_path / "parsed.pickle"
    _validate_keeping(content, kept_at, monkeypatch, "1")
    kept = load.ParsedFiles.read(kept_at)
    key = next(iter(kept.known))
    tree = kept.get(key)
    tree.clear() if hasattr(tree, "clear") else None
    assert kept.get(key)   # what a later stage does to a tree never reaches the kept one
    company = sorted((content / "companies").glob("*.yaml"))[0]
    good = company.read_text(encoding="utf-8")
    company.write_text(good + "oops: [unclosed\n", encoding="utf-8")
    for _ in range(2):   # the broken text is parsed each time, for its exact message
        (atlas, problems), parsed = _validate_keeping(content, kept_at, monkeypatch, "1")
        assert atlas is None and any("YAML syntax error" in p.message for p in problems)
        assert parsed == [f"content/companies/{company.name}"]
    company.write_text(good, encoding="utf-8")
    (atlas, _), parsed = _validate_keeping(content, kept_at, monkeypatch, "1")
    assert atlas is not None and parsed == []


def test_trees_kept_by_another_parser_are_not_used(tmp_path, monkeypatch):
    kept_at = tmp_path / "parsed.pickle"
    kept = load.ParsedFiles()
    kept.put(load.ParsedFiles.key("a: 1\n", 1), {"a": 2})
    kept.save(kept_at)
    assert load.ParsedFiles.read(kept_at).known
    monkeypatch.setattr(load, "_PARSER", "another parser")
    assert not load.ParsedFiles.read(kept_at).known
    kept_at.write_bytes(b"not a pickle")
    assert not load.ParsedFiles.read(kept_at).known


# --- files read by the last build (validate.ReadFiles) -----------------------------------

def _remove_metric(content: Path) -> None:
    path = content / "metrics.yaml"
    text = path.read_text(encoding="utf-8")
    line = "- {id: takt, name: 生产节拍, name_en: Takt time}\n"
    assert line in text
    path.write_text(text.replace(line, ""), encoding="utf-8")


def _change_quoted_text(content: Path) -> None:
    path = content / "sources/tjrb-2025-10-auto-chain.txt"
    text = path.read_text(encoding="utf-8")
    assert "平均每4秒就能产出一根线束" in text
    path.write_text(text.replace("平均每4秒就能产出一根线束", "平均每5秒就能产出一根线束"),
                    encoding="utf-8")


def _remove_park(content: Path) -> None:
    (content / "parks/tianjin-airport-economic-zone.yaml").unlink()


ELSEWHERE = {"a metric a company's figure uses": (_remove_metric, "unknown metric `takt`"),
             "the text a company quotes": (_change_quoted_text, "quote not found"),
             "a park a company names": (_remove_park, "unknown park `tianjin-airport-economic-zone`")}


@pytest.mark.parametrize("change", ELSEWHERE)
def test_a_company_file_taken_from_the_last_build_is_checked_against_what_changed_elsewhere(
        project_copy, tmp_path, change):
    from atlas import Project, load_atlas
    kept = (tmp_path / "parsed.pickle", tmp_path / "read.pickle")
    project = Project(project_copy)
    first = load_atlas(project, *kept)
    assert kept[1].exists(), "the readings were not kept"
    assert load_atlas(project, *kept) == first == load_atlas(project)
    edit, message = ELSEWHERE[change]
    edit(project_copy / "content")
    with pytest.raises(ContentError) as taken:
        load_atlas(project, *kept)
    with pytest.raises(ContentError) as read:
        load_atlas(project)
    assert sorted(taken.value.problems.items) == sorted(read.value.problems.items)
    assert any(message in p.message and "companies/" in p.path
               for p in taken.value.problems.items), taken.value.problems.items
