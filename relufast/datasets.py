"""Classification data for the finite-data experiments: scikit-learn's 8x8 digits and local MNIST.

The lecture's "initialisation" figure (Swirszcz et al., Fig. 1) trains on MNIST. relufast ships no
data and downloads nothing: by default it uses the 8x8 handwritten digits bundled with scikit-learn
(1797 images, 10 classes, an MNIST analogue), and :func:`load_mnist` reads MNIST from a file the user
already has (the original idx files, optionally gzipped, or a Keras-style ``.npz``).

All loaders return ``X`` as a C-contiguous float64 array ``(n, d)`` scaled to [0, 1] and ``y`` as
int64 class labels ``(n,)``.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zipfile
import zlib

import numpy as np
from numpy.typing import ArrayLike

from ._validate import check_memory, positive_int
from ._validate import seed as check_seed

__all__ = ["digits", "check_labels", "permute_labels", "one_hot", "majority_rate", "load_mnist", "read_idx"]

_IDX_MAX_NDIM = 32  # NumPy's arrays have at most 64 dimensions; MNIST's idx files 1 or 3
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def digits(*, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits.

    Parameters
    ----------
    scale : bool, default True
        Divide the pixel values (integers 0..16) by 16 so that ``X`` lies in [0, 1].

    Returns
    -------
    X : ndarray, shape (1797, 64), float64
    y : ndarray, shape (1797,), int64, classes 0..9

    Notes
    -----
    The majority class holds 183 of the 1797 images (10.2 %), the chance level of a constant
    classifier and the accuracy of a network stuck in a blind spot.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("relufast.datasets.digits needs scikit-learn (pip install scikit-learn)") from exc
    d = load_digits()
    X = np.ascontiguousarray(d.data, dtype=np.float64)
    if scale:
        X /= 16.0
    return X, np.asarray(d.target, dtype=np.int64)


def check_labels(y: ArrayLike, name: str = "y") -> np.ndarray:
    """Validate class labels: a non-empty 1-D array of non-negative integers, returned as int64.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Class labels (a bool array is refused).
    name : str, default "y"
        The argument's name, used in the error message.

    Returns
    -------
    ndarray, shape (n,), int64
        A copy of ``y``.

    Raises
    ------
    ValueError
        If ``y`` is not a non-empty 1-D array of non-negative integers.

    Examples
    --------
    >>> check_labels([2, 0, 1])
    array([2, 0, 1])
    >>> check_labels([0.5])
    Traceback (most recent call last):
    ...
    ValueError: y must hold integer class labels, got dtype float64
    """
    a = np.asarray(y)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of class labels, got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        raise ValueError(f"{name} must hold integer class labels, got dtype {a.dtype}")
    if np.any(a < 0):
        raise ValueError(f"{name} must hold non-negative class labels")
    if a.dtype.kind == "u" and np.any(a > np.iinfo(np.int64).max):  # astype would wrap them negative
        raise ValueError(f"{name} must hold class labels below 2**63, got {a.max()!r}")
    return a.astype(np.int64)


def permute_labels(y: ArrayLike, seed: int = 0) -> np.ndarray:
    """The labels ``y`` in a random order (a fixed permutation for a given ``seed``).

    The class counts are unchanged, so the majority-class rate is the same as for ``y``; only the
    link between images and labels is destroyed (the "random labels" rows of Swirszcz et al. Fig. 1).

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Class labels (see :func:`check_labels`).
    seed : int, default 0
        Seed of the permutation (``numpy.random.SeedSequence``).

    Returns
    -------
    ndarray, shape (n,), int64

    Examples
    --------
    >>> import numpy as np
    >>> y = permute_labels([0, 0, 1, 2], seed=0)
    >>> np.bincount(y)
    array([2, 1, 1])
    """
    y = check_labels(y)
    perm = np.random.default_rng(np.random.SeedSequence(check_seed(seed))).permutation(y.size)
    return y[perm]


def one_hot(y: ArrayLike, num_classes: int | None = None) -> np.ndarray:
    """One-hot float64 targets ``(n, num_classes)`` for integer labels ``y``.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Class labels (see :func:`check_labels`).
    num_classes : int, optional
        Number of columns; default ``max(y) + 1``.

    Returns
    -------
    ndarray, shape (n, num_classes), float64

    Raises
    ------
    ValueError
        If a label is ``>= num_classes``.

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    y = check_labels(y)
    k = int(y.max()) + 1 if num_classes is None else positive_int(num_classes, "num_classes")
    if y.max() >= k:
        raise ValueError(f"labels go up to {y.max()} but num_classes={k}")
    check_memory(8.0 * y.size * k, f"one_hot of {y.size} labels with num_classes={k}")
    out = np.zeros((y.size, k))
    out[np.arange(y.size), y] = 1.0
    return out


