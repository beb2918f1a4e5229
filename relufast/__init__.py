"""relufast: batched training and exact Hessians of tiny ReLU networks.

Spurious local minima of ReLU networks, made explorable: thousands to millions of random restarts of
small networks are trained at once by a C++ core (OpenMP across restarts), their endpoints classified
with exact Hessians, and the lecture's figures reproduced in :mod:`relufast.experiments`.

Every objective has three interchangeable implementations selected by ``backend=``:
``"numpy"`` (the reference), ``"cpu"`` (the C++ core) and ``"auto"`` (the fastest one built).
"""

from . import backend, teacher
from .backend import info, set_num_threads

__version__ = "0.1.0"

__all__ = ["backend", "teacher", "info", "set_num_threads", "__version__"]
