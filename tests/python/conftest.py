"""Fixtures of the Python module's tests: an engine, tirrun's path, and
helpers that check a Result against expected rows."""
import os
import pathlib

import pytest

import tir


@pytest.fixture
def engine():
    return tir.Engine(threads=2)


@pytest.fixture
def tirrun():
    path = os.environ.get("TIRRUN")
    if not path:
        pytest.fail("TIRRUN is not set (the meson test sets it to the built tirrun)")
    return pathlib.Path(path)
