"""Initialisation (Swirszcz, Czarnecki & Pascanu 2016, Fig. 1): bad inits start in the blind spot and
never train, whatever the width or depth.
"""

from __future__ import annotations

import os
import tempfile
import time

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast import datasets
from relufast.experiments import initialisation as ini

REF_NAME = "initialisation.json"
EDGE_REF = "initialisation_edge.json"
LONG_REF = "initialisation_long.json"
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


def figure(
    df: pd.DataFrame,
    majority: float,
    title: str = "Final training accuracy vs width, one point per net (dashes: majority-class rate)",
) -> alt.FacetChart:
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
        .properties(title=alt.TitleParams(title, anchor="start"))
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

    edge_section()
    long_budget_section()
    mnist_section()


# --------------------------------------------------------------------------- the edge

SWEEP_TITLE = {
    "weight_mean": "weight mean μ: w ~ N(μ, 0.1²), b ~ N(0, 0.1²)",
    "bias_mean": "bias mean μ: w ~ N(0, 0.1²), b ~ N(μ, 0.1²)",
}
EDGE_CURVES = {
    "stuck": "ends stuck (measured)",
    "dead_at_init": "in the blind spot at init (measured)",
    "first_layer_dead_at_init": "first layer dead at init (measured)",
    "layer_dead_mc": "first layer dead at init (closed form, Monte Carlo p^h)",
}


@st.cache_data(show_spinner=False, max_entries=4)
def edge_live_run(params: tuple, depths: tuple, width: int, seeds: int, steps: int, backend: str) -> dict:
    with ui.Progress("Training with Adam, one mean at a time") as prog:
        t0 = time.perf_counter()
        out = ini.edge_summary(
            params,
            depths,
            width=width,
            seeds=tuple(range(seeds)),
            steps=steps,
            backend=backend,
            progress=prog,
        )
    n = sum(len(s["points"]["mean"]) for s in out["sweeps"])
    out["meta"] = ui.run_meta(
        time.perf_counter() - t0,
        out["backend"],
        size=f"{n} means x {seeds} nets, {steps:,} Adam updates each",
    )
    return out


def edge_frame(result: dict) -> pd.DataFrame:
    rows = []
    for s in result["sweeps"]:
        pts = s["points"]
        for i, mean in enumerate(pts["mean"]):
            base = {"sweep": SWEEP_TITLE[s["param"]], "depth": f"{s['depth']} hidden layers", "mean": mean}
            for key, name in EDGE_CURVES.items():
                row = {**base, "curve": name, "value": pts[key][i], "lo": None, "hi": None}
                if key == "layer_dead_mc":
                    row["lo"], row["hi"] = pts["layer_dead_lower"][i], pts["layer_dead_upper"][i]
                rows.append(row)
        x = s["crossings"]["stuck"]
        if x is not None:
            rows.append({**base, "mean": x, "curve": "edge", "value": None, "lo": None, "hi": None})
    return pd.DataFrame(rows)


def edge_figure(df: pd.DataFrame) -> alt.FacetChart:
    base = alt.Chart(df)
    x = alt.X("mean:Q", title="init mean μ (symlog axis)", scale=alt.Scale(type="symlog", constant=0.05))
    band = (
        base.transform_filter(alt.datum.curve == EDGE_CURVES["layer_dead_mc"])
        .mark_area(opacity=0.2, color="#9467bd")
        .encode(x=x, y=alt.Y("lo:Q"), y2="hi:Q")
    )
    lines = (
        base.transform_filter(alt.datum.curve != "edge")
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q", title="fraction of nets", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "curve:N",
                sort=list(EDGE_CURVES.values()),
                scale=alt.Scale(range=["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]),
                title=None,
                legend=alt.Legend(orient="top", columns=2, labelLimit=400),
            ),
            strokeDash=alt.StrokeDash("curve:N", sort=list(EDGE_CURVES.values()), legend=None),
            tooltip=["curve:N", alt.Tooltip("mean:Q", format=".3g"), alt.Tooltip("value:Q", format=".3f")],
        )
    )
    edge = (
        base.transform_filter(alt.datum.curve == "edge")
        .mark_rule(color="#333", strokeDash=[2, 2])
        .encode(x=x, tooltip=[alt.Tooltip("mean:Q", title="50 % stuck at", format=".3g")])
    )
    return (
        alt.layer(band, lines, edge)
        .properties(width=300, height=190)
        .facet(
            column=alt.Column("sweep:N", title=None, header=alt.Header(labelFontSize=11, labelLimit=400)),
            row=alt.Row("depth:N", title=None),
        )
        .resolve_scale(x="independent")
        .properties(
            title=alt.TitleParams(
                "The edge: fraction of nets vs the init mean (band: closed-form bounds on a dead first "
                "layer; dotted rule: 50 % stuck)",
                anchor="start",
            )
        )
    )


