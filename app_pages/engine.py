"""Engine: which backend runs here, how fast, and do the backends agree."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _common as ui
from relufast.experiments import engine as eng

REF_NAME = "engine.json"
RESULTS = Path(
    os.environ.get("RELUFAST_BENCH_RESULTS", Path(__file__).resolve().parents[1] / "benchmarks" / "results")
)


@st.cache_data(show_spinner=False, max_entries=4)
def live_bench(restarts: int, k: int) -> dict:
    with ui.Progress("Timing the kernels") as prog:
        prog(0, 1)
        t0 = time.perf_counter()
        rows = eng.bench(restarts=restarts, k=k)
    return {
        "meta": ui.run_meta(
            time.perf_counter() - t0,
            ui.engine_info()["default_backend"],
            size=f"{restarts:,} restarts, k = n = {k}",
        ),
        "rows": rows,
    }


@st.cache_data(show_spinner=False)
def agreement() -> list[dict]:
    return eng.backend_agreement()


def _row_tables(obj, path=()) -> list[tuple[str, list]]:
    """Every list of flat records (a "rows" key or a list of dicts) inside a benchmark JSON."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
                out.append((" / ".join(map(str, (*path, k))), v))
            else:
                out += _row_tables(v, (*path, k))
    return out


def read_results(folder: Path) -> tuple[list[pd.DataFrame], list[tuple[str, str]]]:
    """Benchmark results: text reports (*.txt, *.md, *.log) and the tables inside *.json / *.csv files.

    The benchmark scripts write ``<name>.txt`` (the report) and ``<name>.json`` (raw numbers, with
    ``{"machine", "results": {threads: {section: {"rows": [...]}}}}``); both are shown.
    """
    tables, texts = [], []
    if not folder.is_dir():
        return tables, texts
    for f in sorted(folder.iterdir()):
        try:
            if f.suffix == ".json":
                obj = json.loads(f.read_text())
                found = _row_tables(obj) if isinstance(obj, dict) else [("rows", obj)]
                for where, rows in found:
                    flat = [
                        {
                            k: (v if isinstance(v, (int, float, str, bool)) or v is None else str(v))
                            for k, v in r.items()
                        }
                        for r in rows
                    ]
                    df = pd.DataFrame(flat)
                    df.attrs["source"] = f"{f.name}: {where}"
                    tables.append(df)
            elif f.suffix == ".csv":
                df = pd.read_csv(f)
                df.attrs["source"] = f.name
                tables.append(df)
            elif f.suffix in (".txt", ".md", ".log"):
                texts.append((f.name, f.read_text()))
        except (ValueError, OSError, TypeError) as exc:
            texts.append((f.name, f"(could not read: {exc})"))
    return tables, texts


