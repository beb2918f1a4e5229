"""Glue shared by the native backends (the C++ core and its CUDA kernels): one teacher calling convention."""

from __future__ import annotations

from typing import Any

__all__ = ["gd_options", "teacher_kernels"]


def gd_options(core: Any, opt: Any) -> Any:
    """The bound ``GDOptions`` of a :class:`relufast.optim.GDOptions`."""
    return core.GDOptions(
        steps=opt.steps,
        max_iters=opt.max_iters,
        tol=opt.tol,
        diverge=opt.diverge,
        f_stop=opt.f_stop,
        min_step=opt.min_step,
        frobenius=opt.frobenius,
    )


def teacher_kernels(core: Any, evaluate: Any, gd: Any) -> dict[tuple[str, str], Any]:
    """The registry's teacher kernels over bindings ``evaluate`` and ``gd`` (the signatures of
    ``_core.teacher_evaluate`` / ``teacher_gd``, which the CUDA bindings share).
    """

    def teacher_loss_grad(W, V, want_grad):
        F, G, _ = evaluate(W, V, want_grad)
        return F, G

    def teacher_gd_chunk(s, V, opt):
        gd(s.W, s.W0, s.step, s.iters, s.status, s.F, s.gmax, V, gd_options(core, opt))

    return {("teacher", "loss_grad"): teacher_loss_grad, ("teacher", "gd_chunk"): teacher_gd_chunk}
