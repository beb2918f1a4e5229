"""Five points (Swirszcz, Czarnecki & Pascanu 2016, Prop. 1 / Fig. 4a): a bad local minimum of one
ReLU unit, certified, with its basin of attraction.
"""

from __future__ import annotations

import time

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import five_points as fp

REF_NAME = "five_points.json"
MAX_WORK = 2e10  # restart-steps of one live run (1e6 x 20k runs in ~15 s on 2 AVX-512 cores)
CLASS_NAMES = {
    "14": "14 (blue)",
    "18": "18 (red)",
    "21.17": "21.17 (line)",
    "21.2": "21.2 (dead)",
    "other": "other",
}
CLASS_LONG = {
    "14": "L = 14: BLUE, the global minimum",
    "18": "L = 18: RED, local not global",
    "21.17": "L ≈ 21.17: unit active on all points (a line)",
    "21.2": "L = 21.2: unit dead on all points (a constant)",
    "other": "anything else",
    "diverged": "diverged (non-finite loss)",
}
CLASS_COLORS = {
    "14": "#1f77b4",
    "18": "#d62728",
    "21.17": "#8c564b",
    "21.2": "#7f7f7f",
    "other": "#bcbd22",
    "diverged": "#17becf",
}


@st.cache_data(show_spinner=False, max_entries=8)
def live_basins(restarts: int, steps: int, lr: float, seed: int, backend: str) -> dict:
    with ui.Progress(f"Gradient descent, {restarts:,} restarts x {steps:,} steps") as prog:
        b = fp.basin_statistics(restarts, seed, steps, lr, backend, progress=prog)
    out = b.to_summary()
    out["meta"] = ui.run_meta(
        b.wall_time, b.backend, size=f"{restarts:,} restarts x {steps:,} GD steps, lr {lr:g}"
    )
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def plane(res: int, span: float, seed: int) -> tuple[dict, float]:
    t0 = time.perf_counter()
    s = fp.red_blue_plane(np.linspace(-span + 0.5, span + 0.5, res), np.linspace(-span, span, res), seed=seed)
    return {k: np.asarray(v) for k, v in s.items()}, time.perf_counter() - t0


@st.cache_data(show_spinner=False)
def segment(ts: tuple) -> dict:
    return fp.slice_1d(fp.RED, fp.BLUE - fp.RED, np.asarray(ts))


# --------------------------------------------------------------------------- charts


def fits_chart(points: dict) -> tuple[alt.LayerChart, pd.DataFrame]:
    """The five data points and the fits f(x) = v relu(w x + b) + c of the given parameters."""
    xs = np.linspace(-2.0, 6.0, 161)
    names = list(points)
    F = fp.predict(np.array([points[n] for n in names]), xs)  # (R, N)
    curves = pd.DataFrame(
        [{"x": x, "f(x)": F[i, j], "fit": names[i]} for i in range(len(names)) for j, x in enumerate(xs)]
    )
    data = pd.DataFrame({"x": fp.X, "y": fp.Y})
    colors = {"red (1, -3, 1, 0)": "#d62728", "blue (-7, -4, 1, 0)": "#1f77b4"}
    dom = names
    rng = [colors.get(n, "#2ca02c") for n in names]
    lines = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=alt.X("x:Q", title="x"),
            y=alt.Y("f(x):Q", title="y", scale=alt.Scale(domain=[-5, 5])),
            color=alt.Color(
                "fit:N", scale=alt.Scale(domain=dom, range=rng), title=None, legend=alt.Legend(orient="top")
            ),
            strokeDash=alt.condition(alt.datum.fit == "your point", alt.value([5, 3]), alt.value([1, 0])),
        )
    )
    pts = (
        alt.Chart(data)
        .mark_point(filled=True, size=110, color="black")
        .encode(x="x:Q", y="y:Q", tooltip=["x:Q", "y:Q"])
    )
    out = pd.concat([curves, data.assign(fit="data").rename(columns={"y": "f(x)"})], ignore_index=True)
    chart = (lines + pts).properties(
        height=400, title=alt.TitleParams("Data D1 and the fits", anchor="start")
    )
    return chart, out


