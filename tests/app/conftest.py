"""Shared helpers of the app tests (AppTest, real browser, fresh virtual environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"

# The fresh-venv install test has its own marker `cloud` (registered in pyproject.toml), not
# `slow`, because it must run in CI where `slow` is deselected.


#: url path, page file and a phrase of the page's main chart title, for every page of app.py.
PAGES = {
    "five_points": ("app_pages/five_points.py", "Where GD ends"),
    "blind_spot": ("app_pages/blind_spot.py", "Pre-activation z"),
    "initialisation": ("app_pages/initialisation.py", "Final training accuracy vs width"),
    "teacher_student": ("app_pages/teacher_student.py", "Table 1: ours"),
    "more_minima": ("app_pages/more_minima.py", "Where GD ends on D2"),
    "convergence": ("app_pages/convergence.py", "Runs reaching 0 training error"),
    "engine": ("app_pages/engine.py", "per restart (log scale"),
}


def chart_specs(at) -> list[dict]:
    """The Vega-Lite specs of every Altair chart on an AppTest page."""
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def find_chart(at, phrase: str):
    """The first Altair chart whose spec mentions ``phrase`` (its title, usually), or None."""
    for el in at.get("vega_lite_chart"):
        if phrase in el.proto.spec:
            return el
    return None


def chart_data(el) -> bytes:
    """The data a chart element carries (its named datasets), to tell two renders apart."""
    return b"".join(d.data.data for d in el.proto.datasets) + el.proto.data.data


@pytest.fixture
def app_test():
    """A fresh AppTest of app.py (caches cleared) with a generous timeout."""
    st = pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    return at