def bench_chart(df: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("task:N", title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("backend:N", sort=["numpy", "cpu", "cuda"]),
            x=alt.X(
                "per_restart_us:Q",
                title="µs per restart (log scale; shorter is faster)",
                stack=None,
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color(
                "backend:N",
                sort=["numpy", "cpu", "cuda"],
                scale=alt.Scale(domain=["numpy", "cpu", "cuda"], range=["#9d9d9d", "#4c78a8", "#54a24b"]),
            ),
            tooltip=[
                "task:N",
                "backend:N",
                alt.Tooltip("seconds:Q", format=".4f"),
                "restarts:Q",
                alt.Tooltip("per_restart_us:Q", format=".2f"),
            ],
        )
        .properties(height=alt.Step(22))
    )


def main() -> None:
    """The page: this machine's backend, kernel timings, backend agreement, benchmark files."""
    ui.header(
        "Engine: one objective, three implementations",
        "Every objective is a small set of batched kernels (loss, gradient, Hessian over R restarts at "
        "once) written as a NumPy reference and a C++ core (OpenMP across restarts); the native core "
        "makes the lecture's thousands of restarts cheap without changing a single number.",
        "the backend this app runs on, its threads and CUDA devices; the C++ core many times faster "
        "than NumPy per restart; and the two backends agreeing to about 1e-12.",
    )

    info = ui.engine_info()
    devices = info.get("cuda_devices", 0)
    cols = st.columns(4)
    cols[0].metric("Default backend", info["default_backend"])
    cols[1].metric(
        "OpenMP threads",
        info.get("threads", 1) if info.get("core") else "-",
        help=f"{info.get('cpu_count')} CPUs visible",
    )
    cols[2].metric(
        "CUDA devices",
        devices,
        help="built with CUDA" if info.get("built_with_cuda") else "built without CUDA",
    )
    cols[3].metric("relufast", info["version"])
    with st.expander("Everything relufast.info() reports"):
        st.dataframe(
            pd.DataFrame([{"fact": k, "value": str(v)} for k, v in info.items()]),
            hide_index=True,
            width="stretch",
            key="eng_info",
        )
    if not info.get("core"):
        ui.warn("The C++ core is not built here: everything runs on the NumPy reference.")

    with st.sidebar:
        st.subheader("Run it yourself")
        restarts = st.select_slider("Restarts", [64, 256, 1000, 4000], value=256, key="eng_restarts")
        k = st.select_slider("k = n", [4, 6, 8, 10, 12, 16], value=10, key="eng_k")
        clicked = ui.run_button("Time the kernels here", key="eng_run")

    params = {"restarts": int(restarts), "k": int(k)}
    live = ui.live_request("eng_live", params, clicked)
    result = None
    if live is not None:
        with ui.friendly_errors("Could not time the kernels"):
            result = live_bench(live["restarts"], live["k"])
    else:
        result = ui.reference(REF_NAME)
        if result is None:
            ui.missing_reference(REF_NAME)

    st.subheader("Kernel timings, same inputs on every backend")
    if result is not None:
        ui.run_caption(result["meta"])
        df = pd.DataFrame(result["rows"])
        ui.show_chart(bench_chart(df), df, "engine_kernels", key="eng_chart")
        if result["meta"].get("source") == "reference":
            ri = result.get("info", {})
            st.caption(
                f"Reference timings were measured on a machine with {ri.get('cpu_count', '?')} "
                f"CPUs and {ri.get('threads', '?')} OpenMP threads."
            )
        st.caption(
            f"µs per restart; the NumPy backend is timed on at most {eng.NUMPY_MAX_RESTARTS} restarts."
        )
        wide = pd.DataFrame(eng.speedups(result["rows"]))
        st.dataframe(wide, hide_index=True, width="stretch", key="eng_wide", placeholder="-")

    st.subheader("Do the backends agree?")
    agree = agreement()
    if agree:
        ui.paper_vs_ours(
            [
                {
                    "quantity": f"{r['kernel']}: max |cpu − numpy|",
                    "paper": "equal (same math)",
                    "ours": r["max |cpu - numpy|"],
                    "note": f"{r['restarts']} random students, k = n = {r['k = n']}; "
                    f"entries up to {r['max |numpy|']:.3g}",
                }
                for r in agree
            ],
            key="eng_agree",
        )
    else:
        st.caption("Only the NumPy backend is available here: nothing to compare.")

    st.subheader("Benchmarks against NumPy, JAX and PyTorch")
    tables, texts = read_results(Path(os.environ.get("RELUFAST_BENCH_RESULTS", RESULTS)))
    if not tables and not texts:
        st.info(
            "Not measured yet: no files in `benchmarks/results/`. Run the scripts in "
            "`benchmarks/` to fill this table.",
            icon=":material/hourglass_empty:",
        )
    for i, (name, text) in enumerate(texts):
        with st.expander(f"benchmarks/results/{name}", expanded=i == 0):
            st.code(text, language=None)
    if tables:
        with st.expander(f"Raw numbers ({len(tables)} table(s) from the JSON files)"):
            for i, t in enumerate(tables):
                st.markdown(f"`benchmarks/results/{t.attrs.get('source', '')}`")
                st.dataframe(t, hide_index=True, width="stretch", key=f"eng_raw_{i}")


if __name__ == "__main__":
    main()
