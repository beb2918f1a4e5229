r"""The "blind spot" figure (Swirszcz, Czarnecki, Pascanu 2016, Sec. 3.2; papers.md A2).

If every unit of a hidden layer is dead (pre-activation :math:`\le 0`) on every data point, the
network's output is the same for all inputs, no gradient reaches the layers below, and training
cannot leave: the paper's Lemma 2 / Theorem 1 (i). With an output bias, GD only moves that bias, to
mean(y); without one (the lecture's variant) the dead net outputs 0, L = sum y^2, and nothing moves
at all. Either way one live unit does better, so the blind spot is a local but not a global minimum
(Theorem 1 (ii)).

This module builds such dead networks (:func:`dead_params`), shows that their gradient is exactly 0
and that GD stays put (:func:`demo`), builds the better one-live-unit point (:func:`one_live_unit`),
and measures how likely a random initialisation is to start in the blind spot as a function of the
init mean (:func:`dead_fraction_vs_init_mean`), beside the exact probability for one hidden layer.

Conventions: a unit is dead on a point when its pre-activation is :math:`\le 0` (relufast uses
relu'(0) = 0, so such a unit passes no gradient). Project choices: :data:`PROJECT_CHOICES`.

The code is split by job (import every name from this package): :mod:`.problem` (data, net,
paper), :mod:`.dead` (dead units and nets), :mod:`.demo` (GD from a dead net; what the page shows)
and :mod:`.sweep` (the chance of starting dead vs the init mean).
"""

from __future__ import annotations

from .dead import dead_layers, dead_params, hidden_preactivations, in_blind_spot, one_live_unit
from .demo import BlindSpotDemo, demo, explore_point, predict
from .problem import PAPER, PROJECT_CHOICES, SIZES, X, Y, data
from .sweep import dead_fraction_vs_init_mean, sweep_summary, unit_dead_probability

__all__ = [
    "X",
    "Y",
    "SIZES",
    "PAPER",
    "PROJECT_CHOICES",
    "data",
    "hidden_preactivations",
    "dead_layers",
    "in_blind_spot",
    "dead_params",
    "one_live_unit",
    "demo",
    "BlindSpotDemo",
    "dead_fraction_vs_init_mean",
    "unit_dead_probability",
    "predict",
    "explore_point",
    "sweep_summary",
]