def _g(x) -> str:
    return "never (on this grid)" if x is None else f"{x:.3g}"


def edge_section() -> None:
    """Between the working and the stuck columns: where training starts to fail."""
    st.header("The edge")
    st.markdown(
        "The three stuck columns above start more than 10σ inside the blind spot, so their outcome is "
        "settled before training starts. Here one mean moves from the working column "
        "(w, b ~ N(0, 0.1²)) to a stuck one (weight mean -1, or bias mean -5, the same stds) and "
        "several nets are trained at each value: the **edge** is where half of them end stuck "
        f"(training accuracy below the majority-class rate + {ini.EDGE_DEFAULTS['margin']:.0%}, or in "
        "the blind spot at the end). For the first layer there is a closed form: a unit "
        "z_n = w·x_n + b has z_n ~ N(μ_w Σx_n + μ_b, s_w²|x_n|² + s_b²) on image n, so it is dead on "
        "every image with a probability p between 1 − Σ_n Φ(m_n/s_n) and min_n Φ(−m_n/s_n), and a "
        "layer of h units with p^h (`relufast.experiments.initialisation.dead_unit_bounds`; p itself "
        "by Monte Carlo over (w, b) alone). Deeper layers see random inputs and have no such formula."
    )
    with st.expander("Run the edge sweep yourself", icon=":material/tune:"):
        cols = st.columns(3)
        params = cols[0].multiselect(
            "Swept mean", list(ini.EDGE_SWEEPS), default=list(ini.EDGE_SWEEPS), key="in_edge_params"
        )
        depth = cols[1].selectbox("Hidden layers", [1, 2, 3, 5], index=1, key="in_edge_depth")
        width = cols[2].select_slider("Width", [8, 16, 32, 64], value=32, key="in_edge_width")
        nseeds = cols[0].select_slider("Nets per mean", [2, 4, 8, 16, 32], value=4, key="in_edge_seeds")
        steps = cols[1].select_slider(
            "Adam updates", [50, 100, 300, 600, 1000], value=300, key="in_edge_steps"
        )
        with cols[2]:
            backend = ui.backend_choice("in_edge_backend")
        n_means = sum(len(ini.EDGE_MEANS[p]) for p in params)
        est = ini.edge_estimate_seconds(
            n_means, [depth], width, nseeds, steps, 128, backend, threads=ui.engine_info().get("threads", 1)
        )
        st.caption(f"{n_means} means x {nseeds} nets · estimated time here: ~{est:.0f} s")
        clicked = ui.run_button(key="in_edge_run")
    req = {
        "params": tuple(p for p in ini.EDGE_SWEEPS if p in params),
        "depths": (int(depth),),
        "width": int(width),
        "seeds": int(nseeds),
        "steps": int(steps),
        "backend": backend,
    }
    if clicked:
        bad = None
        if not params:
            bad = "Pick at least one swept mean."
        elif est > MAX_SECONDS:
            bad = (
                f"This sweep would take about {est / 60:.0f} minutes here (limit: 10): fewer nets or updates."
            )
        if bad:
            ui.warn(bad)
            clicked = False
    live = ui.live_request("in_edge_live", req, clicked)
    result = ui.live_or_reference(
        live,
        EDGE_REF,
        lambda p: edge_live_run(p["params"], p["depths"], p["width"], p["seeds"], p["steps"], p["backend"]),
        what="Could not run this sweep",
    )
    if result is None:
        return
    ui.run_caption(result["meta"])
    df = edge_frame(result)
    ui.show_chart(edge_figure(df), df, "initialisation_edge", key="in_edge_figure")
    rows = []
    for s in result["sweeps"]:
        es = ini.edge_stats(s)
        c = es["crossings"]
        rows.append(
            {
                "sweep": s["param"].replace("_", " "),
                "hidden layers": s["depth"],
                "nets per mean": len(s["params"]["seeds"]),
                "50 % stuck at": _g(c["stuck"]),
                "50 % in the blind spot at init": _g(c["dead_at_init"]),
                "first layer dead, measured": _g(c["first_layer_dead_at_init"]),
                "first layer dead, closed form (MC)": _g(c["layer_dead_mc"]),
                "closed-form bounds": f"{_g(c['layer_dead_upper'])} .. {_g(c['layer_dead_lower'])}",
                "most stuck while alive at init": (
                    f"{es['stuck_alive_max']:.0%} at μ = {es['stuck_alive_at']:g}"
                ),
                "partly dead at init / any unit revived": (
                    f"{es['partly_dead_max']:.0%} / {es['revived_max']:.0%}"
                ),
                "first-layer units revived": es["revived_first_layer"],
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="in_edge_table")
    st.caption(
        "Crossings are linear interpolations on the grid of means. *Partly dead*: not in the blind spot "
        "but with a unit dead on every image, or a layer dead on some images; *revived*: a unit dead on "
        "every image at init and alive on some image at the end (any layer). A first-layer unit dead on "
        "every image gets no gradient and its inputs never change, so it cannot come back; units of "
        "deeper layers can, when the layer below changes. A net in the blind spot never leaves it."
    )


# --------------------------------------------------------------------------- a longer budget


def long_section_frame(result: dict) -> pd.DataFrame:
    df = pd.DataFrame(result["rows"])
    df["budget"] = [f"{s:,} updates" for s in df["steps"]]
    df["init"] = [COL_TITLE.get(c, c) for c in df["column"]]
    return df


def long_figure(df: pd.DataFrame) -> alt.LayerChart:
    budgets = [f"{s:,} updates" for s in sorted(set(df["steps"]))]
    ws = sorted(set(df["width"]))
    x = alt.X(
        "width:Q",
        title="hidden units per layer",
        scale=alt.Scale(type="log", base=2, nice=False, domain=[ws[0] / 1.3, ws[-1] * 1.3]),
        axis=alt.Axis(values=ws, format="d"),
    )
    y = alt.Y(
        "train_accuracy:Q",
        title="training accuracy",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%"),
    )
    color = alt.Color("budget:N", sort=budgets, title=None, legend=alt.Legend(orient="top"))
    base = alt.Chart(df)
    line = base.mark_line().encode(x=x, y=alt.Y("mean(train_accuracy):Q"), color=color)
    pts = base.mark_point(filled=True, size=50).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape("init:N", title=None),
        tooltip=[
            "budget:N",
            "init:N",
            "width:Q",
            alt.Tooltip("train_accuracy:Q", format=".4f"),
            alt.Tooltip("final_loss:Q", format=".3g"),
        ],
    )
    return alt.layer(line, pts).properties(
        height=260,
        title=alt.TitleParams(
            "Longer budget, permuted labels: training accuracy vs width (2 hidden layers, zero-mean inits)",
            anchor="start",
        ),
    )


