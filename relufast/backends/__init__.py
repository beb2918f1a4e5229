"""One module per backend; importing it registers the kernels it can run here.

numpy  the reference (always available)
cpu    the C++ core, ``relufast._core`` (OpenMP across restarts, one restart per SIMD lane)
cuda   the CUDA kernels of the same extension, registered only when it was built with CUDA and a
       device is visible

A kernel is registered under (objective, kernel) with one calling convention for every backend:

=========  ===================  =============================================  ======================
objective  kernel               arguments                                      returns
=========  ===================  =============================================  ======================
teacher    loss_grad            W (R, n, d), V (k, d) or None, want_grad        F (R,), G or None
teacher    hessian              W, V                                           H (R, nd, nd)
teacher    hvp                  W, X (R, n, d), V                              H X (R, n, d)
teacher    hessian_operator     W, V                                           op: (X, rows) -> H X
teacher    gd_chunk             GDState, V, GDOptions                          None (in place)
teacher    smallest_eigenpairs  W, V, tol                                      lanczos.Smallest
mlp        loss_grad            Problem, params (R, P), want_grad              L (R,), G or None
mlp        hessian              Problem, params                                H (R, P, P)
mlp        train_chunk          Problem, TrainState, TrainOptions              None (in place)
mlp        predict              Net, params, X (N, d_in)                       (R, N, d_out)
mlp        kinks                Net, params, X                                 bool (R, N)
linalg     min_eigenvalues      H (R, m, m) symmetric                          (R,)
=========  ===================  =============================================  ======================

``smallest_eigenpairs`` (of the teacher) is the whole Lanczos run of each restart inside the
backend (CUDA only: no Hessian leaves the device); backends without it get the host Lanczos of
:mod:`relufast.lanczos` on their ``hessian_operator``.

Inputs arrive validated (float64, C-contiguous, batch-first); see :mod:`relufast._kernels`. One
check is the kernel's own: the teacher's ``loss_grad`` gets W unchecked for NaN and infinity and
raises ``ValueError("W contains NaN or infinity")`` itself (the C++ core as it packs W into lanes,
so the public ``teacher.grad`` makes one pass over W, not two).

Some kernels run some cases only: ``register(..., accepts=fn)`` with ``fn(case)`` returning None or
the reason it cannot, and callers pass the case as ``get(..., case=case)`` ("auto" then skips the
backends that reject it; an explicit one that rejects it is a ValueError with the reason). The
cases callers pass:

=========  ===============  ================================================================
objective  kernel           case
=========  ===============  ================================================================
mlp        train_chunk      (Problem, TrainOptions): the net, data and loss, and the batch size
=========  ===============  ================================================================

Only the CUDA backend's ("mlp", "train_chunk") uses ``accepts`` so far ([1, h, 1] ReLU nets,
h <= 8, sse/mse, full batch); the CPU and NumPy trainers take every case.
"""
