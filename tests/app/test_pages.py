"""AppTest of every page of app.py: it renders from the shipped reference without an exception, its
main chart is there, and changing a control recomputes (live runs use tiny sizes)."""

from __future__ import annotations

import pytest

from .conftest import PAGES, chart_data, find_chart

pytest.importorskip("streamlit")
pytest.importorskip("altair")


def open_page(at, name: str):
    at.run()
    if name != "five_points":  # the default page
        at.switch_page(PAGES[name][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def live_caption(at) -> str:
    caps = [c.value for c in at.caption if "Live run" in c.value]
    assert caps, [c.value for c in at.caption]
    return caps[0]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_from_reference(app_test, name):
    at = open_page(app_test, name)
    assert_clean(at)
    assert find_chart(at, PAGES[name][1]) is not None, f"main chart of {name} missing"
    assert any("Shipped reference result" in c.value for c in at.caption), "no reference caption"
    assert at.title[0].value  # header: title, claim, what to see
    text = " ".join(m.value for m in at.markdown)
    assert "The claim." in text and "What you should see." in text


def test_five_points_recomputes(app_test):
    at = open_page(app_test, "five_points")
    before = chart_data(find_chart(at, "Where GD ends"))
    at.select_slider(key="fp_restarts").set_value(100)
    at.select_slider(key="fp_steps").set_value(1000)
    at.button(key="fp_run").click().run()
    assert_clean(at)
    assert "100 restarts" in live_caption(at)
    assert chart_data(find_chart(at, "Where GD ends")) != before
    # the landscape slice follows its own controls at once
    plane = chart_data(find_chart(at, "Loss on the plane"))
    at.select_slider(key="fp_grid").set_value(21).run()
    assert_clean(at)
    assert chart_data(find_chart(at, "Loss on the plane")) != plane
    # a point of your own is certified (or refuted) without a traceback
    at.number_input(key="fp_p0").set_value(2.0).run()
    assert_clean(at)
    assert any("your point" in c.proto.spec for c in at.get("vega_lite_chart"))


def test_five_points_rejects_too_much_work(app_test):
    at = open_page(app_test, "five_points")
    at.select_slider(key="fp_restarts").set_value(1_000_000)
    at.select_slider(key="fp_steps").set_value(50_000)
    at.button(key="fp_run").click().run()
    assert_clean(at)
    assert any("too much work" in w.value for w in at.warning)


def test_five_points_work_limit_follows_the_backend(app_test):
    """1e5 x 5e4 restart-steps: within the core's limit, ~20 minutes on the NumPy reference."""
    at = open_page(app_test, "five_points")
    at.select_slider(key="fp_restarts").set_value(100_000)
    at.select_slider(key="fp_steps").set_value(50_000)
    at.selectbox(key="fp_backend").set_value("numpy")
    at.button(key="fp_run").click().run()
    assert_clean(at)
    assert any("too much work for backend numpy" in w.value for w in at.warning)


def test_blind_spot_recomputes(app_test):
    at = open_page(app_test, "blind_spot")
    assert any("In the blind spot" in s.value for s in at.success)
    grad = chart_data(find_chart(at, "Exact gradient"))
    # wake unit 1 up: it is no longer dead on every point and the gradient is no longer zero
    w1 = [s for s in at.slider if s.label == "w1"][0]
    w1.set_value(2.0).run()
    assert_clean(at)
    assert any("Not in the blind spot" in w.value for w in at.warning)
    assert chart_data(find_chart(at, "Exact gradient")) != grad
    # the sweep of the init mean, tiny
    at.select_slider(key="bs_restarts").set_value(100)
    at.select_slider(key="bs_npts").set_value(5)
    at.button(key="bs_run").click().run()
    assert_clean(at)
    assert "5 means x 100 inits" in live_caption(at)
    # the paper's variant with an output bias: GD moves only the bias
    at.toggle(key="bs_ob").set_value(True).run()
    assert_clean(at)
    assert any("In the blind spot" in s.value for s in at.success)


def test_initialisation_recomputes(app_test):
    at = open_page(app_test, "initialisation")
    before = chart_data(find_chart(at, "Final training accuracy"))
    at.multiselect(key="in_widths").set_value([8])
    at.multiselect(key="in_depths").set_value([1])
    at.select_slider(key="in_steps").set_value(50)
    at.button(key="in_run").click().run()
    assert_clean(at)
    assert "5 nets, 50 Adam updates" in live_caption(at)
    assert chart_data(find_chart(at, "Final training accuracy")) != before


def test_initialisation_bad_combination_is_a_message(app_test):
    at = open_page(app_test, "initialisation")
    at.multiselect(key="in_labels").set_value([])
    at.button(key="in_run").click().run()
    assert_clean(at)
    assert any("Pick at least one" in w.value for w in at.warning)


def test_teacher_student_recomputes(app_test):
    at = open_page(app_test, "teacher_student")
    before = chart_data(find_chart(at, "Table 1: ours"))
    at.slider(key="ts_k").set_value((3, 4))
    at.multiselect(key="ts_n").set_value(["n = k", "n = k+3"])
    at.select_slider(key="ts_restarts").set_value(10)
    at.button(key="ts_run").click().run()
    assert_clean(at)
    assert "10 restarts per cell, 4 cell(s)" in live_caption(at)
    assert chart_data(find_chart(at, "Table 1: ours")) != before
    # pick another cell of the live run
    at.selectbox(key="ts_cell").set_value("k = 4, n = 7").run()
    assert_clean(at)
    assert find_chart(at, "Final loss of every run") is not None
    # back to the reference
    at.button(key="ts_live__reset").click().run()
    assert_clean(at)
    assert any("Shipped reference result" in c.value for c in at.caption)


def test_teacher_student_bad_combination_is_a_message(app_test):
    at = open_page(app_test, "teacher_student")
    at.multiselect(key="ts_n").set_value([])
    at.button(key="ts_run").click().run()
    assert_clean(at)
    assert any("Pick at least one student width" in w.value for w in at.warning)
    # too long for a live run: k = 20..30, four student widths, 5000 restarts
    at.multiselect(key="ts_n").set_value(["n = k", "n = k+1", "n = k+2", "n = k+3"])
    at.slider(key="ts_k").set_value((20, 30))
    at.select_slider(key="ts_restarts").set_value(5000)
    at.button(key="ts_run").click().run()
    assert_clean(at)
    assert any("minutes here" in w.value for w in at.warning)
    assert not any("Live run" in c.value for c in at.caption)


def test_engine_recomputes(app_test):
    at = open_page(app_test, "engine")
    at.select_slider(key="eng_restarts").set_value(64)
    at.select_slider(key="eng_k").set_value(4)
    at.button(key="eng_run").click().run()
    assert_clean(at)
    assert "64 restarts, k = n = 4" in live_caption(at)
    # the table under the chart is the live timing: its tasks name k = n = 4, and the speed-up is
    # the ratio of the two backends' times
    wide = [d.value for d in at.dataframe if "task" in d.value.columns]
    assert wide, [d.value.columns.tolist() for d in at.dataframe]
    tasks = wide[0]["task"].tolist()
    assert "teacher loss+grad (k = n = 4)" in tasks and "teacher GD, 200 steps (k = n = 4)" in tasks
    if "cpu" in wide[0].columns:
        ratio = wide[0]["numpy"] / wide[0]["cpu"]
        assert (wide[0]["speed-up (numpy / cpu)"] - ratio).abs().max() < 1e-12
    assert chart_data(find_chart(at, "per restart (log scale")) != b""


def test_engine_reads_benchmark_results(app_test, tmp_path, monkeypatch):
    (tmp_path / "teacher.txt").write_text("teacher GD: relufast 12x faster than torch\n")
    (tmp_path / "teacher.json").write_text(
        '{"machine": {"cpu": "x"}, "results": {"1": {"gd": {"rows": [{"k": 6, "seconds": 0.1}]}}}}'
    )
    (tmp_path / "broken.json").write_text("{not json")
    monkeypatch.setenv("RELUFAST_BENCH_RESULTS", str(tmp_path))
    at = open_page(app_test, "engine")
    assert_clean(at)
    assert any("12x faster" in c.value for c in at.code)
    assert any("could not read" in c.value for c in at.code)


def test_engine_without_benchmarks_says_not_measured(app_test, tmp_path, monkeypatch):
    monkeypatch.setenv("RELUFAST_BENCH_RESULTS", str(tmp_path / "missing"))
    at = open_page(app_test, "engine")
    assert_clean(at)
    assert any("Not measured yet" in i.value for i in at.info)


def _table(at, column: str):
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert tables, [d.value.columns.tolist() for d in at.dataframe]
    return tables[0]


def test_teacher_student_table_shows_the_reference_numbers(app_test):
    from relufast.experiments import reference
    from relufast.experiments import safran_shamir as ss

    at = open_page(app_test, "teacher_student")
    ref = reference.load("teacher_student.json")
    df = _table(at, "ours %")
    cells = ref["cells"]
    assert df["ours %"].tolist() == [c["summary"]["pct_spurious"] for c in cells]
    assert df["runs"].tolist() == [1000] * len(cells)
    paper = [ss.paper_value(c["k"], c["n"]) for c in cells]  # the shipped table, not the saved one
    assert df["paper within CI"].tolist() == [
        ss.paper_within_ci(p["pct"], c["summary"]["ci_lo"], c["summary"]["ci_hi"]) if p else None
        for p, c in zip(paper, cells)
    ]
    # papers.md B3: n = k+2 is inferred, (19, 21) and (20, 22) unknown (no value, no z)
    source = dict(zip(zip(df["k"], df["n"]), df["paper value"]))
    assert source[6, 8] == "inferred" and source[6, 6] == "reconstructed"
    assert source[19, 21] == source[20, 22] == "unknown"
    unknown = df[df["paper value"] == "unknown"]
    assert len(unknown) == 2 and unknown["paper %"].isna().all() and unknown["z vs paper"].isna().all()
    # the k = n = 6 cell up close: the paper's worked example beside our largest family
    pvo = _table(at, "quantity")
    row = pvo[pvo["quantity"] == "k = n = 6 minimum: F, λmin"].iloc[0]
    assert row["paper"] == "0.02508, 0.00470"
    fam = next(c for c in cells if (c["k"], c["n"]) == (6, 6))["families"][0]
    assert row["ours"] == f"{fam['F']:.5f}, {fam['lambda_min']:.5f}"


def test_five_points_losses_and_basins_from_relufast(app_test):
    from relufast.experiments import reference

    at = open_page(app_test, "five_points")
    tables = [d.value for d in at.dataframe if "quantity" in d.value.columns]
    losses = tables[0].set_index("quantity")["ours"]
    assert losses["L at RED"] == "18" and losses["L at BLUE (global)"] == "14"
    assert losses["L, dead unit (best constant)"] == "21.2"
    assert losses["L, unit active everywhere (line)"] == "21.17"
    ref = reference.load("five_points.json")
    basins = next(t for t in tables if t["quantity"].str.contains("BLUE, the global minimum").any())
    n14 = ref["table"]["count"][ref["table"]["class"].index("14")]
    assert basins["note"].iloc[0].startswith(f"{n14:,} runs, 95% CI")
    assert any(f"{ref['restarts']:,} runs" in c.value for c in at.caption)


def test_initialisation_paper_table_from_the_result(app_test):
    from relufast.experiments import initialisation as ini
    from relufast.experiments import reference

    at = open_page(app_test, "initialisation")
    stats = ini.figure_stats(reference.load("initialisation.json"))
    pvo = _table(at, "quantity").set_index("quantity")["ours"]
    assert pvo["accuracy of the stuck columns"] == f"{stats['stuck_mean']:.1%} (max {stats['stuck_max']:.1%})"
    assert pvo["zero-mean inits, real labels"] == f"{stats['trains_real_mean']:.1%} mean"
    assert pvo["depth helps the stuck columns"] == "no"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_module_has_a_main_and_runs_nothing_on_import(name, monkeypatch):
    import importlib.util

    from .conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT))
    spec = importlib.util.spec_from_file_location(f"page_{name}", ROOT / PAGES[name][0])
    mod = importlib.util.module_from_spec(spec)
    calls = []
    import streamlit as st

    monkeypatch.setattr(st, "title", lambda *a, **k: calls.append(a))
    spec.loader.exec_module(mod)  # not __main__: defines the page, draws nothing
    assert callable(mod.main) and not calls
    assert mod.main.__doc__


