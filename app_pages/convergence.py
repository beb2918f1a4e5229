"""XOR and jellyfish (Swirszcz, Czarnecki & Pascanu 2016, Table 1 and Fig. 3): how often a 2-h-1 net
reaches zero training error, ReLU vs sigmoid, GD vs Adam, beside the paper's numbers.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import convergence as cv

REF_NAME = "convergence.json"
MAX_WORK = 3e9  # restart-steps of one live table (about a minute on 2 cores)
DATA_TITLE = {"xor": "XOR", "jellyfish": "jellyfish"}
ACT_TITLE = {"relu": "ReLU", "sigmoid": "sigmoid"}
OPT_TITLE = {"adam": "Adam", "gd": "GD"}
SOURCE_COLORS = {"ours": "#1f77b4", "paper": "#d62728"}


@st.cache_data(show_spinner=False, max_entries=8)
def live_table(runs: int, steps: int, lr_factor: float, seed: int, backend: str) -> dict:
    """A live Table 1, shaped like the reference file (``meta`` and ``table``)."""
    with ui.Progress(f"Training {runs:,} nets per cell, {steps:,} steps each") as prog:
        out = cv.table(runs, steps, lr_factor=lr_factor, seed=seed, backend=backend, progress=prog)
    size = f"{runs:,} runs x {steps:,} steps per cell"
    return {"meta": ui.run_meta(out["wall_s"], backend, size=size), "table": out}


# --------------------------------------------------------------------------- frames and charts


def panel(data: str, activation: str) -> str:
    return f"{DATA_TITLE[data]}, {ACT_TITLE[activation]}"


def table_frame(rows: dict) -> pd.DataFrame:
    """One row per (cell, source): our fraction with its interval, and the paper's."""
    df = pd.DataFrame(rows)
    df["panel"] = [panel(d, a) for d, a in zip(df["data"], df["activation"])]
    df["optimizer"] = df["optimizer"].map(OPT_TITLE)
    ours = df.assign(source="ours")
    paper = df.assign(source="paper", fraction=df["paper"], lo=np.nan, hi=np.nan).dropna(subset=["fraction"])
    return pd.concat([ours, paper], ignore_index=True)


def table_chart(df: pd.DataFrame) -> alt.FacetChart:
    panels = [panel(d, a) for a in cv.ACTIVATIONS for d in cv.DATASETS]
    base = alt.Chart(df).encode(
        x=alt.X("h:O", title="hidden units h"),
        color=alt.Color(
            "source:N",
            scale=alt.Scale(domain=list(SOURCE_COLORS), range=list(SOURCE_COLORS.values())),
            legend=alt.Legend(orient="top", title=None),
        ),
    )
    tip = [
        "source:N",
        "panel:N",
        "optimizer:N",
        "h:O",
        alt.Tooltip("fraction:Q", format=".3f"),
        alt.Tooltip("lo:Q", format=".3f", title="95% lo"),
        alt.Tooltip("hi:Q", format=".3f", title="95% hi"),
        "runs:Q",
        "diverged:Q",
    ]
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=50)).encode(
        y=alt.Y("fraction:Q", title="fraction with 0 training error", scale=alt.Scale(domain=[0, 1])),
        strokeDash=alt.StrokeDash("source:N", legend=None, scale=alt.Scale(range=[[1, 0], [5, 3]])),
        tooltip=tip,
    )
    err = base.transform_filter("datum.source == 'ours'").mark_rule(strokeWidth=2).encode(y="lo:Q", y2="hi:Q")
    return (
        (line + err)
        .properties(width=180, height=170)
        .facet(
            column=alt.Column("panel:N", sort=panels, title=None),
            row=alt.Row("optimizer:N", sort=["Adam", "GD"], title=None),
        )
        .properties(
            title=alt.TitleParams("Runs reaching 0 training error: ours vs the paper", anchor="start")
        )
    )


def paper_layout(rows: dict) -> pd.DataFrame:
    """Table 1 as the paper prints it: h down, (data, activation, optimiser) across, 'ours (paper)'."""
    df = pd.DataFrame(rows)
    out = {"h": sorted(set(df["h"]))}
    for o in cv.OPTIMIZERS:
        for d in cv.DATASETS:
            for a in cv.ACTIVATIONS:
                sub = df[(df["data"] == d) & (df["activation"] == a) & (df["optimizer"] == o)].set_index("h")
                if sub.empty:
                    continue
                col = f"{DATA_TITLE[d]} {ACT_TITLE[a]} {OPT_TITLE[o]}"
                out[col] = [
                    "-"
                    if h not in sub.index
                    else f"{100 * sub.loc[h, 'fraction']:.0f} %"
                    + ("" if pd.isna(sub.loc[h, "paper"]) else f" ({100 * sub.loc[h, 'paper']:.0f} %)")
                    for h in out["h"]
                ]
    return pd.DataFrame(out)


def sensitivity_frame(rows: dict, h: int) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df = df[df["h"] == h].copy()
    df["panel"] = [
        f"{panel(d, a)}, {OPT_TITLE[o]}" for d, a, o in zip(df["data"], df["activation"], df["optimizer"])
    ]
    df["learning rate"] = [f"{f:.3g} x default" for f in df["lr_factor"]]
    return df


