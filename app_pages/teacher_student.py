"""Teacher-student (Safran & Shamir 2018, Table 1): how often does GD end at a spurious minimum?"""

from __future__ import annotations

import time

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from app_pages import _teacher_2021 as beyond
from relufast.experiments import safran_shamir as ss

_PROTO = ss.PROTOCOLS["icml2018"]  # the shipped reference's protocol

REF_NAME = "teacher_student.json"
STUDENT = {0: "n = k", 1: "n = k+1", 2: "n = k+2", 3: "n = k+3"}
LABEL_COLORS = {"global": "#4c78a8", "spurious": "#e45756", "saddle": "#f58518", "not converged": "#9d9d9d"}
MAX_SECONDS = 900  # longest live run this page starts (15 minutes)


def estimate_seconds(ks: tuple, extras: tuple, restarts: int, backend: str) -> float:
    """:func:`relufast.experiments.safran_shamir.estimate_seconds` with this process's threads."""
    return ss.estimate_seconds(ks, extras, restarts, backend, threads=ui.engine_info().get("threads", 1))


@st.cache_data(show_spinner=False, max_entries=8)
def live_table(ks: tuple, extras: tuple, restarts: int, seed: int, backend: str) -> dict:
    """Run every (k, n = k + e) cell and keep the compact summaries (cached on the inputs)."""
    n_cells = len(ks) * len(extras)
    with ui.Progress(f"Gradient descent on {n_cells} cell(s) x {restarts:,} restarts") as prog:
        t0 = time.perf_counter()
        out = ss.table_summary(ks, extras, restarts, seed, backend=backend, progress=prog)
    be = out["cells"][-1]["backend"] if out["cells"] else backend
    meta = ui.run_meta(
        time.perf_counter() - t0, be, size=f"{restarts:,} restarts per cell, {len(out['cells'])} cell(s)"
    )
    return {"meta": meta, **out}


# --------------------------------------------------------------------------- charts


def diagram(k: int, n: int) -> str:
    """Graphviz DOT of the identity teacher (k units, unit j reads x_j) and a dense student."""
    show = 5

    def names(prefix, m):
        return (
            [f"{prefix}{i}" for i in range(1, m + 1)]
            if m <= show
            else ([f"{prefix}{i}" for i in range(1, show - 1)] + [f"{prefix}dots", f"{prefix}{m}"])
        )

    xs, ts, ss_ = names("x", k), names("t", k), names("s", n)
    lines = [
        "digraph G {",
        'rankdir=LR; nodesep=0.08; ranksep=0.7; bgcolor=transparent; size="7,3.6";',
        'node [shape=circle, fixedsize=true, width=0.42, fontsize=11, fontname="sans-serif", '
        'style=filled, fillcolor=white, color="#555555"];',
        'edge [color="#999999", arrowsize=0.4];',
    ]
    lines.append("{ rank=same; ordering=out;")
    for x in xs:
        label = "..." if x.endswith("dots") else f"x{x[1:]}"
        lines.append(f'{x} [label="{label}", fillcolor="#eeeeee"];')
    lines.append(" -> ".join(xs) + " [style=invis];")
    lines.append("}")
    lines.append(
        f'subgraph cluster_t {{ label="teacher: k = {k} units, v_j = e_j"; fontsize=11; '
        'fontname="sans-serif"; color="#4c78a8";'
    )
    for t in ts:
        lines.append(f'{t} [label="{"..." if t.endswith("dots") else "ReLU"}", fontsize=8, color="#4c78a8"];')
    lines.append("}")
    lines.append(
        f'subgraph cluster_s {{ label="student: n = {n} units, W random"; fontsize=11; '
        'fontname="sans-serif"; color="#e45756";'
    )
    for s in ss_:
        lines.append(f'{s} [label="{"..." if s.endswith("dots") else "ReLU"}", fontsize=8, color="#e45756"];')
    lines.append("}")
    lines.append('yt [label="sum", shape=box, width=0.5, color="#4c78a8"];')
    lines.append('ys [label="sum", shape=box, width=0.5, color="#e45756"];')
    lines.append('loss [label="F = ½E(Σs - Σt)²", shape=box, width=1.9, fontsize=10];')
    for x, t in zip(xs, ts):  # identity teacher: unit j sees x_j only
        lines.append(f'{x} -> {t} [color="#4c78a8"];')
    for x in xs:
        for s in ss_:
            lines.append(f'{x} -> {s} [color="#e4575655"];')
    lines += [f"{t} -> yt;" for t in ts] + [f"{s} -> ys;" for s in ss_]
    lines += ["yt -> loss;", "ys -> loss;", "}"]
    return "\n".join(lines)


