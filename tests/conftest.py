import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_collection_modifyitems(config, items):
    """Tests that need the C++ core skip, with the reason, where it is not loaded (RELUFAST_NO_CORE=1
    or a broken build): those marked ``core`` and every case parametrised with backend "cpu"."""
    from relufast import backend

    if backend.has_core():
        return
    skip = pytest.mark.skip(reason=f"needs relufast's C++ core: {backend.core_error()}")
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("core") or any(isinstance(v, str) and v == "cpu" for v in params.values()):
            item.add_marker(skip)
