#!/usr/bin/env python
"""Hostile-input harness over relufast's public API and CLI (the closing figures of issue 11).

Every probe is one call (or one ``python -m relufast`` invocation) on a bad or odd input, run in its
own subprocess (so a segfault or an abort is seen, not suffered) under a timeout and a 4 GiB
address-space limit, one at a time. Each outcome is classified:

clear error        ValueError / TypeError / MemoryError (or a probe's accepted type, e.g. OSError
                   for a missing file) whose message names the argument or a word the probe expects
unclear error      one of those types, but the message names neither
other exception    anything else raised (IndexError, OverflowError, RuntimeError, ...)
result             returned normally: expected for valid or odd-but-valid input (when the probe has
                   a NumPy reference, the values agree normwise to 1e-6 of the largest entry, with
                   NaN/inf in the same places; on an "either" probe two overflowed results agree)
silent wrong result  returned normally on invalid input, or disagreed with the NumPy reference
                   (CLI: exit 0 on bad arguments, or an existing --out file changed)
crash / abort      killed by a signal (SIGABRT is an abort)
timeout            ran past the limit
traceback          CLI only: a Python traceback on stderr (exit 2 with one error line is clear)

Usage::

    nice -n 19 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python scripts/attack.py [--only SUB]
        [--jobs 1] [--json PATH] [--timeout 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_LIMIT = 4 << 30
OUTCOMES = (
    "clear error",
    "unclear error",
    "other exception",
    "result",
    "silent wrong result",
    "crash",
    "abort",
    "timeout",
    "traceback",
)
ERROR_TYPES = ("ValueError", "TypeError", "MemoryError")


@dataclass
class Probe:
    """One hostile call: ``call`` is a Python expression evaluated after ``setup``."""

    module: str
    name: str
    call: str
    arg: str = ""  # the offending argument (its name should appear in the message)
    expect: tuple[str, ...] = ()  # other words that make a message specific
    kind: str = "invalid"  # "invalid": must raise; "valid": must return; "either": both fine
    setup: str = ""
    ref: str | None = None  # a NumPy reference expression compared with the result
    ok_types: tuple[str, ...] = ()  # extra exception types that count as a clear error
    cli: list[str] | None = None  # CLI probe: arguments after `python -m relufast`
    keep_file: bool = False  # CLI: an existing file at TMP/exists.csv must survive unchanged


@dataclass
class Outcome:
    module: str
    name: str
    input: str
    kind: str
    outcome: str
    message: str = ""
    exc_type: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the child process

CHILD = r"""
import json, resource, sys, warnings
lim = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
spec = json.loads(sys.argv[1])
out = {"status": "returned", "warnings": []}
def emit():
    sys.stdout.write("\n@@ATTACK@@" + json.dumps(out) + "\n")
    sys.stdout.flush()
import numpy as np
ns = {"np": np, "TMP": spec["tmp"]}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        exec(spec["setup"], ns)
        val = eval(spec["call"], ns)
        out["repr"] = repr(val)[:200]
        if spec.get("ref"):
            try:
                ref = eval(spec["ref"], ns)
            except BaseException as e:
                out["ref_error"] = f"{type(e).__name__}: {e}"[:300]
            else:
                def flat(v):
                    if isinstance(v, dict):
                        return [flat(v[k]) for k in sorted(v)]
                    if isinstance(v, (tuple, list)):
                        return [flat(x) for x in v]
                    return np.asarray(v, dtype=float)
                def same(a, b):
                    if isinstance(a, list):
                        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
                    if a.shape != b.shape:
                        return False
                    if spec["kind"] == "either" and not (np.isfinite(a).all() and np.isfinite(b).all()):
                        return not np.isfinite(a).all() and not np.isfinite(b).all()  # both overflowed
                    fa, fb = np.isfinite(a), np.isfinite(b)
                    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
                        return False
                    # normwise: an entry that cancels to rounding noise is judged against the largest
                    scale = float(np.max(np.abs(b[fb]), initial=0.0))
                    return bool(np.max(np.abs(a[fa] - b[fb]), initial=0.0) <= 1e-6 * scale + 1e-12)
                out["agrees"] = same(flat(val), flat(ref))
    except BaseException as e:
        out["status"] = "raised"
        out["type"] = type(e).__name__
        out["mro"] = [c.__name__ for c in type(e).__mro__]
        out["message"] = str(e)[:500]
    out["warnings"] = [f"{w.category.__name__}: {w.message}"[:200] for w in caught
                       if "BufferedWriter" not in str(w.message)]  # the probe's own setup files
emit()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONWARNINGS"] = "default"
    return env


def _limit_as() -> None:  # preexec of the CLI children
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def _names_arg(msg: str, probe: Probe) -> bool:
    words = [probe.arg, *probe.expect] if probe.arg else list(probe.expect)
    for w in words:
        if not w:
            continue
        if len(w) <= 2:  # a short name (W, V, X, k, n, R): a whole word, case as written
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", msg):
                return True
        elif w.lower() in msg.lower():
            return True
    return False


def _signal_outcome(rc: int) -> tuple[str, str]:
    sig = -rc
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    return ("abort" if sig == signal.SIGABRT else "crash"), f"killed by {name}"