def majority_rate(y: ArrayLike) -> float:
    """Fraction of the most frequent class: the training accuracy of the best constant classifier.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Class labels (see :func:`check_labels`).

    Returns
    -------
    float

    Examples
    --------
    >>> majority_rate([0, 0, 1, 2])
    0.5
    """
    y = check_labels(y)
    return float(np.bincount(y).max() / y.size)


# --------------------------------------------------------------------------- MNIST from a local file


def _open(path: str | os.PathLike[str]) -> gzip.GzipFile | io.BufferedReader:
    with open(path, "rb") as fh:
        head = fh.read(2)
    return gzip.open(path, "rb") if head == b"\x1f\x8b" else open(path, "rb")


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one idx file (the format of the original MNIST distribution), gzipped or not.

    Parameters
    ----------
    path : str or os.PathLike
        The file (gzip is recognised by its magic number, not by the name).

    Returns
    -------
    ndarray
        The stored array in native byte order, with the shape the header declares.

    Raises
    ------
    ValueError
        If the file is not an idx file or is truncated.

    Examples
    --------
    >>> import os, struct, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "labels-idx1-ubyte")
    ...     with open(path, "wb") as fh:
    ...         _ = fh.write(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 3) + bytes([7, 8, 9]))
    ...     a = read_idx(path)
    >>> a
    array([7, 8, 9], dtype=uint8)
    """
    try:
        return _read_idx(path)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:  # a damaged .gz: name the file
        raise ValueError(f"{os.fspath(path)!r} is not a readable gzipped idx file: {exc}") from None


def _read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    with _open(path) as fh:
        header = fh.read(4)
        if len(header) != 4 or header[0] != 0 or header[1] != 0 or header[2] not in _IDX_DTYPES:
            raise ValueError(f"{os.fspath(path)!r} is not an idx file (bad magic number)")
        dtype, ndim = _IDX_DTYPES[header[2]], header[3]
        dims_raw = fh.read(4 * ndim)
        if len(dims_raw) != 4 * ndim:
            raise ValueError(f"{os.fspath(path)!r}: truncated idx header")
        if ndim > _IDX_MAX_NDIM:
            raise ValueError(
                f"{os.fspath(path)!r}: idx header declares {ndim} dimensions (at most {_IDX_MAX_NDIM})"
            )
        dims = struct.unpack(">" + "I" * ndim, dims_raw)
        count = math.prod(dims)  # exact: np.prod wraps around in int64 for a hostile header
        check_memory(float(count) * dtype.itemsize, f"the idx file {os.fspath(path)!r} of shape {dims}")
        raw = fh.read(count * dtype.itemsize)
        extra = fh.read(1)
    if extra:
        raise ValueError(f"{os.fspath(path)!r}: more data than its idx header's shape {dims} declares")
    if len(raw) != count * dtype.itemsize:
        raise ValueError(f"{os.fspath(path)!r}: truncated idx data ({len(raw)} bytes for shape {dims})")
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def _labels_path_for(images_path: str) -> str:
    name = os.path.basename(images_path)
    for a, b in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1"), ("images", "labels")):
        if a in name:
            return os.path.join(os.path.dirname(images_path), name.replace(a, b, 1))
    raise ValueError(f"cannot infer the labels file for {images_path!r}: pass labels_path= explicitly")


_NPZ_KEYS = {
    "train": (("x_train", "y_train"), ("X_train", "y_train"), ("X", "y"), ("images", "labels")),
    "test": (("x_test", "y_test"), ("X_test", "y_test")),
}


def _from_npz(path: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:  # our handle: closed on a bad zip
            for kx, ky in _NPZ_KEYS[split]:
                if kx in z.files and ky in z.files:
                    return z[kx], z[ky]
            files = sorted(z.files)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"{os.fspath(path)!r} is not a readable .npz archive of arrays: {exc}") from None
    raise ValueError(
        f"{os.fspath(path)!r} has arrays {files}; expected one of the pairs "
        f"{[k for k in _NPZ_KEYS[split]]} for split={split!r}"
    )


def _scale_images(images: ArrayLike) -> np.ndarray:
    X = np.asarray(images)
    if X.ndim < 2:
        raise ValueError(f"images must have at least 2 dimensions (n, ...), got shape {X.shape}")
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    if not np.all(np.isfinite(X)) or X.min(initial=0.0) < 0:
        raise ValueError("images must hold finite, non-negative pixel values")
    top = X.max(initial=0.0)
    if top > 1.0:
        X /= 255.0 if top <= 255.0 else top
    return np.ascontiguousarray(X)


def load_mnist(
    path: str | os.PathLike[str],
    labels_path: str | os.PathLike[str] | None = None,
    *,
    split: str = "train",
    limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST (or any image/label pair in the same formats) from a local file.

    Parameters
    ----------
    path : str or os.PathLike
        Either an ``.npz`` archive holding ``x_train``/``y_train`` (Keras' ``mnist.npz``; also
        ``X``/``y`` or ``images``/``labels``), or an idx images file such as
        ``train-images-idx3-ubyte`` (optionally ``.gz``).
    labels_path : str or os.PathLike, optional
        The matching idx labels file; by default inferred from ``path`` by replacing
        ``images-idx3`` with ``labels-idx1``. Ignored for ``.npz``.
    split : {"train", "test"}, default "train"
        Which arrays of an ``.npz`` archive to read (idx files hold one split each).
    limit : int, optional
        Keep only the first ``limit`` examples.

    Returns
    -------
    X : ndarray, shape (n, pixels), float64 in [0, 1]
        Images flattened row-major; 8-bit pixels are divided by 255.
    y : ndarray, shape (n,), int64

    Raises
    ------
    FileNotFoundError
        When a file does not exist (nothing is ever downloaded).
    ValueError
        For an unknown format, mismatched image/label counts, labels that are not whole
        non-negative numbers (float labels 3.0 are read as 3, 2.5 is refused) or a bad
        ``split``/``limit``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "mnist.npz")
    ...     np.savez(path, x_train=np.full((3, 2, 2), 255, np.uint8), y_train=np.array([1, 0, 1]))
    ...     X, y = load_mnist(path, limit=2)
    >>> X
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    >>> y
    array([1, 0])
    """
    if split not in _NPZ_KEYS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no MNIST file at {path!r} (relufast never downloads data)")
    with open(path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if is_zip:
        images, labels = _from_npz(path, split)
    else:
        lp = os.fspath(labels_path) if labels_path is not None else _labels_path_for(path)
        if not os.path.exists(lp):
            raise FileNotFoundError(f"no MNIST labels file at {lp!r}")
        images, labels = read_idx(path), read_idx(lp)
    lab = np.asarray(labels).reshape(-1)
    if lab.dtype.kind == "f":  # labels stored as floats: only whole numbers are labels
        bad = lab[~(np.isfinite(lab) & (lab == np.round(lab)))]
        if bad.size:
            raise ValueError(f"labels must be whole numbers; {path!r} holds {bad[:3].tolist()} ...")
        lab = lab.astype(np.int64)
    y = check_labels(lab, "labels")
    X = _scale_images(images)
    if X.shape[0] != y.size:
        raise ValueError(f"{X.shape[0]} images but {y.size} labels")
    if limit is not None:
        n = positive_int(limit, "limit")
        X, y = X[:n].copy(), y[:n].copy()
    return X, y