def table_frame(cells: list[dict]) -> pd.DataFrame:
    rows = []
    for c in cells:
        s = c["summary"]
        # the paper's side comes from the shipped table, so results saved before a correction of
        # it (papers.md B3) show the corrected value and source
        paper = ss.paper_value(c["k"], c["n"]) or {}
        pct = paper.get("pct", float("nan"))
        rows.append(
            {
                "k": c["k"],
                "n": c["n"],
                "student": STUDENT.get(c["n"] - c["k"], f"n = k+{c['n'] - c['k']}"),
                "runs": s["runs"],
                "paper %": pct,
                "ours %": s["pct_spurious"],
                "paper value": paper.get("source", "none"),
                "95% CI lo": s["ci_lo"],
                "95% CI hi": s["ci_hi"],
                "z vs paper": ss.z_vs_paper(s["spurious"], s["runs"], pct),
                "paper avg λmin": paper.get("lambda_min"),
                "ours avg λmin": s.get("avg_lambda_min"),
                "paper avg F": paper.get("F"),
                "ours avg F": s.get("avg_F"),
                "saddles": s.get("saddles", 0),
                "not converged": s.get("not_converged", 0),
                "families": c.get("n_families", 0),
                "median GD steps": s.get("median_iterations"),
                "seconds": c.get("wall_s"),
            }
        )
    df = pd.DataFrame(rows).astype(
        {
            "paper %": float,
            "z vs paper": float,
            "paper avg λmin": float,
            "ours avg λmin": float,
            "paper avg F": float,
            "ours avg F": float,
        }
    )
    df["paper within CI"] = np.array(
        [ss.paper_within_ci(p, lo, hi) for p, lo, hi in zip(df["paper %"], df["95% CI lo"], df["95% CI hi"])],
        dtype=object,
    )
    return df


def table_chart(df: pd.DataFrame) -> alt.LayerChart:
    color = alt.Color("student:N", title="student", scale=alt.Scale(scheme="category10"))
    base = alt.Chart(df).encode(
        x=alt.X(
            "k:Q",
            title="teacher width k (= input dimension d)",
            scale=alt.Scale(zero=False),
            axis=alt.Axis(tickMinStep=1),
        )
    )
    tip = [
        "k:Q",
        "n:Q",
        "runs:Q",
        alt.Tooltip("ours %:Q", format=".1f"),
        alt.Tooltip("95% CI lo:Q", format=".1f"),
        alt.Tooltip("95% CI hi:Q", format=".1f"),
        alt.Tooltip("paper %:Q", format=".1f"),
        alt.Tooltip("paper value:N"),
    ]
    bars = base.mark_rule(strokeWidth=2, opacity=0.7).encode(
        y=alt.Y("95% CI lo:Q", title="% of runs ending at a spurious local minimum"),
        y2="95% CI hi:Q",
        color=color,
        tooltip=tip,
    )
    ours = base.mark_line(point=alt.OverlayMarkDef(size=50, filled=True)).encode(
        y="ours %:Q", color=color, tooltip=tip
    )
    paper = (
        base.transform_filter("isValid(datum['paper %'])")
        .mark_point(shape="diamond", size=90, filled=False, strokeWidth=2)
        .encode(y="paper %:Q", color=color, tooltip=tip)
    )
    return (bars + ours + paper).properties(
        height=460,
        title=alt.TitleParams("Table 1: ours (dots, 95% Wilson interval) vs paper (◇)", anchor="start"),
    )


def hist_frame(cell: dict, key: str, edges) -> pd.DataFrame:
    rows = []
    for lab, counts in cell.get(key, {}).items():
        for lo, hi, c in zip(edges[:-1], edges[1:], counts):
            if c:
                rows.append({"bin_start": lo, "bin_end": hi, "label": lab, "count": int(c)})
    return pd.DataFrame(rows, columns=["bin_start", "bin_end", "label", "count"])