def sensitivity_chart(df: pd.DataFrame) -> alt.FacetChart:
    panels = [
        f"{panel(d, a)}, {OPT_TITLE[o]}" for o in cv.OPTIMIZERS for a in cv.ACTIVATIONS for d in cv.DATASETS
    ]
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("steps:Q", scale=alt.Scale(type="log"), title="steps"),
            y=alt.Y("fraction:Q", scale=alt.Scale(domain=[0, 1]), title="fraction converged"),
            color=alt.Color("learning rate:N", legend=alt.Legend(orient="top")),
            tooltip=[
                "panel:N",
                "learning rate:N",
                "steps:Q",
                alt.Tooltip("fraction:Q", format=".3f"),
                "diverged:Q",
                "runs:Q",
            ],
        )
        .properties(width=170, height=140)
        .facet(facet=alt.Facet("panel:N", sort=panels, title=None), columns=4)
    )


def region_frame(example: dict, activation: str, what: str) -> pd.DataFrame:
    g = cv.decision_grid(example["params"], 2, activation, n=41)
    return pd.DataFrame(
        {"x1": g["x1"], "x2": g["x2"], "f": g["f"], "net": f"{ACT_TITLE[activation]}, {what}"}
    )


def regions_scatter(frames: pd.DataFrame) -> alt.FacetChart:
    """Decision regions on quantitative axes (f > 1/2 shaded) with the four jellyfish points."""
    X, y = cv.dataset("jellyfish")
    pts = pd.DataFrame(
        {"x1": X[:, 0], "x2": X[:, 1], "label": np.where(y > 0.5, "positive (1)", "negative (0)")}
    )
    nets = list(dict.fromkeys(frames["net"]))
    layers = []
    for net in nets:
        sub = frames[frames["net"] == net]
        heat = (
            alt.Chart(sub)
            .mark_square(size=24, opacity=0.85)
            .encode(
                x=alt.X("x1:Q", title="x₁", scale=alt.Scale(domain=[-0.5, 1.5])),
                y=alt.Y("x2:Q", title="x₂", scale=alt.Scale(domain=[-0.5, 1.5])),
                color=alt.Color(
                    "f:Q",
                    scale=alt.Scale(scheme="redblue", domainMid=0.5, domain=[-0.5, 1.5], clamp=True),
                    title="f(x)",
                ),
                tooltip=[
                    alt.Tooltip("x1:Q", format=".2f"),
                    alt.Tooltip("x2:Q", format=".2f"),
                    alt.Tooltip("f:Q", format=".3f"),
                ],
            )
        )
        dots = (
            alt.Chart(pts)
            .mark_point(filled=True, size=140, stroke="black", strokeWidth=1.5)
            .encode(
                x="x1:Q",
                y="x2:Q",
                shape=alt.Shape("label:N", legend=alt.Legend(orient="bottom", title=None)),
                fill=alt.value("white"),
            )
        )
        layers.append((heat + dots).properties(width=165, height=165, title=net))
    return alt.hconcat(*layers)


# --------------------------------------------------------------------------- page


