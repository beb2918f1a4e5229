"""Why a restart stopped: one Status for every optimiser (the C++ core binds the same codes)."""

from __future__ import annotations

import enum

__all__ = ["Status", "FINISHED_OK"]


class Status(enum.IntEnum):
    """Why a restart's optimisation stopped (RUNNING while it has not, or when it was cancelled).

    The values are the C++ core's ``relufast::Status`` codes (``relufast._core.Status``); the
    per-restart status arrays hold them as int8.
    """

    RUNNING = 0
    CONVERGED = 1  # gradient rule met
    SMALL_LOSS = 2  # early stop: F below f_stop
    MAX_ITERS = 3  # safety cap reached (reported, never silent)
    DIVERGED = 4  # step halved below min_step without taming the gradient


#: The statuses of restarts that ended at a point the protocol accepts (not capped, not diverged).
FINISHED_OK = (Status.CONVERGED, Status.SMALL_LOSS)