def long_budget_section() -> None:
    """The paper's permuted-label claim with up to 10^5 Adam updates (shipped result only)."""
    st.header("A longer budget")
    result = ui.reference(LONG_REF)
    if result is None:
        ui.missing_reference(LONG_REF)
        return
    p = result["params"]
    st.markdown(
        "The paper trains every net for 10⁶ Adam updates on MNIST and finds that memorising *permuted* "
        "labels (0 training error) takes at least about 400 units per layer. That budget is out of reach "
        "on this 2-core machine, so this is a smaller, honest version: the two zero-mean columns, "
        f"{p['depth']} hidden layers, widths {', '.join(map(str, p['widths']))}, the 1797 digits with "
        f"permuted labels, and {', '.join(f'{b:,}' for b in p['budgets'])} Adam updates (lr {p['lr']:g}, "
        f"batch {p['batch_size']}; each shorter run is exactly the start of the longer one). It is not "
        "the paper's budget and its data are 33x smaller; it is computed once by "
        f"`python {ui.MAKE_REFERENCE} initialisation_long` (no live rerun here: it takes minutes)."
    )
    ui.run_caption(result["meta"])
    if result["meta"].get("machine"):
        st.caption(f"Machine: {result['meta']['machine']}.")
    df = long_section_frame(result)
    ui.show_chart(
        long_figure(df), df.drop(columns=["budget", "init"]), "initialisation_long", key="in_long_figure"
    )

    def at(b: str) -> str:
        w = result["first_width_at_100"][b]
        return f"from width {w}" if w is not None else f"no width up to {max(p['widths'])}"

    rows = [
        {
            "quantity": "data",
            "paper": "MNIST, 60,000 training images",
            "ours": "8x8 digits, 1797 images",
            "note": "permuted labels (seed 0)",
        },
        {
            "quantity": "Adam updates",
            "paper": f"{ini.PAPER['updates']:,}",
            "ours": ", ".join(f"{b:,}" for b in p["budgets"]),
            "note": "",
        },
        {
            "quantity": "widths",
            "paper": "up to beyond 400",
            "ours": f"{min(p['widths'])} .. {max(p['widths'])}",
            "note": f"{len(p['columns'])} zero-mean columns x {len(p['seeds'])} seed",
        },
    ] + [
        {
            "quantity": f"every net at 100 % training accuracy, {int(b):,} updates",
            "paper": "≥ 400 units (10⁶ updates)",
            "ours": at(b),
            "note": "smallest width from which every net memorises",
        }
        for b in result["first_width_at_100"]
    ]
    ui.paper_vs_ours(rows, key="in_long_pvo")


