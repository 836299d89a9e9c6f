"""Shared fixtures: the real atlas built once per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from atlas import Project, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built from the real content into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "site"
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    build(Project(ROOT), out)
    return out


@pytest.fixture(scope="session")
def real_atlas(built_site):
    from atlas import load_atlas
    return load_atlas(Project(ROOT))


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of the project (content, templates, static) to break on purpose."""
    for name in ("content", "templates", "static", "i18n"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="module")
def server(built_site, tmp_path_factory):
    """The built site served under a sub-path, as GitHub Pages serves a project site."""
    from browser_kit import serving_under_subpath
    with serving_under_subpath(built_site, tmp_path_factory.mktemp("www")) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium (one per test module: Playwright's sync API allows one
    at a time, and some modules drive their own)."""
    from browser_kit import HAVE_CHROMIUM, chromium
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium is not installed")
    with chromium() as launched:
        yield launched
