"""Property tests: whatever a curator (or a broken editor) writes, the loader and the
validator answer with problems, never with a Python exception.

For random documents written into the valid fixture tree of fixture_atlas.py,
`validate()` either returns an Atlas (which `resolve()`, the rest of `check`, then
accepts) or raises `ContentError`, whose every Problem has a non-empty path and
message and an int line >= 0. Nothing else may escape: no KeyError, TypeError,
AttributeError, ValueError, RecursionError ...

The escapes found while writing these tests (a 5000-digit number, a lone surrogate,
`!!omap`/`!!pairs` in a list field, a designation year of NaN or infinity, a
300-character `text:` file name, `!!bool abc`, `!!int` with no value) are pinned as
regression tests at the end.
"""
from __future__ import annotations

import copy
import math
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atlas.load import parse_yaml
from atlas.problems import ContentError, Problems
from atlas.resolve import resolve
from atlas.validate import validate
from fixture_atlas import (ABOUT, BENZ, CIRCLES, CLUSTER, FILES, HUAXIANG, LINKS, SOURCE,
                           SOURCE_YAML, make_content)

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

C_HX = "companies/tianjin-huaxiang.yaml"
C_CLU = "clusters/ninghe-auto-parts.yaml"
C_SRC = f"sources/{SOURCE}.yaml"
C_NEW = "companies/acme.yaml"

# Every field name the schema knows, so random mappings often hit real fields.
FIELD_NAMES = sorted({
    "id", "name", "name_en", "aliases", "summary", "summary_en", "facts", "sources", "district",
    "location", "role", "industry", "parent", "park", "clusters", "products", "people", "kind",
    "region", "designations", "parks", "metric", "value", "value_max", "qualifier", "unit",
    "period", "as_of", "time_inferred", "subject", "subject_en", "source", "quote", "note", "lat",
    "lon", "datum", "precision", "supplier", "customer", "product", "product_en", "centre",
    "partners", "radii", "assumed_radius_km", "assumed_basis", "title", "title_en", "list",
    "list_en", "year", "outlet", "outlet_en", "date", "date_inferred", "date_clue", "sections",
    "headlines", "reporters", "text",
})
# Values that mean something to the validator, so random documents get past the
# first checks: known ids, dates, periods, units, choices.
PLAUSIBLE = ["ninghe", "wuqing", "tjrb-2025-09-clusters", "ninghe-auto-parts", "tianjin-huaxiang",
             "beijing-benz", "ninghe-future-tech-city", "auto-parts", "output", "share",
             "companies", "2025", "2025-09", "2025-H1", "2025-01/2025-08", "2025-13", "%", "亿元",
             "km", "actual", "about", "wgs84", "gcj02", "park", "tier1-supplier", "cluster",
             "年产值达27亿元", "", " ", "index", "../x", "Tianjin", "27亿元"]

# File text: any Unicode a UTF-8 file can hold (surrogates cannot be encoded).
CHARS = st.characters(blacklist_categories=("Cs",))
TEXT = st.text(CHARS, max_size=30)

SCALARS = (st.none() | st.booleans()
           | st.integers()
           | st.floats(allow_nan=True, allow_infinity=True)
           | TEXT | st.sampled_from(PLAUSIBLE))
KEYS = st.sampled_from(FIELD_NAMES) | TEXT
# Edge values, drawn often: the cases a validator forgets.
EDGES = st.sampled_from([math.nan, math.inf, -math.inf, 0, -1, 0.5, 1e308, 10**18, "", " ", True,
                         False, None, [], {}, [None], {"": None}, "nan", "0x1F", "1e3"])
VALUES = EDGES | st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12)


# --- running the validator -------------------------------------------------------

_BASE: dict[str, Path] = {}


@pytest.fixture(scope="module", autouse=True)
def base_tree(tmp_path_factory):
    """One valid fixture tree for the whole module: writing twelve files per example
    would dominate the run time, so each example changes a few and puts them back."""
    _BASE["content"] = make_content(tmp_path_factory.mktemp("property"))
    yield
    _BASE.clear()


