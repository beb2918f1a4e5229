r"""The "More local minima" page: Swirszcz, Czarnecki & Pascanu 2016, Props. 2 and 3 (papers.md A4).

A [1, h, 1] ReLU net :math:`f(x) = \sum_i v_i\,\mathrm{relu}(w_i x + b_i) + c`, parameters in the
:mod:`relufast.mlp` layout ``(w_1..w_h, b_1..b_h, v_1..v_h, c)``, fitted by the plain sum of squares
:math:`L = \sum_j (f(x_j) - y_j)^2` (the five points' normalisation; the stated Prop. 3 losses 1/6
and 2/3 are sums):

* Prop. 2, h = 2 on D2 = (-1, 5), (0, 0), (1, -1), (10, -3), (11, -4), (12, -5);
* Prop. 3, h = 3 on D3 = (-1, 3), (0, 0), (1, -1), (10, -3), (11, -4), (12, -6).

What is here, one job per module (import every name from this package):

* :mod:`.problem`: the data, the printed points (:data:`PROP2`, :data:`PROP3`), perfect fits;
* :mod:`.exact`: exact rational loss, gradients and piece Hessians, small rational linear algebra;
* :mod:`.certificate`: :func:`certify`, an exact kink-aware local-minimum certificate;
* :mod:`.polish`: :func:`polish`, the exact least-squares point of an activation pattern;
* :mod:`.published`: :func:`check_point` / :func:`check_all`, every printed point checked, with
  the single sign change that repairs a misprint;
* :mod:`.basins`: :func:`basin_statistics`, many GD runs grouped by the exact minimum they reach.

Findings (all computed, see the tests): both Prop. 3 points are right as printed (L = 1/6 and 2/3
exactly, certified local minima through their kinks, not global since L = 0 is reachable). Both
Prop. 2 points, as printed, have w_2 = -1, which leaves unit 2 dead on every point: the "perfect fit"
then has L = 29 and the local minimum L = 23/3, and neither is a minimum (dL/dc != 0). With
w_2 = +1 they are what the paper says: L = 0 (the blind spot at x = 1 included) and a local minimum
with L = 8/3.

Examples
--------
>>> r = check_point("prop2", "prop2_local")
>>> r.loss, r.corrections[0].describe(), r.corrections[0].loss
(Fraction(23, 3), 'w_2 = +1 instead of -1', Fraction(8, 3))
"""

from __future__ import annotations

from .basins import (
    DEFAULTS,
    BasinStatistics,
    Minimum,
    basin_statistics,
    basin_work,
    classify_endpoints,
    initial_params,
    unit_pattern_keys,
)
from .certificate import MAX_KINKS, Certificate, Piece, certify, cone_contains
from .exact import exact_grad, exact_loss, outputs, piece_hessian, to_fractions
from .polish import Polished, polish
from .problem import (
    PERFECT_FIT_D3,
    PERFECT_FITS,
    PROJECT_CHOICES,
    PROP2,
    PROP3,
    PROPS,
    Proposition,
    PublishedPoint,
    get_prop,
    grad,
    loss,
    predict,
)
from .published import (
    VERDICT_WORDS,
    Correction,
    PointCheck,
    check_all,
    check_point,
    frac_str,
    param_name,
    params_str,
    sign_corrections,
)

__all__ = [
    "PROP2",
    "PROP3",
    "PROPS",
    "PERFECT_FIT_D3",
    "PERFECT_FITS",
    "PROJECT_CHOICES",
    "DEFAULTS",
    "MAX_KINKS",
    "VERDICT_WORDS",
    "Proposition",
    "PublishedPoint",
    "get_prop",
    "loss",
    "grad",
    "predict",
    "exact_loss",
    "exact_grad",
    "outputs",
    "piece_hessian",
    "to_fractions",
    "certify",
    "Certificate",
    "Piece",
    "cone_contains",
    "polish",
    "Polished",
    "check_point",
    "check_all",
    "sign_corrections",
    "PointCheck",
    "Correction",
    "frac_str",
    "param_name",
    "params_str",
    "initial_params",
    "basin_work",
    "unit_pattern_keys",
    "classify_endpoints",
    "basin_statistics",
    "BasinStatistics",
    "Minimum",
]