def test_teacher_student_2021_section_from_reference(app_test):
    from relufast.experiments import colt2021, reference

    at = open_page(app_test, "teacher_student")
    assert find_chart(at, "2021 protocol") is not None
    assert find_chart(at, "Families found") is not None
    ref = reference.load(reference.FILES["teacher_2021"])
    df = _table(at, "ci lo")
    want = colt2021.fraction_rows(ref["cells"])
    assert df["k"].tolist() == [r["k"] for r in want]
    assert df["ours %"].tolist() == [r["ours %"] for r in want]
    fit = colt2021.fit_a_over_k(colt2021.family_rows(ref["cells"]))
    if fit is not None:
        assert any(f"a = {fit['a']:.3f}" in c.value for c in at.caption)


def test_every_page_answers_at_its_own_url(app_test):
    """Streamlit serves its default page at "/" only: a default page with a url_path of its own
    answers "Page not found" there (issue 11). The default is a hidden page that forwards to the
    first one, and every page of the menu keeps its URL (the browser test opens each one)."""
    at = app_test
    at.run()
    assert_clean(at)
    assert "Five points" in at.title[0].value  # "/" forwards to the first page
    urls = {info.get("url_pathname") for info in at._registered_pages.values()}  # what st.navigation sent
    assert set(PAGES) <= urls, urls