def plane_chart(s: dict, cap: float, ref: dict) -> tuple[alt.LayerChart, pd.DataFrame]:
    df = pd.DataFrame({"t1": s["t1"], "t2": s["t2"], "L": s["loss"]})
    df["L (clipped)"] = np.minimum(df["L"], cap)
    step1 = float(np.diff(s["ts1"][:2])[0]) if len(s["ts1"]) > 1 else 1.0
    step2 = float(np.diff(s["ts2"][:2])[0]) if len(s["ts2"]) > 1 else 1.0
    df["t1_end"], df["t2_end"] = df["t1"] + step1, df["t2"] + step2
    df["t1"], df["t2"] = df["t1"] - step1 / 2, df["t2"] - step2 / 2
    df["t1_end"], df["t2_end"] = df["t1_end"] - step1 / 2, df["t2_end"] - step2 / 2
    heat = (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("t1:Q", title="along BLUE − RED", scale=alt.Scale(nice=False, zero=False)),
            x2="t1_end:Q",
            y=alt.Y("t2:Q", title="random orthogonal direction", scale=alt.Scale(nice=False, zero=False)),
            y2="t2_end:Q",
            color=alt.Color(
                "L (clipped):Q", scale=alt.Scale(scheme="viridis", reverse=True), title=f"L (≤ {cap:g})"
            ),
            tooltip=[
                alt.Tooltip("t1:Q", format=".2f"),
                alt.Tooltip("t2:Q", format=".2f"),
                alt.Tooltip("L:Q", format=".3f"),
            ],
        )
    )
    pts = pd.DataFrame(
        {
            "t1": s["points"][:, 0],
            "t2": s["points"][:, 1],
            "name": [f"RED (L = {ref['18']:g})", f"BLUE (L = {ref['14']:g})"][: len(s["points"])],
        }
    )
    marks = (
        alt.Chart(pts)
        .mark_point(shape="cross", size=160, filled=True, stroke="white", strokeWidth=1)
        .encode(
            x="t1:Q",
            y="t2:Q",
            color=alt.Color("name:N", scale=alt.Scale(range=["#d62728", "#1f77b4"]), legend=None),
            tooltip=["name:N"],
        )
    )
    text = (
        alt.Chart(pts)
        .mark_text(dy=-14, fontWeight="bold", color="white")
        .encode(x="t1:Q", y="t2:Q", text="name:N")
    )
    chart = (heat + marks + text).properties(
        height=440, title=alt.TitleParams("Loss on the plane through RED and BLUE", anchor="start")
    )
    return chart, df[["t1", "t2", "L"]].assign(t1=s["t1"], t2=s["t2"])


def segment_chart(seg: dict, ref: dict) -> tuple[alt.LayerChart, pd.DataFrame]:
    df = pd.DataFrame({"t": seg["t"], "L": seg["loss"]})
    line = (
        alt.Chart(df)
        .mark_line(color="#444", clip=True)
        .encode(
            x=alt.X("t:Q", title="t in RED + t (BLUE − RED)"),
            y=alt.Y("L:Q", scale=alt.Scale(domain=[12, 40]), title="L (clipped at 40)"),
            tooltip=[alt.Tooltip("t:Q", format=".2f"), alt.Tooltip("L:Q", format=".3f")],
        )
    )
    ends = pd.DataFrame({"t": [0.0, 1.0], "L": [ref["18"], ref["14"]], "name": ["RED", "BLUE"]})
    pts = (
        alt.Chart(ends)
        .mark_point(filled=True, size=90)
        .encode(
            x="t:Q",
            y="L:Q",
            color=alt.Color(
                "name:N", scale=alt.Scale(domain=["RED", "BLUE"], range=["#d62728", "#1f77b4"]), legend=None
            ),
        )
    )
    return (line + pts).properties(
        height=330, title=alt.TitleParams("Straight path from RED to BLUE: a barrier", anchor="start")
    ), df


