"""AppTest of the "More local minima" page: its tables show the losses relufast computes, and a live
rerun at tiny sizes replaces the shipped reference (the generic render test is in test_pages.py)."""

from __future__ import annotations

import pytest

from .conftest import PAGES, chart_data, find_chart

pytest.importorskip("streamlit")
pytest.importorskip("altair")


def open_page(at):
    at.run()
    at.switch_page(PAGES["more_minima"][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_tables_show_the_computed_losses_and_verdicts(app_test):
    from relufast.experiments import more_minima as mm

    at = open_page(app_test)
    pvo = ["quantity", "paper", "ours", "note"]
    tables = [df.value for df in at.dataframe if list(df.value.columns) == pvo]
    assert len(tables) == 2
    for prop, table in zip(mm.PROPS.values(), tables):
        for pt in prop.points:
            c = mm.check_point(prop, pt.key)
            row = table[table["quantity"] == f"L at the {pt.label}"].iloc[0]
            assert row["ours"] == f"{mm.frac_str(c.loss)} = {float(c.loss):.6g}"
            assert row["paper"] == ("not printed" if pt.stated_loss is None else mm.frac_str(pt.stated_loss))
            assert c.verdict() in set(table["note"])
            for fix in c.corrections:
                fixed = table[table["quantity"] == f"L of the {pt.label} with {fix.describe()}"].iloc[0]
                assert fixed["ours"].startswith(mm.frac_str(fix.loss) + ": a local minimum")
    # the exact values, spelled out: misprinted Prop. 2, Prop. 3 as printed
    ours = " ".join(" ".join(t["ours"]) for t in tables)
    shown = ("29 = 29", "23/3 = 7.66667", "1/6 = 0.166667", "2/3 = 0.666667", "0: a local", "8/3: a local")
    for s in shown:
        assert s in ours, s
    assert find_chart(at, "Data D2 and the printed fits") is not None
    assert find_chart(at, "Where GD ends on D3") is not None


def test_basin_tables_are_the_reference(app_test):
    from relufast.experiments import reference

    at = open_page(app_test)
    ref = reference.load("more_minima.json")
    basin_tables = [df.value for df in at.dataframe if "endpoint" in df.value.columns]
    assert len(basin_tables) == 2
    for key, table in zip(("prop2", "prop3"), basin_tables):
        assert list(table["endpoint"]) == [r["endpoint"] for r in ref["basins"][key]["rows"]]
        assert list(table["count"]) == [r["count"] for r in ref["basins"][key]["rows"]]


def test_live_rerun_with_small_sizes(app_test):
    at = open_page(app_test)
    before = chart_data(find_chart(at, "Where GD ends on D2"))
    at.select_slider(key="mm_restarts").set_value(50)
    at.select_slider(key="mm_steps").set_value(2000)
    at.button(key="mm_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    caps = [c.value for c in at.caption if "Live run" in c.value]
    assert caps and "50 restarts" in caps[0]
    assert chart_data(find_chart(at, "Where GD ends on D2")) != before


def test_too_much_work_is_refused(app_test):
    at = open_page(app_test)
    at.select_slider(key="mm_restarts").set_value(10_000)
    at.select_slider(key="mm_steps").set_value(300_000)
    at.button(key="mm_run").click().run()
    assert any("too much work" in w.value for w in at.warning)