def run_probe(probe: Probe, timeout: float) -> Outcome:
    tmp = tempfile.mkdtemp(prefix="attack-")
    shown = " ".join(probe.cli) if probe.cli is not None else probe.call
    res = Outcome(probe.module, probe.name, shown[:160], probe.kind, "result")
    t0 = time.perf_counter()
    try:
        if probe.cli is not None:
            return _run_cli(probe, res, tmp, timeout, t0)
        spec = {"setup": probe.setup, "call": probe.call, "ref": probe.ref, "tmp": tmp, "kind": probe.kind}
        try:
            p = subprocess.run(
                [sys.executable, "-c", CHILD, json.dumps(spec), str(AS_LIMIT)],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_env(),
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            res.outcome, res.message = "timeout", f"no answer within {timeout:g} s"
            return res
        finally:
            res.seconds = time.perf_counter() - t0
        if p.returncode < 0:
            res.outcome, res.message = _signal_outcome(p.returncode)
            return res
        marker = p.stdout.rfind("@@ATTACK@@")
        if marker < 0:
            res.outcome = "crash"
            tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
            res.message = f"exit {p.returncode} without a report: {tail}"
            return res
        out = json.loads(p.stdout[marker + len("@@ATTACK@@") :].strip().splitlines()[0])
        res.notes += out.get("warnings", [])
        if out["status"] == "raised":
            res.exc_type = out["type"]
            res.message = out["message"]
            accepted = set(ERROR_TYPES) | set(probe.ok_types)
            if accepted & set(out["mro"]):
                res.outcome = "clear error" if _names_arg(out["message"], probe) else "unclear error"
            else:
                res.outcome = "other exception"
            return res
        res.message = out.get("repr", "")
        if probe.kind == "invalid":
            res.outcome = "silent wrong result"
            res.message = "returned " + res.message
        elif out.get("agrees") is False:
            res.outcome = "silent wrong result"
            res.message = "disagrees with the NumPy reference: " + res.message
        elif "ref_error" in out:
            res.notes.append("reference raised: " + out["ref_error"])
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_cli(probe: Probe, res: Outcome, tmp: str, timeout: float, t0: float) -> Outcome:
    argv = [a.replace("{TMP}", tmp) for a in probe.cli or []]
    res.input = " ".join(probe.cli or [])[:160]
    existing = Path(tmp) / "exists.csv"
    before = b"k,n\nprecious,row\n"
    if probe.keep_file:
        existing.write_bytes(before)
    Path(tmp, "afile").write_text("not a folder\n")
    try:
        p = subprocess.run(
            [sys.executable, "-m", "relufast", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(),
            cwd=tmp,
            preexec_fn=_limit_as,
        )
    except subprocess.TimeoutExpired:
        res.outcome, res.message = "timeout", f"no answer within {timeout:g} s"
        return res
    finally:
        res.seconds = time.perf_counter() - t0
    err_lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    res.message = err_lines[-1] if err_lines else (p.stdout.strip().splitlines() or [""])[0]
    clobbered = probe.keep_file and (not existing.exists() or existing.read_bytes() != before)
    if p.returncode < 0:
        res.outcome, res.message = _signal_outcome(p.returncode)
    elif "Traceback (most recent call last)" in p.stderr:
        res.outcome = "traceback"
        tb = [ln for ln in err_lines if not ln.startswith(" ")]
        res.message = tb[-1] if tb else res.message
    elif clobbered:
        res.outcome, res.message = "silent wrong result", "the existing --out file was changed"
    elif p.returncode == 0:
        if probe.kind == "invalid":
            res.outcome, res.message = "silent wrong result", "exit 0 on bad arguments"
        else:
            res.outcome = "result"
    elif p.returncode == 2 and err_lines and err_lines[-1].startswith("relufast"):
        # our one line (``relufast: error: ...``) or argparse's usage + one error line
        ours = [ln for ln in err_lines if not ln.startswith(("usage:", " "))]
        specific = len(ours) == 1 and _names_arg(ours[0], probe)
        res.outcome = "clear error" if specific else "unclear error"
    else:
        res.outcome = "other exception"
        res.message = f"exit {p.returncode}: {res.message}"
    return res


# --------------------------------------------------------------------------- the probes

BAD_ARRAYS = {
    "nan": "np.full({shape}, np.nan)",
    "inf": "np.full({shape}, np.inf)",
    "complex": "np.ones({shape}) * (1 + 1j)",
    "empty": "np.zeros((0,))",
    "4d": "np.ones((1, 1) + {shape})",
    "None": "None",
    "str": "'abc'",
    "bool": "True",
    "object": "np.array([['a'] * {last}] * {first}, dtype=object)",
    "scalar": "1.5",
}


def _arrays(arg: str, shape: str) -> dict[str, str]:
    """Bad values for an array argument of the given (tuple-literal) shape."""
    dims = [d.strip() for d in shape.strip("()").split(",") if d.strip()]
    first, last = (dims[0], dims[-1]) if dims else ("1", "1")
    return {k: v.format(shape=shape, first=first, last=last) for k, v in BAD_ARRAYS.items()}


INTS = {
    "neg": "-1",
    "zero": "0",
    "2**63": "2**63",
    "float": "2.5",
    "bool": "True",
    "None": "None",
    "str": "'3'",
    "1e12": "10**12",
}
FLOATS = {
    "nan": "float('nan')",
    "inf": "float('inf')",
    "neg": "-1.0",
    "None": "None",
    "str": "'x'",
    "bool": "True",
    "1e300": "1e300",
}
SEEDS = {
    "neg": "-1",
    "float": "2.5",
    "2**64": "2**64",
    "None": "None",
    "bool": "True",
}
BACKENDS = {"gpu": "'gpu'", "empty": "''", "None": "None", "int": "3", "upper": "'CPU'", "cuda": "'cuda'"}


FEW = 4


class Builder:
    def __init__(self, repeat: int = 1) -> None:
        self.probes: list[Probe] = []
        self.repeat = repeat  # the same (module, argument, bad value) in at most this many functions
        self.seen: Counter[tuple[str, str, str]] = Counter()
        self.subs: Counter[str] = Counter()  # sub() calls per function: the later ones take FEW values

    def add(self, module: str, name: str, call: str, **kw) -> None:
        self.probes.append(Probe(module, name, call, **kw))

    def sub(
        self,
        module: str,
        fn: str,
        template: str,
        arg: str,
        values: dict[str, str],
        *,
        valid: tuple[str, ...] = (),
        either: tuple[str, ...] = (),
        **kw,
    ) -> None:
        """One probe per bad value of ``arg``: ``template`` holds ``{}`` where the value goes.

        A function's first argument gets every value; later ones the first ``FEW`` (the lists
        start with the likeliest to slip through), keeping the run short.
        """
        self.subs[fn] += 1
        if self.subs[fn] > 1:
            values = dict(list(values.items())[:FEW])
        for label, v in values.items():
            self.seen[module, arg, label] += 1
            if self.seen[module, arg, label] > self.repeat:
                continue
            kind = "valid" if label in valid else "either" if label in either else "invalid"
            self.add(module, f"{fn}({arg}={label})", template.replace("{}", v), arg=arg, kind=kind, **kw)


def build() -> list[Probe]:
    b = Builder()
    _teacher(b)
    _mlp(b)
    _minima(b)
    _train(b)
    _optim(b)
    _stats(b)
    _lanczos(b)
    _safran_shamir(b)
    _five_points(b)
    _more_minima(b)
    _colt2021(b)
    _backend(b)
    _datasets(b)
    _cli(b)
    return b.probes


# X0 is not along W's rows: at tiny |w| the Hessian is O(1 / |w|) and annihilates the radial direction
# (the loss is 1-homogeneous there), so H(W) W is pure rounding noise in every backend.
TS = (
    "from relufast import teacher as T\nfrom relufast.objectives import teacher as T2\nW = np.eye(3) + 0.1\n"
    "X0 = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, 2.0], [-2.0, 1.0, 0.0]])\n"
)


def _teacher(b: Builder) -> None:
    m = "teacher"
    for fn in ("loss", "grad", "hessian", "loss_and_grad"):
        b.sub(m, f"teacher.{fn}", f"T.{fn}({{}}, backend='cpu')", "W", _arrays("W", "(3, 3)"), setup=TS)
        b.sub(
            m,
            f"teacher.{fn}",
            f"T.{fn}(W, {{}}, backend='cpu')",
            "V",
            _arrays("V", "(3, 3)"),
            valid=("None",),
            setup=TS,
        )
        b.sub(m, f"teacher.{fn}", f"T.{fn}(W, backend={{}})", "backend", BACKENDS, setup=TS)
        b.add(m, f"teacher.{fn}(V wrong d)", f"T.{fn}(W, np.ones((3, 4)))", arg="V", setup=TS)
    # odd but valid: compare the C++ core with the NumPy reference
    odd = {
        "tiny 1e-300": "np.full((2, 3, 3), 1e-300)",
        "subnormal": "np.full((2, 3, 3), 5e-324)",
        "huge 1e150": "np.full((2, 3, 3), 1e150)",
        "huge 1e300": "np.full((2, 3, 3), 1e300)",
        "zeros": "np.zeros((2, 3, 3))",
        "mixed": "np.array([[[1e-300, 1.0, -1e-300]] * 3, [[1e100, -1e100, 0.0]] * 3])",
        "n=1": "np.ones((2, 1, 3))",
        "R=0": "np.zeros((0, 3, 3))",
        "int dtype": "np.ones((2, 3, 3), dtype=np.int64)",
        "float32": "np.ones((2, 3, 3), dtype=np.float32)",
        "fortran": "np.asfortranarray(np.arange(18.0).reshape(2, 3, 3) / 7)",
        "strided": "(np.arange(36.0).reshape(2, 3, 6) / 9)[:, :, ::2]",
        "neg zero": "-np.zeros((2, 3, 3))",
    }
    for fn in ("loss", "grad", "hessian"):
        for label, v in odd.items():
            kind = "either" if label in ("R=0", "huge 1e300") else "valid"
            b.add(
                m,
                f"teacher.{fn}({label}) cpu vs numpy",
                f"T.{fn}({v}, backend='cpu')",
                arg="W",
                kind=kind,
                setup=TS,
                ref=f"T.{fn}({v}, backend='numpy')",
            )
    b.sub(
        m,
        "teacher.hessian_vector",
        "T2.hessian_vector(W, {}, backend='cpu')",
        "X",
        _arrays("X", "(3, 3)"),
        setup=TS,
    )
    b.add(
        m, "teacher.hessian_vector(X wrong shape)", "T2.hessian_vector(W, np.ones((3, 4)))", arg="X", setup=TS
    )
    b.add(
        m,
        "teacher.hessian_vector(tiny) cpu vs numpy",
        "T2.hessian_vector(W * 1e-300, X0, backend='cpu')",
        arg="W",
        kind="valid",
        setup=TS,
        ref="T2.hessian_vector(W * 1e-300, X0, backend='numpy')",
    )
    b.sub(
        m,
        "teacher.min_eigenvalues",
        "T2.min_eigenvalues(W, method={})",
        "method",
        {"unknown": "'qr'", "None": "None", "int": "1"},
        setup=TS,
    )
    b.sub(
        m,
        "teacher.min_eigenvalues",
        "T2.min_eigenvalues(W, method='lanczos', tol={})",
        "tol",
        {k: v for k, v in FLOATS.items() if k != "inf"} | {"zero": "0.0"},
        setup=TS,
    )
    b.add(
        m,
        "teacher.min_eigenvalues(lanczos) vs dense",
        "T2.min_eigenvalues(W, method='lanczos')",
        kind="valid",
        setup=TS,
        ref="T2.min_eigenvalues(W, method='dense')",
    )


MS = (
    "from relufast import mlp as M\n"
    "S = [2, 3, 1]\nP = M.num_params(S)\nX = np.arange(8.0).reshape(4, 2) / 7\nY = np.arange(4.0) / 3\n"
    "p = np.linspace(-1, 1, P)\n"
)


def _mlp(b: Builder) -> None:
    m = "mlp"
    for fn in ("loss", "grad", "hessian"):
        b.sub(m, f"mlp.{fn}", f"M.{fn}({{}}, X, Y, S)", "params", _arrays("params", "(P,)"), setup=MS)
        b.sub(m, f"mlp.{fn}", f"M.{fn}(p, {{}}, Y, S)", "X", _arrays("X", "(4, 2)"), setup=MS)
        b.sub(m, f"mlp.{fn}", f"M.{fn}(p, X, {{}}, S)", "Y", _arrays("Y", "(4,)"), setup=MS)
        sizes = {
            "None": "None",
            "str": "'abc'",
            "empty": "[]",
            "one": "[2]",
            "zero": "[2, 0, 1]",
            "neg": "[2, -3, 1]",
            "float": "[2, 3.5, 1]",
            "bool": "[2, True, 1]",
            "huge": "[2, 10**12, 1]",
            "2**63": "[2, 2**63, 1]",
            "nested": "[[2], 3, 1]",
        }
        b.sub(m, f"mlp.{fn}", f"M.{fn}(p, X, Y, {{}})", "sizes", sizes, setup=MS)
        b.sub(
            m,
            f"mlp.{fn}",
            f"M.{fn}(p, X, Y, S, loss={{}})",
            "loss",
            {"unknown": "'mae'", "None": "None", "int": "1", "upper": "'SSE'"},
            setup=MS,
        )
        b.sub(m, f"mlp.{fn}", f"M.{fn}(p, X, Y, S, backend={{}})", "backend", BACKENDS, setup=MS)
        b.sub(
            m,
            f"mlp.{fn}",
            f"M.{fn}(p, X, Y, S, output_bias={{}})",
            "output_bias",
            {"None": "None", "str": "'yes'", "int": "2"},
            setup=MS,
        )
        b.add(m, f"mlp.{fn}(N mismatch)", f"M.{fn}(p, X, Y[:3], S)", arg="Y", setup=MS)
        b.add(
            m,
            f"mlp.{fn}(ce float labels)",
            f"M.{fn}(p, X, Y, [2, 3, 2], loss='ce')",
            arg="Y",
            expect=("label",),
            setup=MS + "p = np.zeros(M.num_params([2, 3, 2]))\n",
        )
        b.add(
            m,
            f"mlp.{fn}(ce label out of range)",
            f"M.{fn}(p, X, [0, 1, 2, 5], [2, 3, 2], loss='ce')",
            arg="Y",
            expect=("label",),
            setup=MS + "p = np.zeros(M.num_params([2, 3, 2]))\n",
        )
    odd = {
        "tiny 1e-300": "p * 1e-300",
        "huge 1e100": "p * 1e100",
        "huge 1e300": "p * 1e300",
        "zeros": "np.zeros(P)",
        "batch": "np.stack([p, -p, p * 1e-200])",
        "R=0": "np.zeros((0, P))",
        "int dtype": "np.arange(P)",
    }
    for fn in ("loss", "grad", "hessian"):  # predict and kinks have only the NumPy kernel
        for label, v in odd.items():
            kind = "either" if label in ("R=0", "huge 1e300") else "valid"
            argsx = "X, Y, S"
            b.add(
                m,
                f"mlp.{fn}({label}) cpu vs numpy",
                f"M.{fn}({v}, {argsx}, backend='cpu')",
                arg="params",
                kind=kind,
                setup=MS,
                ref=f"M.{fn}({v}, {argsx}, backend='numpy')",
            )
    for loss in ("mse", "ce"):
        yy = "[0, 1, 1, 0]" if loss == "ce" else "Y"
        ss = "[2, 3, 2]" if loss == "ce" else "S"
        setup = MS + f"p = np.linspace(-1, 1, M.num_params({ss}))\n"
        b.add(
            m,
            f"mlp.loss_and_grad({loss}) cpu vs numpy",
            f"M.loss_and_grad(p, X, {yy}, {ss}, loss='{loss}', backend='cpu')",
            kind="valid",
            setup=setup,
            ref=f"M.loss_and_grad(p, X, {yy}, {ss}, loss='{loss}', backend='numpy')",
        )
    b.sub(m, "mlp.hvp", "M.hvp(p, {}, X, Y, S)", "V", _arrays("V", "(P,)"), setup=MS)
    b.add(m, "mlp.hvp(V wrong P)", "M.hvp(p, np.ones(P + 1), X, Y, S)", arg="V", setup=MS)
    b.sub(
        m,
        "mlp.num_params",
        "M.num_params({})",
        "sizes",
        {
            "None": "None",
            "zero": "[2, 0]",
            "neg": "[-1, 2]",
            "float": "[2.5, 1]",
            "str": "'21'",
            "2**63": "[2**63, 2**63]",
        },
        setup=MS,
    )
    b.sub(m, "mlp.unpack", "M.unpack({}, S)", "params", _arrays("params", "(P,)"), setup=MS)
    b.add(m, "mlp.unpack(wrong P)", "M.unpack(np.ones(P + 2), S)", arg="params", setup=MS)
    b.sub(
        m,
        "mlp.pack",
        "M.pack({})",
        "layers",
        {
            "None": "None",
            "str": "'ab'",
            "empty": "[]",
            "bad tuple": "[(np.ones((2, 2)),)]",
            "mismatch": "[(np.ones((3, 2)), np.ones(3)), (np.ones((1, 4)), np.ones(1))]",
            "nan": "[(np.full((3, 2), np.nan), np.ones(3)), (np.ones((1, 3)), np.ones(1))]",
        },
        setup=MS,
    )
    b.add(m, "mlp.pack(unpack(p)) round trip", "M.pack(M.unpack(p, S))", kind="valid", setup=MS, ref="p")


def _minima(b: Builder) -> None:
    m = "minima"
    st = "from relufast import minima as Mi\nH = np.diag([3.0, -1.0, 2.0])\nW = np.eye(3) + 0.1\n"
    b.sub(
        m,
        "minima.min_eigenvalues",
        "Mi.min_eigenvalues({}, backend='cpu')",
        "H",
        _arrays("H", "(3, 3)"),
        setup=st,
    )
    b.add(m, "minima.min_eigenvalues(non-square)", "Mi.min_eigenvalues(np.ones((3, 4)))", arg="H", setup=st)
    b.sub(m, "minima.min_eigenvalues", "Mi.min_eigenvalues(H, backend={})", "backend", BACKENDS, setup=st)
    odd = {
        "1x1": "np.array([[2.0]])",
        "tiny": "H * 1e-300",
        "huge": "H * 1e300",
        "huge 1e150": "H * 1e150",
        "subnormal": "np.diag([5e-324, -5e-324, 0.0])",
        "zeros": "np.zeros((3, 3))",
        "asymmetric": "np.array([[1.0, 5.0], [-7.0, 2.0]])",
        "batch": "np.stack([H, -H, H * 1e-200])",
        "R=0": "np.zeros((0, 3, 3))",
        "0x0": "np.zeros((0, 0))",
        "int": "np.diag([3, -1, 2])",
        "big 60x60": "np.cos(np.add.outer(np.arange(60.0), np.arange(60.0)))",
    }
    for label, v in odd.items():
        kind = "either" if label in ("R=0", "0x0", "huge") else "valid"
        ref = (
            f"np.linalg.eigvalsh({v}).min(axis=-1) if np.asarray({v}).ndim == 3 "
            f"else float(np.linalg.eigvalsh({v}).min())"
        )
        b.add(
            m,
            f"minima.min_eigenvalues({label}) cpu vs eigvalsh",
            f"Mi.min_eigenvalues({v}, backend='cpu')",
            arg="H",
            kind=kind,
            setup=st,
            ref=ref if label not in ("R=0", "0x0") else None,
        )
    b.sub(m, "minima.canonical_form", "Mi.canonical_form({})", "W", _arrays("W", "(3, 3)"), setup=st)
    b.sub(m, "minima.block_structure", "Mi.block_structure({})", "W", _arrays("W", "(3, 3)"), setup=st)
    b.sub(m, "minima.block_structure", "Mi.block_structure(W, tol={})", "tol", FLOATS, setup=st)
    b.sub(m, "minima.neuron_blocks", "Mi.neuron_blocks({})", "W", _arrays("W", "(3, 3)"), setup=st)
    fam = "Mi.families(np.stack([W, W]), {F}, {L})"
    b.sub(
        m,
        "minima.families",
        "Mi.families({}, [0.1, 0.1], [0.2, 0.2])",
        "W",
        _arrays("W", "(2, 3, 3)"),
        setup=st,
    )
    b.sub(
        m,
        "minima.families",
        fam.format(F="{}", L="[0.2, 0.2]"),
        "F",
        {"None": "None", "str": "'ab'", "short": "[0.1]", "nan": "[np.nan, 0.1]", "2d": "[[0.1, 0.1]]"},
        setup=st,
    )
    b.sub(
        m,
        "minima.families",
        fam.format(F="[0.1, 0.1]", L="{}"),
        "lambda_min",
        {"None": "None", "short": "[0.2]", "str": "'ab'"},
        setup=st,
    )
    b.sub(
        m,
        "minima.families",
        "Mi.families(np.stack([W, W]), [0.1, 0.1], [0.2, 0.2], tol={})",
        "tol",
        FLOATS,
        setup=st,
    )


TR = (
    "from relufast import train as Tr, mlp as M\nS = [2, 3, 1]\nX = np.arange(8.0).reshape(4, 2) / 7\n"
    "Y = np.arange(4.0) / 3\np0 = Tr.init_params(S, 3, seed=1)\n"
)


def _train(b: Builder) -> None:
    m = "train"
    b.sub(m, "train.init_params", "Tr.init_params(S, {})", "R", INTS, setup=TR, expect=("restart",))
    b.sub(m, "train.init_params", "Tr.init_params(S, 2, seed={})", "seed", SEEDS, setup=TR)
    b.sub(
        m,
        "train.init_params",
        "Tr.init_params(S, 2, scheme={})",
        "scheme",
        {"unknown": "'lecun'", "None": "None", "int": "1"},
        setup=TR,
    )
    for arg in ("weight_mean", "weight_std", "bias_mean", "bias_std"):
        vals = {
            "nan": "float('nan')",
            "inf": "float('inf')",
            "str": "'x'",
            "bool": "True",
            "wrong length": "[0.0] * 5",
            "complex": "1j",
        }
        if arg.endswith("std"):
            vals["neg"] = "-1.0"
        b.sub(m, "train.init_params", f"Tr.init_params(S, 2, {arg}={{}})", arg, vals, setup=TR)
    b.add(
        m,
        "train.init_params(huge memory)",
        "Tr.init_params([1000, 1000, 1], 10**7)",
        arg="R",
        expect=("memory", "bytes", "GB", "restarts"),
        setup=TR,
    )
    base = "Tr.train(p0, X, Y, S, lr=0.01, steps=5{})"
    b.sub(
        m,
        "train.train",
        base.replace("{}", ", optimizer={}"),
        "optimizer",
        {"unknown": "'rmsprop'", "None": "None", "int": "1", "upper": "'GD'"},
        setup=TR,
    )
    b.sub(m, "train.train", "Tr.train(p0, X, Y, S, lr={}, steps=5)", "lr", FLOATS | {"zero": "0.0"}, setup=TR)
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, lr=0.01, steps={})",
        "steps",
        {k: v for k, v in INTS.items() if k not in ("2**63", "1e12")},
        valid=("zero",),
        setup=TR,
    )
    b.add(m, "train.train(steps=2**63)", "Tr.train(p0, X, Y, S, lr=0.01, steps=2**63)", arg="steps", setup=TR)
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, optimizer='sgd', lr=0.01, steps=5, batch_size={})",
        "batch_size",
        {k: v for k, v in INTS.items() if k != "None"} | {"N+1": "5"},
        setup=TR,
    )
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, optimizer='sgd', lr=0.01, steps=5, seed={})",
        "seed",
        SEEDS,
        setup=TR,
    )
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, lr=0.01, steps=5, chunk={})",
        "chunk",
        {k: v for k, v in INTS.items() if k not in ("1e12", "2**63")},
        setup=TR,
    )
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, optimizer='adam', lr=0.01, steps=5, betas={})",
        "betas",
        {
            "None": "None",
            "one": "(0.9,)",
            "neg": "(-0.1, 0.9)",
            "one+": "(1.0, 0.999)",
            "nan": "(np.nan, 0.9)",
            "str": "'ab'",
        },
        setup=TR,
    )
    b.sub(
        m,
        "train.train",
        "Tr.train(p0, X, Y, S, optimizer='adam', lr=0.01, steps=5, eps={})",
        "eps",
        FLOATS,
        setup=TR,
    )
    b.sub(
        m,
        "train.train",
        "Tr.train({}, X, Y, S, lr=0.01, steps=5)",
        "params",
        _arrays("params", "(3, 13)"),
        setup=TR,
    )
    b.sub(
        m, "train.train", "Tr.train(p0, X, Y, S, lr=0.01, steps=5, backend={})", "backend", BACKENDS, setup=TR
    )
    b.add(
        m,
        "train.train(progress not callable)",
        "Tr.train(p0, X, Y, S, lr=0.01, steps=5, progress=3)",
        arg="progress",
        setup=TR,
    )
    b.add(
        m,
        "train.train(gd with batch_size)",
        "Tr.train(p0, X, Y, S, lr=0.01, steps=5, batch_size=2)",
        arg="batch_size",
        expect=("gd", "full"),
        setup=TR,
    )
    for opt in ("gd", "adam", "sgd"):
        bs = ", batch_size=2" if opt != "gd" else ""
        call = (
            f"Tr.train(p0, X, Y, S, optimizer='{opt}', lr=0.01, steps=7, chunk=3{bs}, backend='{{}}').params"
        )
        b.add(
            m,
            f"train.train({opt}) cpu vs numpy",
            call.format("cpu"),
            kind="valid",
            setup=TR,
            ref=call.format("numpy"),
        )
        call = (
            f"Tr.train(p0 * 1e150, X, Y, S, optimizer='{opt}', lr=0.01, steps=4{bs}, backend='{{}}').params"
        )
        b.add(
            m,
            f"train.train({opt}, diverging 1e150) cpu vs numpy",
            call.format("cpu"),
            kind="either",
            setup=TR,
            ref=call.format("numpy"),
        )
    b.add(
        m,
        "train.train(lr huge, diverges)",
        "Tr.train(p0, X, Y, S, lr=1e3, steps=3).params",
        kind="either",
        setup=TR,
        ref="Tr.train(p0, X, Y, S, lr=1e3, steps=3, backend='numpy').params",
    )