# --------------------------------------------------------------------------- MNIST from a local file

MNIST_SIZES = [200, 500, 1000, 2000, 5000]


@st.cache_data(show_spinner=False, max_entries=2)
def mnist_from_path(images: str, labels: str, limit: int) -> tuple:
    return datasets.load_mnist(images, labels or None, limit=limit)


@st.cache_data(show_spinner=False, max_entries=2)
def mnist_from_upload(files: tuple, limit: int) -> tuple:
    """``files``: (name, bytes) pairs, an .npz or an idx images file and its labels file."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in files:
            path = os.path.join(tmp, os.path.basename(name))
            with open(path, "wb") as fh:
                fh.write(data)
            paths.append(path)
        npz = [q for q in paths if q.endswith(".npz")]
        if npz:
            return datasets.load_mnist(npz[0], limit=limit)
        imgs = [q for q in paths if "images" in os.path.basename(q)]
        labs = [q for q in paths if "labels" in os.path.basename(q)]
        if len(imgs) != 1 or len(labs) != 1:
            raise ValueError(
                "upload one .npz archive, or one idx images file and one idx labels file (names with "
                "'images' and 'labels', e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz)"
            )
        return datasets.load_mnist(imgs[0], labs[0], limit=limit)


@st.cache_data(show_spinner=False, max_entries=4)
def mnist_run(X, y, widths: tuple, depths: tuple, steps: int, labels: tuple, backend: str) -> dict:
    with ui.Progress("Training on your MNIST subset") as prog:
        t0 = time.perf_counter()
        out = ini.figure_summary(
            widths, depths, (0,), steps, labels, 3e-3, 128, backend, progress=prog, data=(X, y)
        )
    n = len(out["rows"]["column"])
    out["meta"] = ui.run_meta(
        time.perf_counter() - t0,
        out["backend"],
        size=f"{n} nets, {steps:,} Adam updates each, {len(y):,} images",
    )
    return out


def mnist_section() -> None:
    """The same experiment on MNIST files the user has (nothing is downloaded)."""
    st.header("MNIST from a local file")
    st.markdown(
        "The paper's data are MNIST; this app ships none and downloads nothing. If you have the files "
        "(idx `train-images-idx3-ubyte[.gz]` with its `train-labels-idx1-ubyte[.gz]`, or Keras' "
        "`mnist.npz`), give their path on this machine or upload them, and the five columns train on "
        "the **first N images** (a subsample, so that the run finishes live; the paper used all 60,000 "
        "and 10⁶ updates) with one seed, lr 0.003 and mini-batches of 128."
    )
    cols = st.columns([3, 2])
    path = cols[0].text_input("Images file (path on the server)", key="in_mnist_path")
    labels_path = cols[1].text_input("Labels file (optional: inferred from the name)", key="in_mnist_labels")
    upload = st.file_uploader(
        "... or upload the files",
        accept_multiple_files=True,
        key="in_mnist_upload",
        help="one .npz, or the idx images and labels files (optionally gzipped)",
    )
    cols = st.columns(4)
    n = cols[0].select_slider("Images used (first N)", MNIST_SIZES, value=1000, key="in_mnist_n")
    widths = cols[1].multiselect("Widths", [16, 32, 64, 128], default=[16, 32], key="in_mnist_widths")
    depth = cols[2].selectbox("Hidden layers", [1, 2, 5], index=1, key="in_mnist_depth")
    steps = cols[3].select_slider("Adam updates", [50, 100, 300, 600, 1000], value=300, key="in_mnist_steps")
    labels = st.multiselect("Labels", ["real", "permuted"], default=["real"], key="in_mnist_labels_set")
    backend = ui.backend_choice("in_mnist_backend")
    clicked = st.button("Run on MNIST", type="primary", icon=":material/play_arrow:", key="in_mnist_run")
    if not clicked and "in_mnist_result" not in st.session_state:
        return
    if clicked:
        st.session_state.pop("in_mnist_result", None)
        if not (path or upload):
            ui.warn("Give the path of the images file or upload the files first.")
            return
        if not (widths and labels):
            ui.warn("Pick at least one width and one label set.")
            return
        try:
            if upload:
                X, y = mnist_from_upload(tuple((f.name, f.getvalue()) for f in upload), int(n))
            else:
                X, y = mnist_from_path(path.strip(), labels_path.strip(), int(n))
        except (OSError, ValueError) as exc:
            st.error(f"Could not read MNIST: {exc}", icon=":material/error:")
            return
        est = ini.estimate_seconds(
            sorted(widths),
            [depth],
            [0],
            steps,
            labels,
            128,
            backend,
            threads=ui.engine_info().get("threads", 1),
            d_in=X.shape[1],
            n_examples=X.shape[0],
        )
        if est > MAX_SECONDS:
            ui.warn(
                f"This run would take about {est / 60:.0f} minutes here (limit: 10): fewer images, "
                "widths or updates."
            )
            return
        order = tuple(x for x in ("real", "permuted") if x in labels)
        with ui.friendly_errors("Could not train on these data"):
            st.session_state["in_mnist_result"] = mnist_run(
                np.ascontiguousarray(X), y, tuple(sorted(widths)), (int(depth),), int(steps), order, backend
            )
    result = st.session_state.get("in_mnist_result")
    if result is None:
        return
    ui.run_caption(result["meta"])
    df = frame(result)
    stats = ini.figure_stats(result)
    shape = result["params"].get("data", ["?", "?"])
    ui.show_chart(
        figure(
            df,
            stats["majority"],
            title=(
                f"Your MNIST subset ({shape[0]:,} images, {shape[1]} pixels): final training accuracy "
                "vs width"
            ),
        ),
        df.drop(columns=["init", "x"]),
        "initialisation_mnist",
        key="in_mnist_figure",
    )
    st.caption(
        f"Majority-class rate of this subset: {stats['majority']:.1%}. Stuck columns: mean accuracy "
        + (
            f"{stats['stuck_mean']:.1%}, in the blind spot at init {stats['stuck_dead_at_init']:.0%}. "
            if stats["stuck_nets"]
            else "- . "
        )
        + (
            f"Zero-mean columns with real labels: {stats['trains_real_mean']:.1%} mean."
            if stats["trains_real_mean"] is not None
            else ""
        )
    )


if __name__ == "__main__":
    main()
