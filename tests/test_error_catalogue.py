"""The curator-facing error catalogue.

Every row of CATALOGUE below is one way a curator can get the content wrong. Each
row takes the small valid tree of fixture_atlas.py, makes ONE change, runs the real
command line (`build.py check`, in-process) and states what the curator must see:

    case id | the change | file | line | what the message says | the hint

and, for every row, that the command

- returns 1 (and prints nothing on stdout: no "content OK"),
- shows no Python traceback and no "internal error",
- prints each problem on one line as `path:line: message (hint)`,
- ends with the count line, e.g. "1 problem found; nothing was written.",
- and comes back quickly (within a few seconds: malicious input must not hang it).

Line numbers refer to the numbered comments above each file in fixture_atlas.py.
Rows marked `bug=` are known defects: they are strict xfails, and say what is wrong.

Read as documentation: the change column shows what the curator wrote, the other
columns what the atlas answers.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from atlas.cli import main
from atlas.problems import ContentError
from atlas.validate import validate
from fixture_atlas import (BENZ, CIRCLES, CLUSTER, DISTRICTS, FILES, HUAXIANG, LINKS, PARK,
                           SOURCE, edit, make_content)

ROOT = Path(__file__).resolve().parent.parent

# Files inside content/ (as make_content takes them) ...
C_SRC = f"sources/{SOURCE}.yaml"
C_TXT = f"sources/{SOURCE}.txt"
C_CLU = "clusters/ninghe-auto-parts.yaml"
C_HX = "companies/tianjin-huaxiang.yaml"
C_BZ = "companies/beijing-benz.yaml"
C_PK = "parks/ninghe-future-tech-city.yaml"
C_LNK = "links.yaml"
C_CIR = "circles.yaml"
C_DIS = "districts.yaml"
C_MET = "metrics.yaml"
C_IND = "industries.yaml"
C_ABT = "pages/about.md"
# ... and a new company, a record nothing refers to, so that breaking it causes no
# follow-on problems elsewhere (BENZ's text is a valid record under any file name).
C_NEW = "companies/acme.yaml"

# ... and the same files as the problems name them (relative to the project root).
SRC, TXT, CLU, HX, BZ, PK = (f"content/{p}" for p in (C_SRC, C_TXT, C_CLU, C_HX, C_BZ, C_PK))
LNK, CIR, DIS, MET, IND, ABT = (f"content/{p}" for p in (C_LNK, C_CIR, C_DIS, C_MET, C_IND, C_ABT))
NEW = f"content/{C_NEW}"

SYNTAX_HINT = "check indentation, colons and closing quotes on this line and the one before"
TAG_HINT = "remove it; if it is part of the text, put the whole value in quotes"
TIME_LIMIT_S = 5.0   # generous: this is about never hanging, not about speed


# --- how a change is written -------------------------------------------------

def replace(rel: str, old: str, new: str) -> dict:
    """The fixture file `rel` with one exact piece of text replaced."""
    return {rel: edit(rel, old, new)}


def append(rel: str, text: str) -> dict:
    """The fixture file `rel` with lines added at its end."""
    return {rel: FILES[rel] + text}


def new_file(rel: str, text: str | bytes) -> dict:
    """A file added to the tree (or a fixture file replaced whole)."""
    return {rel: text}


def both(*changes: dict) -> dict:
    merged: dict = {}
    for change in changes:
        merged.update(change)
    return merged


def case(case_id: str, change: dict, path: str, line: int, message: str, hint: str = "",
         count: int = 1, bug: str = ""):
    """One row of the catalogue. `line` 0 means the problem names the file only."""
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(change, path, line, message, hint, count, id=case_id, marks=marks)


def nested(levels: int) -> str:
    """A block mapping `levels` deep under `summary:`, each level on its own line."""
    return "summary:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(levels)) \
        + "  " * (levels + 1) + "v\n"


ALIAS_BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8)))

DESIGNATED_CLUSTER = CLUSTER.replace("sources: [", """\
designations:
  - list: 2025年度天津市中小企业特色产业集群
    list_en: 2025 Tianjin SME characteristic industrial clusters
    year: 2025
    source: tjrb-2025-09-clusters
    quote: 宁河区汽车配件产业集群