def hist_chart(df: pd.DataFrame, title: str, xtitle: str, rules: dict) -> alt.LayerChart:
    labels = [lab for lab in LABEL_COLORS if lab in set(df["label"])] or ["global"]
    color = alt.Color(
        "label:N",
        scale=alt.Scale(domain=labels, range=[LABEL_COLORS[x] for x in labels]),
        title=None,
        legend=alt.Legend(orient="top"),
    )
    bars = (
        alt.Chart(df)
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("bin_start:Q", title=xtitle, bin="binned"),
            x2="bin_end:Q",
            y=alt.Y("sum(count):Q", title="runs (symlog scale)", stack=True, scale=alt.Scale(type="symlog")),
            color=color,
            tooltip=["label:N", "bin_start:Q", "bin_end:Q", "sum(count):Q"],
        )
    )
    layers = [bars]
    rdf = pd.DataFrame([{"x": v, "what": k} for k, v in rules.items() if v is not None and np.isfinite(v)])
    if len(rdf):
        layers.append(
            alt.Chart(rdf)
            .mark_rule(strokeDash=[4, 3], color="black")
            .encode(x="x:Q", tooltip=["what:N", alt.Tooltip("x:Q", format=".4g")])
        )
        layers.append(
            alt.Chart(rdf)
            .mark_text(align="right", dx=-3, dy=-4, fontSize=10)
            .encode(x="x:Q", y=alt.value(8), text="what:N")
        )
    return alt.layer(*layers).properties(height=340, title=alt.TitleParams(title, anchor="start"))


def heatmap(W: list) -> tuple[alt.Chart, pd.DataFrame]:
    A = np.asarray(W, dtype=float)
    n, k = A.shape
    df = pd.DataFrame(
        [{"neuron": i + 1, "coordinate": j + 1, "w": A[i, j]} for i in range(n) for j in range(k)]
    )
    m = float(np.max(np.abs(A))) or 1.0
    ch = (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("coordinate:O", title="coordinate j (teacher unit e_j)"),
            y=alt.Y("neuron:O", title="student neuron i"),
            color=alt.Color(
                "w:Q", scale=alt.Scale(scheme="redblue", domain=[-m, m], reverse=True), title="w_ij"
            ),
            tooltip=["neuron:O", "coordinate:O", alt.Tooltip("w:Q", format=".4f")],
        )
        .properties(
            height=alt.Step(16) if n <= 24 else 360,
            title=alt.TitleParams("Largest family: one member's weights", anchor="start"),
        )
    )
    return ch, df


# --------------------------------------------------------------------------- page