OP = "from relufast import optim as O\nW0 = np.stack([np.eye(2) + 0.3, np.eye(2) - 0.2])\n"


def _optim(b: Builder) -> None:
    m = "optim"
    g = "O.teacher_gd(W0, {}, max_iters=50)"
    b.sub(
        m,
        "optim.teacher_gd",
        "O.teacher_gd({}, max_iters=50)",
        "W0",
        _arrays("W", "(2, 2, 2)"),
        setup=OP,
        expect=("W",),
    )
    b.sub(m, "optim.teacher_gd", g, "V", _arrays("V", "(2, 2)"), valid=("None",), setup=OP)
    for arg, vals in (
        ("step", FLOATS | {"zero": "0.0"}),
        ("tol", FLOATS | {"zero": "0.0"}),
        ("diverge", FLOATS | {"zero": "0.0"}),
        ("f_stop", FLOATS),
        ("max_iters", INTS),
        ("chunk", {k: v for k, v in INTS.items() if k not in ("1e12",)}),
        ("norm", {"unknown": "'l1'", "None": "None", "int": "2"}),
        ("backend", BACKENDS),
    ):
        tmpl = f"O.teacher_gd(W0, {arg}={{}}" + (", max_iters=50)" if arg != "max_iters" else ")")
        valid = ("1e300",) if arg in ("diverge", "f_stop", "tol") else ()
        b.sub(m, "optim.teacher_gd", tmpl, arg, vals, setup=OP, either=valid)
    b.add(
        m,
        "optim.teacher_gd(progress not callable)",
        "O.teacher_gd(W0, max_iters=50, progress=1)",
        arg="progress",
        setup=OP,
    )
    for label, w in {
        "near": "W0",
        "tiny": "W0 * 1e-300",
        "huge 1e100": "W0 * 1e100",
        "zeros": "np.zeros((2, 2, 2))",
        "single": "W0[0]",
        "R=0": "np.zeros((0, 2, 2))",
    }.items():
        call = f"O.teacher_gd({w}, max_iters=300, chunk=70, backend='{{}}')"
        kind = "either" if label in ("huge 1e100", "R=0") else "valid"
        b.add(
            m,
            f"optim.teacher_gd({label}) cpu vs numpy",
            call.format("cpu") + ".W",
            kind=kind,
            setup=OP,
            arg="W",
            ref=call.format("numpy") + ".W",
        )
    b.sub(m, "optim.newton_polish", "O.newton_polish({})", "W", _arrays("W", "(2, 2, 2)"), setup=OP)
    b.sub(m, "optim.newton_polish", "O.newton_polish(W0, tol={})", "tol", FLOATS, setup=OP, either=("1e300",))
    b.sub(
        m,
        "optim.newton_polish",
        "O.newton_polish(W0, max_steps={})",
        "max_steps",
        INTS,
        setup=OP,
        either=("zero",),
    )
    b.add(
        m,
        "optim.newton_polish(singular: zeros)",
        "O.newton_polish(np.zeros((2, 2, 2)), backend='cpu')",
        kind="valid",
        setup=OP,
        ref="O.newton_polish(np.zeros((2, 2, 2)), backend='numpy')",
    )
    b.add(
        m,
        "optim.newton_polish cpu vs numpy",
        "O.newton_polish(W0, backend='cpu')",
        kind="valid",
        setup=OP,
        ref="O.newton_polish(W0, backend='numpy')",
    )
    ep = "O.epoch_permutations({s}, {r}, {e}, {N})"
    b.sub(m, "optim.epoch_permutations", ep.format(s="{}", r="[0, 1]", e="0", N="5"), "seed", SEEDS, setup=OP)
    b.sub(
        m,
        "optim.epoch_permutations",
        ep.format(s="0", r="{}", e="0", N="5"),
        "rows",
        {
            "neg": "[-1]",
            "float": "[0.5]",
            "str": "'ab'",
            "None": "None",
            "nested": "[[0, 1], [2]]",
            "bool": "[True]",
            "huge": "[2**64]",
        },
        setup=OP,
        either=("bool",),
    )
    b.sub(m, "optim.epoch_permutations", ep.format(s="0", r="[0]", e="{}", N="5"), "epoch", SEEDS, setup=OP)
    b.sub(m, "optim.epoch_permutations", ep.format(s="0", r="[0]", e="0", N="{}"), "N", INTS, setup=OP)
    b.add(
        m,
        "optim.epoch_permutations(empty rows)",
        ep.format(s="0", r="[]", e="0", N="5"),
        kind="valid",
        setup=OP,
    )


