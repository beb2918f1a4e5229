"""One module per figure of the lecture: its protocol, defaults, paper values and result tables.

five_points     one ReLU unit, five points: a local minimum at L = 18 beside the global 14
                (a package: problem, certificate, basins, slices)
blind_spot      every unit dead on every data point: a flat local minimum
initialisation  training accuracy vs width when initial means are very negative
safran_shamir   teacher-student spurious minima (Safran & Shamir 2018, Table 1)
more_minima     two and three ReLU units on six points (same paper, Props. 2 and 3): printed points
                checked exactly, kink-aware certificates, GD basins (a package)
convergence     the same paper's Table 1: how often 2-h-1 ReLU / sigmoid nets reach 0 training
                error on XOR and on the jellyfish data, GD and Adam
engine          kernel timings on every backend here, and the backends' agreement

summary         JSON-ready compaction helpers (jsonable, histogram, rounded)
reference       builders of the shipped reference results (relufast/data/reference/*.json)

Each figure module also makes the compact summary its app page charts (``Result.to_summary``,
``table_summary``, ``sweep_summary``, ``figure_summary``, ...) and the page's time estimate
(``estimate_seconds``, given the backend and thread count): the app holds no math.

Import the one you need (``from relufast.experiments import safran_shamir``); nothing heavy is
loaded until then.
"""

__all__ = [
    "five_points",
    "blind_spot",
    "initialisation",
    "safran_shamir",
    "more_minima",
    "convergence",
    "engine",
    "summary",
    "reference",
]
