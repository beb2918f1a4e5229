"""Shared page furniture: headers, reference results, live-run state, progress, charts + downloads.

Nothing here computes anything about networks: pages call :mod:`relufast.experiments` and use these
helpers to show the result the same way everywhere.
"""

from __future__ import annotations

import contextlib
import io
import platform
import time
from collections.abc import Callable, Iterator
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import relufast
from relufast.experiments import reference as _reference

#: The script that writes the shipped reference results (relufast/data/reference/*.json).
MAKE_REFERENCE = "scripts/make_reference.py"


# --------------------------------------------------------------------------- text


def header(title: str, claim: str, see: str) -> None:
    """Title, the lecture's claim in one sentence, and what the reader should look for."""
    st.title(title)
    st.markdown(f"**The claim.** {claim}")
    st.markdown(f"**What you should see.** {see}")


def paper_vs_ours(rows: list[dict], *, key: str | None = None) -> None:
    """A small table: quantity | paper | ours | note (None shows as a dash)."""
    df = pd.DataFrame(rows, columns=["quantity", "paper", "ours", "note"])
    for col in ("paper", "ours"):
        df[col] = [_fmt(v) for v in df[col]]
    st.dataframe(df.fillna(""), hide_index=True, width="stretch", key=key)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    v = float(v)
    if not np.isfinite(v):
        return "-"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3g}"
    return f"{v:.4g}"


# --------------------------------------------------------------------------- engine facts


@st.cache_resource
def engine_info() -> dict:
    """relufast.info() of this process (backend, threads, CUDA) plus the machine."""
    info = dict(relufast.info())
    info["python"] = platform.python_version()
    info["machine"] = f"{platform.system()} {platform.machine()}"
    return info


def run_meta(wall_s: float, backend: str, **extra) -> dict:
    """What a live run reports about itself (same keys as the reference files' ``meta``)."""
    info = engine_info()
    return {
        "source": "live",
        "wall_s": float(wall_s),
        "backend": backend,
        "threads": info.get("threads", 1),
        "cpu_count": info.get("cpu_count"),
        "relufast": relufast.__version__,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        **extra,
    }


def run_caption(meta: dict) -> None:
    """One line: where the numbers come from, how long they took, and on which backend."""
    be = meta.get("backend", "?")
    threads = meta.get("threads")
    where = f"backend **{be}**" + (
        f" ({threads} thread{'s' * (threads != 1)})" if be == "cpu" and threads else ""
    )
    took = f"{meta.get('wall_s', float('nan')):.2f} s"
    size = f" · {meta['size']}" if meta.get("size") else ""
    if meta.get("source") == "reference":
        st.caption(
            f":material/inventory_2: Shipped reference result · {took} on {where}{size} · made by "
            f"`{MAKE_REFERENCE}` on {meta.get('when', '?')} (relufast {meta.get('relufast', '?')}, "
            f"{meta.get('cpu_count', '?')} CPUs) · press **Run** to recompute here."
        )
    else:
        st.caption(
            f":material/bolt: Live run · {took} on {where}{size} · {meta.get('when', '')} · cached: "
            "the same inputs show again instantly."
        )


# --------------------------------------------------------------------------- reference files


@st.cache_data(show_spinner=False)
def reference(name: str) -> dict | None:
    """A shipped reference result (JSON), or None if it was not generated yet."""
    return _reference.load(name)


def missing_reference(name: str) -> None:
    st.info(
        f"No shipped reference result `{name}` yet (run `python {MAKE_REFERENCE}`); "
        "press **Run** to compute one here.",
        icon=":material/info:",
    )


# --------------------------------------------------------------------------- live runs


def live_request(key: str, params: dict, clicked: bool) -> dict | None:
    """The inputs of the live run to show, or None to show the reference result.

    ``clicked`` (the page's Run button) stores ``params``; the stored run stays on screen (served
    from the cache) until the next Run or "Show reference".
    """
    state = st.session_state
    if clicked:
        state[key] = dict(params)
    current = state.get(key)
    if current is not None:
        cols = st.columns([3, 1])
        if current != params:
            cols[0].caption("The controls changed since the last run: press **Run** to recompute.")
        if cols[1].button("Show reference", key=f"{key}__reset", icon=":material/undo:"):
            del state[key]
            st.rerun()
    return current


