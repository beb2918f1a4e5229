"""The ``relufast`` command line.

Usage::

    relufast table --k 6-10 --extra 0,1 --restarts 1000 --out table.csv
    relufast table --protocol colt2021 --k 6-30 --extra 0 --no-hessian
    relufast info
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from . import backend as _backend

__all__ = ["main", "parse_ints"]


def parse_ints(text: str) -> list[int]:
    """'6-10' -> [6..10], '6,8,10' -> [6, 8, 10], '6-8,12' -> [6, 7, 8, 12].

    The ``type=`` of the integer-list options (``--k``, ``--extra``).

    Parameters
    ----------
    text : str
        Comma-separated integers and inclusive ranges ``lo-hi``.

    Returns
    -------
    list of int
        In the order written (ranges expanded; duplicates kept).

    Raises
    ------
    argparse.ArgumentTypeError
        If a part is not an integer or a range, or there is no integer at all.

    Examples
    --------
    >>> parse_ints("6-8,12")
    [6, 7, 8, 12]
    >>> parse_ints("0,1")
    [0, 1]
    """
    out: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                lo, hi = part.split("-", 1)
                out.extend(range(int(lo), int(hi) + 1))
            elif part:
                out.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like '6-10' or '0,1,2', got {text!r}") from None
    if not out:
        raise argparse.ArgumentTypeError(f"no integers in {text!r}")
    return out


class ProgressBar:
    """A dependency-free progress bar on stderr (silent when stderr is not a terminal and quiet).

    Call it as ``bar(done, total)`` (the ``progress=`` callback of the experiments); it redraws at
    most every 0.2 s, and always for the last call (``done == total``).

    Parameters
    ----------
    stream : file-like, default sys.stderr
        Where the bar is written.
    width : int, default 30
        Characters of the bar itself.
    enabled : bool, default True
        False: write nothing.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(stream=out, width=4)
    >>> bar(4, 4)
    >>> bar.close()
    >>> out.getvalue().strip()
    '[####] 4/4 runs  eta      0s'
    """

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30, enabled: bool = True) -> None:
        self.stream, self.width, self.enabled = stream, width, enabled
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Draw the bar for ``done`` of ``total`` runs, with the time left extrapolated.

        Parameters
        ----------
        done : int
            Runs finished so far.
        total : int
            Runs in all.
        """
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.2 and done < total):
            return
        self.last = now
        frac = done / total if total else 1.0
        fill = int(round(self.width * frac))
        eta = (now - self.t0) * (1 - frac) / frac if frac > 0 else math.inf
        eta_s = f"{eta:6.0f}s" if math.isfinite(eta) else "     ?"
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {done}/{total} runs  eta {eta_s}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (when enabled)."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _cmd_table(args: argparse.Namespace) -> int:
    from .experiments import safran_shamir as ss

    if args.threads:
        _backend.set_num_threads(args.threads)
    shown = [
        "k",
        "n",
        "runs",
        "pct_spurious",
        "ci_lo",
        "ci_hi",
        "paper_pct",
        "avg_lambda_min",
        "paper_lambda_min",
        "avg_F",
        "paper_F",
        "not_converged",
        "families",
        "wall_s",
    ]
    if args.no_hessian:
        shown.insert(shown.index("not_converged"), "candidates")
    out = open(args.out, "w", newline="") if args.out else None
    writer = csv.DictWriter(out, fieldnames=ss.TABLE_COLUMNS) if out else None
    if writer and out:
        writer.writeheader()
        out.flush()
    bar = ProgressBar(enabled=not args.quiet)
    rows = []

    def on_row(row: dict[str, Any]) -> None:
        rows.append(row)
        if writer and out:  # written at once: an interrupt keeps every finished row
            writer.writerow(row)
            out.flush()

    status = 0
    executor, closer = _executor(args)
    try:
        ss.table(
            args.k,
            args.extra,
            args.restarts or ss.get_protocol(args.protocol).restarts,
            args.seed,
            backend=args.backend,
            protocol=args.protocol,
            step=args.step,
            tol=args.tol,
            max_iters=args.max_iters,
            polish=args.polish,
            hessian=not args.no_hessian,
            teacher=args.teacher,
            teacher_seed=args.teacher_seed,
            progress=bar,
            on_row=on_row,
            executor=executor,
            store=args.store,
            shard_size=args.shard_size,
            threads_per_worker=args.threads or 1,
        )
    except KeyboardInterrupt:
        status = 130
        kept = f"; finished shards are in {args.store}, run again to resume" if args.store else ""
        sys.stderr.write(f"\ninterrupted: {len(rows)} finished row(s) kept{kept}\n")
    finally:
        bar.close()
        closer()
        if out:
            out.close()
    widths = {c: max(len(c), *(len(_fmt(r[c])) for r in rows)) if rows else len(c) for c in shown}
    print("  ".join(c.rjust(widths[c]) for c in shown))
    for r in rows:
        print("  ".join(_fmt(r[c]).rjust(widths[c]) for c in shown))
    if args.out:
        print(f"wrote {len(rows)} row(s) to {args.out}")
    return status


