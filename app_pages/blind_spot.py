"""Blind spot (Swirszcz, Czarnecki & Pascanu 2016, Sec. 3.2): a layer dead on every data point is a
local minimum that training cannot leave.
"""

from __future__ import annotations

import time

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import blind_spot as bs

REF_NAME = "blind_spot.json"
H = bs.SIZES[1]  # hidden units of the interactive net (1, 3, 1)


@st.cache_data(show_spinner=False, max_entries=8)
def start_point(way: str, magnitude: float, output_bias: bool, seed: int) -> np.ndarray:
    return bs.dead_params(bs.SIZES, way=way, magnitude=magnitude, output_bias=output_bias, seed=seed)


@st.cache_data(show_spinner=False, max_entries=32)
def analyse(p: tuple, output_bias: bool, steps: int, lr: float) -> dict:
    """:func:`relufast.experiments.blind_spot.explore_point` (tiny: runs on every change), cached."""
    return bs.explore_point(np.asarray(p), output_bias, steps, lr)


@st.cache_data(show_spinner=False, max_entries=8)
def live_sweep(
    lo: float, hi: float, points: int, restarts: int, h: int, wstd: float, bstd: float, seed: int
) -> dict:
    with ui.Progress("Drawing initialisations (weight sweep, bias sweep)") as prog:
        t0 = time.perf_counter()
        out = bs.sweep_summary(lo, hi, points, restarts, h, wstd, bstd, seed, progress=prog)
    out["meta"] = ui.run_meta(
        time.perf_counter() - t0, "numpy", size=f"{points} means x {restarts:,} inits x 2 sweeps, h = {h}"
    )
    return out


# --------------------------------------------------------------------------- charts


def param_names(output_bias: bool) -> list[str]:
    names = (
        [f"w{j + 1}" for j in range(H)] + [f"b{j + 1}" for j in range(H)] + [f"v{j + 1}" for j in range(H)]
    )
    return names + (["c"] if output_bias else [])


def dead_chart(Z: np.ndarray) -> tuple[alt.LayerChart, pd.DataFrame]:
    df = pd.DataFrame(
        [
            {
                "point": f"x = {x:g}",
                "unit": f"unit {j + 1}",
                "z": Z[i, j],
                "state": "alive (z > 0)" if Z[i, j] > 0 else "dead (z ≤ 0)",
            }
            for i, x in enumerate(bs.X)
            for j in range(Z.shape[1])
        ]
    )
    base = alt.Chart(df).encode(
        x=alt.X("point:N", title="data point", sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("unit:N", title=None),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            scale=alt.Scale(domain=["dead (z ≤ 0)", "alive (z > 0)"], range=["#3b3b3b", "#f2a541"]),
            title=None,
            legend=alt.Legend(orient="top"),
        ),
        tooltip=["unit:N", "point:N", alt.Tooltip("z:Q", format=".3f"), "state:N"],
    )
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("z:Q", format=".2f"),
        color=alt.condition("datum.z > 0", alt.value("black"), alt.value("white")),
    )
    return (rect + text).properties(
        height=alt.Step(34),
        title=alt.TitleParams("Pre-activation z = w·x + b of each unit on each point", anchor="start"),
    ), df


def grad_chart(g: np.ndarray, names: list[str]) -> tuple[alt.LayerChart, pd.DataFrame]:
    df = pd.DataFrame(
        {
            "parameter": names,
            "dL/dθ": g,
            "layer": ["first layer"] * (2 * H) + ["output layer"] * (len(names) - 2 * H),
        }
    )
    m = max(1.0, 1.1 * float(np.max(np.abs(g))))
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("parameter:N", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("dL/dθ:Q", scale=alt.Scale(domain=[-m, m]), axis=alt.Axis(format=".2g")),
            color=alt.Color(
                "layer:N",
                scale=alt.Scale(range=["#4c78a8", "#9d9d9d"]),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["parameter:N", alt.Tooltip("dL/dθ:Q", format=".3e")],
        )
    )
    text = (
        alt.Chart(df)
        .mark_text(dy=-8, fontSize=10)
        .encode(x=alt.X("parameter:N", sort=None), y=alt.value(10), text=alt.Text("dL/dθ:Q", format=".2g"))
    )
    return (bars + text).properties(
        height=300, title=alt.TitleParams("Exact gradient at the point", anchor="start")
    ), df