sources: [""")   # lines 24 designations / 25 item / 27 year / 28 source / 29 quote / 30 sources

LOCATION = ("location:\n  lat: 39.33\n  lon: 117.82\n  datum: wgs84\n  precision: exact\n"
            "  note: set by hand from the district map\n")


# --- the catalogue -----------------------------------------------------------

CATALOGUE = [
    # ---- reading the file: YAML syntax -------------------------------------
    case("yaml-key-indented-too-far",
         new_file(C_NEW, BENZ.replace("role:", "  role:")),
         NEW, 3, "YAML syntax error: mapping values are not allowed", SYNTAX_HINT),
    case("yaml-list-item-indented-too-little",
         new_file(C_NEW, HUAXIANG.replace("    name_en: body", "   name_en: body")),
         NEW, 11, "YAML syntax error", SYNTAX_HINT),
    case("yaml-colon-forgotten",
         new_file(C_NEW, BENZ.replace("role: vehicle-maker", "role vehicle-maker")),
         NEW, 4, "YAML syntax error: could not find expected ':'", SYNTAX_HINT),
    case("yaml-tab-indentation",
         new_file("parks/acme-park.yaml", PARK.replace("  lon: 117.80", "\tlon: 117.80")),
         "content/parks/acme-park.yaml", 7, "tab used for indentation", "indent with spaces"),
    case("yaml-unclosed-double-quote",
         new_file(C_NEW, BENZ.replace("name_en: B", 'name_en: "B')),
         NEW, 2, "YAML syntax error: found unexpected end of stream", SYNTAX_HINT),
    case("yaml-unclosed-single-quote",
         new_file(C_NEW, BENZ.replace("role: vehicle-maker", "role: 'vehicle-maker")),
         NEW, 3, "YAML syntax error", SYNTAX_HINT),
    case("yaml-unclosed-bracket",
         new_file(C_NEW, BENZ.replace("sources: [tjrb-2025-09-clusters]",
                                      "sources: [tjrb-2025-09-clusters") + "summary: x\n"),
         NEW, 6, "YAML syntax error", SYNTAX_HINT),
    case("yaml-duplicate-key",
         new_file(C_NEW, BENZ + "name: 北京奔驰\n"),
         NEW, 6, "duplicate key `name` (first given on line 1)", "remove one of them"),
    case("yaml-duplicate-key-in-a-list-item",
         replace(C_LNK, "  customer: beijing-benz\n",
                 "  customer: beijing-benz\n  supplier: beijing-benz\n"),
         LNK, 3, "duplicate key `supplier` (first given on line 1)", "remove one of them"),
    case("yaml-alias-bomb",
         new_file(C_NEW, BENZ + ALIAS_BOMB),
         NEW, 11, "YAML too complex: aliases expand to too many values",
         "write the values out plainly"),
    case("yaml-deep-block-nesting",
         new_file(C_NEW, BENZ + nested(40)),
         NEW, 35, "YAML too complex: nesting deeper than 30 levels", "write the values out plainly"),
    case("yaml-deep-flow-nesting",
         new_file(C_NEW, BENZ + "aliases: " + "[" * 20_000 + "]" * 20_000 + "\n"),
         NEW, 6, "YAML too complex: nesting deeper than 30 levels", "write the values out plainly"),
    case("yaml-deep-dash-nesting-moderate",
         new_file(C_NEW, BENZ + "aliases:\n" + "  " + "- " * 1_000 + "x\n"),
         NEW, 7, "YAML too complex: nesting deeper than 30 levels", "write the values out plainly"),
    case("yaml-number-too-long-to-read",
         new_file(C_NEW, BENZ + "summary: " + "9" * 5_000 + "\n"),
         NEW, 6, "is a number too long to read (5,000 characters)",
         "put it in quotes if it is text"),
    case("yaml-hex-number-too-long-to-show",   # read by int(), but str() of it would fail
         new_file(C_NEW, BENZ + "summary: 0x" + "f" * 4_000 + "\n"),
         NEW, 6, "is a number too long to read (4,002 characters)",
         "put it in quotes if it is text"),

    # ---- reading the file: tags and odd scalars -------------------------------
    # A tag may only say what a value plainly is; each standard one refuses what it
    # cannot hold, and any other tag (binary, sets, Python objects, `!foo`) is refused.
    case("tag-bool-on-text",   # was "internal error: KeyError"
         new_file(C_NEW, BENZ + "summary: !!bool abc\n"),
         NEW, 6, "`!!bool abc` is not true or false", "write it without `!!bool`"),
    case("tag-bool-without-a-value",
         new_file(C_NEW, BENZ + "summary: !!bool\n"),
         NEW, 6, "`!!bool` is not true or false", "write it without `!!bool`"),
    case("tag-int-on-text",   # was a problem without a line
         new_file(C_NEW, BENZ + "summary: !!int abc\n"),
         NEW, 6, "`!!int abc` is not a whole number", "write it without `!!int`"),
    case("tag-int-on-a-sign-alone",   # was "internal error: IndexError"
         new_file(C_NEW, BENZ + "summary: !!int +\n"),
         NEW, 6, "`!!int +` is not a whole number", "write it without `!!int`"),
    case("tag-int-on-a-fraction",
         new_file(C_NEW, BENZ + "aliases: [!!int 27.5]\n"),
         NEW, 6, "`!!int 27.5` is not a whole number", "write it without `!!int`"),
    case("tag-float-on-text",
         new_file(C_NEW, BENZ + "summary: !!float 27亿元\n"),
         NEW, 6, "`!!float 27亿元` is not a number", "write it without `!!float`"),
    case("tag-float-without-a-value",   # was "internal error: IndexError"
         new_file(C_NEW, BENZ + "summary: !!float\n"),
         NEW, 6, "`!!float` is not a number", "write it without `!!float`"),
    case("tag-null-on-text",   # was read as empty, the text lost
         new_file(C_NEW, BENZ + "summary: !!null 待补充\n"),
         NEW, 6, "`!!null 待补充` is not an empty value", "write it without `!!null`"),
    case("tag-timestamp-on-text",
         new_file(C_NEW, BENZ + "summary: !!timestamp 2025年9月\n"),
         NEW, 6, "`!!timestamp 2025年9月` is not a date", "write it without `!!timestamp`"),
    case("tag-written-in-full",
         new_file(C_NEW, BENZ + "summary: !<tag:yaml.org,2002:bool> abc\n"),
         NEW, 6, "`!!bool abc` is not true or false", "write it without `!!bool`"),
    case("tag-shorthand-from-a-tag-directive",
         new_file(C_NEW, "%TAG ! tag:yaml.org,2002:\n---\n" + BENZ + "summary: !bool abc\n"),
         NEW, 8, "`!!bool abc` is not true or false", "write it without `!!bool`"),
    case("tag-on-a-key",
         new_file(C_NEW, BENZ + "!!bool abc: x\n"),
         NEW, 6, "`!!bool abc` is not true or false", "write it without `!!bool`"),
    case("tag-binary",   # was `name` "must be text, not bytes"
         new_file(C_NEW, BENZ.replace("name: 北京奔驰汽车有限公司", "name: !!binary 5YyX5Lqs")),
         NEW, 1, "tag `!!binary` cannot be used here", TAG_HINT),
    case("tag-binary-not-base64",   # was a "YAML syntax error" with its hint
         new_file(C_NEW, BENZ + "summary: !!binary abc\n"),
         NEW, 6, "tag `!!binary` cannot be used here", TAG_HINT),
    case("tag-set-in-a-list-field",
         new_file(C_NEW, BENZ + "aliases: !!set {奔驰, 北京奔驰}\n"),
         NEW, 6, "tag `!!set` cannot be used here", TAG_HINT),
    case("tag-ordered-map-in-a-list-field",
         new_file(C_NEW, BENZ + "aliases: !!omap [{a: 1}]\n"),
         NEW, 6, "tag `!!omap` cannot be used here", TAG_HINT),
    case("tag-pairs-in-a-list-field",
         new_file(C_NEW, BENZ + "aliases: !!pairs [[a, b]]\n"),
         NEW, 6, "tag `!!pairs` cannot be used here", TAG_HINT),
    case("tag-python-object",
         new_file(C_NEW, BENZ + "summary: !!python/object/apply:os.system [ls]\n"),
         NEW, 6, "tag `!!python/object/apply:os.system` cannot be used here", TAG_HINT),
    case("tag-python-name",
         new_file(C_NEW, BENZ + "summary: !!python/name:os.system\n"),
         NEW, 6, "tag `!!python/name:os.system` cannot be used here", TAG_HINT),
    case("tag-unknown-text-starting-with-an-exclamation-mark",
         new_file(C_NEW, BENZ + "summary: !Note the plant moved\n"),
         NEW, 6, "tag `!Note` cannot be used here", TAG_HINT),
    case("tag-with-characters-a-tag-cannot-hold",   # was the hint for a syntax error
         new_file(C_NEW, BENZ + "summary: !重要 北京奔驰的整车工厂\n"),
         NEW, 6, "YAML syntax error: did not find expected whitespace or line break",
         "a value starting with `!` is read as a tag: put the whole value in quotes"),
    case("tag-unknown-on-a-list",   # was read as the list, the tag ignored
         new_file(C_NEW, BENZ + "aliases: !foo [奔驰]\n"),
         NEW, 6, "tag `!foo` cannot be used here", TAG_HINT),
    case("tag-unknown-on-a-document",
         new_file(C_NEW, "--- !company\n" + BENZ),
         NEW, 1, "tag `!company` cannot be used here", TAG_HINT),
    case("tag-unknown-written-in-full",
         new_file(C_NEW, BENZ + "summary: !<tag:example.com,2025:x> y\n"),
         NEW, 6, "tag `!<tag:example.com,2025:x>` cannot be used here", TAG_HINT),
    case("tag-text-on-a-list",
         new_file(C_NEW, BENZ + "aliases: !!str [奔驰]\n"),
         NEW, 6, "tag `!!str` cannot be used here", TAG_HINT),
    case("tag-merge-on-text",
         new_file(C_NEW, BENZ + "summary: !!merge x\n"),
         NEW, 6, "tag `!!merge` cannot be used here", TAG_HINT),
    case("merge-key-of-text",   # was a "YAML syntax error" with its hint
         new_file(C_NEW, BENZ + "<<: 北京奔驰\n"),
         NEW, 6, "`<<` merges a mapping, given by its alias (`<<: *name`)",
         "put `<<` in quotes if it is text"),
    # Numbers YAML 1.1 misreads: `010` is 8 there, text here; `1:30` is 90 there,
    # refused here. Text in a number field gets the number to write instead.
    case("number-as-a-time",   # was read as 90 (base 60)
         replace(C_CLU, "value: 27\n", "value: 1:30\n"),
         CLU, 11, "`1:30` reads as a number in base 60 in YAML",
         "put it in quotes if it is text; write a figure as a plain number", count=2),
    case("number-as-a-time-in-a-text-field",
         new_file(C_NEW, BENZ + "summary: 9:30\n"),
         NEW, 6, "`9:30` reads as a number in base 60 in YAML",
         "put it in quotes if it is text; write a figure as a plain number"),
    case("number-with-a-leading-zero",   # was read as 8 (octal)
         replace(C_CLU, "value: 27\n", "value: 010\n"),
         CLU, 11, "`value` must be a number, got text '010'",
         "write `value: 10` and the unit in `unit:`"),
    case("number-with-a-leading-zero-not-octal",   # the hint was `value: 08`
         replace(C_CLU, "value: 27\n", "value: 08\n"),
         CLU, 11, "`value` must be a number, got text '08'",
         "write `value: 8` and the unit in `unit:`"),
    case("number-with-an-exponent",   # YAML 1.1 wants `1.0e+3`; the hint was `value: 1`
         replace(C_CLU, "value: 27\n", "value: 2.7e1\n"),
         CLU, 11, "`value` must be a number, got text '2.7e1'",
         "write `value: 27` and the unit in `unit:`"),
    case("number-too-large-for-a-float",   # the hint was `value: 1`
         replace(C_CLU, "value: 27\n", "value: 1e400\n"),
         CLU, 11, "`value` must be a number, got text '1e400'",
         "write the number alone and put the unit in `unit:`"),
    case("number-too-large-for-a-float-in-yaml-form",
         replace(C_CLU, "value: 27\n", "value: 1.0e+400\n"),
         CLU, 11, "`value` must be a finite number, not inf"),
    case("number-negative-infinity",
         replace(C_CLU, "value: 27\n", "value: -.inf\n"),
         CLU, 11, "`value` must be a finite number, not -inf"),

    # ---- reading the file: encoding, emptiness, shape ------------------------
    case("encoding-gbk",
         new_file(C_NEW, BENZ.encode("gbk")),
         NEW, 1, "not valid UTF-8 (byte 0xb1)", "save the file as UTF-8"),
    case("encoding-latin-1-on-line-2",
         new_file(C_NEW, b"name: x\nname_en: Caf\xe9 Parts\nrole: other\n"),
         NEW, 2, "not valid UTF-8 (byte 0xe9)", "save the file as UTF-8"),
    case("encoding-byte-order-mark",
         new_file(C_DIS, b"\xef\xbb\xbf" + DISTRICTS.encode()),
         DIS, 1, "file starts with a byte-order mark", "save it as UTF-8 without BOM"),
    case("encoding-control-character",
         new_file(C_NEW, BENZ + "summary: 北京奔驰\x01的整车工厂\n"),
         NEW, 6, "the file contains a control character (0x1)", "delete it"),
    case("file-empty",
         new_file(C_NEW, ""),
         NEW, 1, "file is empty", "write the record, or delete the file"),
    case("file-only-comments",
         new_file(C_NEW, "# 待补充：北京奔驰\n\n"),
         NEW, 1, "file holds no data", "write the record, or delete the file"),
    case("file-is-a-list-not-a-record",
         new_file("parks/acme-park.yaml", "- name: 宁河未来科技城\n- kind: new-town\n"),
         "content/parks/acme-park.yaml", 1,
         "a park file must be a mapping (key: value lines), not a list",
         "see content/README.md for the shape"),
    case("file-is-one-line-of-text",
         new_file(C_NEW, "北京奔驰汽车有限公司\n"),
         NEW, 1, "a company file must be a mapping (key: value lines), not text",
         "see content/README.md for the shape"),
    case("file-is-a-record-not-a-list",
         new_file(C_CIR, "\n".join(line[2:] for line in CIRCLES.splitlines()) + "\n"),
         CIR, 1, "circles.yaml must be a list of circles (lines starting with `- `)"),
    case("file-too-big",
         new_file(C_NEW, BENZ + "summary: " + "很" * 700_000 + "\n"),
         NEW, 0, "bytes, over the 2,000,000-byte limit", "split it into several records"),
    case("file-ends-in-yml",
         new_file("companies/acme.yml", BENZ),
         "content/companies/acme.yml", 1, "file ends in .yml and is not read",
         "rename it to acme.yaml"),
    case("file-ends-in-yml-shared-table",
         both(new_file(C_LNK, None), new_file("links.yml", LINKS)),
         "content/links.yml", 1, "file ends in .yml and is not read", "rename it to links.yaml"),

    # ---- fields: unknown, missing, empty ------------------------------------
    case("field-unknown-misspelt",
         replace(C_CLU, "summary: 宁河区", "summery: 宁河区"),
         CLU, 8, "unknown field `summery` in cluster", "did you mean `summary`?"),
    case("field-unknown-no-close-match",
         replace(C_HX, "  note: set by hand from the district map\n",
                 "  note: set by hand from the district map\n  zoom: 12\n"),
         HX, 18, "unknown field `zoom` in `location`",
         "expected one of: datum, lat, lon, note, precision"),
    case("field-unknown-suppliers-belong-in-links",
         append(C_BZ, "suppliers: [tianjin-huaxiang]\n"),
         BZ, 6, "unknown field `suppliers` in company", ""),
    case("field-missing",
         replace(C_PK, "kind: new-town\n", ""),
         PK, 1, "missing field `kind` in park", "add `kind:`; see content/README.md"),
    case("field-missing-in-a-fact",
         replace(C_LNK, "      kind: actual\n", ""),
         LNK, 8, "missing field `kind` in an item of `facts`", "add `kind:`"),
    case("field-missing-date-clue-of-an-inferred-date",
         replace(C_SRC, "date_clue: reports events of September 2025\n", ""),
         SRC, 1, "missing field `date_clue` in source", "add `date_clue:`"),
    case("field-empty",
         replace(C_PK, "name_en: Ninghe Future Technology City", "name_en:"),
         PK, 2, "field `name_en` is empty", "give it a value, or remove the line"),
    case("field-empty-quotes",
         replace(C_CLU, "    quote: 集聚企业120家", '    quote: ""'),
         CLU, 23, "field `quote` is empty", "give it a value, or remove the line"),
    case("field-only-spaces",   # was accepted as an empty name
         replace(C_PK, "name_en: Ninghe Future Technology City", "name_en: '  '"),
         PK, 2, "field `name_en` is empty", "give it a value, or remove the line"),
    case("field-only-a-full-width-space",   # was accepted: a quote found in every source
         replace(C_CLU, "    quote: 集聚企业120家", '    quote: "\u3000"'),
         CLU, 23, "field `quote` is empty", "give it a value, or remove the line"),
    case("field-only-spaces-naming-a-company",   # was "internal error: KeyError"
         replace(C_LNK, "supplier: tianjin-huaxiang", "supplier: ' '"),
         LNK, 1, "field `supplier` is empty", "give it a value, or remove the line"),
    case("list-item-only-spaces",   # was "internal error: KeyError"
         replace(C_HX, "clusters: [ninghe-auto-parts]", "clusters: [' ']"),
         HX, 8, "an item of `clusters` is empty", "give it a value, or remove it"),
    case("list-item-empty-quotes",   # was "each item of `sources` must be text, not text"
         new_file(C_NEW, BENZ.replace("sources: [tjrb-2025-09-clusters]",
                                      "sources: [tjrb-2025-09-clusters, '']")),
         NEW, 5, "an item of `sources` is empty", "give it a value, or remove it"),

    # ---- fields: wrong types -------------------------------------------------
    case("type-number-with-unit-yi-yuan",
         replace(C_CLU, "value: 27\n", "value: 27亿元\n"),
         CLU, 11, "`value` must be a number, got text '27亿元'",
         "write `value: 27` and the unit in `unit:`"),
    case("type-number-with-unit-jia",
         replace(C_CLU, "value: 120\n", "value: 120家\n"),
         CLU, 18, "`value` must be a number, got text '120家'",
         "write `value: 120` and the unit in `unit:`"),
    case("type-radius-with-unit-km",
         replace(C_CIR, "    - value: 50\n", "    - value: 50公里\n"),
         CIR, 8, "`value` must be a number, got text '50公里'",
         "write `value: 50` and the unit in `unit:`"),
    case("type-number-in-chinese-numerals",
         replace(C_CLU, "value: 27\n", "value: 二十七\n"),
         CLU, 11, "`value` must be a number, got text '二十七'",
         "write the number alone and put the unit in `unit:`"),
    case("type-latitude-with-hemisphere-letter",
         replace(C_HX, "lat: 39.33", "lat: 39.33N"),
         HX, 13, "`lat` must be a number, got text '39.33N'", "write `lat: 39.33`"),
    case("type-list-where-text-belongs",
         replace(C_BZ, "name: 北京奔驰汽车有限公司", "name: [北京奔驰汽车有限公司, 北京奔驰]"),
         BZ, 1, "`name` must be text, not a list"),
    case("type-mapping-where-a-list-belongs",
         replace(C_HX, "aliases: [华翔]", "aliases: {short: 华翔}"),
         HX, 3, "`aliases` must be a list, not a mapping"),
    case("type-text-where-a-list-of-records-belongs",
         replace(C_HX, "products:\n  - name: 白车身结构件\n    name_en: body-in-white structural parts\n",
                 "products: 白车身结构件\n"),
         HX, 9, "`products` must be a list (lines starting with `- `), not text"),
    case("type-text-where-true-or-false-belongs",
         replace(C_SRC, "date_inferred: true", "date_inferred: 是"),
         SRC, 4, "`date_inferred` must be true or false, got '是'"),
    case("type-number-that-is-not-a-number",
         replace(C_CLU, "value: 27\n", "value: .nan\n"),
         CLU, 11, "`value` must be a finite number, not nan"),
    case("type-number-that-is-infinite",
         replace(C_CIR, "    - value: 50\n", "    - value: .inf\n"),
         CIR, 8, "`value` must be a finite number, not inf"),
    case("type-year-that-is-not-a-number",
         new_file(C_CLU, DESIGNATED_CLUSTER.replace("year: 2025", "year: .nan")),
         CLU, 27, "`year` must be a finite number, not nan"),

    # ---- fields: values outside the controlled lists -------------------------
    case("choice-role-misspelt",
         replace(C_HX, "role: tier1-supplier", "role: tier-1-supplier"),
         HX, 4, "`role: tier-1-supplier` is not a known value", "did you mean `tier1-supplier`?"),
    case("choice-qualifier-in-chinese",
         replace(C_LNK, "qualifier: about", "qualifier: 约"),
         LNK, 11, "`qualifier: 约` is not a known value",
         "expected one of: about, at-least, exact, nearly, over, under"),
    case("choice-fact-kind",
         replace(C_CLU, "    kind: actual\n    source: tjrb-2025-09-clusters\n    quote: 年产值",
                 "    kind: plan\n    source: tjrb-2025-09-clusters\n    quote: 年产值"),
         CLU, 14, "`kind: plan` is not a known value", "expected one of: actual, estimate, target"),
    case("choice-datum-baidu",
         replace(C_HX, "datum: wgs84", "datum: bd09"),
         HX, 15, "`datum: bd09` is not a known value", "expected one of: gcj02, wgs84"),
    case("choice-radius-unit-in-chinese",
         replace(C_CIR, "unit: km", "unit: 公里"),
         CIR, 9, "`unit: 公里` is not a known value", "expected one of: km, m"),

    # ---- ids -----------------------------------------------------------------
    case("id-duplicate-circle",
         new_file(C_CIR, CIRCLES + CIRCLES.replace("宁河50公里", "宁河五十公里")),
         CIR, 13, "duplicate circle id `ninghe-parts-circle`"),
    case("id-duplicate-district",
         new_file(C_DIS, DISTRICTS + "- id: wuqing\n  name: 武清\n  name_en: Wuqing\n"
                  "  province: tianjin\n  level: district\n  centre: {lat: 39.4, lon: 117.0}\n"),
         DIS, 13, "duplicate district id `wuqing`"),
    case("id-duplicate-metric",
         append(C_MET, "- {id: share, name: 份额, name_en: Share}\n"),
         MET, 4, "duplicate id `share` in metrics.yaml"),
    case("id-duplicate-industry",
         append(C_IND, "- {id: auto-parts, name: 汽车配件, name_en: Auto parts}\n"),
         IND, 3, "duplicate id `auto-parts` in industries.yaml"),
    case("id-path-in-an-id-field",
         append(C_BZ, "id: ../x\n"),
         BZ, 6, "`id: ../x` does not match the file name `beijing-benz.yaml`",
         "remove the `id:` line"),
    case("id-path-as-a-circle-id",
         replace(C_CIR, "id: ninghe-parts-circle", "id: ../x"),
         CIR, 1, "`../x` is not a safe id", "use lowercase ASCII letters, digits and hyphens"),
    case("id-upper-case-file-name",
         new_file("companies/Acme.yaml", BENZ),
         "content/companies/Acme.yaml", 1, "file name `Acme.yaml` is not a safe id",
         "e.g. `acme.yaml`"),
    case("id-spaces-in-file-name",
         new_file("companies/beijing benz 2.yaml", BENZ),
         "content/companies/beijing benz 2.yaml", 1, "file name `beijing benz 2.yaml` is not a safe id",
         "e.g. `beijing-benz-2.yaml`"),
    case("id-chinese-file-name",
         new_file("parks/宁河科技城.yaml", PARK),
         "content/parks/宁河科技城.yaml", 1, "file name `宁河科技城.yaml` is not a safe id",
         "use lowercase ASCII letters, digits and hyphens"),
    case("id-upper-case-circle-id",
         replace(C_CIR, "id: ninghe-parts-circle", "id: Ninghe-Parts-Circle"),
         CIR, 1, "`Ninghe-Parts-Circle` is not a safe id"),
    case("id-chinese-circle-id",
         replace(C_CIR, "id: ninghe-parts-circle", "id: 宁河配套圈"),
         CIR, 1, "`宁河配套圈` is not a safe id"),
    case("id-reserved-name",
         new_file("companies/search.yaml", BENZ),
         "content/companies/search.yaml", 1, "`search` is a reserved name and cannot be an id",
         "choose a more specific name"),
    case("id-disagrees-with-file-name",
         append(C_PK, "id: ninghe-future-city\n"),
         PK, 12, "`id: ninghe-future-city` does not match the file name "
                 "`ninghe-future-tech-city.yaml`",
         "rename the file to `ninghe-future-city.yaml` or remove the `id:` line"),

    # ---- references ----------------------------------------------------------
    case("ref-company-cluster",
         replace(C_HX, "clusters: [ninghe-auto-parts]", "clusters: [ninghe-auto-part]"),
         HX, 8, "`clusters` names unknown cluster `ninghe-auto-part`",
         "did you mean `ninghe-auto-parts`?"),
    case("ref-company-park",
         replace(C_HX, "park: ninghe-future-tech-city", "park: ninghe-future-techcity"),
         HX, 7, "`park` names unknown park `ninghe-future-techcity`",
         "did you mean `ninghe-future-tech-city`?"),
    case("ref-company-parent",
         append(C_BZ, "parent: daimler\n"),
         BZ, 6, "`parent` names unknown company `daimler`",
         "expected one of: beijing-benz, tianjin-huaxiang"),
    case("ref-company-district",
         replace(C_HX, "district: ninghe", "district: ninhe"),
         HX, 6, "`district` names unknown district `ninhe`", "did you mean `ninghe`?"),
    case("ref-cluster-parent",
         append(C_CLU, "parent: jjj-six-chains-five-clusters\n"),
         CLU, 25, "`parent` names unknown cluster `jjj-six-chains-five-clusters`",
         "expected one of: ninghe-auto-parts"),
    case("ref-cluster-parks",
         replace(C_CLU, "parks: [ninghe-future-tech-city]", "parks: [ninghe-tech-city]"),
         CLU, 7, "`parks` names unknown park `ninghe-tech-city`",
         "did you mean `ninghe-future-tech-city`?"),
    case("ref-cluster-industry",
         replace(C_CLU, "industry: auto-parts", "industry: autoparts"),
         CLU, 4, "unknown industry `autoparts`",
         "did you mean `auto-parts`?; or add it to industries.yaml"),
    case("ref-fact-metric",
         replace(C_CLU, "metric: output", "metric: output-value"),
         CLU, 10, "unknown metric `output-value`", "did you mean `output`?; or add it to metrics.yaml"),
    case("ref-park-parent",
         append(C_PK, "parent: ninghe-economic-zone\n"),
         PK, 12, "`parent` names unknown park `ninghe-economic-zone`",
         "expected one of: ninghe-future-tech-city"),
    case("ref-park-district",
         replace(C_PK, "district: ninghe", "district: 宁河区"),
         PK, 4, "`district` names unknown district `宁河区`", "expected one of: ninghe, wuqing"),
    case("ref-link-supplier",
         replace(C_LNK, "supplier: tianjin-huaxiang", "supplier: tianjin-huaxiang-auto"),
         LNK, 1, "`supplier` names unknown company `tianjin-huaxiang-auto`",
         "did you mean `tianjin-huaxiang`?"),
    case("ref-link-customer",
         replace(C_LNK, "customer: beijing-benz", "customer: benz"),
         LNK, 2, "`customer` names unknown company `benz`", ""),
    case("ref-link-supplies-itself",
         replace(C_LNK, "customer: beijing-benz", "customer: tianjin-huaxiang"),
         LNK, 2, "`tianjin-huaxiang` cannot supply itself", "a link needs two different companies"),
    case("ref-circle-centre",
         replace(C_CIR, "centre: ninghe-future-tech-city", "centre: ninghe"),
         CIR, 5, "`centre` names unknown park `ninghe`", "expected one of: ninghe-future-tech-city"),
    case("ref-circle-partners",
         replace(C_CIR, "partners: [ninghe, wuqing]", "partners: [ninghe, wuqing, langfang]"),
         CIR, 6, "`partners` names unknown district `langfang`", "expected one of: ninghe, wuqing"),
    case("ref-record-sources",
         replace(C_PK, "sources: [tjrb-2025-09-clusters]", "sources: [tjrb-2025-09]"),
         PK, 11, "`sources` names unknown source `tjrb-2025-09`",
         "did you mean `tjrb-2025-09-clusters`?"),
    case("ref-person-source",
         append(C_BZ, "people:\n  - name: 彭旭亮\n    title: 总经理\n    title_en: General Manager\n"
                      "    source: tjrb-2025-10-auto-chain\n"),
         BZ, 10, "`source` names unknown source `tjrb-2025-10-auto-chain`", ""),

    # ---- parent chains -------------------------------------------------------
    case("cycle-park-is-its-own-parent",
         append(C_PK, "parent: ninghe-future-tech-city\n"),
         PK, 12, "park `ninghe-future-tech-city` is its own ancestor through `parent`: "
                 "ninghe-future-tech-city -> ninghe-future-tech-city", "a parent chain must end"),
    case("cycle-two-companies",
         both(append(C_BZ, "parent: tianjin-huaxiang\n"), append(C_HX, "parent: beijing-benz\n")),
         BZ, 6, "company `beijing-benz` is its own ancestor through `parent`: "
                "beijing-benz -> tianjin-huaxiang -> beijing-benz", "a parent chain must end",
         count=2),
    case("cycle-three-clusters",
         both(append(C_CLU, "parent: cluster-b\n"),
              new_file("clusters/cluster-b.yaml", CLUSTER + "parent: cluster-c\n"),
              new_file("clusters/cluster-c.yaml", CLUSTER + "parent: ninghe-auto-parts\n")),
         CLU, 25, "cluster `ninghe-auto-parts` is its own ancestor through `parent`: "
                  "ninghe-auto-parts -> cluster-b -> cluster-c -> ninghe-auto-parts",
         "a parent chain must end", count=3),
    case("cycle-reached-from-outside",
         both(append(C_BZ, "parent: x-a\n"), new_file("companies/x-a.yaml", BENZ + "parent: x-b\n"),
              new_file("companies/x-b.yaml", BENZ + "parent: x-a\n")),
         "content/companies/x-a.yaml", 6, "company `x-a` is its own ancestor through `parent`: "
                                          "x-a -> x-b -> x-a", "a parent chain must end", count=2),

    # ---- coordinates ---------------------------------------------------------
    case("coord-latitude-out-of-range",
         replace(C_HX, "lat: 39.33", "lat: 139.33"),
         HX, 13, "coordinates (139.33, 117.82) are out of range",
         "latitude lies within ±90 and longitude within ±180"),
    case("coord-swapped",
         replace(C_HX, "  lat: 39.33\n  lon: 117.82\n", "  lat: 117.82\n  lon: 39.33\n"),
         HX, 13, "latitude and longitude look swapped (117.82, 39.33)",
         "write `lat: 39.33` and `lon: 117.82`"),
    case("coord-outside-the-region-shanghai",
         replace(C_PK, "  lat: 39.35\n  lon: 117.80\n", "  lat: 31.23\n  lon: 121.47\n"),
         PK, 6, "(31.23, 121.47) lies outside the Beijing-Tianjin-Hebei region",
         "the region spans latitude 36.0–42.7 and longitude 113.4–119.9"),
    case("coord-district-centre-outside-the-region",
         replace(C_DIS, "centre: {lat: 39.38, lon: 117.04}", "centre: {lat: 117.04, lon: 39.38}"),
         DIS, 12, "centre (117.04, 39.38) lies outside the region",
         "check the coordinates; lat and lon may be swapped"),

    # ---- quotes and sources ---------------------------------------------------
    case("quote-not-in-the-source",
         replace(C_CLU, "quote: 年产值达27亿元", "quote: 年产值达28亿元"),
         CLU, 16, "quote not found in source `tjrb-2025-09-clusters`: '年产值达28亿元'",
         "copy it verbatim from content/sources/tjrb-2025-09-clusters.txt"),
    case("quote-full-width-percent",
         replace(C_LNK, "quote: 北京奔驰订单约占其业务总量的80%", "quote: 北京奔驰订单约占其业务总量的80％"),
         LNK, 16, "quote not found in source `tjrb-2025-09-clusters`", "copy it verbatim"),
    case("quote-cites-an-unknown-source",
         replace(C_CIR, "      source: tjrb-2025-09-clusters\n", "      source: tjrb-2025-09-cluster\n"),
         CIR, 10, "`source` names unknown source `tjrb-2025-09-cluster`",
         "did you mean `tjrb-2025-09-clusters`?"),
    case("quote-without-its-source",
         replace(C_CLU, "    source: tjrb-2025-09-clusters\n    quote: 集聚企业120家\n",
                 "    quote: 集聚企业120家\n"),
         CLU, 17, "fact has no `source`", "every figure needs the source it came from"),
    case("source-text-file-missing",
         new_file(C_TXT, None),
         SRC, 11, "article text `tjrb-2025-09-clusters.txt` not found next to this file",
         "put the article text at content/sources/tjrb-2025-09-clusters.txt"),
    case("source-text-file-name-too-long",
         replace(C_SRC, "text: tjrb-2025-09-clusters.txt", "text: " + "x" * 300 + ".txt"),
         SRC, 11, "is not a plain .txt file name",
         "name the article text `tjrb-2025-09-clusters.txt` and put it next to this file"),

    # ---- dates and periods -----------------------------------------------------
    case("date-written-in-chinese",
         replace(C_SRC, 'date: "2025-09"', "date: 2025年9月"),
         SRC, 3, "`date: 2025年9月` is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD, in quotes"),
    case("date-impossible-day",
         replace(C_SRC, 'date: "2025-09"', "date: 2025-02-30"),
         SRC, 3, "`date: 2025-02-30` is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD"),
    case("date-in-full-width-digits",
         replace(C_SRC, 'date: "2025-09"', 'date: "２０２５-０９"'),
         SRC, 3, "is not a date", ""),
    case("as-of-month-without-leading-zero",
         replace(C_CLU, 'as_of: "2025-09"', 'as_of: "2025-9"'),
         CLU, 20, "`as_of: 2025-9` is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD"),
    case("period-in-chinese",
         replace(C_CLU, 'period: "2024"', "period: 2024年"),
         CLU, 13, "`period: 2024年` is not a period", "write YYYY, YYYY-MM, YYYY-H1, YYYY-Q3"),
    case("period-range-backwards",
         replace(C_CLU, 'period: "2024"', 'period: "2024-08/2024-01"'),
         CLU, 13, "`period: 2024-08/2024-01` ends before it starts", "write the earlier end first"),
    case("fact-without-period-or-as-of",
         replace(C_CLU, '    period: "2024"\n', ""),
         CLU, 10, "fact has neither `period` nor `as_of`", "say when the figure holds"),

    # ---- numbers that cannot be right -----------------------------------------
    case("share-over-100-percent",
         replace(C_LNK, "value: 80", "value: 120"),
         LNK, 10, "a share of 120% is impossible", "a share lies between 0 and 100"),
    case("range-top-below-bottom",
         replace(C_CLU, "value: 120\n", "value: 120\n    value_max: 100\n"),
         CLU, 19, "`value_max` is below `value`", "a range goes from value up to value_max"),
    case("radius-zero",
         replace(C_CIR, "    - value: 50\n", "    - value: 0\n"),
         CIR, 8, "a radius must be above zero"),
    case("assumed-radius-negative",
         replace(C_CIR, "  sources:", "  assumed_radius_km: -80\n  assumed_basis: an hour's drive\n"
                                      "  sources:"),
         CIR, 12, "assumed_radius_km", ""),
    case("circle-radius-without-centre",
         replace(C_CIR, "  centre: ninghe-future-tech-city\n", ""),
         CIR, 6, "a circle with a radius needs a `centre`", "name the park at its centre"),

    # ---- pages -------------------------------------------------------------------
    case("page-without-front-matter",
         new_file("pages/methodology.md", "# 方法\n\n本图谱如何编写。\n"),
         "content/pages/methodology.md", 1, "page has no front matter",
         "start it with ---, a `title:` line, a `title_en:` line, and ---"),
    case("page-unknown-front-matter-field",
         replace(C_ABT, "title_en: About the atlas\n", "title_en: About the atlas\nauthor: 宁广靖\n"),
         ABT, 4, "unknown field `author` in page front matter", "expected one of: title, title_en"),
]


@pytest.mark.parametrize("change, path, line, message, hint, count", CATALOGUE)
def test_catalogue(tmp_path, capsys, change, path, line, message, hint, count):
    make_content(tmp_path, change)
    started = time.monotonic()
    code = main(["check", "--root", str(tmp_path)])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()

    assert "Traceback" not in out + err and "internal error" not in err, err
    assert code == 1, err
    assert out == "", "check must not say the content is OK"
    assert elapsed < TIME_LIMIT_S, f"check took {elapsed:.1f} s"

    lines = err.rstrip("\n").split("\n")
    assert lines[-1] == f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", err
    problems = lines[:-1]
    assert len(problems) == count, f"every problem on exactly one line:\n{err}"
    assert all(p.startswith("content/") for p in problems), err

    prefix = f"{path}:{line}: " if line else f"{path}: "
    mine = [p for p in problems if p.startswith(prefix) and message in p]
    assert len(mine) == 1, f"expected {prefix!r} ... {message!r} in:\n{err}"
    if hint:
        after = mine[0][mine[0].index(message) + len(message):]
        assert f"({hint}" in after or hint in after and after.endswith(")"), \
            f"hint {hint!r} not in {mine[0]!r}"


def test_catalogue_has_at_least_forty_distinct_cases():
    ids = [param.id for param in CATALOGUE]
    assert len(ids) == len(set(ids)) and len(ids) >= 40


def test_the_unchanged_fixture_passes_the_command_line(tmp_path, capsys):
    """The baseline every row changes: `check` says OK and returns 0."""
    make_content(tmp_path)
    assert main(["check", "--root", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("content OK: 1 clusters, 2 companies, 1 parks") and err == ""


# --- a deeply nested list crashes the interpreter, so it runs in a child process --

def test_very_deep_dash_nesting_is_rejected_without_crashing(tmp_path):
    make_content(tmp_path, {C_NEW: BENZ + "aliases:\n  " + "- " * 100_000 + "x\n"})
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from atlas.cli import main; sys.exit(main(sys.argv[1:]))",
         "check", "--root", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert time.monotonic() - started < TIME_LIMIT_S + 5
    assert result.returncode == 1, f"exit code {result.returncode}: {result.stderr[-500:]}"
    assert f"{NEW}:7: YAML too complex: nesting deeper than 30 levels" in result.stderr
    assert result.stderr.rstrip().endswith("1 problem found; nothing was written.")


# --- cases the one-line table cannot state ------------------------------------------

def test_a_file_name_ending_in_a_line_break_is_not_a_safe_id(tmp_path):
    with pytest.raises(ContentError) as info:
        validate(make_content(tmp_path, {"companies/acme\n.yaml": BENZ}))
    [problem] = info.value.problems.sorted()
    assert problem.path == "content/companies/acme\n.yaml" and "is not a safe id" in problem.message


# An `id:` that is not a safe id once got `rename the file to `../x.yaml``; text in `lat`
# once got `put the unit in `unit:`` though a location has no `unit` field.
@pytest.mark.parametrize("change, path, line, misleading", [
    pytest.param(append(C_BZ, "id: ../x\n"), BZ, 6, "rename the file to `../x.yaml`",
                 id="rename-to-an-unsafe-name"),
    pytest.param(replace(C_HX, "lat: 39.33", "lat: 39.33N"), HX, 13, "the unit in `unit:`",
                 id="unit-field-for-a-coordinate"),
])
def test_hints_never_advise_something_invalid(tmp_path, capsys, change, path, line, misleading):
    make_content(tmp_path, change)
    assert main(["check", "--root", str(tmp_path)]) == 1
    [problem, _count] = capsys.readouterr().err.rstrip("\n").split("\n")
    assert problem.startswith(f"{path}:{line}: ")
    assert misleading not in problem


# --- many problems at once ------------------------------------------------------------

def test_every_problem_of_many_broken_files_is_reported_in_one_run_sorted(tmp_path, capsys):
    make_content(tmp_path, both(
        replace(C_CIR, "partners: [ninghe, wuqing]", "partners: [ninghe, wuqin]"),
        {C_CLU: edit(C_CLU, "summary: 宁河区", "summery: 宁河区")
                .replace('period: "2024"', "period: 2024年")},
        {C_HX: edit(C_HX, "industry: auto-parts", "industry: auto-part")
               .replace("clusters: [ninghe-auto-parts]", "clusters: [ninghe-auto-part]")
               .replace("lon: 117.82", "lon: 117.82E")},
        new_file("companies/acme.yml", BENZ),
        replace(C_DIS, "centre: {lat: 39.38, lon: 117.04}", "centre: {lat: 117.04, lon: 39.38}"),
        replace(C_LNK, "value: 80", "value: 120"),
        replace(C_PK, "kind: new-town", "kind: newtown"),
        replace(C_SRC, "date_inferred: true", "date_inferred: 是"),
    ))
    started = time.monotonic()
    code = main(["check", "--root", str(tmp_path)])
    assert time.monotonic() - started < TIME_LIMIT_S
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "Traceback" not in err

    lines = err.rstrip("\n").split("\n")
    assert lines[-1] == "11 problems found; nothing was written."
    where = [(p.split(":")[0], int(p.split(":")[1])) for p in lines[:-1]]
    assert where == [
        (CIR, 6),
        (CLU, 8), (CLU, 13),
        ("content/companies/acme.yml", 1),
        (HX, 5), (HX, 8), (HX, 14),           # by line number: 14 after 8, not before 5
        (DIS, 12),
        (LNK, 10),
        (PK, 3),
        (SRC, 4),
    ], err
    assert where == sorted(where)
    expected = [
        "`partners` names unknown district `wuqin` (did you mean `wuqing`?)",
        "unknown field `summery` in cluster (did you mean `summary`?)",
        "`period: 2024年` is not a period",
        "file ends in .yml and is not read (rename it to acme.yaml)",
        "unknown industry `auto-part` (did you mean `auto-parts`?; or add it to industries.yaml)",
        "`clusters` names unknown cluster `ninghe-auto-part` (did you mean `ninghe-auto-parts`?)",
        "`lon` must be a number, got text '117.82E' (write `lon: 117.82`",
        "centre (117.04, 39.38) lies outside the region",
        "a share of 120% is impossible (a share lies between 0 and 100)",
        "`kind: newtown` is not a known value (did you mean `new-town`?)",
        "`date_inferred` must be true or false, got '是'",
    ]
    for line, words in zip(lines[:-1], expected):
        assert words in line, (line, words)