def _stats(b: Builder) -> None:
    m = "stats"
    st = "from relufast import stats as St\n"
    b.sub(
        m,
        "stats.wilson",
        "St.wilson({}, 10)",
        "successes",
        {
            "neg": "-1",
            "over n": "11",
            "float": "2.5",
            "nan": "float('nan')",
            "None": "None",
            "str": "'3'",
            "bool": "True",
            "complex": "1j",
            "2**63": "2**63",
            "inf": "float('inf')",
            "ragged": "[[1, 2], [3]]",
        },
        setup=st,
        expect=("success",),
    )
    b.sub(
        m, "stats.wilson", "St.wilson(3, {})", "n", INTS | {"inf": "float('inf')"}, setup=st, either=("1e12",)
    )
    b.sub(
        m, "stats.wilson", "St.wilson(3, 10, z={})", "z", FLOATS | {"zero": "0.0"}, setup=st, either=("zero",)
    )
    b.sub(
        m,
        "stats.wilson",
        "St.wilson({}, [10, 10])",
        "successes",
        {"shape mismatch": "[1, 2, 3]", "2d neg": "[[1, -2]]"},
        setup=st,
        expect=("success", "shape", "broadcast"),
    )
    b.add(
        m,
        "stats.wilson(huge n)",
        "St.wilson(10**11, 10**12)",
        kind="valid",
        setup=st,
        ref="(0.09999941200703508, 0.1000005880013837)",
    )
    b.add(m, "stats.wilson(0 of 0)", "St.wilson(0, 0)", arg="n", setup=st, kind="either")
    b.add(m, "stats.wilson(empty arrays)", "St.wilson(np.zeros(0), np.zeros(0))", kind="either", setup=st)
    b.sub(
        m,
        "stats.proportion_table",
        "St.proportion_table({}, 10)",
        "counts",
        {
            "neg": "[-1, 3]",
            "over n": "[8, 5]",
            "float": "[2.5, 1]",
            "None": "None",
            "str": "'ab'",
            "2d": "[[1, 2]]",
            "nan": "[np.nan]",
            "empty": "[]",
        },
        setup=st,
        either=("empty",),
    )
    b.sub(
        m, "stats.proportion_table", "St.proportion_table([1, 2], {})", "n", INTS, setup=st, either=("1e12",)
    )


LZ = (
    "from relufast import lanczos as Lz\nA = np.diag(np.arange(1.0, 7.0))\n"
    "def mv(X, rows):\n    return X @ A\n"
)


def _lanczos(b: Builder) -> None:
    m = "lanczos"
    f = "Lz.smallest_eigenpairs(mv, {R}, {N}{kw})"
    b.sub(m, "lanczos.smallest_eigenpairs", f.format(R="{}", N="6", kw=""), "R", INTS, setup=LZ)
    b.sub(m, "lanczos.smallest_eigenpairs", f.format(R="1", N="{}", kw=""), "N", INTS, setup=LZ)
    b.sub(
        m,
        "lanczos.smallest_eigenpairs",
        f.format(R="1", N="6", kw=", tol={}"),
        "tol",
        FLOATS | {"zero": "0.0"},
        setup=LZ,
        either=("1e300",),
    )
    b.sub(m, "lanczos.smallest_eigenpairs", f.format(R="1", N="6", kw=", basis={}"), "basis", INTS, setup=LZ)
    b.sub(
        m,
        "lanczos.smallest_eigenpairs",
        f.format(R="1", N="6", kw=", max_restarts={}"),
        "max_restarts",
        INTS,
        setup=LZ,
        valid=("zero",),
    )
    b.sub(m, "lanczos.smallest_eigenpairs", f.format(R="1", N="6", kw=", seed={}"), "seed", SEEDS, setup=LZ)
    bad_mv = {
        "not callable": "3",
        "wrong shape": "lambda X, rows: X[:, :2]",
        "nan": "lambda X, rows: X * np.nan",
        "complex": "lambda X, rows: X * 1j",
        "returns None": "lambda X, rows: None",
        "inf": "lambda X, rows: X * np.inf",
    }
    b.sub(m, "lanczos.smallest_eigenpairs", "Lz.smallest_eigenpairs({}, 1, 6)", "matvec", bad_mv, setup=LZ)
    b.add(
        m,
        "lanczos.smallest_eigenpairs(N=1)",
        "float(Lz.smallest_eigenpairs(lambda X, r: 2 * X, 1, 1).value[0])",
        kind="valid",
        setup=LZ,
        ref="2.0",
    )
    b.add(
        m,
        "lanczos.smallest_eigenpairs(diag) vs eigvalsh",
        "float(Lz.smallest_eigenpairs(mv, 1, 6).value[0])",
        kind="valid",
        setup=LZ,
        ref="1.0",
    )
    b.add(
        m,
        "lanczos.smallest_eigenpairs(zero operator)",
        "float(Lz.smallest_eigenpairs(lambda X, r: 0 * X, 1, 6).value[0])",
        kind="valid",
        setup=LZ,
        ref="0.0",
    )
    b.add(
        m,
        "lanczos.smallest_eigenpairs(tiny 1e-300 operator)",
        "float(Lz.smallest_eigenpairs(lambda X, r: 1e-300 * (X @ A), 1, 6).value[0])",
        kind="valid",
        setup=LZ,
        ref="1e-300",
    )


SS = "from relufast.experiments import safran_shamir as ss\n"


