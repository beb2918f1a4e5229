"""One module per figure of the lecture: its protocol, defaults, paper values and result tables.

five_points     one ReLU unit, five points: a local minimum at L = 18 beside the global 14
blind_spot      every unit dead on every data point: a flat local minimum
initialisation  training accuracy vs width when initial means are very negative
safran_shamir   teacher-student spurious minima (Safran & Shamir 2018, Table 1)

Import the one you need (``from relufast.experiments import safran_shamir``); nothing heavy is
loaded until then.
"""

__all__ = ["five_points", "blind_spot", "initialisation", "safran_shamir"]
