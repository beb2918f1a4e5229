import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _cuda_missing():
    """Why the CUDA kernels cannot run here, or None when they can."""
    from relufast import backend

    if not backend.has_core():
        return f"needs relufast's C++ core: {backend.core_error()}"
    core = backend.core()
    if not core.built_with_cuda:
        return "needs a CUDA build of relufast (built without CUDA: no nvcc, or RELUFAST_CUDA=OFF)"
    if core.cuda_device_count() == 0:
        return "needs a CUDA device (none is visible here)"
    return None


def pytest_collection_modifyitems(config, items):
    """Tests that need the C++ core skip, with the reason, where it is not loaded (RELUFAST_NO_CORE=1
    or a broken build): those marked ``core`` and every case parametrised with backend "cpu".
    Tests marked ``cuda`` skip, with the reason, without a CUDA build and a visible device."""
    from relufast import backend

    why = _cuda_missing()
    if why is not None:
        skip_cuda = pytest.mark.skip(reason=why)
        for item in items:
            if item.get_closest_marker("cuda"):
                item.add_marker(skip_cuda)
    if backend.has_core():
        return
    skip = pytest.mark.skip(reason=f"needs relufast's C++ core: {backend.core_error()}")
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("core") or any(isinstance(v, str) and v == "cpu" for v in params.values()):
            item.add_marker(skip)
