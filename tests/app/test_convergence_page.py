"""AppTest of the "XOR and jellyfish" page: its table is the shipped reference, a live rerun at tiny
sizes replaces it, too much work is refused (the generic render test is in test_pages.py)."""

from __future__ import annotations

import pytest

from .conftest import PAGES, chart_data, find_chart

pytest.importorskip("streamlit")
pytest.importorskip("altair")


def open_page(at):
    at.run()
    at.switch_page(PAGES["convergence"][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


NAMES = {
    "xor": "XOR",
    "jellyfish": "jellyfish",
    "relu": "ReLU",
    "sigmoid": "sigmoid",
    "adam": "Adam",
    "gd": "GD",
}


def test_table_is_the_reference(app_test):
    from relufast.experiments import reference

    at = open_page(app_test)
    rows = reference.load("convergence.json")["table"]["rows"]
    table = next(df.value for df in at.dataframe if "XOR ReLU Adam" in df.value.columns)
    for i in range(len(rows["h"])):
        d, a, o, h = rows["data"][i], rows["activation"][i], rows["optimizer"][i], rows["h"][i]
        col = f"{NAMES[d]} {NAMES[a]} {NAMES[o]}"
        cell = table.loc[table["h"] == h, col].iloc[0]
        assert cell == f"{100 * rows['fraction'][i]:.0f} % ({100 * rows['paper'][i]:.0f} %)"
    for phrase in ("Runs reaching 0 training error", "learning rate", "ReLU, converged", "ReLU, stuck"):
        assert find_chart(at, phrase) is not None, phrase
    assert any("inside our 95% interval" in m.value for m in at.markdown)


def test_live_rerun_with_small_sizes(app_test):
    at = open_page(app_test)
    before = chart_data(find_chart(at, "Runs reaching 0 training error"))
    at.select_slider(key="cv_runs").set_value(50)
    at.select_slider(key="cv_steps").set_value(1000)
    at.button(key="cv_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    caps = [c.value for c in at.caption if "Live run" in c.value]
    assert caps and "50 runs x 1,000 steps" in caps[0]
    assert chart_data(find_chart(at, "Runs reaching 0 training error")) != before


def test_too_much_work_is_refused(app_test):
    at = open_page(app_test)
    at.select_slider(key="cv_runs").set_value(2000)
    at.select_slider(key="cv_steps").set_value(100_000)
    at.button(key="cv_run").click().run()
    assert any("too much work" in w.value for w in at.warning)
    assert not any("Live run" in c.value for c in at.caption)
