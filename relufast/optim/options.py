"""Options of the native optimiser chunks, mirrored field for field by the C++ core's structs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GDOptions", "TrainOptions"]


@dataclass(frozen=True)
class GDOptions:
    """One chunk of teacher-student gradient descent (``csrc`` ``GDOptions``)."""

    steps: int = 1000  # steps in this chunk
    max_iters: int = 0  # safety cap on total steps (0: none)
    tol: float = 1e-9  # stop when 2 pi max_i |grad_i| <= tol
    diverge: float = 1e4  # restart from W0 with half the step when 2 pi max_i |grad_i| > diverge
    f_stop: float = 0.0  # stop once F < f_stop (0: never)
    min_step: float = 1e-12  # give up (DIVERGED) below this step
    frobenius: bool = False  # the rule's norm: |grad F|_F (no 2 pi) instead of 2 pi max_i |grad_i|


@dataclass(frozen=True)
class TrainOptions:
    """One chunk of MLP training (``csrc`` ``TrainOptions``)."""

    optimizer: str = "gd"  # "gd" (also plain SGD on mini-batches) or "adam"
    lr: float = 1e-2
    steps: int = 0  # steps in this chunk
    t0: int = 0  # steps already done (Adam's bias correction, the mini-batch schedule)
    batch: int = 0  # mini-batch size; 0: full batch
    seed: int = 0  # data order of mini-batches
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