@contextmanager
def tree(changes: dict):
    """The valid fixture tree with `changes` applied, restored afterwards."""
    content = _BASE.get("content")
    if content is None:   # run outside pytest's fixtures
        with tempfile.TemporaryDirectory() as folder:
            yield make_content(Path(folder), changes)
        return
    try:
        for rel, text in changes.items():
            path = content / rel
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8", newline="\n")
        yield content
    finally:
        for rel in changes:
            if rel in FILES:
                (content / rel).write_text(FILES[rel], encoding="utf-8", newline="\n")
            else:
                (content / rel).unlink(missing_ok=True)


def assert_good_problems(problems: Problems) -> None:
    assert problems, "ContentError without problems"
    for problem in problems.sorted():
        assert isinstance(problem.path, str) and problem.path, problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert type(problem.line) is int and problem.line >= 0, problem
        assert isinstance(problem.hint, str), problem
    assert problems.report().endswith("nothing was written.")


def validates_or_reports(changes: dict) -> None:
    """The property: an Atlas (that resolves) or a ContentError; nothing else."""
    with tree(changes) as content:
        try:
            atlas = validate(content)
        except ContentError as err:
            assert_good_problems(err.problems)
        else:
            resolve(atlas)   # `check` goes on to resolve an Atlas that validated


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def test_the_unchanged_fixture_validates():
    # The baseline the mutations start from (so a ContentError below is the mutation's).
    with tree({}) as content:
        assert validate(content).companies


# --- (a) random YAML text as a company file ------------------------------------------

@SETTINGS
@given(text=st.text(CHARS, max_size=400))
@example(text="name: [unclosed\n")
@example(text="\ufeffname: x\n")
@example(text="- a\n- b\n")
@example(text="a: &x [*x]\n")
@example(text="<<: *nothing\n")
@example(text="? [a, b]\n: c\n")
@example(text="name: a\x01b\n")
@example(text="aliases: !!omap [{a: 1}]\n")
@example(text="aliases: !!set {a, b}\n")
@example(text="name: !!binary aGVsbG8=\n")
@example(text="value: " + "9" * 5000 + "\n")
@example(text="summary: !!bool abc\n")
@example(text="summary: !!int\n")
@example(text="summary: !!float +\n")
@example(text="!!bool x: y\n")
def test_random_text_as_a_company_file(text):
    validates_or_reports({C_NEW: text})


@SETTINGS
@given(data=st.dictionaries(KEYS, VALUES, max_size=8) | st.lists(VALUES, max_size=5) | SCALARS)
def test_random_yaml_structure_as_a_company_file(data):
    validates_or_reports({C_NEW: dump(data)})


@SETTINGS
@given(data=st.data())
def test_random_characters_spliced_into_a_valid_company_file(data):
    """Typos anywhere in a real record: a character inserted, deleted or replaced."""
    text = HUAXIANG
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.sampled_from([":", "-", " ", "\t", "\n", "'", '"', "[", "]", "{", "}",
                                           "&a", "*a", "#", "!", "|", ">", "%", "@", "`"]) | TEXT)
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut:]
    validates_or_reports({C_HX: text})


# --- (b) the valid company with random fields replaced ---------------------------------

def mutate(data: st.DataObject, record: dict, extra_keys=()) -> dict:
    """`record` with 1-4 keys (its own, other schema keys or random ones) set to random
    values of random types, or removed."""
    record = copy.deepcopy(record)
    own = st.sampled_from(sorted(set(record) | set(extra_keys)))
    keys = st.one_of(own, own, KEYS)   # mostly the record's own fields
    for _ in range(data.draw(st.integers(1, 4))):
        key = data.draw(keys)
        if data.draw(st.integers(0, 5)) == 0:
            record.pop(key, None)
        else:
            record[key] = data.draw(VALUES)
    return record


COMPANY_KEYS = ("parent", "people", "facts", "id", "park", "clusters", "products", "location")


@SETTINGS
@given(data=st.data())
def test_company_with_random_fields(data):
    company = mutate(data, yaml.safe_load(HUAXIANG), COMPANY_KEYS)
    validates_or_reports({C_HX: dump(company)})


