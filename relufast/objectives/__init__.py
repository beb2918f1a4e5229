"""Objectives: one package each, with its public API, its NumPy reference and its symmetries.

teacher  Safran-Shamir population loss of a two-layer ReLU student against a teacher (closed form)
mlp      finite-data dense ReLU MLPs (any depth and width; SSE, MSE, cross-entropy)

Each objective's kernels (loss and gradient, Hessian, optimiser chunks) are registered per backend
in :mod:`relufast.backends` and looked up through :func:`relufast.backend.get`.
"""

__all__ = ["teacher", "mlp"]
