"""Initialisation (Swirszcz, Czarnecki & Pascanu 2016, Fig. 1): bad inits start in the blind spot and
never train, whatever the width or depth.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import initialisation as ini

REF_NAME = "initialisation.json"
COL_TITLE = {c.name: c.title for c in ini.COLUMNS}
COL_ORDER = [c.name for c in ini.COLUMNS]
MAX_SECONDS = 600  # longest live run this page starts (10 minutes)


@st.cache_data(show_spinner=False, max_entries=8)
def live_run(
    widths: tuple,
    depths: tuple,
    seeds: tuple,
    steps: int,
    labels: tuple,
    lr: float,
    batch_size: int,
    backend: str,
) -> dict:
    with ui.Progress("Training with Adam, one (labels, depth, width) group at a time") as prog:
        t0 = time.perf_counter()
        out = ini.figure_summary(widths, depths, seeds, steps, labels, lr, batch_size, backend, progress=prog)
    n = len(out["rows"]["column"])
    out["meta"] = ui.run_meta(
        time.perf_counter() - t0, out["backend"], size=f"{n} nets, {steps:,} Adam updates each"
    )
    return out


def frame(result: dict) -> pd.DataFrame:
    df = pd.DataFrame(result["rows"])
    df["init"] = [COL_TITLE.get(c, c) for c in df["column"]]
    df["depth"] = [f"{d} hidden layers" for d in df["depth"]]
    df["labels"] = [f"{lab} labels" for lab in df["labels"]]
    # spread the depths a little around their width so that the points do not hide each other
    depths = sorted(set(df["depth"]))
    shift = {d: 2 ** (0.12 * (i - (len(depths) - 1) / 2)) for i, d in enumerate(depths)}
    df["x"] = df["width"] * df["depth"].map(shift)
    return df


def figure(df: pd.DataFrame, majority: float) -> alt.FacetChart:
    titles = [COL_TITLE[c] for c in COL_ORDER if c in set(df["column"])]
    base = alt.Chart(df)
    ws = sorted(set(df["width"]))
    pts = base.mark_point(filled=True, size=55, opacity=0.8).encode(
        x=alt.X(
            "x:Q",
            title="hidden units per layer",
            scale=alt.Scale(type="log", base=2, nice=False, domain=[ws[0] / 1.5, ws[-1] * 1.5]),
            axis=alt.Axis(values=ws, format="d"),
        ),
        y=alt.Y(
            "train_accuracy:Q",
            title="training accuracy",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        color=alt.Color(
            "depth:N",
            scale=alt.Scale(range=["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]),
            title=None,
            legend=alt.Legend(orient="top"),
        ),
        shape=alt.Shape("depth:N", title=None),
        tooltip=[
            "init:N",
            "labels:N",
            "depth:N",
            "width:Q",
            "seed:Q",
            alt.Tooltip("train_accuracy:Q", format=".3f"),
            alt.Tooltip("final_loss:Q", format=".3f"),
            "dead_at_init:N",
            "dead_at_end:N",
        ],
    )
    rule = base.mark_rule(strokeDash=[4, 3], color="#777").encode(y=alt.datum(majority))
    return (
        alt.layer(rule, pts)
        .properties(width=150, height=150)
        .facet(
            column=alt.Column(
                "init:N", sort=titles, title=None, header=alt.Header(labelFontSize=10, labelLimit=160)
            ),
            row=alt.Row(
                "labels:N",
                sort=["real labels", "permuted labels"],
                title=None,
                header=alt.Header(labelFontSize=11),
            ),
        )
        .properties(
            title=alt.TitleParams(
                "Final training accuracy vs width, one point per net (dashes: majority-class rate)",
                anchor="start",
            )
        )
    )


def main() -> None:
    """The page: the figure (accuracy vs width, five inits) beside the paper's claims."""
    ui.header(
        "Initialisation: a bad start never recovers",
        "Networks initialised with zero-mean weights train to high accuracy, but with a very negative "
        "weight or bias mean every unit of some layer is dead on every input, the output is constant, "
        "and Adam cannot get out: accuracy stays at chance whatever the width or depth (Swirszcz et al. "
        "2016, Fig. 1).",
        "in the two left columns points rising to ~100 % with real labels (and slowly with permuted "
        "ones, the network memorising noise); in the three right columns every point flat on the dashed "
        "majority-class line (~10 %), for 2 and 5 hidden layers alike.",
    )

    with st.sidebar:
        st.subheader("Run it yourself")
        widths = st.multiselect("Widths", [8, 16, 32, 64, 128, 256], default=[16, 32, 64], key="in_widths")
        depths = st.multiselect("Hidden layers", [1, 2, 3, 5], default=[2, 5], key="in_depths")
        labels = st.multiselect("Labels", ["real", "permuted"], default=["real"], key="in_labels")
        nseeds = st.select_slider("Nets per point (seeds)", [1, 2, 3, 5], value=1, key="in_seeds")
        steps = st.select_slider(
            "Adam updates",
            [50, 100, 300, 600, 1000, 2000, 5000],
            value=600,
            key="in_steps",
            help="The paper ran 1,000,000.",
        )
        lr = st.select_slider(
            "Learning rate", [3e-4, 1e-3, 3e-3, 1e-2], value=3e-3, key="in_lr", format_func=lambda v: f"{v:g}"
        )
        batch = st.select_slider("Mini-batch", [32, 128, 512], value=128, key="in_batch")
        backend = ui.backend_choice("in_backend")
        est = None
        if widths and depths and labels:
            est = ini.estimate_seconds(
                sorted(widths),
                sorted(depths),
                range(nseeds),
                steps,
                labels,
                batch,
                backend,
                threads=ui.engine_info().get("threads", 1),
            )
            st.caption(
                f"Estimated time here: ~{est:.0f} s" if est < 120 else f"Estimated time: ~{est / 60:.0f} min"
            )
        clicked = ui.run_button(key="in_run")

    params = {
        "widths": tuple(sorted(widths)),
        "depths": tuple(sorted(depths)),
        "seeds": tuple(range(nseeds)),
        "steps": int(steps),
        "labels": tuple(x for x in ("real", "permuted") if x in labels),
        "lr": float(lr),
        "batch": int(batch),
        "backend": backend,
    }
    if clicked:
        bad = None
        if not (widths and depths and labels):
            bad = "Pick at least one width, one depth and one label set."
        elif est is not None and est > MAX_SECONDS:
            bad = (
                f"This run would take about {est / 60:.0f} minutes here (limit: 10). Use fewer or "
                "smaller widths, fewer updates or fewer seeds."
            )
        if bad:
            ui.warn(bad)
            clicked = False
    live = ui.live_request("in_live", params, clicked)

    result = ui.live_or_reference(
        live,
        REF_NAME,
        lambda p: live_run(
            p["widths"], p["depths"], p["seeds"], p["steps"], p["labels"], p["lr"], p["batch"], p["backend"]
        ),
    )
    if result is None:
        st.stop()

    ui.run_caption(result["meta"])
    df = frame(result)
    stats = ini.figure_stats(result)
    majority = stats["majority"]
    ui.show_chart(
        figure(df, majority), df.drop(columns=["init", "x"]), "initialisation_figure", key="in_figure"
    )

    p = result["params"]
    has_stuck = stats["stuck_nets"] > 0
    rows = [
        {
            "quantity": "data",
            "paper": "MNIST (70k images)",
            "ours": "8x8 digits (1797 images)",
            "note": "MNIST from a local file: relufast.datasets.load_mnist",
        },
        {
            "quantity": "Adam updates per net",
            "paper": f"{ini.PAPER['updates']:,}",
            "ours": f"{p['steps']:,}",
            "note": f"lr {p['lr']:g}, batch {p['batch_size']}",
        },
        {
            "quantity": "accuracy of the stuck columns",
            "paper": f"≈ {ini.PAPER['stuck_accuracy']:.0%} (majority class)",
            "ours": f"{stats['stuck_mean']:.1%} (max {stats['stuck_max']:.1%})" if has_stuck else None,
            "note": f"majority-class rate here: {majority:.1%}",
        },
        {
            "quantity": "stuck nets dead at init / at the end",
            "paper": "all (blind spot)",
            "ours": f"{stats['stuck_dead_at_init']:.0%} / {stats['stuck_dead_at_end']:.0%}"
            if has_stuck
            else None,
            "note": "some hidden layer dead on every image",
        },
        {
            "quantity": "zero-mean inits, real labels",
            "paper": "train (→ 100 %)",
            "ours": f"{stats['trains_real_mean']:.1%} mean"
            if stats["trains_real_mean"] is not None
            else None,
            "note": "",
        },
        {
            "quantity": "zero-mean inits, permuted labels",
            "paper": "0 training error needs ≥ 400 units",
            "ours": f"best {stats['trains_permuted_best']:.1%}"
            if stats["trains_permuted_best"] is not None
            else None,
            "note": f"widths ≤ {max(p['widths'])}, {p['steps']:,} updates: far from memorising",
        },
        {
            "quantity": "depth helps the stuck columns",
            "paper": "no",
            "ours": ("no" if stats["stuck_at_chance"] else "see chart"),
            "note": "2 vs 5 hidden layers",
        },
    ]
    ui.paper_vs_ours(rows, key="in_pvo")

    st.markdown(
        "**The five columns** (the paper names normal distributions but not their values; these "
        "are this project's, chosen with a margin of 10σ or more):"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {"column": c.title, "expected": "stuck" if c.stuck else "trains", "why": c.why}
                for c in ini.COLUMNS
            ]
        ),
        hide_index=True,
        width="stretch",
        key="in_cols",
    )


if __name__ == "__main__":
    main()
