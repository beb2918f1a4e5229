r"""The "five points" figure (Swirszcz, Czarnecki, Pascanu 2016, Prop. 1, Fig. 4a; papers.md A1).

One ReLU unit, scalar in and out, :math:`f(x) = v\,\mathrm{relu}(wx + b) + c`, parameters in the
order ``(w, b, v, c)`` (the :mod:`relufast.mlp` layout for ``sizes = [1, 1, 1]``), trained on the five
points D1 = (-1, 3), (1, -3), (3, 0), (4, 1), (5, 2) with the plain sum of squares
:math:`L = \sum_i (f(x_i) - y_i)^2`.

* RED = (1, -3, 1, 0) has L = 18: a local minimum that is not global and not strict (L = 18 along
  the curve (1/a, -3/a, a, 0), a > 0). At x = 3 the pre-activation is exactly 0 (a kink).
* BLUE = (-7, -4, 1, 0) has L = 14, the global minimum.
* A dead unit fits the best constant (L = 21.2); a unit active on all points fits a line (L ~ 21.17).

This module computes those values (:func:`reference_values`), certifies local minima of the one-unit
model exactly, kinks included (:func:`certify_local_min`), measures the basins of attraction of
full-batch GD from random inits (:func:`basin_statistics`) and slices the landscape
(:func:`slice_1d`, :func:`slice_2d`, :func:`red_blue_plane`).

The code is split by job (import every name from this package): :mod:`.problem` (D1, the model,
the reference values, the flat curve), :mod:`.certificate`, :mod:`.basins` (GD statistics and their
summary for the app) and :mod:`.slices`.

Project choices (the paper does not fix them; see :data:`PROJECT_CHOICES`): how endpoints are
classified (by final loss, the two 21.x classes told apart by the activation pattern), the tolerance,
and reproducible seeding of the initialisations.
"""

from __future__ import annotations

from .basins import (
    BASIN_LOSS_EDGES,
    BasinStatistics,
    basin_statistics,
    basin_work,
    classify_endpoints,
    initial_params,
)
from .certificate import LocalMinCertificate, PieceCheck, certify_local_min
from .problem import (
    BLUE,
    CLASSES,
    PAPER,
    PROJECT_CHOICES,
    RED,
    SIZES,
    X,
    Y,
    data,
    flat_curve,
    grad,
    loss,
    predict,
    reference_values,
)
from .slices import red_blue_plane, slice_1d, slice_2d

__all__ = [
    "X",
    "Y",
    "SIZES",
    "RED",
    "BLUE",
    "PAPER",
    "PROJECT_CHOICES",
    "CLASSES",
    "data",
    "loss",
    "grad",
    "predict",
    "reference_values",
    "flat_curve",
    "certify_local_min",
    "LocalMinCertificate",
    "PieceCheck",
    "initial_params",
    "classify_endpoints",
    "basin_statistics",
    "BasinStatistics",
    "BASIN_LOSS_EDGES",
    "basin_work",
    "slice_1d",
    "slice_2d",
    "red_blue_plane",
]