class Progress:
    """A progress bar for a long run, made *inside* the cached function so that cache replay works.

    Call it as ``progress(done, total)`` (the relufast progress protocol); ``close()`` (or leaving
    its ``with`` block, also on an error) removes it. Updates are throttled to ten per second.
    """

    def __init__(self, text: str):
        self.text = text
        self.t0 = time.perf_counter()
        self._last = 0.0
        self.bar = st.progress(0.0, text=text)

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = min(max(done / total, 0.0), 1.0) if total else 1.0
        self.bar.progress(frac, text=f"{self.text}: {done:,}/{total:,} · {now - self.t0:.1f} s")

    def sub(self, offset: int, total: int) -> Callable[[int, int], None]:
        """A callback for one part of a larger run (its ``done`` counts from ``offset``)."""
        return lambda d, t: self(offset + d, total)

    def close(self) -> None:
        self.bar.empty()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def friendly_errors(what: str) -> Iterator[None]:
    """Show bad inputs as a readable message instead of a traceback."""
    try:
        yield
    except (ValueError, RuntimeError, MemoryError, ArithmeticError) as exc:
        st.error(f"{what}: {exc}", icon=":material/error:")


def live_or_reference(
    live: dict | None,
    name: str,
    compute: Callable[[dict], dict],
    what: str = "Could not run this combination",
) -> dict | None:
    """The live result when a run was asked for (``compute(live)``, errors shown as a message),
    else the shipped reference ``name``; None when neither is available.
    """
    if live is not None:
        with friendly_errors(what):
            return compute(live)
        return None
    result = reference(name)
    if result is None:
        missing_reference(name)
    return result


def warn(msg: str) -> None:
    st.warning(msg, icon=":material/warning:")


# --------------------------------------------------------------------------- charts and downloads

alt.data_transformers.disable_max_rows()


def _render(chart: alt.TopLevelMixin, fmt: str) -> bytes:
    if fmt == "png":
        buf = io.BytesIO()
        chart.save(buf, format="png", scale_factor=2)
        return buf.getvalue()
    sbuf = io.StringIO()
    chart.save(sbuf, format="svg")
    return sbuf.getvalue().encode()


def show_chart(
    chart: alt.TopLevelMixin,
    data: pd.DataFrame,
    stem: str,
    *,
    key: str | None = None,
    caption: str | None = None,
) -> None:
    """The chart, then downloads: its data as CSV, the chart as PNG and SVG (rendered on click)."""
    st.altair_chart(chart, width="stretch", key=key)
    if caption:
        st.caption(caption)
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        "CSV",
        data.to_csv(index=False).encode(),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{stem}__csv",
        on_click="ignore",
        type="tertiary",
    )
    row.download_button(
        "PNG",
        lambda: _render(chart, "png"),
        file_name=f"{stem}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"{stem}__png",
        on_click="ignore",
        type="tertiary",
    )
    row.download_button(
        "SVG",
        lambda: _render(chart, "svg"),
        file_name=f"{stem}.svg",
        mime="image/svg+xml",
        icon=":material/draw:",
        key=f"{stem}__svg",
        on_click="ignore",
        type="tertiary",
    )


def run_button(label: str = "Run", key: str | None = None) -> bool:
    return st.button(label, type="primary", icon=":material/play_arrow:", key=key)


def backend_choice(key: str) -> str:
    """A select box over the backends that can run here ("auto" first)."""
    options = ["auto", "cpu", "numpy"] if relufast.backend.has_core() else ["auto", "numpy"]
    return st.selectbox(
        "Backend", options, key=key, help="auto = the C++ core when built, else the NumPy reference"
    )


#: The shipped engine timing of the tiny-net trainer, NumPy vs the C++ core, per restart.
_TINY_NET_TASK = "one-unit net GD on five points"
#: How much longer than the core a live run on the NumPy reference may take: 4x its wall-time budget
#: (the pages' default runs would otherwise be refused where the core is not built).
NUMPY_TIME_FACTOR = 4.0


@st.cache_data(show_spinner=False)
def numpy_slowdown() -> float:
    """Per restart-step cost of the NumPy tiny-net trainer over the C++ core's (shipped engine.json).

    250 where the reference lacks either row (its value on the development machine).
    """
    rows = (reference("engine.json") or {}).get("rows", [])
    us = {r["backend"]: r["per_restart_us"] for r in rows if str(r["task"]).startswith(_TINY_NET_TASK)}
    return us["numpy"] / us["cpu"] if {"numpy", "cpu"} <= us.keys() and us["cpu"] > 0 else 250.0


def work_limit(core_limit: float, backend: str) -> float:
    """The restart-step limit of a live tiny-net run on ``backend`` given the core's limit.

    Where the trainer resolves to the NumPy reference (chosen, or "auto" without the core) the same
    wall-time budget times :data:`NUMPY_TIME_FACTOR` allows ``core_limit * NUMPY_TIME_FACTOR /
    numpy_slowdown()`` steps.
    """
    if relufast.backend.resolve(backend, "mlp", "train_chunk") != "numpy":
        return core_limit
    return core_limit * NUMPY_TIME_FACTOR / numpy_slowdown()
