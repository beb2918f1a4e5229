"""The teacher-student page's "beyond the paper" section: the 2021 protocol from k = 6 to 50.

Charts only; the rows come from :mod:`relufast.experiments.colt2021` and the shipped
``teacher_student_2021.json`` (``python scripts/make_reference.py teacher_2021``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import colt2021

REF_NAME = "teacher_student_2021.json"
MAIN_FAMILY = "[1, k-1]"


def fraction_chart(df: pd.DataFrame, table1: pd.DataFrame | None = None) -> alt.LayerChart:
    """% spurious vs k: ours (dots, 95 % interval), the 2021 paper (◇), the 2018 n = k column (x)."""
    x = alt.X("k:Q", title="k = n", scale=alt.Scale(zero=False), axis=alt.Axis(tickMinStep=1))
    base = alt.Chart(df).encode(x=x)
    tip = ["k:Q", "runs:Q", alt.Tooltip("ours %:Q", format=".1f"), alt.Tooltip("paper %:Q", format=".1f")]
    y = alt.Y(
        "ci lo:Q", title="% of runs ending at a spurious local minimum", scale=alt.Scale(domain=[0, 100])
    )
    layers = [
        base.mark_rule(strokeWidth=2, opacity=0.6, color="#e45756").encode(y=y, y2="ci hi:Q", tooltip=tip),
        base.mark_line(point=alt.OverlayMarkDef(size=50, filled=True), color="#e45756").encode(
            y="ours %:Q", tooltip=tip
        ),
        base.transform_filter("isValid(datum['paper %'])")
        .mark_point(shape="diamond", size=110, filled=False, strokeWidth=2, color="black")
        .encode(y="paper %:Q", tooltip=tip),
    ]
    if table1 is not None and len(table1):
        layers.append(
            alt.Chart(table1)
            .mark_point(shape="cross", size=60, color="#4c78a8", opacity=0.8)
            .encode(x=x, y="ours %:Q", tooltip=["k:Q", alt.Tooltip("ours %:Q", format=".1f")])
        )
    return alt.layer(*layers).properties(
        height=380,
        title=alt.TitleParams(
            "2021 protocol: ours (dots, 95% interval), paper (◇); 2018 protocol, n = k (+)", anchor="start"
        ),
    )


def loss_chart(fam: pd.DataFrame, fit: dict | None) -> alt.LayerChart:
    """Loss of every family found vs k (size: runs), and the fitted a / k along the main family."""
    base = (
        alt.Chart(fam)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("k:Q", title="k = n", scale=alt.Scale(zero=False)),
            y=alt.Y("F:Q", title="F at the spurious minimum", scale=alt.Scale(type="log")),
            size=alt.Size("runs:Q", title="runs"),
            color=alt.Color("type:N", title="family", scale=alt.Scale(scheme="tableau20")),
            tooltip=[
                "k:Q",
                "blocks:N",
                "runs:Q",
                alt.Tooltip("F:Q", format=".5f"),
                alt.Tooltip("lambda_min:Q", format=".2e"),
            ],
        )
    )
    layers = [base]
    if fit is not None:
        ks = list(range(min(fam["k"]), max(fam["k"]) + 1))
        curve = pd.DataFrame({"k": ks, "F": [fit["a"] / k + fit["b"] / k**2 for k in ks]})
        layers.append(alt.Chart(curve).mark_line(strokeDash=[5, 3], color="black").encode(x="k:Q", y="F:Q"))
    return alt.layer(*layers).properties(
        height=380,
        title=alt.TitleParams(
            "Families found: loss vs k (dashed: a/k + b/k² fitted on [1, k-1])", anchor="start"
        ),
    )


def section(table1_cells: list[dict] | None = None) -> None:
    """Render the section from the shipped 2021 reference (and the 2018 n = k cells beside it)."""
    st.subheader("Beyond the paper: the 2021 protocol, k = 6 to 50")
    ref = ui.reference(REF_NAME)
    if ref is None:
        ui.missing_reference(REF_NAME)
        return
    ui.run_caption(ref["meta"])
    cells = ref["cells"]
    df = pd.DataFrame(colt2021.fraction_rows(cells)).astype({"paper %": float})
    t1 = None
    if table1_cells:
        t1 = pd.DataFrame(
            [{"k": c["k"], "ours %": c["summary"]["pct_spurious"]} for c in table1_cells if c["n"] == c["k"]]
        )
    ui.show_chart(
        fraction_chart(df, t1),
        df,
        "teacher_student_2021_fraction",
        key="ts21_fraction",
        caption="Safran, Yehudai & Shamir (COLT 2021): n = k, N(0, 1/d) init, GD step 5/k, stop at "
        "|∇F|_F ≤ 1e-12, 500 runs per k; their text states about 99.6 % spurious at k = 30 and 100 % "
        "for k ≥ 50 (◇, approximate). Ours: the same protocol, Hessian-classified; runs per k in the "
        "table (fewer than 500 past k = 20 in the shipped file: see the intervals).",
    )
    fam = pd.DataFrame(colt2021.family_rows(cells))
    if fam.empty:
        st.caption("No spurious family found.")
        return
    fit = colt2021.fit_a_over_k(fam.to_dict("records"), MAIN_FAMILY)
    c1, c2 = st.columns([3, 2])
    with c1:
        ui.show_chart(
            loss_chart(fam, fit),
            fam,
            "teacher_student_2021_families",
            key="ts21_families",
            caption="Arjevani & Field: the spurious minima come in symmetric families whose loss "
            "decays like a/k (a ≈ 0.3 along the main family). "
            + (
                f"Ours along {fit['family']}: F = a/k + b/k² with a = {fit['a']:.3f}, "
                f"b = {fit['b']:.3f} (k = {fit['ks'][0]}..{fit['ks'][-1]}, largest relative misfit "
                f"{100 * fit['max_rel_err']:.1f} %)."
                if fit
                else f"The {MAIN_FAMILY} family is found at fewer than two k."
            ),
        )
    with c2:
        st.dataframe(
            df[["k", "runs", "ours %", "ci lo", "ci hi", "paper %", "not converged", "families"]],
            hide_index=True,
            width="stretch",
            placeholder="-",
            column_config={
                c: st.column_config.NumberColumn(format="%.1f")
                for c in ["ours %", "ci lo", "ci hi", "paper %"]
            },
        )
    with st.expander("Every family found, per k"):
        st.dataframe(
            fam,
            hide_index=True,
            width="stretch",
            column_config={
                "F": st.column_config.NumberColumn(format="%.5f"),
                "lambda_min": st.column_config.NumberColumn(format="%.2e"),
            },
        )
