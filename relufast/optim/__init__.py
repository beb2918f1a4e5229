"""Batched optimisers: one chunk loop, the update rules written once, one Status.

Python only loops over chunks (progress callbacks and cancellation work between chunks); every
step of a chunk runs in the chosen backend's kernel (the C++ core, or the equivalent vectorised
NumPy reference). Finished restarts are compacted away between chunks, so they stop costing work;
a chunk runs as native calls of about 0.2 s each, so Ctrl-C lands within about that.

loop        :func:`run_chunks`, the chunk loop every optimiser uses, and the :class:`Batch` state
rules       GD, Adam, the teacher-student stopping rule and Newton steps (NumPy)
status      :class:`Status`, why a restart stopped
options     :class:`GDOptions`, :class:`TrainOptions`, mirrored by the C++ core
teacher_gd  full-batch GD on the teacher-student loss (:func:`teacher_gd`)
newton      :func:`newton_polish` with exact Hessians
batches     mini-batch data order (:func:`epoch_permutations`)
reference   NumPy reference of the native chunks

The MLP trainers built on the same loop are :func:`relufast.train.train`.
"""

from . import batches, loop, rules
from .batches import epoch_permutations
from .loop import Batch, LoopResult, ProgressFn, run_chunks
from .newton import newton_polish
from .options import GDOptions, TrainOptions
from .status import FINISHED_OK, Status
from .teacher_gd import NORMS, GDResult, GDState, teacher_gd

__all__ = [
    "Batch",
    "FINISHED_OK",
    "GDOptions",
    "GDResult",
    "GDState",
    "LoopResult",
    "NORMS",
    "ProgressFn",
    "Status",
    "TrainOptions",
    "batches",
    "epoch_permutations",
    "loop",
    "newton_polish",
    "rules",
    "run_chunks",
    "teacher_gd",
]