def _safran_shamir(b: Builder) -> None:
    m = "safran_shamir"
    run = "ss.run({k}, {n}, {r}, max_iters=200{kw})"
    b.sub(m, "ss.run", run.format(k="{}", n="3", r="2", kw=""), "k", INTS, setup=SS)
    b.sub(m, "ss.run", run.format(k="2", n="{}", r="2", kw=""), "n", INTS, setup=SS)
    b.sub(m, "ss.run", run.format(k="2", n="2", r="{}", kw=""), "restarts", INTS, setup=SS)
    b.sub(m, "ss.run", run.format(k="2", n="2", r="2", kw=", seed={}"), "seed", SEEDS, setup=SS)
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", step={}"),
        "step",
        FLOATS | {"zero": "0.0"},
        setup=SS,
        valid=("None",),
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", tol={}"),
        "tol",
        FLOATS | {"zero": "0.0"},
        setup=SS,
        either=("1e300",),
        valid=("None",),
    )
    b.sub(m, "ss.run", "ss.run(2, 2, 2, max_iters={})", "max_iters", INTS, setup=SS)
    b.sub(m, "ss.run", run.format(k="2", n="2", r="2", kw=", backend={}"), "backend", BACKENDS, setup=SS)
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", protocol={}"),
        "protocol",
        {"unknown": "'neurips'", "None": "None", "int": "1", "upper": "'ICML2018'"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", teacher={}"),
        "teacher",
        {
            "unknown": "'random'",
            "int": "3",
            "nan": "np.full((2, 2), np.nan)",
            "wrong k": "np.eye(3)",
            "d<k": "np.ones((2, 1))",
            "complex": "np.eye(2) * 1j",
            "bool": "True",
        },
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", norm={}"),
        "norm",
        {"unknown": "'l1'", "int": "1"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", d={}"),
        "d",
        INTS | {"d<k": "1"},
        setup=SS,
        valid=("None",),
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", hessian={}"),
        "hessian",
        {"None": "None", "str": "'no'", "int": "2"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", hessian_for={}"),
        "hessian_for",
        {"unknown": "'some'", "None": "None"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", pd_tol={}"),
        "pd_tol",
        {"nan": "float('nan')", "neg": "-1.0", "str": "'x'", "None": "None", "inf": "float('inf')"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", chunk={}"),
        "chunk",
        {k: v for k, v in INTS.items() if k != "1e12"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.run",
        run.format(k="2", n="2", r="2", kw=", shard_size={}"),
        "shard_size",
        {k: v for k, v in INTS.items() if k not in ("None", "1e12")},
        setup=SS,
    )
    b.add(
        m,
        "ss.run(progress not callable)",
        run.format(k="2", n="2", r="2", kw=", progress=3"),
        arg="progress",
        setup=SS,
    )
    b.add(
        m,
        "ss.run(executor bogus)",
        run.format(k="2", n="2", r="2", kw=", executor=3"),
        arg="executor",
        setup=SS,
    )
    b.add(
        m,
        "ss.run(store is a file)",
        run.format(k="2", n="2", r="2", kw=", store=TMP + '/f'"),
        arg="store",
        setup=SS + "open(TMP + '/f', 'w').write('x')\n",
        ok_types=("OSError",),
        expect=("f",),
    )
    b.add(
        m,
        "ss.run(huge memory)",
        "ss.run(50, 50, 10**9)",
        arg="restarts",
        expect=("memory", "bytes", "GB"),
        setup=SS,
    )
    b.add(
        m,
        "ss.run(tiny) cpu vs numpy",
        "ss.run(2, 3, 3, max_iters=300, backend='cpu').W",
        kind="valid",
        setup=SS,
        ref="ss.run(2, 3, 3, max_iters=300, backend='numpy').W",
    )
    # table
    b.sub(
        m,
        "ss.table",
        "ss.table({}, (0,), 2, max_iters=100)",
        "ks",
        {
            "None": "None",
            "str": "'ab'",
            "neg": "[-1]",
            "zero": "[0]",
            "float": "[2.5]",
            "huge": "[10**12]",
            "empty": "[]",
            "bool": "[True]",
        },
        setup=SS,
        either=("empty",),
        expect=("k",),
    )
    b.sub(
        m,
        "ss.table",
        "ss.table([2], {}, 2, max_iters=100)",
        "extra",
        {"None": "None", "neg": "[-1]", "float": "[0.5]", "str": "'0'", "huge": "[2**63]"},
        setup=SS,
    )
    b.sub(m, "ss.table", "ss.table([2], (0,), {}, max_iters=100)", "restarts", INTS, setup=SS)
    b.add(m, "ss.table(unknown kwarg)", "ss.table([2], (0,), 2, bogus=1)", arg="bogus", setup=SS)
    b.add(m, "ss.table(tiny)", "len(ss.table([2], (0,), 2, max_iters=100))", kind="valid", setup=SS, ref="1")
    # z_vs_paper and friends
    z = "ss.z_vs_paper({s}, {r}, {p})"
    b.sub(
        m,
        "ss.z_vs_paper",
        z.format(s="{}", r="10", p="5.0"),
        "spurious",
        {"neg": "-1", "over": "11", "float": "2.5", "None": "None", "str": "'1'", "nan": "float('nan')"},
        setup=SS,
    )
    b.sub(m, "ss.z_vs_paper", z.format(s="1", r="{}", p="5.0"), "runs", INTS, setup=SS)
    b.sub(
        m,
        "ss.z_vs_paper",
        z.format(s="1", r="10", p="{}"),
        "paper_pct",
        {
            "neg": "-1.0",
            "over": "101.0",
            "inf": "float('inf')",
            "str": "'5'",
            "None": "None",
            "complex": "1j",
        },
        setup=SS,
    )
    b.add(
        m,
        "ss.z_vs_paper(paper nan)",
        z.format(s="1", r="10", p="float('nan')"),
        kind="valid",
        setup=SS,
        ref="float('nan')",
    )
    b.sub(m, "ss.z_vs_paper", "ss.z_vs_paper(1, 10, 5.0, paper_runs={})", "paper_runs", INTS, setup=SS)
    b.add(m, "ss.z_vs_paper(0 vs 0 %)", "ss.z_vs_paper(0, 10, 0.0)", kind="either", setup=SS)
    b.add(m, "ss.z_vs_paper(all vs 100 %)", "ss.z_vs_paper(10, 10, 100.0)", kind="either", setup=SS)
    b.sub(
        m,
        "ss.agrees_with_paper",
        "ss.agrees_with_paper({})",
        "z",
        {"str": "'1'", "complex": "1j", "None": "None"},
        setup=SS,
        either=("None",),
    )
    b.sub(
        m,
        "ss.agrees_with_paper",
        "ss.agrees_with_paper(1.0, level={})",
        "level",
        {"neg": "-1.0", "nan": "float('nan')", "str": "'x'"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.paper_within_ci",
        "ss.paper_within_ci(5.0, {}, 0.1)",
        "ci_lo",
        {"nan": "float('nan')", "str": "'x'", "reversed": "0.5", "None": "None"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.paper_value",
        "ss.paper_value({}, 6)",
        "k",
        INTS | {"unknown": "99"},
        setup=SS,
        valid=("unknown",),
    )
    b.sub(
        m,
        "ss.paper_value",
        "ss.paper_value(6, 6, {})",
        "protocol",
        {"unknown": "'x'", "None": "None", "int": "1"},
        setup=SS,
    )
    # initial_students
    ins = "ss.initial_students({k}, {n}, {r}{kw})"
    b.sub(m, "ss.initial_students", ins.format(k="{}", n="3", r="2", kw=""), "k", INTS, setup=SS)
    b.sub(m, "ss.initial_students", ins.format(k="2", n="{}", r="2", kw=""), "n", INTS, setup=SS)
    b.sub(m, "ss.initial_students", ins.format(k="2", n="2", r="{}", kw=""), "restarts", INTS, setup=SS)
    b.sub(m, "ss.initial_students", ins.format(k="2", n="2", r="2", kw=", seed={}"), "seed", SEEDS, setup=SS)
    b.sub(
        m,
        "ss.initial_students",
        ins.format(k="2", n="2", r="2", kw=", d={}"),
        "d",
        INTS,
        setup=SS,
        valid=("None",),
    )
    b.sub(
        m,
        "ss.initial_students",
        ins.format(k="2", n="2", r="2", kw=", start={}"),
        "start",
        {"neg": "-1", "float": "2.5", "None": "None", "str": "'1'", "2**63": "2**63", "bool": "True"},
        setup=SS,
        either=("2**63",),
    )
    b.add(
        m,
        "ss.initial_students(start near 2**63)",
        ins.format(k="2", n="2", r="5", kw=", start=2**63 - 2"),
        arg="start",
        kind="either",
        setup=SS,
    )
    b.add(
        m,
        "ss.initial_students(huge memory)",
        ins.format(k="100", n="100", r="10**7", kw=""),
        arg="restarts",
        expect=("memory", "bytes", "GB"),
        setup=SS,
    )
    # make_teacher
    mt = "ss.make_teacher({t}, {k}{kw})"
    b.sub(
        m,
        "ss.make_teacher",
        mt.format(t="{}", k="3", kw=""),
        "teacher",
        {
            "unknown": "'random'",
            "int": "3",
            "bool": "True",
            "nan": "np.full((3, 3), np.nan)",
            "inf": "np.full((3, 3), np.inf)",
            "complex": "np.eye(3) * 1j",
            "wrong k": "np.eye(2)",
            "d<k": "np.ones((3, 2))",
            "1d": "np.ones(3)",
            "empty": "np.zeros((0, 3))",
            "str list": "[['a'] * 3] * 3",
            "upper": "'Gaussian'",
        },
        setup=SS,
    )
    b.sub(m, "ss.make_teacher", mt.format(t="'gaussian'", k="{}", kw=""), "k", INTS, setup=SS)
    b.sub(
        m,
        "ss.make_teacher",
        mt.format(t="'orthogonal'", k="3", kw=", d={}"),
        "d",
        INTS | {"d<k": "2"},
        setup=SS,
        valid=("None",),
    )
    b.sub(
        m,
        "ss.make_teacher",
        mt.format(t="'gaussian'", k="3", kw=", seed={}"),
        "seed",
        SEEDS,
        setup=SS,
        expect=("teacher_seed",),
    )
    b.add(
        m,
        "ss.make_teacher(array, d mismatch)",
        mt.format(t="np.eye(3, 4)", k="3", kw=", d=5"),
        arg="d",
        setup=SS,
    )
    b.add(
        m,
        "ss.make_teacher(tiny 1e-300 rows)",
        mt.format(t="np.eye(3) * 1e-300", k="3", kw=""),
        kind="either",
        setup=SS,
    )
    # cell_spec
    cs = "ss.cell_spec({k}, {n}{kw})"
    b.sub(m, "ss.cell_spec", cs.format(k="{}", n="3", kw=""), "k", INTS, setup=SS)
    b.sub(m, "ss.cell_spec", cs.format(k="2", n="{}", kw=""), "n", INTS, setup=SS)
    b.sub(m, "ss.cell_spec", cs.format(k="2", n="2", kw=", seed={}"), "seed", SEEDS, setup=SS)
    for arg, vals in (
        ("step", FLOATS | {"zero": "0.0"}),
        ("tol", FLOATS | {"zero": "0.0"}),
        ("f_stop", FLOATS),
        ("diverge", FLOATS | {"zero": "0.0"}),
        ("max_iters", {k: v for k, v in INTS.items() if k != "None"}),
        ("chunk", INTS),
        ("teacher_seed", SEEDS),
        ("protocol", {"unknown": "'x'", "None": "None", "int": "1"}),
        ("norm", {"unknown": "'x'", "int": "1"}),
        ("hessian_for", {"unknown": "'x'", "None": "None"}),
        ("backend", BACKENDS),
        ("certify", {"None": "None", "str": "'no'", "int": "2"}),
        ("polish", {"None": "None", "str": "'yes'", "float": "1.0"}),
    ):
        either = ("1e300",) if arg in ("tol", "f_stop", "diverge") else ()
        valid = ("None",) if arg in ("step", "tol", "f_stop", "diverge") else ()
        b.sub(
            m,
            "ss.cell_spec",
            cs.format(k="2", n="2", kw=f", {arg}={{}}"),
            arg,
            vals,
            setup=SS,
            either=either,
            valid=valid,
        )
    b.sub(m, "ss.arrange_student", "ss.arrange_student({})", "W", _arrays("W", "(3, 2)"), setup=SS)
    b.sub(
        m,
        "ss.estimate_seconds",
        "ss.estimate_seconds([6], [0], {}, 'cpu')",
        "restarts",
        INTS,
        setup=SS,
        either=("1e12",),
    )
    b.sub(
        m,
        "ss.estimate_seconds",
        "ss.estimate_seconds({}, [0], 10, 'cpu')",
        "ks",
        {"None": "None", "neg": "[-1]", "float": "[2.5]", "str": "'6'"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.estimate_seconds",
        "ss.estimate_seconds([6], [0], 10, {})",
        "backend",
        BACKENDS,
        setup=SS,
        either=("cuda",),
    )
    b.sub(m, "ss.estimate_bytes", "ss.estimate_bytes({}, 6, 10)", "n", INTS, setup=SS, either=("1e12",))
    b.sub(
        m,
        "ss.get_protocol",
        "ss.get_protocol({})",
        "protocol",
        {"unknown": "'x'", "None": "None", "int": "1", "list": "['icml2018']"},
        setup=SS,
    )
    b.sub(
        m,
        "ss.sweep",
        "ss.sweep({}, 2, max_iters=100)",
        "cells",
        {
            "None": "None",
            "str": "'ab'",
            "bad pair": "[(2,)]",
            "neg": "[(-1, 2)]",
            "float": "[(2.5, 3)]",
            "triple": "[(2, 2, 2)]",
            "empty": "[]",
        },
        setup=SS,
        either=("empty",),
        expect=("k", "n"),
    )


FP = "from relufast.experiments import five_points as fp\np = np.array(fp.RED, dtype=float)\n"


def _five_points(b: Builder) -> None:
    m = "five_points"
    for fn in ("loss", "grad"):
        b.sub(m, f"fp.{fn}", f"fp.{fn}({{}}, backend='cpu')", "params", _arrays("params", "(4,)"), setup=FP)
        b.add(m, f"fp.{fn}(wrong P)", f"fp.{fn}(np.ones(5))", arg="params", setup=FP)
        b.sub(m, f"fp.{fn}", f"fp.{fn}(p, backend={{}})", "backend", BACKENDS, setup=FP)
        for label, v in {
            "RED": "p",
            "tiny": "p * 1e-300",
            "huge": "p * 1e100",
            "batch": "np.stack([p, -p])",
            "R=0": "np.zeros((0, 4))",
        }.items():
            b.add(
                m,
                f"fp.{fn}({label}) cpu vs numpy",
                f"fp.{fn}({v}, backend='cpu')",
                arg="params",
                kind="either" if label == "R=0" else "valid",
                setup=FP,
                ref=f"fp.{fn}({v}, backend='numpy')",
            )
    b.sub(
        m, "fp.predict", "fp.predict(p, {})", "x", _arrays("x", "(5,)"), setup=FP, either=("empty", "scalar")
    )
    b.sub(
        m, "fp.certify_local_min", "fp.certify_local_min({})", "params", _arrays("params", "(4,)"), setup=FP
    )
    b.sub(
        m,
        "fp.certify_local_min",
        "fp.certify_local_min(p, tol={})",
        "tol",
        FLOATS,
        setup=FP,
        either=("1e300",),
    )
    b.add(
        m,
        "fp.certify_local_min(x without y)",
        "fp.certify_local_min(p, x=[1.0, 2.0])",
        arg="y",
        expect=("Y",),
        setup=FP,
    )
    b.add(
        m,
        "fp.certify_local_min(x, y length mismatch)",
        "fp.certify_local_min(p, [1.0, 2.0], [1.0])",
        arg="y",
        expect=("Y",),
        setup=FP,
    )
    b.sub(
        m,
        "fp.classify_endpoints",
        "fp.classify_endpoints({})",
        "params",
        _arrays("params", "(3, 4)"),
        setup=FP,
    )
    b.sub(
        m,
        "fp.classify_endpoints",
        "fp.classify_endpoints(np.stack([p, p]), tol={})",
        "tol",
        FLOATS,
        setup=FP,
        either=("1e300",),
    )
    bs = "fp.basin_statistics({r}, steps={s}{kw})"
    b.sub(m, "fp.basin_statistics", bs.format(r="{}", s="5", kw=""), "restarts", INTS, setup=FP)
    b.sub(
        m, "fp.basin_statistics", bs.format(r="4", s="{}", kw=""), "steps", INTS, setup=FP, either=("zero",)
    )
    b.sub(
        m,
        "fp.basin_statistics",
        bs.format(r="4", s="5", kw=", lr={}"),
        "lr",
        FLOATS | {"zero": "0.0"},
        setup=FP,
    )
    b.sub(m, "fp.basin_statistics", bs.format(r="4", s="5", kw=", seed={}"), "seed", SEEDS, setup=FP)
    b.sub(
        m,
        "fp.basin_statistics",
        bs.format(r="4", s="5", kw=", chunk={}"),
        "chunk",
        {k: v for k, v in INTS.items() if k not in ("None", "1e12")},
        setup=FP,
    )
    b.sub(m, "fp.basin_statistics", bs.format(r="4", s="5", kw=", backend={}"), "backend", BACKENDS, setup=FP)
    b.add(
        m,
        "fp.basin_statistics(huge work)",
        bs.format(r="10**12", s="10**12", kw=""),
        arg="restarts",
        expect=("steps", "work", "memory"),
        setup=FP,
    )
    b.sub(m, "fp.initial_params", "fp.initial_params({})", "restarts", INTS, setup=FP)
    b.sub(m, "fp.initial_params", "fp.initial_params(3, seed={})", "seed", SEEDS, setup=FP)
    b.sub(m, "fp.basin_work", "fp.basin_work({}, 10)", "restarts", INTS, setup=FP)
    b.sub(
        m,
        "fp.slice_1d",
        "fp.slice_1d(p, {})",
        "direction",
        _arrays("direction", "(4,)"),
        setup=FP,
        valid=("None",),
    )
    b.sub(
        m,
        "fp.slice_1d",
        "fp.slice_1d(p, None, {})",
        "ts",
        {
            "nan": "[np.nan, 0.0]",
            "str": "'ab'",
            "2d": "[[0.0]]",
            "complex": "[1j]",
            "empty": "[]",
            "huge": "np.zeros(10**10)",
        },
        setup=FP,
        either=("empty",),
    )
    b.sub(m, "fp.slice_2d", "fp.slice_2d(p, p, {}, [0.0], [0.0])", "d2", _arrays("d2", "(4,)"), setup=FP)
    b.add(
        m,
        "fp.slice_2d(huge grid)",
        "fp.slice_2d(p, p, p, np.zeros(10**6), np.zeros(10**6))",
        arg="ts",
        expect=("memory", "bytes", "GB", "grid", "points"),
        setup=FP,
    )
    b.sub(m, "fp.red_blue_plane", "fp.red_blue_plane([0.0], [0.0], seed={})", "seed", SEEDS, setup=FP)
    b.sub(
        m,
        "fp.red_blue_plane",
        "fp.red_blue_plane([0.0], [0.0], third={})",
        "third",
        _arrays("third", "(4,)") | {"RED itself": "p"},
        setup=FP,
        valid=("None",),
    )
    b.sub(
        m,
        "fp.flat_curve",
        "fp.flat_curve({})",
        "a",
        {
            "neg": "-1.0",
            "zero": "0.0",
            "nan": "float('nan')",
            "str": "'x'",
            "None": "None",
            "inf": "float('inf')",
            "complex": "1j",
        },
        setup=FP,
    )


def _more_minima(b: Builder) -> None:
    m = "more_minima"
    st = "from relufast.experiments import more_minima as mm\np = np.linspace(-1, 1, 7)\n"
    b.sub(
        m,
        "mm.get_prop",
        "mm.get_prop({})",
        "prop",
        {"unknown": "'prop4'", "None": "None", "int": "2", "upper": "'PROP2'"},
        setup=st,
    )
    for fn in ("loss", "grad"):
        b.sub(m, f"mm.{fn}", f"mm.{fn}('prop2', {{}})", "params", _arrays("params", "(7,)"), setup=st)
        b.add(m, f"mm.{fn}(wrong P)", f"mm.{fn}('prop2', np.ones(6))", arg="params", setup=st)
        b.add(m, f"mm.{fn}(unknown prop)", f"mm.{fn}('x', p)", arg="prop", setup=st)
        b.add(
            m,
            f"mm.{fn}(tiny) cpu vs numpy",
            f"mm.{fn}('prop2', p * 1e-300, backend='cpu')",
            kind="valid",
            setup=st,
            ref=f"mm.{fn}('prop2', p * 1e-300, backend='numpy')",
        )
        b.add(
            m,
            f"mm.{fn}(huge) cpu vs numpy",
            f"mm.{fn}('prop2', p * 1e100, backend='cpu')",
            kind="valid",
            setup=st,
            ref=f"mm.{fn}('prop2', p * 1e100, backend='numpy')",
        )
    b.sub(
        m,
        "mm.predict",
        "mm.predict('prop2', p, {})",
        "x",
        _arrays("x", "(5,)"),
        setup=st,
        either=("empty", "scalar"),
    )
    xy = "[-1, 0, 1, 10, 11, 12], [5, 0, -1, -3, -4, -5]"
    b.sub(
        m,
        "mm.exact_loss",
        f"mm.exact_loss({{}}, {xy})",
        "params",
        {
            "nan": "[np.nan] * 7",
            "inf": "[np.inf] * 7",
            "str": "['a'] * 7",
            "None": "None",
            "complex": "[1j] * 7",
            "wrong P": "[0.0] * 6",
            "bool": "[True] * 7",
            "huge": "[1e300] * 7",
        },
        setup=st,
        either=("huge",),
    )
    b.sub(
        m,
        "mm.exact_loss",
        "mm.exact_loss([0.0] * 7, {}, [1.0, 2.0])",
        "x",
        {"mismatch": "[1.0]", "nan": "[np.nan, 1.0]", "None": "None", "str": "'ab'"},
        setup=st,
    )
    b.sub(
        m,
        "mm.exact_grad",
        f"mm.exact_grad({{}}, {xy})",
        "params",
        {"nan": "[np.nan] * 7", "wrong P": "[0.0] * 5", "None": "None"},
        setup=st,
    )
    b.sub(
        m,
        "mm.certify",
        f"mm.certify({{}}, {xy})",
        "params",
        {
            "nan": "[np.nan] * 7",
            "wrong P": "[0.0] * 5",
            "None": "None",
            "str": "'abc'",
            "inf": "[np.inf] * 7",
        },
        setup=st,
    )
    b.add(m, "mm.certify(tiny 1e-300)", f"mm.certify([1e-300] * 7, {xy})", kind="either", setup=st)
    b.sub(
        m,
        "mm.polish",
        f"mm.polish({{}}, {xy})",
        "params",
        {"nan": "[np.nan] * 7", "wrong P": "[0.0] * 5", "None": "None"},
        setup=st,
    )
    b.sub(m, "mm.polish", f"mm.polish([0.5] * 7, {xy}, tol={{}})", "tol", FLOATS, setup=st, either=("1e300",))
    b.sub(
        m,
        "mm.polish",
        f"mm.polish([0.5] * 7, {xy}, max_rounds={{}})",
        "max_rounds",
        INTS,
        setup=st,
        either=("zero",),
    )
    b.sub(
        m,
        "mm.check_point",
        "mm.check_point('prop2', {})",
        "key",
        {"unknown": "'nope'", "None": "None", "int": "1"},
        setup=st,
        expect=("point",),
    )
    b.sub(
        m,
        "mm.check_point",
        "mm.check_point('prop2', 'prop2_local', backend={})",
        "backend",
        BACKENDS,
        setup=st,
    )
    b.sub(m, "mm.initial_params", "mm.initial_params('prop2', {})", "restarts", INTS, setup=st)
    b.sub(m, "mm.initial_params", "mm.initial_params('prop2', 3, seed={})", "seed", SEEDS, setup=st)
    b.sub(m, "mm.basin_work", "mm.basin_work({}, 10)", "restarts", INTS, setup=st)
    bs = "mm.basin_statistics('prop2', {r}, steps={s}{kw})"
    b.sub(m, "mm.basin_statistics", bs.format(r="{}", s="5", kw=""), "restarts", INTS, setup=st)
    b.sub(
        m, "mm.basin_statistics", bs.format(r="3", s="{}", kw=""), "steps", INTS, setup=st, either=("zero",)
    )
    b.sub(
        m,
        "mm.basin_statistics",
        bs.format(r="3", s="5", kw=", lr={}"),
        "lr",
        FLOATS | {"zero": "0.0"},
        setup=st,
    )
    b.sub(
        m,
        "mm.basin_statistics",
        bs.format(r="3", s="5", kw=", tol={}"),
        "tol",
        FLOATS,
        setup=st,
        either=("1e300",),
    )
    b.sub(
        m,
        "mm.basin_statistics",
        bs.format(r="3", s="5", kw=", loss_tol={}"),
        "loss_tol",
        FLOATS,
        setup=st,
        either=("1e300",),
    )
    b.sub(
        m,
        "mm.basin_statistics",
        "mm.basin_statistics({}, 3, steps=5)",
        "prop",
        {"unknown": "'x'", "None": "None"},
        setup=st,
    )
    b.sub(
        m,
        "mm.classify_endpoints",
        "mm.classify_endpoints('prop2', {})",
        "params",
        _arrays("params", "(3, 7)"),
        setup=st,
    )
    b.sub(
        m,
        "mm.classify_endpoints",
        "mm.classify_endpoints('prop2', np.stack([p, p]), max_polish={})",
        "max_polish",
        {"neg": "-1", "float": "1.5", "None": "None", "str": "'1'", "2**63": "2**63"},
        setup=st,
        either=("2**63",),
    )
    b.sub(
        m,
        "mm.to_fractions",
        "mm.to_fractions({})",
        "values",
        {
            "nan": "[np.nan]",
            "inf": "[np.inf]",
            "str": "['a']",
            "None": "None",
            "complex": "[1j]",
            "2d": "[[1.0]]",
        },
        setup=st,
        expect=("value",),
    )
    b.sub(
        m,
        "mm.param_name",
        "mm.param_name({}, 2)",
        "k",
        {"neg": "-1", "over": "7", "float": "1.5", "str": "'a'"},
        setup=st,
    )
    b.sub(
        m,
        "mm.params_str",
        "mm.params_str({}, 2)",
        "p",
        {"wrong P": "[1, 2]", "None": "None", "str": "'abc'"},
        setup=st,
    )


def _colt2021(b: Builder) -> None:
    m = "colt2021"
    st = "from relufast.experiments import colt2021 as c\n"
    b.sub(
        m,
        "colt2021.sweep",
        "c.sweep({})",
        "runs",
        {
            "None": "None",
            "list": "[2, 3]",
            "k=1": "{1: 2}",
            "k float": "{2.5: 2}",
            "restarts 0": "{2: 0}",
            "restarts neg": "{2: -1}",
            "restarts float": "{2: 1.5}",
            "restarts str": "{2: '2'}",
            "k str": "{'2': 2}",
            "restarts nan": "{2: float('nan')}",
            "huge": "{2: 10**12}",
            "k huge": "{10**6: 1}",
            "empty": "{}",
            "k bool": "{True: 2}",
            "restarts inf": "{2: float('inf')}",
        },
        setup=st,
        either=("empty",),
        expect=("k", "restarts"),
    )
    b.sub(m, "colt2021.sweep", "c.sweep({2: 1}, {})", "seed", SEEDS, setup=st)
    b.sub(m, "colt2021.sweep", "c.sweep({2: 1}, backend={})", "backend", BACKENDS, setup=st)
    b.add(m, "colt2021.sweep(runner not callable)", "c.sweep({2: 1}, runner=3)", arg="runner", setup=st)
    b.sub(
        m,
        "colt2021.fraction_rows",
        "c.fraction_rows({})",
        "cells",
        {"None": "None", "str": "'ab'", "dict missing keys": "[{}]", "ints": "[1, 2]"},
        setup=st,
    )
    b.sub(
        m,
        "colt2021.family_rows",
        "c.family_rows({})",
        "cells",
        {"None": "None", "dict missing keys": "[{}]", "ints": "[1, 2]"},
        setup=st,
    )
    b.sub(
        m,
        "colt2021.fit_a_over_k",
        "c.fit_a_over_k({})",
        "rows",
        {
            "None": "None",
            "empty": "[]",
            "ints": "[1, 2]",
            "missing keys": "[{}]",
            "one row": "[{'k': 4, 'type': '[1, k-1]', 'F': 0.1}]",
            "nan": "[{'k': 4, 'type': '[1, k-1]', 'F': np.nan}, {'k': 5, 'type': '[1, k-1]', 'F': 0.1},"
            " {'k': 6, 'type': '[1, k-1]', 'F': 0.1}]",
        },
        setup=st,
        either=("empty", "one row"),
    )
    b.sub(
        m,
        "colt2021.fit_a_over_k",
        "c.fit_a_over_k([], family={})",
        "family",
        {"None": "None", "int": "1"},
        setup=st,
        either=("None", "int"),
    )


def _backend(b: Builder) -> None:
    m = "backend"
    st = "import relufast\n"
    b.sub(
        m,
        "set_num_threads",
        "relufast.set_num_threads({})",
        "n",
        INTS
        | {
            "huge": "10**6",
            "np.int64": "np.int64(1)",
            "np.float": "np.float64(1.0)",
            "4xcpu+1": "4 * __import__('os').cpu_count() + 1",
        },
        setup=st,
        valid=("np.int64",),
        expect=("thread",),
    )
    st2 = "from relufast import backend as B\n"
    b.sub(m, "backend.resolve", "B.resolve({})", "backend", BACKENDS, setup=st2, either=("cuda",))
    b.sub(
        m,
        "backend.get",
        "B.get('teacher', {}, 'cpu')",
        "kernel",
        {"unknown": "'nope'", "None": "None", "int": "1"},
        setup=st2,
    )
    b.sub(
        m,
        "backend.get",
        "B.get({}, 'loss_grad', 'cpu')",
        "objective",
        {"unknown": "'nope'", "None": "None", "int": "1"},
        setup=st2,
    )


def _datasets(b: Builder) -> None:
    m = "datasets"
    st = "from relufast import datasets as D\nimport gzip, struct, os\n"
    files = {
        "missing": "",
        "empty": "open(f, 'wb').close()",
        "garbage": "open(f, 'wb').write(b'hello world, not idx')",
        "bad magic": "open(f, 'wb').write(struct.pack('>I', 0x12345678) + b'\\0' * 16)",
        "bad dtype code": "open(f, 'wb').write(bytes([0, 0, 0x42, 3]) + struct.pack('>III', 1, 2, 2) + b'\\0' * 4)",  # noqa: E501
        "truncated": "open(f, 'wb').write(bytes([0, 0, 8, 3]) + struct.pack('>III', 10, 28, 28) + b'\\0' * 100)",  # noqa: E501
        "too long": "open(f, 'wb').write(bytes([0, 0, 8, 3]) + struct.pack('>III', 1, 2, 2) + b'\\0' * 40)",
        "huge dims": "open(f, 'wb').write(bytes([0, 0, 8, 3]) + struct.pack('>III', 2**31, 2**31, 2**31))",
        "zero dims": "open(f, 'wb').write(bytes([0, 0, 8, 0]))",
        "255 dims": "open(f, 'wb').write(bytes([0, 0, 8, 255]) + b'\\0\\0\\0\\1' * 255 + b'\\0')",
        "bad gzip": "open(f, 'wb').write(b'\\x1f\\x8b' + b'garbage' * 10)",
        "gzip truncated": "open(f, 'wb').write(gzip.compress(bytes([0, 0, 8, 3]) + struct.pack('>III', 5, 28, 28) + b'\\0' * 200)[:-20])",  # noqa: E501
        "directory": "os.mkdir(f)",
        "header only": "open(f, 'wb').write(bytes([0, 0, 8, 1]))",
        "float dtype": "open(f, 'wb').write(bytes([0, 0, 0x0D, 1]) + struct.pack('>I', 2) + struct.pack('>ff', 1.0, float('nan')))",  # noqa: E501
    }
    for label, make in files.items():
        setup = st + "f = TMP + '/train-images-idx3-ubyte'\n" + make + "\n"
        b.add(
            m,
            f"datasets.read_idx({label})",
            "D.read_idx(f)",
            arg="path",
            expect=("idx", "train-images", "file"),
            setup=setup,
            ok_types=("OSError", "EOFError"),
            kind="either" if label == "float dtype" else "invalid",
        )
        if label != "float dtype":
            b.add(
                m,
                f"datasets.load_mnist({label})",
                "D.load_mnist(f)",
                arg="path",
                expect=("idx", "train-images", "file", "labels"),
                setup=setup,
                ok_types=("OSError", "EOFError"),
            )
    good_img = "open(f, 'wb').write(bytes([0, 0, 8, 3]) + struct.pack('>III', 3, 2, 2) + bytes(range(12)))\n"
    lab = "g = TMP + '/train-labels-idx1-ubyte'\n"
    labels = {
        "missing": "",
        "count mismatch": "open(g, 'wb').write(bytes([0, 0, 8, 1]) + struct.pack('>I', 2) + bytes([1, 2]))",
        "label 200": "open(g, 'wb').write(bytes([0, 0, 8, 1]) + struct.pack('>I', 3) + bytes([1, 2, 200]))",
        "2d labels": "open(g, 'wb').write(bytes([0, 0, 8, 2]) + struct.pack('>II', 3, 1) + bytes([1, 2, 3]))",
        "float labels": "open(g, 'wb').write(bytes([0, 0, 0x0D, 1]) + struct.pack('>I', 3) + struct.pack('>fff', 1.0, 0.5, 2.0))",  # noqa: E501
    }
    for label, make in labels.items():
        setup = st + "f = TMP + '/train-images-idx3-ubyte'\n" + good_img + lab + make + "\n"
        kind = "either" if label in ("label 200", "2d labels") else "invalid"  # any labels; (n, 1) is (n,)
        b.add(
            m,
            f"datasets.load_mnist(labels {label})",
            "D.load_mnist(f)",
            arg="labels",
            kind=kind,
            expect=("label", "idx1", "file"),
            setup=setup,
            ok_types=("OSError",),
        )
    setup = (
        st
        + "f = TMP + '/train-images-idx3-ubyte'\n"
        + good_img
        + lab
        + "open(g, 'wb').write(bytes([0, 0, 8, 1]) + struct.pack('>I', 3) + bytes([1, 2, 3]))\n"
    )
    b.add(
        m,
        "datasets.load_mnist(good tiny)",
        "D.load_mnist(f)[0].shape",
        kind="valid",
        setup=setup,
        ref="(3, 4)",
    )
    b.sub(
        m,
        "datasets.load_mnist",
        "D.load_mnist(f, split={})",
        "split",
        {"unknown": "'val'", "None": "None", "int": "1"},
        setup=setup,
        either=("unknown", "None", "int"),
    )
    b.sub(
        m,
        "datasets.load_mnist",
        "D.load_mnist(f, limit={})",
        "limit",
        {k: v for k, v in INTS.items() if k not in ("None",)},
        setup=setup,
        either=("2**63", "1e12"),
    )
    npz = {
        "npz no keys": "np.savez(f, a=np.zeros(3))",
        "npz mismatched": "np.savez(f, x_train=np.zeros((3, 2, 2)), y_train=np.zeros(2, dtype=int))",
        "npz object": "np.savez(f, x_train=np.array([None, 1], dtype=object), y_train=np.zeros(2, dtype=int))",  # noqa: E501
        "npz nan images": "np.savez(f, x_train=np.full((2, 2, 2), np.nan), y_train=np.zeros(2, dtype=int))",
        "npz neg labels": "np.savez(f, x_train=np.zeros((2, 2, 2)), y_train=np.array([-1, 0]))",
        "npz corrupt": "open(f, 'wb').write(b'PK\\x03\\x04 garbage')",
    }
    for label, make in npz.items():
        setup = st + "f = TMP + '/mnist.npz'\n" + make + "\n"
        b.add(
            m,
            f"datasets.load_mnist({label})",
            "D.load_mnist(f)",
            arg="path",
            expect=("npz", "x_train", "label", "image", "mnist", "y_train"),
            setup=setup,
            ok_types=("OSError",),
        )
    b.sub(
        m,
        "datasets.load_mnist",
        "D.load_mnist({})",
        "path",
        {"None": "None", "int": "3", "bool": "True"},
        setup=st,
        ok_types=("OSError",),
    )
    b.sub(
        m,
        "datasets.check_labels",
        "D.check_labels({})",
        "y",
        {
            "neg": "[-1, 0]",
            "float": "[0.5]",
            "nan": "[np.nan]",
            "str": "['a']",
            "None": "None",
            "2d": "[[1]]",
            "complex": "[1j]",
            "bool": "[True, False]",
            "huge": "[2**63]",
        },
        setup=st,
        either=("bool",),
    )
    b.sub(
        m,
        "datasets.one_hot",
        "D.one_hot([0, 1, 2], {})",
        "num_classes",
        {"too few": "2", "zero": "0", "neg": "-1", "float": "2.5", "huge": "10**12", "str": "'3'"},
        setup=st,
    )
    b.sub(m, "datasets.permute_labels", "D.permute_labels([0, 1, 2], {})", "seed", SEEDS, setup=st)
    b.sub(
        m,
        "datasets.majority_rate",
        "D.majority_rate({})",
        "y",
        {"empty": "[]", "None": "None", "neg": "[-1]"},
        setup=st,
    )


def _cli(b: Builder) -> None:
    m = "cli"
    small = ["table", "--k", "2", "--extra", "0", "--restarts", "2", "--max-iters", "50", "--quiet"]

    def cli(
        name: str, args: list[str], arg: str, kind: str = "invalid", expect: tuple[str, ...] = (), keep=False
    ):
        b.probes.append(Probe(m, name, "", arg=arg, expect=expect, kind=kind, cli=args, keep_file=keep))

    cli("no command", [], "command", expect=("required", "command"))
    cli("unknown command", ["frobnicate"], "command", expect=("invalid choice",))
    cli("info", ["info"], "", kind="valid")
    cli("table tiny", small, "", kind="valid")
    for flag, vals in {
        "--k": ["0", "-1", "abc", "2-", "9-2", "2.5", "99999999999999999999", "", "1-100000000"],
        "--extra": ["-1", "x", "2.5", ""],
        "--restarts": ["0", "-5", "abc", "2.5", "9223372036854775808", "1000000000000"],
        "--step": ["nan", "inf", "-1", "0", "abc", "1e309"],
        "--tol": ["nan", "-1", "0", "abc"],
        "--seed": ["-1", "2.5", "18446744073709551616", "abc"],
        "--teacher-seed": ["-1", "abc"],
        "--threads": ["-1", "100000", "abc", "9223372036854775808"],
        "--workers": ["-1", "abc"],
        "--shard-size": ["0", "-1", "abc"],
        "--max-iters": ["0", "-1", "abc", "9223372036854775808"],
        "--backend": ["gpu", "", "cuda"],
        "--protocol": ["neurips", ""],
        "--teacher": ["random"],
    }.items():
        for v in vals:
            args = [a for a in small]
            if flag in args:
                i = args.index(flag)
                args[i + 1] = v
            else:
                args += [flag, v]
            words = {"--backend": ("cuda", "backend"), "--k": ("k",), "--threads": ("thread",)}.get(flag, ())
            cli(f"table {flag} {v!r}", args, flag, expect=words + (flag.lstrip("-").replace("-", "_"),))
    cli(
        "table --scheduler and --workers",
        [*small, "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
        "--scheduler",
    )
    cli(
        "table --scheduler unreachable",
        [*small, "--scheduler", "tcp://127.0.0.1:1"],
        "--scheduler",
        expect=("scheduler", "connect", "dask", "127.0.0.1"),
    )
    cli("table --store is a file", [*small, "--store", "{TMP}/afile"], "--store", expect=("afile", "store"))
    cli(
        "table --store under a file",
        [*small, "--store", "{TMP}/afile/sub"],
        "--store",
        expect=("afile", "store"),
    )
    cli("table --out directory", [*small, "--out", "{TMP}"], "--out", expect=("directory",))
    cli("table --out missing folder", [*small, "--out", "{TMP}/nope/t.csv"], "--out", expect=("folder",))
    cli(
        "table --out existing, no --force",
        [*small, "--out", "{TMP}/exists.csv"],
        "--out",
        expect=("exists",),
        keep=True,
    )
    cli("table --out under a file", [*small, "--out", "{TMP}/afile/t.csv"], "--out", expect=("folder",))
    cli(
        "table --out existing with --force",
        [*small, "--out", "{TMP}/exists.csv", "--force"],
        "--out",
        kind="valid",
    )
    cli("table --out empty string", [*small, "--out", ""], "--out", expect=("directory", "folder", "out"))
    cli(
        "table --out existing, bad --k",
        [*small[:2], "0", *small[3:], "--out", "{TMP}/exists.csv", "--force"],
        "--k",
        keep=True,
    )
    cli(
        "table huge memory",
        ["table", "--k", "200", "--extra", "0", "--restarts", "100000000", "--quiet"],
        "--restarts",
        expect=("memory", "bytes", "GB", "restarts"),
    )
    cli("table --restarts and --no-hessian", [*small, "--no-hessian"], "", kind="valid")


# --------------------------------------------------------------------------- the table

CLEAN = {"clear error"}


def _expected(o: Outcome) -> bool:
    if o.outcome in CLEAN:
        return o.kind in ("invalid", "either") or False
    if o.outcome == "result":  # an overflow warning on huge input is fair; a discarded imaginary part is not
        return o.kind in ("valid", "either") and not any(n.startswith("ComplexWarning") for n in o.notes)
    return False


def report(outs: list[Outcome]) -> str:
    lines = []
    mods = list(dict.fromkeys(o.module for o in outs))
    cols = [c for c in OUTCOMES]
    short = {
        "clear error": "clear",
        "unclear error": "unclear",
        "other exception": "other",
        "result": "result",
        "silent wrong result": "silent",
        "crash": "crash",
        "abort": "abort",
        "timeout": "timeout",
        "traceback": "trace",
    }
    head = f"{'module':<15}{'probes':>7}" + "".join(f"{short[c]:>9}" for c in cols)
    lines += [head, "-" * len(head)]
    total = Counter()
    for mod in mods:
        c = Counter(o.outcome for o in outs if o.module == mod)
        total.update(c)
        n = sum(c.values())
        lines.append(f"{mod:<15}{n:>7}" + "".join(f"{c.get(k, 0):>9}" for k in cols))
    lines.append("-" * len(head))
    lines.append(f"{'total':<15}{len(outs):>7}" + "".join(f"{total.get(k, 0):>9}" for k in cols))
    fns = {o.name.split("(")[0].split(" ")[0] for o in outs if o.module != "cli"}
    cli_n = sum(o.module == "cli" for o in outs)
    lines.append("")
    lines.append(f"{len(outs)} probes over {len(fns)} public functions and {cli_n} CLI invocations")
    bad_valid = [o for o in outs if o.kind == "valid" and o.outcome != "result"]
    lines.append(f"valid inputs without the expected result: {len(bad_valid)}")
    lines.append("")
    rest = [o for o in outs if not _expected(o)]
    lines.append(f"Probes that were neither a clear error nor an expected result ({len(rest)}):")
    for o in rest:
        msg = (o.message.strip().splitlines() or [""])[0][:150]
        if o.exc_type:
            msg = f"{o.exc_type}: {msg}"
        if o.notes:
            msg += f"  [warned: {o.notes[0][:100]}]"
        lines.append(f"  [{o.outcome}] ({o.kind}) {o.module}: {o.name}")
        lines.append(f"      input: {o.input}")
        lines.append(f"      -> {msg}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=None, help="run only probes whose module or name contains this")
    ap.add_argument("--jobs", type=int, default=1, help="probes run at once (default 1)")
    ap.add_argument("--json", default=None, metavar="PATH", help="write the raw outcomes here")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per probe (default 60)")
    ap.add_argument("--list", action="store_true", help="list the probes and exit")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")
    probes = build()
    if args.only:
        probes = [p for p in probes if args.only in p.module or args.only in p.name]
    if args.list:
        for p in probes:
            print(f"{p.module}: {p.name}: {' '.join(p.cli) if p.cli is not None else p.call}")
        print(len(probes), "probes")
        return 0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as ex:
        outs = []
        for i, o in enumerate(ex.map(lambda p: run_probe(p, args.timeout), probes), 1):
            outs.append(o)
            if sys.stderr.isatty() or i % 50 == 0:
                sys.stderr.write(f"\r{i}/{len(probes)} probes  ")
                sys.stderr.flush()
    sys.stderr.write("\n")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(o) for o in outs], indent=1))
    print(report(outs))
    print(f"\n(wall time {time.perf_counter() - t0:.0f} s, one probe at a time: --jobs {args.jobs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