# --- (c) the same inside: a fact, a location, links and circles -------------------------

FACT_KEYS = ("metric", "value", "value_max", "qualifier", "unit", "period", "as_of",
             "time_inferred", "kind", "subject", "subject_en", "source", "quote", "note")


@SETTINGS
@given(data=st.data())
def test_cluster_fact_with_random_fields(data):
    cluster = yaml.safe_load(CLUSTER)
    index = data.draw(st.integers(0, 1))
    cluster["facts"][index] = mutate(data, cluster["facts"][index], FACT_KEYS)
    validates_or_reports({C_CLU: dump(cluster)})


@SETTINGS
@given(data=st.data())
def test_cluster_designation_with_random_fields(data):
    cluster = yaml.safe_load(CLUSTER)
    designation = {"list": "2025年度天津市中小企业特色产业集群", "list_en": "2025 list",
                   "year": 2025, "source": SOURCE, "quote": "宁河区汽车配件产业集群"}
    designation = mutate(data, designation, ("list", "list_en", "source", "quote"))
    cluster["designations"] = [designation]
    validates_or_reports({C_CLU: dump(cluster)})


@SETTINGS
@given(data=st.data())
def test_location_with_random_fields(data):
    company = yaml.safe_load(HUAXIANG)
    company["location"] = mutate(data, company["location"],
                                 ("lat", "lon", "datum", "precision", "note"))
    validates_or_reports({C_HX: dump(company)})


LINK_KEYS = ("supplier", "customer", "product", "product_en", "source", "quote", "facts")


@SETTINGS
@given(data=st.data())
def test_link_with_random_fields(data):
    links = yaml.safe_load(LINKS)
    if data.draw(st.booleans()):
        links[0] = mutate(data, links[0], LINK_KEYS)
    else:
        links[0]["facts"][0] = mutate(data, links[0]["facts"][0], FACT_KEYS)
    if data.draw(st.booleans()):
        links.append(data.draw(VALUES))   # an item of any shape
    validates_or_reports({"links.yaml": dump(links)})


CIRCLE_KEYS = ("id", "name", "name_en", "kind", "centre", "partners", "radii",
               "assumed_radius_km", "assumed_basis", "summary", "summary_en", "facts", "sources")


@SETTINGS
@given(data=st.data())
def test_circle_with_random_fields(data):
    circles = yaml.safe_load(CIRCLES)
    if data.draw(st.booleans()):
        circles[0] = mutate(data, circles[0], CIRCLE_KEYS)
    else:
        circles[0]["radii"][0] = mutate(data, circles[0]["radii"][0],
                                        ("value", "unit", "source", "quote", "note"))
    if data.draw(st.booleans()):
        circles.append(copy.deepcopy(circles[0]) if data.draw(st.booleans())
                       else data.draw(VALUES))
    validates_or_reports({"circles.yaml": dump(circles)})


@SETTINGS
@given(data=st.data())
def test_source_with_random_fields(data):
    source = mutate(data, yaml.safe_load(SOURCE_YAML),
                    ("outlet", "outlet_en", "date", "date_inferred", "date_clue", "sections",
                     "headlines", "text"))
    validates_or_reports({C_SRC: dump(source)})


@SETTINGS
@given(front=st.text(CHARS, max_size=120), body=st.text(CHARS, max_size=60))
@example(front="title: 关于\ntitle_en: About\n", body="正文")
@example(front="title: [\n", body="")
def test_page_with_random_front_matter(front, body):
    validates_or_reports({"pages/about.md": f"---\n{front}\n---\n{body}",
                          "pages/methods.md": ABOUT})


# --- (d) parse_yaml never raises ---------------------------------------------------------

@SETTINGS
@given(text=st.text(max_size=400), first_line=st.integers(1, 50))
@example(text="a: " + "[" * 100_000, first_line=1)
@example(text="a: b\x00c", first_line=1)
@example(text="a:\n\tb: 1\n", first_line=2)
@example(text="{a: 1, a: 2}", first_line=1)
@example(text="!!python/object:os.system ls", first_line=1)
def test_parse_yaml_never_raises(text, first_line):
    problems = Problems()
    data = parse_yaml(text, "t.yaml", problems, first_line=first_line)
    if problems:
        assert data is None
        assert_good_problems(problems)