def fit_chart(curves: dict) -> tuple[alt.LayerChart, pd.DataFrame]:
    xs = np.linspace(0.0, 1.2, 121)
    rows = []
    for name, (p, ob) in curves.items():
        f = bs.predict(p, xs, output_bias=ob)
        rows += [{"x": x, "f(x)": v, "net": name} for x, v in zip(xs, f)]
    df = pd.DataFrame(rows)
    dom = list(curves)
    rng = ["#3b3b3b", "#e45756", "#54a24b"][: len(dom)]
    lines = (
        alt.Chart(df)
        .mark_line(strokeWidth=2.5)
        .encode(
            x="x:Q",
            y=alt.Y("f(x):Q", title="y"),
            color=alt.Color(
                "net:N", scale=alt.Scale(domain=dom, range=rng), title=None, legend=alt.Legend(orient="top")
            ),
            strokeDash=alt.condition(alt.datum.net == "after GD", alt.value([6, 4]), alt.value([1, 0])),
        )
    )
    pts = (
        alt.Chart(pd.DataFrame({"x": bs.X, "y": bs.Y}))
        .mark_point(filled=True, size=90, color="black")
        .encode(x="x:Q", y="y:Q")
    )
    return (lines + pts).properties(
        height=360, title=alt.TitleParams("Data and network outputs", anchor="start")
    ), df


def history_chart(steps, hist) -> tuple[alt.Chart, pd.DataFrame]:
    df = pd.DataFrame({"step": steps, "L": hist})
    ch = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x="step:Q",
            y=alt.Y("L:Q", scale=alt.Scale(zero=True), title="loss L"),
            tooltip=["step:Q", alt.Tooltip("L:Q", format=".6g")],
        )
    )
    return ch.properties(
        height=280, title=alt.TitleParams("Loss during gradient descent", anchor="start")
    ), df


def sweep_frame(sweeps: dict) -> pd.DataFrame:
    rows = []
    for which, r in sweeps.items():
        for i, m in enumerate(r["mean"]):
            rows.append(
                {
                    "sweep": f"{which} mean",
                    "init mean": m,
                    "fraction": r["fraction"][i],
                    "lo": r["lo"][i],
                    "hi": r["hi"][i],
                    "exact": r["exact"][i],
                    "dead": r["dead"][i],
                    "restarts": r["restarts"][i],
                }
            )
    return pd.DataFrame(rows).astype({"exact": float})


def sweep_chart(df: pd.DataFrame) -> alt.LayerChart:
    color = alt.Color(
        "sweep:N",
        scale=alt.Scale(domain=["weight mean", "bias mean"], range=["#1f77b4", "#ff7f0e"]),
        title="swept",
    )
    base = alt.Chart(df).encode(x=alt.X("init mean:Q", title="mean of the normal init"))
    band = base.mark_area(opacity=0.2).encode(y="lo:Q", y2="hi:Q", color=color)
    pts = base.mark_point(filled=True, size=40).encode(
        y=alt.Y("fraction:Q", title="P(start in the blind spot)", axis=alt.Axis(format="%")),
        color=color,
        tooltip=[
            "sweep:N",
            "init mean:Q",
            alt.Tooltip("fraction:Q", format=".4f"),
            alt.Tooltip("exact:Q", format=".4f"),
            "dead:Q",
            "restarts:Q",
        ],
    )
    exact = (
        base.transform_filter("isValid(datum.exact)")
        .mark_line(strokeDash=[5, 3])
        .encode(y="exact:Q", color=color)
    )
    return (band + exact + pts).properties(
        height=400,
        title=alt.TitleParams(
            "Chance that a random init starts dead: sampled (dots, 95% band) vs exact (dashes)",
            anchor="start",
        ),
    )


# --------------------------------------------------------------------------- page


