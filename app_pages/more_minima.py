"""More local minima (Swirszcz, Czarnecki & Pascanu 2016, Props. 2 and 3): two and three ReLU units on
six points, every printed point checked exactly, and where gradient descent ends.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import more_minima as mm

REF_NAME = "more_minima.json"
MAX_WORK = 4e9  # restart-steps of one live run, both propositions together (~1-2 min on 2 cores)
KIND_COLORS = {
    "global minimum": "#1f77b4",
    "local minimum, not global": "#d62728",
    "not a minimum": "#ff7f0e",
    "undecided": "#bcbd22",
    "not converged": "#7f7f7f",
    "diverged": "#17becf",
}


@st.cache_data(show_spinner=False)
def checks() -> dict:
    """Every printed point checked (exact arithmetic, milliseconds), as plain dicts."""
    return {k: c.to_summary() for k, c in mm.check_all().items()}


@st.cache_data(show_spinner=False, max_entries=8)
def live_basins(restarts: int, steps: int, lr: float, seed: int, backend: str) -> dict:
    out: dict = {"basins": {}}
    wall = 0.0
    be = backend
    with ui.Progress(f"Gradient descent, {restarts:,} restarts x {steps:,} steps, two propositions") as prog:
        for n, key in enumerate(mm.PROPS):
            b = mm.basin_statistics(
                key, restarts, seed, steps, lr, backend, progress=prog.sub(n * steps, 2 * steps)
            )
            out["basins"][key] = b.to_summary()
            wall += b.wall_time
            be = b.backend
    out["meta"] = ui.run_meta(
        wall, be, size=f"{restarts:,} restarts x {steps:,} GD steps, lr {lr:g}, per proposition"
    )
    return out


# --------------------------------------------------------------------------- charts


def fits_chart(prop: mm.Proposition, fits: dict[str, list[float]]) -> tuple[alt.LayerChart, pd.DataFrame]:
    """The data and the fits f(x) = sum_i v_i relu(w_i x + b_i) + c of the named points."""
    xs = np.linspace(-2.0, 13.0, 301)
    rows = []
    for name, p in fits.items():
        for x, f in zip(xs, mm.predict(prop, np.asarray(p), xs)):
            rows.append({"x": float(x), "f(x)": float(f), "fit": name})
    curves = pd.DataFrame(rows)
    data = pd.DataFrame({"x": prop.X, "y": prop.Y})
    names = list(fits)
    palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#ff7f0e"]
    dashed = [n for n in names if n.startswith("corrected") or n.startswith("best")]
    lines = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=alt.X("x:Q", title="x", scale=alt.Scale(domain=[-2, 13])),
            y=alt.Y("f(x):Q", title="y", scale=alt.Scale(domain=[-8, 8])),
            color=alt.Color(
                "fit:N",
                scale=alt.Scale(domain=names, range=palette[: len(names)]),
                title=None,
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=520),
            ),
            strokeDash=alt.condition(
                alt.FieldOneOfPredicate(field="fit", oneOf=dashed), alt.value([6, 3]), alt.value([1, 0])
            ),
            tooltip=["fit:N", alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("f(x):Q", format=".3f")],
        )
    )
    pts = (
        alt.Chart(data)
        .mark_point(filled=True, size=110, color="black")
        .encode(x="x:Q", y="y:Q", tooltip=["x:Q", "y:Q"])
    )
    out = pd.concat([curves, data.assign(fit="data").rename(columns={"y": "f(x)"})], ignore_index=True)
    chart = (lines + pts).properties(
        height=420, title=alt.TitleParams(f"Data {_data_name(prop)} and the printed fits", anchor="start")
    )
    return chart, out


def kind(row: dict) -> str:
    """The colour class of one basin row."""
    v = row["verdict"]
    if v == "local_min":
        return "global minimum" if row.get("global") else "local minimum, not global"
    return mm.VERDICT_WORDS.get(v, v)


def basin_frame(summary: dict) -> pd.DataFrame:
    rows = summary["rows"]
    df = pd.DataFrame(
        {
            "endpoint": [r["endpoint"] for r in rows],
            "loss": [r["loss_float"] for r in rows],
            "count": [r["count"] for r in rows],
            "fraction": [r["fraction"] for r in rows],
            "lo": [r["lo"] for r in rows],
            "hi": [r["hi"] for r in rows],
            "kind": [kind(r) for r in rows],
            "printed point": [r["matches"] for r in rows],
            "pattern": [r["pattern"] for r in rows],
        }
    )
    df["loss"] = pd.to_numeric(df["loss"], errors="coerce")
    return df


def basin_chart(df: pd.DataFrame, prop: mm.Proposition) -> alt.LayerChart:
    order = list(df["endpoint"])
    kinds = [k for k in KIND_COLORS if k in set(df["kind"])]
    color = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
        legend=alt.Legend(orient="bottom", title=None),
    )
    base = alt.Chart(df).encode(
        x=alt.X(
            "endpoint:N",
            sort=order,
            title="where GD ends",
            axis=alt.Axis(labelAngle=-50, labelLimit=160, labelOverlap=False, labelFontSize=10),
        )
    )
    tip = [
        "endpoint:N",
        "kind:N",
        "count:Q",
        alt.Tooltip("fraction:Q", format=".3f"),
        alt.Tooltip("lo:Q", format=".3f"),
        alt.Tooltip("hi:Q", format=".3f"),
        "printed point:N",
        "pattern:N",
    ]
    bars = base.mark_bar(opacity=0.85).encode(
        y=alt.Y("fraction:Q", title="fraction of runs", axis=alt.Axis(format="%")), color=color, tooltip=tip
    )
    err = base.mark_rule(strokeWidth=2, color="black").encode(y="lo:Q", y2="hi:Q", tooltip=tip)
    star = (
        base.transform_filter("datum['printed point'] != ''")
        .mark_text(text="★", dy=-12, fontSize=16, color="black")
        .encode(y="hi:Q", tooltip=tip)
    )
    return (bars + err + star).properties(
        height=380,
        title=alt.TitleParams(
            f"Where GD ends on {_data_name(prop)}: runs per minimum (95% interval; ★ a printed point)",
            anchor="start",
        ),
    )


def _data_name(prop: mm.Proposition) -> str:
    return "D2" if prop.key == "prop2" else "D3"


# --------------------------------------------------------------------------- sections


def published_rows(prop: mm.Proposition, chk: dict) -> list[dict]:
    rows = []
    for pt in prop.points:
        c = chk[pt.key]
        rows.append(
            {
                "quantity": f"L at the {pt.label}",
                "paper": "not printed" if c["stated_loss"] is None else c["stated_loss"],
                "ours": f"{c['loss']} = {c['loss_float']:.6g}",
                "note": c["printed"],
            }
        )
        rows.append(
            {
                "quantity": "… is "
                + ("the global" if pt.claim == "global" else "a local, not global,")
                + " minimum",
                "paper": "yes",
                "ours": ("yes" if c["as_claimed"] else "no")
                + ("" if c["as_claimed"] else f" ({mm.VERDICT_WORDS[c['certificate']]} as printed)"),
                "note": c["verdict"],
            }
        )
        for fix in c["corrections"]:
            rows.append(
                {
                    "quantity": f"L of the {pt.label} with {fix['change']}",
                    "paper": "not printed" if c["stated_loss"] is None else c["stated_loss"],
                    "ours": f"{fix['loss']}: {mm.VERDICT_WORDS[fix['certificate']]}",
                    "note": fix["printed"],
                }
            )
    return rows


def fits_of(prop: mm.Proposition, chk: dict) -> dict[str, list[float]]:
    fits: dict[str, list[float]] = {}
    for pt in prop.points:
        c = chk[pt.key]
        fits[f"printed {pt.label} (L = {c['loss']})"] = c["params"]
        for fix in c["corrections"]:
            fits[f"corrected: {fix['change']} (L = {fix['loss']})"] = fix["params"]
    if prop.key == "prop3":
        fits["a perfect fit, L = 0 (ours, not in the paper)"] = [float(t) for t in mm.PERFECT_FIT_D3]
    return fits


def proposition_section(prop: mm.Proposition, chk: dict, result: dict | None) -> None:
    st.header(prop.title)
    st.caption(
        "Data: "
        + ", ".join(f"({mm.frac_str(a)}, {mm.frac_str(b)})" for a, b in zip(prop.x, prop.y))
        + f". {prop.note}"
    )
    left, right = st.columns([1, 1])
    with left:
        ch, fdf = fits_chart(prop, fits_of(prop, chk))
        ui.show_chart(ch, fdf, f"more_minima_{prop.key}_fits", key=f"mm_{prop.key}_fits")
    with right:
        for pt in prop.points:
            c = chk[pt.key]
            (st.success if c["as_claimed"] else st.warning)(
                f"**{pt.label.capitalize()}**: {c['verdict']}.",
                icon=":material/verified:" if c["as_claimed"] else ":material/report:",
            )
        with st.expander("The certificates (exact arithmetic, kinks included)", expanded=False):
            for pt in prop.points:
                cert = mm.certify(pt.params, prop.x, prop.y)
                st.markdown(f"**{pt.label}, as printed**")
                st.code(cert.summary(), language=None, wrap_lines=True)
                for fix in chk[pt.key]["corrections"]:
                    st.markdown(f"**{pt.label}, corrected: {fix['change']}**")
                    fixed = mm.certify(fix["params"], prop.x, prop.y)
                    st.code(fixed.summary(), language=None, wrap_lines=True)
    ui.paper_vs_ours(published_rows(prop, chk), key=f"mm_{prop.key}_pvo")
    if result is None:
        return
    summary = result["basins"][prop.key]
    df = basin_frame(summary)
    b1, b2 = st.columns([3, 2])
    with b1:
        ui.show_chart(
            basin_chart(df, prop),
            df,
            f"more_minima_{prop.key}_basins",
            key=f"mm_{prop.key}_basins",
            caption=f"{int(summary['restarts']):,} runs of full-batch GD, {summary['config']['init']}; "
            "each endpoint polished to the exact least-squares point of its activation pattern and "
            "certified; endpoints whose loss is not yet that point's are 'not converged'.",
        )
    with b2:
        show = df[["endpoint", "count", "fraction", "lo", "hi", "kind", "printed point"]].copy()
        st.dataframe(
            show,
            hide_index=True,
            width="stretch",
            key=f"mm_{prop.key}_basin_table",
            column_config={
                "fraction": st.column_config.NumberColumn(format="%.3f"),
                "lo": st.column_config.NumberColumn("95% lo", format="%.3f"),
                "hi": st.column_config.NumberColumn("95% hi", format="%.3f"),
            },
        )


# --------------------------------------------------------------------------- page


def main() -> None:
    """The page: both propositions, their printed points checked, and the GD basins."""
    ui.header(
        "More local minima: two and three ReLU units",
        "Two or three ReLU units fitted to six points on a line already have local minima that are "
        "not global (Swirszcz, Czarnecki & Pascanu 2016, Props. 2 and 3).",
        "the two Prop. 3 points exactly as printed (L = 1/6 and 2/3, certified local minima through "
        "their kinks, while L = 0 is reachable); the two Prop. 2 points failing as printed (with "
        "w₂ = −1 unit 2 is dead on every point: L = 29 and 23/3, and neither is a minimum) and "
        "working with w₂ = +1 (L = 0 and a local minimum at 8/3); and GD from random inits ending at a "
        "dozen or more distinct local minima, nearly all of them not global.",
    )
    with st.sidebar:
        st.subheader("Run it yourself")
        restarts = st.select_slider(
            "Restarts", [50, 100, 200, 500, 1000, 2000, 5000, 10_000], value=500, key="mm_restarts"
        )
        steps = st.select_slider(
            "GD steps", [2000, 5000, 10_000, 30_000, 100_000, 300_000], value=30_000, key="mm_steps"
        )
        lr = st.select_slider(
            "Learning rate",
            [1e-4, 3e-4, 1e-3, 2e-3],
            value=1e-3,
            key="mm_lr",
            help="Step on L = Σ (f(x_j) − y_j)²; inputs up to 12 make large steps diverge.",
        )
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="mm_seed"))
        backend = ui.backend_choice("mm_backend")
        clicked = ui.run_button(key="mm_run")
    params = {
        "restarts": int(restarts),
        "steps": int(steps),
        "lr": float(lr),
        "seed": seed,
        "backend": backend,
    }
    work = 2 * mm.basin_work(restarts, steps)
    limit = ui.work_limit(MAX_WORK, backend)
    if clicked and work > limit:
        ui.warn(
            f"{restarts:,} restarts x {steps:,} steps on both propositions is too much work for "
            f"backend {backend} here (limit {limit:.1e} restart-steps): lower one of them."
        )
        clicked = False
    live = ui.live_request("mm_live", params, clicked)
    st.markdown(
        "Model f(x) = Σᵢ vᵢ·relu(wᵢx + bᵢ) + c, loss **L = Σⱼ (f(xⱼ) − yⱼ)²** (a plain sum, as for the "
        "five points: the stated losses 1/6 and 2/3 are sums). Every loss below is exact (rational "
        "arithmetic); the certificate enumerates the smooth pieces at every kink."
    )
    chk = checks()
    result = ui.live_or_reference(
        live, REF_NAME, lambda p: live_basins(p["restarts"], p["steps"], p["lr"], p["seed"], p["backend"])
    )
    if result is not None:
        ui.run_caption(result["meta"])
    for prop in mm.PROPS.values():
        proposition_section(prop, chk, result)


if __name__ == "__main__":
    main()
