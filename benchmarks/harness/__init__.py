"""Shared helpers of the benchmark scripts, one module per job.

- :mod:`harness.workers` -- worker subprocesses: thread settings in the environment, pinning, argv
- :mod:`harness.peers` -- which peer libraries are installed, and setting them up (JAX, PyTorch)
- :mod:`harness.timing` -- clocks, calibration, round-robin medians, batches split over threads
- :mod:`harness.machine` -- facts about the machine and the checkout, the report header
- :mod:`harness.tables` -- text tables, saving a report with its JSON, re-printing a saved one
- :mod:`harness.peak` -- the measured float64 FMA peak of one core
- :mod:`harness.cells` -- the Table 1 scripts' --ks argument and one-line machine name

Each script runs its measurements in *worker* subprocesses, one per thread count, started under
``taskset`` with every library's thread count set through the environment before anything is
imported (OpenMP, OpenBLAS, MKL, XLA, PyTorch). The parent collects the workers' JSON and prints
the tables, so every ratio comes from one run on one machine.

Timing rules: every contender is warmed up first (JIT compilation excluded), then all contenders of
one workload run round-robin ``repeat`` times (so a change of machine load hits all of them alike)
and the median is kept. Both wall-clock and process CPU time are recorded; on a machine shared with
other jobs the 1-thread figures use CPU time (the pinned core's time actually spent on the work),
the multi-thread figures wall time. The clock used is printed with every table.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (the parent of benchmarks/).
ROOT = Path(__file__).resolve().parents[2]
#: Where the scripts' saved reports live.
RESULTS = Path(__file__).resolve().parents[1] / "results"