@SETTINGS
@given(data=VALUES)
def test_parse_yaml_reads_what_a_plain_safe_loader_reads(data):
    """Remembering lines changes no value: parse_yaml reads ordinary YAML as PyYAML's own
    safe loader does (compared with that, not with `data`: PyYAML itself does not
    round-trip every string, e.g. a key "\\x85"). NaN equals nothing, so it is skipped."""
    problems = Problems()
    text = dump(data)
    parsed = parse_yaml(text, "t.yaml", problems)
    if problems:
        assert_good_problems(problems)   # e.g. a document nested too deeply
        return
    if "nan" not in text:
        assert parsed == yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# --- escapes found while writing these properties (now regression tests) ------------------

def reported(changes: dict) -> list:
    """The problems of a tree that must be refused (checked like any other)."""
    with tree(changes) as content:
        with pytest.raises(ContentError) as info:
            validate(content)
    assert_good_problems(info.value.problems)
    return info.value.problems.sorted()


def test_parse_yaml_survives_a_number_too_long_to_convert():
    # Over Python's 4300-digit int_max_str_digits: int() raises ValueError inside PyYAML.
    problems = Problems()
    assert parse_yaml("value: " + "9" * 5000 + "\n", "t.yaml", problems) is None
    assert_good_problems(problems)


def test_parse_yaml_survives_a_lone_surrogate():
    # Unreachable from a file (read_text refuses invalid UTF-8), but libyaml raised
    # UnicodeEncodeError when handed one.
    problems = Problems()
    assert parse_yaml("name: \ud800\n", "t.yaml", problems) is None
    assert_good_problems(problems)


@pytest.mark.parametrize("tag", ["!!omap", "!!pairs"])
def test_ordered_map_tags_in_a_list_field_are_reported(tag):
    # These tags built a plain list of tuples, without line numbers (was AttributeError);
    # then the tag was ignored; now it is refused where it stands.
    [problem] = reported({C_NEW: BENZ + f"aliases: {tag} [{{a: 1}}]\n"})
    assert (problem.path, problem.line) == (f"content/{C_NEW}", 6)
    assert problem.message == f"tag `{tag}` cannot be used here"


@pytest.mark.parametrize("year", [".nan", ".inf", "-.inf"])
def test_a_designation_year_that_is_not_finite_is_reported(year):
    # int(year) raised ValueError (NaN) or OverflowError (infinity).
    cluster = CLUSTER.replace("sources: [", f"designations:\n  - list: x\n    list_en: x\n"
                              f"    year: {year}\n    source: {SOURCE}\n"
                              f"    quote: 宁河区汽车配件产业集群\nsources: [")
    [problem] = reported({C_CLU: cluster})
    assert (problem.path, problem.line) == (f"content/{C_CLU}", 27)
    assert "`year`" in problem.message


def test_a_source_text_name_too_long_is_reported():
    # Path.is_file() raised OSError (ENAMETOOLONG), shown as "cannot write the site".
    [problem] = reported({C_SRC: SOURCE_YAML.replace(f"text: {SOURCE}.txt", "text: " + "x" * 300)})
    assert (problem.path, problem.line) == (f"content/{C_SRC}", 11)
    assert "`text:" in problem.message


# --- tags and odd scalars ------------------------------------------------------------------

TAGS = (st.sampled_from(["!!bool", "!!int", "!!float", "!!null", "!!timestamp", "!!str", "!!binary",
                         "!!set", "!!omap", "!!pairs", "!!seq", "!!map", "!!merge", "!!value",
                         "!!python/object:os.system", "!!python/tuple", "!", "!foo",
                         "!<tag:yaml.org,2002:bool>", "!<tag:example.com,2025:x>"])
        | st.from_regex(r"!!?[a-z][a-z/:.]{0,10}", fullmatch=True))