def _executor(args: argparse.Namespace) -> tuple[Any, Any]:
    """The executor the table's shards run on (--scheduler, --workers) and how to close it."""
    if args.scheduler and args.workers:
        raise ValueError("--scheduler and --workers exclude each other")
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ValueError("--scheduler needs dask.distributed: pip install 'relufast[cluster]'") from None
        client = Client(args.scheduler)
        return client.get_executor(), client.close
    if args.workers:
        import concurrent.futures
        import multiprocessing

        pool = concurrent.futures.ProcessPoolExecutor(
            args.workers, mp_context=multiprocessing.get_context("spawn")
        )
        return pool, pool.shutdown
    return None, lambda: None


def _cmd_info(args: argparse.Namespace) -> int:
    for key, val in _backend.info().items():
        print(f"{key:>16}: {val}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``relufast`` command: subcommands ``table`` and ``info``.

    Returns
    -------
    argparse.ArgumentParser
        Each subcommand sets ``func``, the function :func:`main` calls with the parsed arguments.

    Examples
    --------
    >>> args = build_parser().parse_args(["table", "--k", "6-7", "--restarts", "10"])
    >>> args.command, args.k, args.extra, args.restarts
    ('table', [6, 7], [0, 1], 10)
    """
    from .experiments import safran_shamir as ss

    p = argparse.ArgumentParser(prog="relufast", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("table", help="reproduce Safran & Shamir's Table 1 (spurious-minimum rates)")
    t.add_argument("--k", type=parse_ints, default=[6, 7, 8], help="teacher widths, e.g. 6-10 (default 6-8)")
    t.add_argument("--extra", type=parse_ints, default=[0, 1], help="n - k values, e.g. 0,1,2 (default 0,1)")
    t.add_argument(
        "--restarts",
        type=int,
        default=None,
        help="GD runs per cell (default: the protocol's, 1000 for icml2018, 500 for colt2021)",
    )
    t.add_argument(
        "--protocol",
        default="icml2018",
        choices=list(ss.PROTOCOLS),
        help="icml2018: step 0.1, 2 pi max|grad_i| <= 1e-9 (Safran & Shamir 2018); colt2021: "
        "step 5/k, |grad|_F <= 1e-12 (Safran, Yehudai & Shamir 2021)",
    )
    t.add_argument("--step", type=float, default=None, help="GD step (default: the protocol's)")
    t.add_argument(
        "--tol", type=float, default=None, help="gradient-norm tolerance (default: the protocol's)"
    )
    t.add_argument(
        "--no-hessian",
        action="store_true",
        help="skip lambda_min: candidates F >= 1e-3 stay unlabelled ('candidate')",
    )
    t.add_argument(
        "--teacher",
        default="identity",
        choices=list(ss.TEACHERS),
        help="identity (the papers'), or a random orthogonal or Gaussian teacher",
    )
    t.add_argument("--teacher-seed", type=int, default=0, help="seed of a random teacher")
    t.add_argument(
        "--store",
        default=None,
        metavar="DIR",
        help="keep every finished shard here (Parquet); a rerun skips them (resume)",
    )
    t.add_argument(
        "--shard-size", type=int, default=None, help="restarts per shard (default 250 with --store)"
    )
    t.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the shards on a Dask cluster, e.g. tcp://host:8786 ('dask scheduler')",
    )
    t.add_argument("--workers", type=int, default=0, help="run the shards on N local worker processes")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--backend", default="auto", choices=_backend.BACKENDS)
    t.add_argument("--threads", type=int, default=0, help="OpenMP threads (default: all cores)")
    t.add_argument("--max-iters", type=int, default=None, help="safety cap on GD steps per run (default 1e6)")
    t.add_argument("--polish", action="store_true", help="Newton-polish spurious endpoints")
    t.add_argument("--out", help="CSV file; rows are written as they finish")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_cmd_table)
    i = sub.add_parser("info", help="which backend runs, threads, CUDA devices")
    i.set_defaults(func=_cmd_info)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``relufast`` command (the console script's entry point).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 after a ``ValueError``/``RuntimeError`` (reported on
        stderr as ``relufast: error: ...``), 130 when ``table`` was interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, RuntimeError) as exc:
        sys.stderr.write(f"relufast: error: {exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
