"""The ``relufast`` command line.

Usage::

    relufast table --k 6-10 --extra 0,1 --restarts 1000 --out table.csv
    relufast table --protocol colt2021 --k 6-30 --extra 0 --no-hessian
    relufast info
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import backend as _backend
from ._validate import positive_int, seed

__all__ = ["main", "parse_ints"]


_MAX_INTS = 10_000  # integers one --k/--extra list may expand to (a typo like 1-100000000 is refused)


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
                span = range(int(lo), int(hi) + 1)
                if len(out) + len(span) > _MAX_INTS:
                    raise argparse.ArgumentTypeError(f"{text!r} expands to more than {_MAX_INTS} integers")
                out.extend(span)
            elif part:
                out.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like '6-10' or '0,1,2', got {text!r}") from None
    if not out:
        raise argparse.ArgumentTypeError(f"no integers in {text!r}")
    return out


class ProgressBar:
    """The table's progress bar: a :mod:`tqdm` bar on stderr with the rate and the time left.

    Call it as ``bar(done, total)`` (the ``progress=`` callback of the experiments). It writes
    nothing when disabled or when its stream is not a terminal (a log file, a pipe, CI).

    Parameters
    ----------
    stream : file-like, default sys.stderr
        Where the bar is written.
    enabled : bool, default True
        False: write nothing, even on a terminal.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()  # not a terminal: the bar stays quiet
    >>> bar = ProgressBar(stream=out)
    >>> bar(4, 4)
    >>> bar.close()
    >>> out.getvalue()
    ''
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=None,
            unit="run",
            file=sys.stderr if stream is None else stream,
            disable=None if enabled else True,  # None: only on a terminal
            dynamic_ncols=True,
            smoothing=0.05,
        )

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` runs finished.

        Parameters
        ----------
        done : int
            Runs finished so far.
        total : int
            Runs in all.
        """
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        """End the bar's line."""
        self.bar.close()


class CsvOut:
    """Rows written to a CSV file atomically: each :meth:`add` rewrites it through a temporary file.

    The file is written in full to a temporary file in the target folder, which is then renamed
    into place (``os.replace``), so the target always holds a complete table of the rows finished
    so far, an interrupt at any moment included, and it is not touched before the first row.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    fieldnames : sequence of str
        The columns (the header).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = CsvOut(os.path.join(tmp, "t.csv"), ["k", "n"])
    ...     out.add({"k": 6, "n": 7})
    ...     print(out.path.read_text().split())
    ['k,n', '6,7']
    """

    def __init__(self, path: str | os.PathLike[str], fieldnames: Sequence[str]) -> None:
        self.path = Path(path)
        self.fieldnames = list(fieldnames)
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """Append a row and put the whole file in place."""
        self.rows.append(row)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # as open() would create it (mkstemp makes it 0600)
            with os.fdopen(fd, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=self.fieldnames)
                writer.writeheader()
                writer.writerows(self.rows)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _check_out(out: str, force: bool) -> Path:
    """The --out file, checked to be writable: a file in an existing folder, new unless ``force``."""
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"--out {out} is a directory; give a file name such as {path / 'table.csv'}")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"--out {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: the folder {folder} is not writable")
    if path.exists() and not force:
        raise ValueError(f"--out {out} exists; pass --force to overwrite it")
    return path


def _knobs(args: argparse.Namespace) -> dict[str, Any]:
    """The cell settings of ``table``'s arguments, as both the checks and the run pass them."""
    return {
        "step": args.step,
        "tol": args.tol,
        "max_iters": args.max_iters,
        "certify_after": args.certify_after,
        "certify_tol": args.certify_tol,
        "polish": args.polish,
        "hessian": not args.no_hessian,
        "teacher": args.teacher,
        "teacher_seed": args.teacher_seed,
        "backend": args.backend,
    }


def _check_table(args: argparse.Namespace) -> tuple[int, Path | None]:
    """Every argument of ``table`` checked before anything runs; the restarts and the --out path."""
    from .experiments import safran_shamir as ss

    ks = [positive_int(k, "--k") for k in args.k]
    extra = [positive_int(e, "--extra", minimum=0) for e in args.extra]
    proto = ss.get_protocol(args.protocol)
    restarts = proto.restarts if args.restarts is None else positive_int(args.restarts, "--restarts")
    seed(args.seed, "--seed")
    seed(args.teacher_seed, "--teacher-seed")
    if args.threads:
        _backend.check_num_threads(args.threads, "--threads")
    positive_int(args.workers, "--workers", minimum=0)
    if args.shard_size is not None:
        positive_int(args.shard_size, "--shard-size")
    if args.scheduler and args.workers:
        raise ValueError("--scheduler and --workers exclude each other")
    for k in ks:
        for e in extra:
            spec = ss.cell_spec(k, k + e, args.seed, protocol=proto, **_knobs(args))
            ss.check_run_memory(spec, restarts)
    return restarts, None if args.out is None else _check_out(args.out, args.force)


def _cmd_table(args: argparse.Namespace) -> int:
    from .experiments import safran_shamir as ss

    restarts, out_path = _check_table(args)  # before any file is touched or any work starts
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
    out = None if out_path is None else CsvOut(out_path, ss.TABLE_COLUMNS)
    rows: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        rows.append(row)
        if out is not None:  # in place at once: an interrupt keeps every finished row
            out.add(row)

    status = 0
    bar = ProgressBar(enabled=not args.quiet)
    executor, closer = _executor(args)
    try:
        ss.table(
            args.k,
            args.extra,
            restarts,
            args.seed,
            protocol=args.protocol,
            **_knobs(args),
            progress=bar,
            on_row=on_row,
            executor=executor,
            store=args.store,
            shard_size=args.shard_size,
            threads_per_worker=args.threads or 1,
        )
    except KeyboardInterrupt:
        status = 130
        kept = ""
        if args.store:
            again = " with --force" if args.out else ""
            kept = f"; finished shards are in {args.store}, run again{again} to resume"
        where = f" in {args.out}" if args.out and rows else ""
        sys.stderr.write(f"\ninterrupted: {len(rows)} finished row(s) kept{where}{kept}\n")
    finally:
        bar.close()
        closer()
    widths = {c: max(len(c), *(len(_fmt(r[c])) for r in rows)) if rows else len(c) for c in shown}
    print("  ".join(c.rjust(widths[c]) for c in shown))
    for r in rows:
        print("  ".join(_fmt(r[c]).rjust(widths[c]) for c in shown))
    if args.out and rows:
        print(f"wrote {len(rows)} row(s) to {args.out}")
    return status


def _executor(args: argparse.Namespace) -> tuple[Any, Any]:
    """The executor the table's shards run on (--scheduler, --workers) and how to close it."""
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
    t.add_argument(
        "--certify-after",
        type=int,
        default=None,
        metavar="STEPS",
        help="hand runs still going after STEPS to Newton and the certificate once their gradient "
        "norm is --certify-tol, and those not proven again at 2, 4, 8, ... x STEPS (default: the "
        "protocol's, 20000 for icml2018; 0: never)",
    )
    t.add_argument(
        "--certify-tol",
        type=float,
        default=None,
        help="gradient norm of that hand-off (default: the protocol's, 1e-5 for icml2018)",
    )
    t.add_argument("--polish", action="store_true", help="Newton-polish spurious endpoints")
    t.add_argument(
        "--out",
        metavar="FILE",
        help="CSV file, put in place atomically as rows finish (an existing one only with --force)",
    )
    t.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    t.add_argument("--quiet", action="store_true", help="no progress bar (there is none off a terminal)")
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
        The exit status: 0 on success; 2 for a bad argument (argparse's usage and message) and
        after a ``ValueError``, ``RuntimeError``, ``MemoryError`` or ``OSError`` (one line on
        stderr, ``relufast: error: ...``, never a traceback); 130 when interrupted (``table`` keeps
        its finished rows).
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except (ValueError, RuntimeError, MemoryError, OSError) as exc:
        sys.stderr.write(f"relufast: error: {' '.join(str(exc).split()) or type(exc).__name__}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