# What a curator might write after a tag, or without one: every kind of scalar YAML
# resolves, forms it misreads or cannot read, and small collections.
WRITTEN = (st.sampled_from(["", "abc", "yes", "No", "~", "null", "12", "-7", "+", "0x", "0x_", "0b",
                            "0x1f", "1_000", "010", "08", "1:30", "1:2:3.5", "1e3", "1e400",
                            "1.0e+400", ".nan", "-.inf", "2025-09-01", "2025-02-30", "aGVsbG8=",
                            "====", "<<", "=", "'quoted'", '"a\\x1bb"', '"1\\n2"', "[a, b]",
                            "{a: 1}", "[{a: 1}]", "{a, b}", "[[a, b]]", "北京", "9" * 5000])
           | st.from_regex(r"[-+]?[0-9_.:eE]{1,8}", fullmatch=True))


@SETTINGS
@given(tag=TAGS | st.just(""), written=WRITTEN)
@example(tag="!!bool", written="abc")   # was KeyError: "internal error"
@example(tag="!!int", written="")       # was IndexError
@example(tag="!!float", written="+")
def test_a_tagged_or_odd_value_is_read_or_reported_on_its_own_line(tag, written):
    problems = Problems()
    data = parse_yaml(f"name: x\nsummary: {tag} {written}\nnote: y\n", "t.yaml", problems)
    if problems:
        assert data is None
        [problem] = problems.sorted()
        assert problem.line == 2 and problem.hint, problem
        assert_good_problems(problems)
    else:
        assert list(data) == ["name", "summary", "note"] and data.line_of("note") == 3


@SETTINGS
@given(key=st.sampled_from(["name", "name_en", "role", "industry", "sources"]), tag=TAGS,
       written=WRITTEN)
def test_a_tagged_field_of_a_company(key, tag, written):
    text = "".join(f"{line.partition(':')[0]}: {tag} {written}\n" if line.startswith(key + ":")
                   else line + "\n" for line in BENZ.splitlines())
    validates_or_reports({C_NEW: text})


@pytest.mark.parametrize("anchored", [False, True], ids=["plain", "anchored"])
@pytest.mark.parametrize("written, value", [
    ("=", "="), ("<<", "<<"),             # plain symbols, not the YAML 1.1 `value` and merge
    ("010", "010"), ("07", "07"),         # text, as `08` always was (YAML 1.1: octal 8, 7)
    ("0x_", "0x_"), ("0b_", "0b_"),       # PyYAML fails to read these as numbers
    ("0x1f", 31), ("1_000", 1000), ("+12", 12), ("1.5", 1.5), (".inf", math.inf),
    ("'1:30'", "1:30"),                  # quoted (plain, YAML 1.1's 90 is refused)
    ("2025-09-01", "2025-09-01"),        # dates stay text
    ("!!str 12", "12"), ("!!float 12", 12.0), ("!!int 0x1f", 31), ("!!bool Yes", True),
    ("!!null ~", None), ("!!null", None), ("!!timestamp 2025-09-01", "2025-09-01"),
    ("!!merge <<", "<<"), ("!!seq [a]", ["a"]), ("!!map {a: 1}", {"a": 1}),
])
def test_a_value_that_means_what_it_says_is_read_as_it(written, value, anchored):
    """By both readers: an untagged file is read from the parser's events, one with an
    anchor (or a tag) by the node walk."""
    problems = Problems()
    data = parse_yaml(f"a: {'&x ' if anchored else ''}{written}\n", "t.yaml", problems)
    assert not problems and data == {"a": value} and isinstance(data["a"], type(value))


@pytest.mark.parametrize("text", ['a: !<%1B%5B2J%0A> x\n', 'a: !!bool "\\e[2J\\nrm -rf"\n',
                                  "a: !!int " + "x" * 200 + "\n"])
def test_a_refused_tag_or_value_is_shown_on_one_printable_line(text):
    # The message quotes what the curator wrote: a terminal must not obey an escape
    # code in it, and a line break would split the problem in two.
    problems = Problems()
    assert parse_yaml(text, "t.yaml", problems) is None
    [problem] = problems.sorted()
    assert problem.line == 1 and str(problem).isprintable() and len(problem.message) < 120