def basin_frame(ref: dict) -> pd.DataFrame:
    t = ref["table"]
    df = pd.DataFrame(
        {
            "class": t["class"],
            "value": t["value"],
            "count": t["count"],
            "ours": t["fraction"],
            "lo": t["lo"],
            "hi": t["hi"],
            "paper": t["paper"],
        }
    )
    df["endpoint"] = [CLASS_NAMES.get(c, c) for c in df["class"]]
    for c in ("ours", "lo", "hi", "paper", "value"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def basin_chart(df: pd.DataFrame) -> alt.LayerChart:
    order = list(df["endpoint"])
    color = alt.Color(
        "class:N", scale=alt.Scale(domain=list(CLASS_COLORS), range=list(CLASS_COLORS.values())), legend=None
    )
    base = alt.Chart(df).encode(
        x=alt.X("endpoint:N", sort=order, title="final loss L", axis=alt.Axis(labelAngle=0, labelLimit=200))
    )
    tip = [
        "endpoint:N",
        "count:Q",
        alt.Tooltip("ours:Q", format=".3f"),
        alt.Tooltip("lo:Q", format=".3f"),
        alt.Tooltip("hi:Q", format=".3f"),
        alt.Tooltip("paper:Q", format=".2f"),
    ]
    bars = base.mark_bar(opacity=0.8).encode(
        y=alt.Y("ours:Q", title="fraction of runs", axis=alt.Axis(format="%")), color=color, tooltip=tip
    )
    err = base.mark_rule(strokeWidth=2).encode(y="lo:Q", y2="hi:Q", tooltip=tip)
    paper = (
        base.transform_filter("isValid(datum.paper)")
        .mark_point(shape="diamond", size=140, filled=False, strokeWidth=2.5, color="black")
        .encode(y="paper:Q", tooltip=tip)
    )
    return (bars + err + paper).properties(
        height=380,
        title=alt.TitleParams("Where GD ends: ours (bars, 95% interval) vs the lecture (◇)", anchor="start"),
    )


# --------------------------------------------------------------------------- page


def main() -> None:
    """The page: the data and fits, the certificate, the landscape and the basins."""
    ui.header(
        "Five points: a bad local minimum of one ReLU unit",
        "Even a single ReLU unit f(x) = v·relu(wx + b) + c fitted to five points has a local minimum "
        "that is not global: RED = (1, −3, 1, 0) with loss 18, while BLUE = (−7, −4, 1, 0) reaches 14 "
        "(Swirszcz, Czarnecki & Pascanu 2016, Prop. 1).",
        "the red fit ignoring the two left points, the blue one fitting x = −1 only; the certificate "
        "proving RED a (non-strict) local minimum although x = 3 sits exactly on a kink; a landscape "
        "with two separate valleys and a barrier between them; and about one GD run in ten ending at "
        "RED, one in three at BLUE, the rest at the dead (21.2) and linear (21.17) fits.",
    )

    with st.sidebar:
        st.subheader("Run it yourself")
        restarts = st.select_slider(
            "Restarts",
            [100, 1000, 4000, 10_000, 100_000, 1_000_000],
            value=10_000,
            key="fp_restarts",
            help="The lecture used 4000 runs; the shipped reference 100,000.",
        )
        steps = st.select_slider(
            "GD steps", [1000, 2000, 5000, 10_000, 20_000, 50_000], value=20_000, key="fp_steps"
        )
        lr = st.select_slider(
            "Learning rate",
            [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
            value=0.01,
            key="fp_lr",
            help="Step on L = Σ (f(x_i) − y_i)²; large steps diverge.",
        )
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="fp_seed"))
        backend = ui.backend_choice("fp_backend")
        work = fp.basin_work(restarts, steps)
        clicked = ui.run_button(key="fp_run")

    params = {
        "restarts": int(restarts),
        "steps": int(steps),
        "lr": float(lr),
        "seed": seed,
        "backend": backend,
    }
    limit = ui.work_limit(MAX_WORK, backend)
    if clicked and work > limit:
        ui.warn(
            f"{restarts:,} restarts x {steps:,} steps is too much work for backend {backend} here "
            f"(limit {limit:.1e} restart-steps, a minute or two): lower one of them."
        )
        clicked = False
    live = ui.live_request("fp_live", params, clicked)

    # ---- data, fits and losses
    ref_vals = fp.reference_values()
    st.subheader("The data and the two fits")
    with st.expander("Try your own point (w, b, v, c)", expanded=False):
        cc = st.columns(4)
        mine = np.array(
            [
                cc[i].number_input(name, value=float(fp.RED[i]), step=0.5, key=f"fp_p{i}", format="%.4f")
                for i, name in enumerate(["w", "b", "v", "c"])
            ]
        )
    show_mine = not np.allclose(mine, fp.RED)
    fits = {"red (1, -3, 1, 0)": fp.RED, "blue (-7, -4, 1, 0)": fp.BLUE}
    if show_mine:
        fits["your point"] = mine
    left, right = st.columns([1, 1])
    with left:
        ch, fdf = fits_chart(fits)
        ui.show_chart(ch, fdf, "five_points_fits", key="fp_fits")
    with right:
        rows = [
            {
                "quantity": "L at RED",
                "paper": fp.PAPER["loss_red"],
                "ours": float(fp.loss(fp.RED)),
                "note": "sum of squares, no 1/n",
            },
            {
                "quantity": "L at BLUE (global)",
                "paper": fp.PAPER["loss_blue"],
                "ours": float(fp.loss(fp.BLUE)),
                "note": "from the lecture",
            },
            {
                "quantity": "L, dead unit (best constant)",
                "paper": fp.PAPER["loss_dead"],
                "ours": ref_vals["21.2"],
                "note": "",
            },
            {
                "quantity": "L, unit active everywhere (line)",
                "paper": fp.PAPER["loss_linear"],
                "ours": ref_vals["21.17"],
                "note": "",
            },
        ]
        if show_mine:
            rows.append(
                {"quantity": "L at your point", "paper": None, "ours": float(fp.loss(mine)), "note": ""}
            )
        ui.paper_vs_ours(rows, key="fp_losses")

    # ---- certificate
    st.subheader("The certificate")
    cert_cols = st.columns(2 + int(show_mine))
    for col, (name, p) in zip(
        cert_cols, [("RED", fp.RED), ("BLUE", fp.BLUE)] + ([("your point", mine)] if show_mine else [])
    ):
        with col:
            with ui.friendly_errors(f"Could not certify {name}"):
                cert = fp.certify_local_min(p)
                good = cert.is_local_min
                (st.success if good else st.warning)(
                    f"**{name}**: {'local minimum' if good else cert.verdict.replace('_', ' ')}"
                    f" (L = {cert.loss:.6g})",
                    icon=":material/verified:" if good else ":material/help:",
                )
                st.code(cert.summary(), language=None, wrap_lines=True)
    st.caption(
        "Near RED the points x = −1, 1 stay dead, so L ≥ (c − 3)² + (c + 3)² = 18 + 2c²; x = 3 "
        "is on a kink with zero residual, so both one-sided pieces are minimised. RED is not strict: "
        "L = 18 along the whole curve (1/a, −3/a, a, 0), a > 0."
    )
    ui.paper_vs_ours(
        [
            {
                "quantity": "RED is a local minimum",
                "paper": "yes (Prop. 1)",
                "ours": "yes" if fp.certify_local_min(fp.RED).is_local_min else "no",
                "note": "exact, kinks included",
            },
            {
                "quantity": "RED is strict",
                "paper": "no (flat curve)",
                "ours": f"no: L = {float(fp.loss(fp.flat_curve(3.0))):.6g} at a = 3 on the curve",
                "note": "relu is positively homogeneous",
            },
        ],
        key="fp_cert_pvo",
    )

    # ---- landscape
    st.subheader("The loss landscape between RED and BLUE")
    lc = st.columns(3)
    res = lc[0].select_slider("Grid", [21, 41, 61, 81, 121], value=61, key="fp_grid")
    span = lc[1].select_slider("Half-width", [0.75, 1.0, 1.5, 2.0], value=1.0, key="fp_span")
    pseed = int(lc[2].number_input("Direction seed", 0, 10_000, 0, key="fp_dseed"))
    with ui.friendly_errors("Could not slice the landscape"):
        s, secs = plane(int(res), float(span), pseed)
        l1, l2 = st.columns([3, 2])
        with l1:
            ch, pdf = plane_chart(s, cap=40.0, ref=ref_vals)
            ui.show_chart(
                ch,
                pdf,
                "five_points_landscape",
                key="fp_plane",
                caption=f"{len(s['loss']):,} loss evaluations in one batch, {secs * 1000:.0f} ms "
                f"on backend {ui.engine_info()['default_backend']}; colours clipped at L = 40.",
            )
        with l2:
            ch, sdf = segment_chart(segment(tuple(np.linspace(-0.5, 1.5, 201))), ref_vals)
            ui.show_chart(ch, sdf, "five_points_segment", key="fp_segment")

    # ---- basins
    st.subheader("Basins of attraction: where does gradient descent end?")
    result = ui.live_or_reference(
        live, REF_NAME, lambda p: live_basins(p["restarts"], p["steps"], p["lr"], p["seed"], p["backend"])
    )
    if result is not None:
        ui.run_caption(result["meta"])
        bdf = basin_frame(result)
        b1, b2 = st.columns([1, 1])
        with b1:
            ui.show_chart(
                basin_chart(bdf),
                bdf,
                "five_points_basins",
                key="fp_basins",
                caption=f"Protocol: {fp.PAPER['protocol']}. {fp.PAPER['note']}.",
            )
        with b2:
            ui.paper_vs_ours(
                [
                    {
                        "quantity": CLASS_LONG.get(r["class"], r["class"]),
                        "paper": r["paper"],
                        "ours": r["ours"],
                        "note": f"{int(r['count']):,} runs, 95% CI {r['lo']:.3f}-{r['hi']:.3f}",
                    }
                    for r in bdf.to_dict("records")
                ],
                key="fp_basin_pvo",
            )
            st.caption(
                f"Paper (lecture): {fp.PAPER['basin_runs']:,} runs. Ours: "
                f"{int(result['restarts']):,} runs; classes by final loss within "
                f"{fp.PROJECT_CHOICES['tol']} ({fp.PROJECT_CHOICES['classification']})."
            )


if __name__ == "__main__":
    main()