def main() -> None:
    """The page: controls, Table 1 beside the paper's, one cell up close, the 2021 regime."""
    ui.header(
        "Teacher-student: spurious minima are common",
        "Fitting a two-layer ReLU student to an identity teacher by gradient descent on the exact "
        "population loss ends at a spurious local minimum (positive-definite Hessian, F > 0) more and "
        "more often as k grows, unless the student is over-parameterised (Safran & Shamir, ICML 2018).",
        "with n = k the share of spurious endpoints rises from under 1 % at k = 6 to about 95 % at "
        "k = 20, our intervals covering the paper's diamonds; one extra neuron (n = k+1) pushes the onset "
        "to k ≈ 13, "
        "two (n = k+2) remove them; the histograms split into the global cluster (F ≈ 0) and a "
        "spurious cluster near F ≈ 0.02 with small positive λmin; the families show one neuron set apart "
        "from k-1 alike ([1, k-1]).",
    )

    with st.sidebar:
        st.subheader("Run it yourself")
        k_lo, k_hi = st.slider(
            "Teacher width k",
            2,
            30,
            (6, 9),
            key="ts_k",
            help="The paper covers k = 5..20; go past it on the right.",
        )
        extras_lab = st.multiselect(
            "Student width",
            list(STUDENT.values()),
            default=["n = k", "n = k+1"],
            key="ts_n",
            help="n = k+3 is past the paper (it reports up to k+2).",
        )
        restarts = st.select_slider(
            "Restarts per cell",
            [10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
            value=100,
            key="ts_restarts",
            help="The paper uses 1000 (about ±1.5 points of binomial noise).",
        )
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="ts_seed"))
        backend = ui.backend_choice("ts_backend")
        ks = tuple(range(int(k_lo), int(k_hi) + 1))
        extras = tuple(e for e, lab in STUDENT.items() if lab in extras_lab)
        est = estimate_seconds(ks, extras, int(restarts), backend)
        st.caption(
            f"Estimated time here: ~{est:.0f} s" if est < 120 else f"Estimated time: ~{est / 60:.0f} min"
        )
        clicked = ui.run_button(key="ts_run")

    params = {"ks": ks, "extras": extras, "restarts": int(restarts), "seed": seed, "backend": backend}
    bad = None
    if not extras:
        bad = "Pick at least one student width."
    elif est > MAX_SECONDS:
        bad = (
            f"This run would take about {est / 60:.0f} minutes here (limit: 15). Use fewer restarts, "
            "a smaller k range or fewer student widths."
        )
    if clicked and bad:
        ui.warn(bad)
        clicked = False
    live = ui.live_request("ts_live", params, clicked)

    result = ui.live_or_reference(
        live, REF_NAME, lambda p: live_table(p["ks"], p["extras"], p["restarts"], p["seed"], p["backend"])
    )
    if result is None:
        st.stop()

    ui.run_caption(result["meta"])
    cells = result["cells"]
    df = table_frame(cells)

    st.subheader("Table 1: the paper's numbers beside ours")
    ui.show_chart(
        table_chart(df),
        df,
        "teacher_student_table1",
        key="ts_table_chart",
        caption="Paper: 1000 runs per cell (Safran & Shamir 2018, Table 1, from the authors' "
        "result files). Ours: same protocol (N(0, 1/d) init, GD step 0.1, stop at "
        "2π·max|∇w_i F| ≤ 1e-9, Hessian-certified), early stop once F < 1e-3 (below the "
        "spurious threshold the label cannot change); runs still going after "
        f"{_PROTO.certify_after:,} steps are Newton-polished and certified once "
        f"2π·max|∇w_i F| ≤ {_PROTO.certify_tol:g}. "
        "Paper values of n = k+2 are inferred from the authors' missing result files "
        "(not printed numbers); whether (19, 21) and (20, 22) were run is unknown, so "
        "no z is computed there.",
    )
    show_cols = [
        "k",
        "n",
        "runs",
        "paper %",
        "paper value",
        "ours %",
        "95% CI lo",
        "95% CI hi",
        "paper within CI",
        "z vs paper",
        "paper avg λmin",
        "ours avg λmin",
        "paper avg F",
        "ours avg F",
        "saddles",
        "not converged",
        "families",
        "median GD steps",
        "seconds",
    ]
    st.dataframe(
        df[show_cols],
        hide_index=True,
        width="stretch",
        placeholder="-",
        column_config={
            c: st.column_config.NumberColumn(format="%.4f")
            for c in ["paper avg λmin", "ours avg λmin", "paper avg F", "ours avg F"]
        }
        | {
            c: st.column_config.NumberColumn(format="%.1f")
            for c in ["paper %", "ours %", "95% CI lo", "95% CI hi", "seconds"]
        }
        | {"z vs paper": st.column_config.NumberColumn(format="%.2f")},
    )

    st.subheader("One cell up close")
    labels = [f"k = {c['k']}, n = {c['n']}" for c in cells]
    default_cell = next((i for i, c in enumerate(cells) if (c["k"], c["n"]) == (6, 6)), 0)
    pick = st.selectbox("Cell", labels, index=default_cell, key="ts_cell")
    cell = cells[labels.index(pick)]
    k, n = cell["k"], cell["n"]

    c1, c2 = st.columns([1, 1])
    with c1:
        st.markdown(
            "**The setup.** Input x ~ N(0, I_k); the teacher's unit j is relu(x_j); the student "
            "has n units relu(w_i·x); both sum their units. F is the expected squared gap, in "
            "closed form, so there is no sampling noise: every endpoint is an exact critical "
            "point of F."
        )
        st.graphviz_chart(diagram(k, n), width="stretch")
    with c2:
        counts = cell["counts"]
        s = cell["summary"]
        paper_cell = ss.paper_value(k, n)
        fam0 = cell["families"][0] if cell["families"] else None
        rows = [
            {
                "quantity": "% spurious",
                "paper": paper_cell and paper_cell["pct"],
                "ours": s["pct_spurious"],
                "note": f"95% CI {s['ci_lo']:.1f}-{s['ci_hi']:.1f}, {s['runs']:,} runs"
                + (f"; paper: {ss.PAPER_SOURCES[paper_cell['source']]}" if paper_cell else ""),
            },
            {
                "quantity": "avg λmin at spurious minima",
                "paper": paper_cell and paper_cell["lambda_min"],
                "ours": s.get("avg_lambda_min"),
                "note": "exact Hessian",
            },
            {
                "quantity": "avg F at spurious minima",
                "paper": paper_cell and paper_cell["F"],
                "ours": s.get("avg_F"),
                "note": "",
            },
            {
                "quantity": "global / spurious / saddle / not converged",
                "paper": None,
                "ours": " / ".join(str(counts.get(x, 0)) for x in ss.LABELS),
                "note": "endpoint labels",
            },
        ]
        ex = ss.PAPER_K6_MINIMUM
        if (k, n) == (ex["k"], ex["n"]):
            rows.append(
                {
                    "quantity": "k = n = 6 minimum: F, λmin",
                    "paper": f"{ex['F']:.5f}, {ex['lambda_min']:.5f}",
                    "ours": f"{fam0['F']:.5f}, {fam0['lambda_min']:.5f}" if fam0 else "none found",
                    "note": "paper's worked example (B4)",
                }
            )
        ui.paper_vs_ours(rows, key="ts_pvo")

    edges_F = np.asarray(result["logF_edges"])
    edges_l = np.asarray(result["lambda_edges"])
    h1, h2 = st.columns(2)
    with h1:
        dfF = hist_frame(cell, "hist_logF", edges_F)
        pF = (paper_cell or {}).get("F")
        ui.show_chart(
            hist_chart(
                dfF,
                "Final loss of every run",
                "log10 F at the endpoint",
                {"paper avg F": np.log10(pF) if pF else None},
            ),
            dfF,
            f"teacher_student_F_k{k}_n{n}",
            key="ts_hist_F",
        )
    with h2:
        dfl = hist_frame(cell, "hist_lambda", edges_l)
        if len(dfl):
            pl = (paper_cell or {}).get("lambda_min")
            ui.show_chart(
                hist_chart(
                    dfl,
                    "λmin of the Hessian at spurious candidates",
                    "smallest Hessian eigenvalue",
                    {"paper avg": pl if pl else None, "0": 0.0},
                ),
                dfl,
                f"teacher_student_lambda_k{k}_n{n}",
                key="ts_hist_lam",
            )
        else:
            st.info(
                "No run of this cell ended at a spurious candidate (F ≥ 1e-3), so there is no λmin to show.",
                icon=":material/check_circle:",
            )

    st.markdown(
        "**Families found** (equal up to permuting neurons and coordinates; blocks = sizes of "
        "the groups of alike neurons)."
    )
    if cell["families"]:
        fam_df = pd.DataFrame(
            [
                {"blocks": str(f["blocks"]), "runs": f["count"], "F": f["F"], "λmin": f["lambda_min"]}
                for f in cell["families"]
            ]
        )
        f1, f2 = st.columns([1, 1])
        with f1:
            st.dataframe(
                fam_df,
                hide_index=True,
                width="stretch",
                column_config={
                    "F": st.column_config.NumberColumn(format="%.5f"),
                    "λmin": st.column_config.NumberColumn(format="%.5f"),
                },
            )
            extra = cell.get("n_families", 0) - len(cell["families"])
            if extra > 0:
                st.caption(f"... and {extra} smaller families ({cell['other_family_members']} runs).")
        with f2:
            if cell.get("representative"):
                hm, hm_df = heatmap(cell["representative"])
                ui.show_chart(
                    hm,
                    hm_df,
                    f"teacher_student_family_k{k}_n{n}",
                    key="ts_heatmap",
                    caption="Neurons matched to their main coordinate (a symmetry of the "
                    "identity teacher); the odd neuron comes first.",
                )
    else:
        st.caption("No spurious minimum in this cell.")

    beyond.section(cells)


if __name__ == "__main__":
    main()