def main() -> None:
    """The page: a dead net you can move by hand, then the sweep of the init mean."""
    ui.header(
        "Blind spot: dead units trap training",
        "If every unit of a layer is dead (pre-activation ≤ 0) on every data point, the output is "
        "constant, the layers below get exactly zero gradient, and gradient descent cannot leave: a "
        "local minimum that is not global (Swirszcz et al. 2016, Lemma 2 and Theorem 1).",
        "a grid of dark (dead) cells for every unit and point; first-layer gradients that are exactly "
        "0.0; a flat loss curve (without output bias nothing moves; with one only the bias moves, to "
        "mean(y)); a single revived unit doing far better; and the chance of starting dead climbing "
        "from ~0 to 100 % as the init mean of the weights or biases goes negative.",
    )

    with st.sidebar:
        st.subheader("The network (1 → 3 → 1)")
        output_bias = st.toggle(
            "Output bias c",
            value=False,
            key="bs_ob",
            help="Off: the lecture's variant (a dead net outputs 0). On: the paper's.",
        )
        way = st.radio(
            "Start in the blind spot via",
            ["weights", "biases"],
            key="bs_way",
            horizontal=True,
            help="Very negative first-layer weights (inputs > 0) or very negative biases.",
        )
        magnitude = st.select_slider("How negative", [0.5, 1.0, 2.0, 5.0, 10.0], value=5.0, key="bs_mag")
        steps = st.select_slider("GD steps", [10, 100, 1000, 10_000], value=1000, key="bs_steps")
        lr = st.select_slider("Learning rate", [0.001, 0.01, 0.05, 0.1], value=0.01, key="bs_lr")
        st.divider()
        st.subheader("Sweep of the init mean")
        lo, hi = st.slider("Range of the mean", -8.0, 4.0, (-4.0, 2.0), step=0.5, key="bs_range")
        npts = st.select_slider("Means", [5, 13, 25, 49], value=25, key="bs_npts")
        restarts = st.select_slider(
            "Inits per mean", [100, 1000, 10_000, 100_000], value=10_000, key="bs_restarts"
        )
        h = st.select_slider("Hidden units h", [1, 2, 3, 5, 10, 20], value=3, key="bs_h")
        wstd = st.select_slider("Weight std", [0.1, 0.5, 1.0, 2.0], value=1.0, key="bs_wstd")
        bstd = st.select_slider("Bias std", [0.0, 0.1, 0.5, 1.0], value=0.0, key="bs_bstd")
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="bs_seed"))
        clicked = ui.run_button("Run the sweep", key="bs_run")

    # ---- the interactive dead net
    st.subheader("Move the first layer yourself")
    with ui.friendly_errors("Could not build a dead network this way"):
        p0 = start_point(way, float(magnitude), bool(output_bias), 0)
        names = param_names(output_bias)
        st.caption(
            "First-layer weights w_j and biases b_j of the three units (unit j computes "
            "relu(w_j x + b_j)); they start in the blind spot. Drag one up until its unit wakes."
        )
        cols = st.columns(H)
        p = p0.copy()
        wlim = float(min(-12.0, np.floor(p0[:H].min()) - 2))
        blim = float(min(-20.0, np.floor(p0[H : 2 * H].min()) - 5))
        for j in range(H):
            tag = f"{way}_{magnitude}_{output_bias}"
            with cols[j]:
                p[j] = st.slider(
                    f"w{j + 1}", wlim, -wlim, float(np.round(p0[j], 2)), 0.05, key=f"bs_w{j}_{tag}"
                )
                p[H + j] = st.slider(
                    f"b{j + 1}", blim, 10.0, float(np.round(p0[H + j], 2)), 0.05, key=f"bs_b{j}_{tag}"
                )
        a = analyse(tuple(p.tolist()), bool(output_bias), int(steps), float(lr))
        gmax = a["first_layer_grad_max"]
        moved = [n for n, m in zip(names, a["moved"]) if m]
        if a["blind"]:
            st.success(
                f"In the blind spot: every unit is dead on every point; max |∂L/∂(first layer)| = "
                f"{gmax:.1f} exactly.",
                icon=":material/visibility_off:",
            )
        else:
            ui.warn(
                f"Not in the blind spot: some unit is alive on some point; max |∂L/∂(first layer)| = "
                f"{gmax:.3g}, so gradient descent can move."
            )
        c1, c2 = st.columns(2)
        with c1:
            ch, ddf = dead_chart(a["Z"])
            ui.show_chart(ch, ddf, "blind_spot_dead_units", key="bs_dead")
            ch, gdf = grad_chart(a["grad"], names)
            ui.show_chart(ch, gdf, "blind_spot_gradient", key="bs_grad")
        with c2:
            curves = {"start": (p, output_bias), "after GD": (a["end"], output_bias)}
            if "better" in a:
                curves["one unit revived"] = (a["better"], output_bias)
            ch, fdf = fit_chart(curves)
            ui.show_chart(ch, fdf, "blind_spot_fits", key="bs_fits")
            ch, hdf = history_chart(a["history_steps"], a["history"])
            ui.show_chart(ch, hdf, "blind_spot_gd", key="bs_hist")
        st.caption(
            f"{steps:,} steps of full-batch GD (lr {lr:g}) in {a['seconds'] * 1000:.0f} ms on "
            f"backend {a['backend']}; parameters that moved: {', '.join(moved) if moved else 'none'}."
        )
        sum_y2, mean_y = a["sum_y2"], a["mean_y"]
        rows = [
            {
                "quantity": "first-layer gradient in the blind spot",
                "paper": "0 (Lemma 2)",
                "ours": f"{gmax:.3g}" + (" (in the blind spot)" if a["blind"] else " (not in it)"),
                "note": "relu'(z) = 0 for z ≤ 0",
            },
            {
                "quantity": "L at the start",
                "paper": f"Σ y² = {sum_y2:g}" if not output_bias else None,
                "ours": a["loss0"],
                "note": "",
            },
            {
                "quantity": "L after GD",
                "paper": (
                    f"Σ y² = {sum_y2:g} (stays)"
                    if not output_bias
                    else f"Σ (y − ȳ)² = {a['sum_sq_about_mean']:g}"
                ),
                "ours": a["loss_end"],
                "note": f"{steps:,} steps",
            },
        ]
        if output_bias:
            rows.append(
                {
                    "quantity": "output bias after GD",
                    "paper": f"mean(y) = {mean_y:g}",
                    "ours": float(a["end"][-1]),
                    "note": "Theorem 1 (i)",
                }
            )
        if "better_loss" in a:
            rows.append(
                {
                    "quantity": "L with one unit revived",
                    "paper": "< blind spot (Theorem 1 ii)",
                    "ours": a["better_loss"],
                    "note": "so the blind spot is not global",
                }
            )
        ui.paper_vs_ours(rows, key="bs_pvo")

    # ---- the sweep
    st.subheader("How likely is a random init to start in the blind spot?")
    params = {
        "lo": float(lo),
        "hi": float(hi),
        "points": int(npts),
        "restarts": int(restarts),
        "h": int(h),
        "wstd": float(wstd),
        "bstd": float(bstd),
        "seed": seed,
    }
    if clicked and lo >= hi:
        ui.warn("The range of the mean is empty: pick two different ends.")
        clicked = False
    live = ui.live_request("bs_live", params, clicked)
    result = ui.live_or_reference(
        live,
        REF_NAME,
        lambda p: live_sweep(
            p["lo"], p["hi"], p["points"], p["restarts"], p["h"], p["wstd"], p["bstd"], p["seed"]
        ),
        "Could not run this sweep",
    )
    if result is not None:
        ui.run_caption(result["meta"])
        sdf = sweep_frame(result["sweeps"])
        ui.show_chart(
            sweep_chart(sdf),
            sdf,
            "blind_spot_init_mean",
            key="bs_sweep",
            caption=f"Net (1, {result['params']['h']}, 1) on x = {', '.join(f'{x:g}' for x in bs.X)}; "
            f"weights N(mean, {result['params']['weight_std']:g}²), biases "
            f"N(mean, {result['params']['bias_std']:g}²), the other mean 0. Exact: "
            "P(one unit dead)^h. The paper gives no such curve: this is our own "
            "measurement of its 'ways in'.",
        )


if __name__ == "__main__":
    main()