def main() -> None:
    """The page: Table 1 beside the paper's, its sensitivity to the choices, and Fig. 3's nets."""
    ui.header(
        "XOR and jellyfish: how often does a small net train?",
        "Even on four points, gradient methods often leave a 2-h-1 ReLU net at a suboptimal point; "
        "wider nets fail less, and sigmoid units far less (Swirszcz, Czarnecki & Pascanu 2016, Table 1).",
        "ReLU nets reaching zero training error in only a fraction of runs at small h, climbing with h "
        "(close to the paper's numbers on XOR), sigmoid nets nearly always (the paper's sigmoid-Adam "
        "jellyfish column, 0-58 %, is the one we do not reproduce); the fractions moving with the "
        "learning rate and, for sigmoid units, with the number of steps: the paper leaves both open.",
    )
    with st.sidebar:
        st.subheader("Run it yourself")
        runs = st.select_slider("Runs per cell", [50, 100, 200, 500, 1000, 2000], value=200, key="cv_runs")
        steps = st.select_slider(
            "Steps per run", [1000, 3000, 10_000, 30_000, 100_000], value=10_000, key="cv_steps"
        )
        lr_factor = st.select_slider(
            "Learning rates x",
            [0.1, 1 / 3, 1.0, 3.0, 10.0],
            value=1.0,
            format_func=lambda f: f"{f:.3g}",
            key="cv_lr",
            help="Multiplies both defaults (GD 0.1, Adam 0.01).",
        )
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="cv_seed"))
        backend = ui.backend_choice("cv_backend")
        clicked = ui.run_button(key="cv_run")
    params = {
        "runs": int(runs),
        "steps": int(steps),
        "lr_factor": float(lr_factor),
        "seed": seed,
        "backend": backend,
    }
    work = cv.work(runs, steps)
    limit = ui.work_limit(MAX_WORK, backend)
    if clicked and work > limit:
        ui.warn(
            f"{runs:,} runs x {steps:,} steps in each of the 48 cells is too much work for backend "
            f"{backend} here (limit {limit:.1e} restart-steps): lower one of them."
        )
        clicked = False
    live = ui.live_request("cv_live", params, clicked)
    st.markdown(
        "Net f(x) = Σᵢ vᵢ·s(wᵢ·x + bᵢ) + c with s = ReLU or sigmoid, trained full batch on the mean "
        "squared error against the labels 0 / 1; a run **converges** when every point ends on its "
        "side of 1/2. XOR: the corners of the unit square. Jellyfish: positive (1, 0), (0.2, 0.6), "
        "negative (0, 1), (0.6, 0.2). Neither is linearly separable."
    )
    result = ui.live_or_reference(
        live, REF_NAME, lambda p: live_table(p["runs"], p["steps"], p["lr_factor"], p["seed"], p["backend"])
    )
    if result is None:
        return
    ui.run_caption(result["meta"])
    rows = result["table"]["rows"]

    st.header("Table 1: ours beside the paper's")
    df = table_frame(rows)
    ui.show_chart(
        table_chart(df),
        df,
        "convergence_table",
        key="cv_table_chart",
        caption="Bars: 95% Wilson intervals of our fractions. The paper gives one number per cell "
        "and no run count, so it has no interval.",
    )
    with st.expander("As the paper prints it: ours (paper)", expanded=False):
        st.dataframe(paper_layout(rows), hide_index=True, width="stretch", key="cv_paper_layout")
    _findings(rows)

    ref = ui.reference(REF_NAME)  # the sensitivity grid and Fig. 3 come from the shipped file only
    if ref is None:
        return
    st.header("How much the choices matter")
    sens = ref["sensitivity"]
    h = (
        st.segmented_control("Hidden units h", sorted(set(sens["rows"]["h"])), default=2, key="cv_sens_h")
        or 2
    )
    sdf = sensitivity_frame(sens["rows"], int(h))
    ui.show_chart(
        sensitivity_chart(sdf),
        sdf,
        f"convergence_sensitivity_h{h}",
        key="cv_sens_chart",
        caption=f"Shipped reference: {int(sens['params']['runs']):,} runs per point, the learning rates "
        "at 1/3, 1 and 3 times the defaults (GD 0.1, Adam 0.01), 10³ to 10⁵ steps (a shorter run is the "
        "start of a longer one). Diverged runs count as not converged.",
    )

    st.header("Fig. 3: a converged and a stuck jellyfish net")
    frames = []
    for a in cv.ACTIVATIONS:
        ex = ref["examples"][a]
        for what in ("converged", "stuck"):
            if ex.get(what) is not None:
                frames.append(region_frame(ex[what], a, what))
    if frames:
        fr = pd.concat(frames, ignore_index=True)
        ui.show_chart(
            regions_scatter(fr),
            fr,
            "convergence_regions",
            key="cv_regions",
            caption="h = 2, GD, the first converged and the first stuck run of the shipped cell; blue: "
            "f > 1/2 (class 1), red: f < 1/2. " + _example_note(ref["examples"]),
        )
    with st.expander("Project choices (the paper gives none of these)", expanded=False):
        st.table(
            pd.DataFrame({"choice": list(cv.PROJECT_CHOICES), "value": list(cv.PROJECT_CHOICES.values())})
        )


def _example_note(examples: dict) -> str:
    parts = []
    for a, ex in examples.items():
        s = ex.get("stuck")
        if s is not None:
            parts.append(
                f"The stuck {ACT_TITLE[a]} net: loss {s['loss']:.4f}, affine residual "
                f"{s['affine_residual']:.2g} (0 = affine on the data)."
            )
    return " ".join(parts)


def _findings(rows: dict) -> None:
    """A few sentences computed from the rows: where ours and the paper agree, and how stuck nets look."""
    df = pd.DataFrame(rows)
    with_paper = df.dropna(subset=["paper"])
    inside = ((with_paper["paper"] >= with_paper["lo"]) & (with_paper["paper"] <= with_paper["hi"])).sum()
    relu_jelly = df[(df["activation"] == "relu") & (df["data"] == "jellyfish")]
    aff = relu_jelly["stuck_affine_median"].dropna()
    st.markdown(
        f"- The paper's value lies inside our 95% interval in **{inside} of {len(with_paper)}** cells "
        "(the paper's own runs are a sample too, of unknown size, so some misses are expected even with "
        "the same protocol)."
    )
    if len(aff):
        verdict = (
            "nearly affine, as the paper's 'stuck nets behave almost linearly near the data' says"
            if aff.max() < 0.1
            else "so not affine on the data: the paper's 'almost linearly' does not describe them as a rule"
        )
        st.markdown(
            f"- Stuck ReLU nets on the jellyfish data: median affine residual of their outputs on the four "
            f"points from {aff.min():.2g} to {aff.max():.2g} over h (0 = exactly affine on the data, "
            f"1 = as far from affine as the XOR labels), {verdict}."
        )
    div = int(df["diverged"].sum())
    if div:
        st.markdown(f"- {div:,} runs diverged (parameters overflowed) and count as not converged.")


if __name__ == "__main__":
    main()
