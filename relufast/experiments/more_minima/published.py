"""Checking the printed points of Props. 2 and 3: loss, gradient, certificate, and what to print instead.

Part of :mod:`relufast.experiments.more_minima` (import names from there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..._validate import positive_int
from .certificate import Certificate, certify
from .exact import Vec, to_fractions
from .polish import Polished, polish
from .problem import PERFECT_FITS, PROPS, Proposition, PublishedPoint, get_prop

_NAMES = ("w", "b", "v")

#: A certificate's verdict in words.
VERDICT_WORDS = {"local_min": "a local minimum", "not_min": "not a minimum", "inconclusive": "undecided"}


def param_name(k: int, h: int) -> str:
    """The name of flat parameter k of a [1, h, 1] net, e.g. ``"w_2"`` or ``"c"``.

    Examples
    --------
    >>> [param_name(k, 2) for k in range(7)]
    ['w_1', 'w_2', 'b_1', 'b_2', 'v_1', 'v_2', 'c']
    """
    h = positive_int(h, "h")
    k = positive_int(k, "k", minimum=0, maximum=3 * h)
    return "c" if k == 3 * h else f"{_NAMES[k // h]}_{k % h + 1}"


def frac_str(t: Fraction) -> str:
    """``13/3`` for Fraction(13, 3), ``-5`` for Fraction(-5).

    Examples
    --------
    >>> frac_str(Fraction(13, 3)), frac_str(Fraction(-5))
    ('13/3', '-5')
    """
    return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"


def params_str(p: Vec, h: int) -> str:
    """The flat parameters in words.

    Examples
    --------
    >>> params_str(tuple(Fraction(t) for t in (-5, 1, 1, -8, 1, -1, -1)), 2)
    'w = (-5, 1), b = (1, -8), v = (1, -1), c = -1'
    """
    p = to_fractions(p, "p")
    if len(p) != 3 * h + 1:
        raise ValueError(f"p must hold 3h + 1 = {3 * h + 1} parameters for h = {h}, got {len(p)}")
    parts = [
        f"{n} = ({', '.join(frac_str(t) for t in p[k * h : (k + 1) * h])})" for k, n in enumerate(_NAMES)
    ]
    return ", ".join(parts) + f", c = {frac_str(p[3 * h])}"


@dataclass
class Correction:
    """A single printed number changed in sign, with its effect."""

    index: int
    name: str
    printed: Fraction
    params: Vec
    certificate: Certificate

    @property
    def loss(self) -> Fraction:
        return self.certificate.loss

    def describe(self) -> str:
        new = -self.printed
        return f"{self.name} = {'+' if new > 0 else ''}{frac_str(new)} instead of {frac_str(self.printed)}"


@dataclass
class PointCheck:
    """Everything computed about one printed point (see :func:`check_point`).

    Attributes
    ----------
    prop : Proposition
    point : PublishedPoint
    certificate : Certificate
        At the point exactly as printed.
    best_known : Fraction
        The smallest loss known on the data (0: a perfect fit exists, :data:`PERFECT_FITS`).
    corrections : list of Correction
        Single sign changes of a printed number that make the point a certified local minimum with
        the stated loss (any loss when none is stated); empty when the point is right as printed.
    polished : Polished or None
        When the printed point is not a local minimum: the exact least-squares point of its
        activation pattern (the nearest minimum with the same pattern) and its certificate.
    grad_float : ndarray
        The float gradient from :func:`relufast.mlp.grad` at the printed point (a cross-check).
    """

    prop: Proposition
    point: PublishedPoint
    certificate: Certificate
    best_known: Fraction
    corrections: list[Correction] = field(default_factory=list)
    polished: Polished | None = None
    grad_float: np.ndarray | None = None

    @property
    def loss(self) -> Fraction:
        return self.certificate.loss

    @property
    def loss_as_stated(self) -> bool | None:
        """Whether L equals the stated loss exactly (None where the paper states none)."""
        s = self.point.stated_loss
        return None if s is None else self.loss == s

    @property
    def is_local_min(self) -> bool:
        return self.certificate.is_local_min

    @property
    def is_global(self) -> bool:
        return self.is_local_min and self.loss == self.best_known

    @property
    def as_claimed(self) -> bool:
        """Loss as stated (where stated), a local minimum, global iff the paper says global."""
        return (
            self.loss_as_stated is not False
            and self.is_local_min
            and self.is_global == (self.point.claim == "global")
        )

    def verdict(self) -> str:
        """The plain verdict the page shows."""
        c = self.certificate
        kind = "the global minimum" if self.is_global else "a local minimum, not global"
        if self.as_claimed:
            extra = f" (L = {frac_str(self.best_known)} is reachable)" if not self.is_global else ""
            return f"as printed: L = {frac_str(self.loss)} exactly, zero gradient, {kind}{extra}"
        parts = [f"not as printed: the printed point gives L = {frac_str(self.loss)}"]
        if self.point.stated_loss is not None and not self.loss_as_stated:
            parts[0] += f" (stated {frac_str(self.point.stated_loss)})"
        if not c.is_local_min:
            g = [f"dL/d{param_name(k, c.h)} = {frac_str(t)}" for k, t in enumerate(c.gradient) if t != 0]
            parts[0] += f", and it is {VERDICT_WORDS[c.verdict]}" + (f" ({', '.join(g)})" if g else "")
        for fix in self.corrections:
            what = "the global minimum" if fix.loss == self.best_known else "a local minimum, not global"
            parts.append(f"with {fix.describe()} it gives L = {frac_str(fix.loss)}, {what}")
        if self.polished is not None:
            parts.append(
                f"the best point of the printed activation pattern has L = {frac_str(self.polished.loss)} "
                f"({VERDICT_WORDS[self.polished.certificate.verdict]})"
            )
        return "; ".join(parts)

    def to_summary(self) -> dict:
        """JSON-ready: exact values as strings ("13/3") beside floats."""
        c = self.certificate
        out = {
            "key": self.point.key,
            "label": self.point.label,
            "claim": self.point.claim,
            "printed": params_str(self.point.params, c.h),
            "params": [float(t) for t in self.point.params],
            "stated_loss": None if self.point.stated_loss is None else frac_str(self.point.stated_loss),
            "loss": frac_str(self.loss),
            "loss_float": float(self.loss),
            "loss_as_stated": self.loss_as_stated,
            "gradient_zero": c.gradient_zero,
            "grad_float_max": None if self.grad_float is None else float(np.max(np.abs(self.grad_float))),
            "kinks": [[i, j] for (i, j) in c.kinks],
            "pattern": c.pattern(),
            "pieces": [p.status for p in c.pieces],
            "hessians_psd": c.all_hessians_psd,
            "certificate": c.verdict,
            "is_global": self.is_global,
            "as_claimed": self.as_claimed,
            "verdict": self.verdict(),
            "corrections": [
                {
                    "change": f.describe(),
                    "params": [float(t) for t in f.params],
                    "printed": params_str(f.params, c.h),
                    "loss": frac_str(f.loss),
                    "certificate": f.certificate.verdict,
                }
                for f in self.corrections
            ],
            "polished": None
            if self.polished is None
            else {
                "params": [float(t) for t in self.polished.params],
                "printed": params_str(self.polished.params, c.h),
                "loss": frac_str(self.polished.loss),
                "certificate": self.polished.certificate.verdict,
            },
        }
        return out


def sign_corrections(prop: str | Proposition, point: PublishedPoint) -> list[Correction]:
    """Single sign changes of the printed numbers that give a certified local minimum with the
    stated loss (or any loss when none is stated).

    Examples
    --------
    >>> from relufast.experiments.more_minima import PROP2
    >>> [f.describe() for f in sign_corrections("prop2", PROP2.point("prop2_global"))]
    ['w_2 = +1 instead of -1']
    """
    pr = get_prop(prop)
    out = []
    for k, t in enumerate(point.params):
        if t == 0:
            continue
        q = list(point.params)
        q[k] = -t
        cert = certify(q, pr.x, pr.y)
        if cert.is_local_min and (point.stated_loss is None or cert.loss == point.stated_loss):
            out.append(Correction(k, param_name(k, pr.h), t, tuple(q), cert))
    return out


def check_point(prop: str | Proposition, key: str, *, backend: str = "numpy") -> PointCheck:
    """Check one printed point: exact loss, gradient, kink-aware certificate; corrections if wrong.

    Parameters
    ----------
    prop : "prop2", "prop3" or a Proposition
    key : str
        The point's key (e.g. ``"prop3_a"``).
    backend : str, default "numpy"
        Backend of the float gradient cross-check.

    Returns
    -------
    PointCheck

    Examples
    --------
    >>> r = check_point("prop3", "prop3_a")
    >>> r.loss, r.is_local_min, r.is_global, r.as_claimed
    (Fraction(1, 6), True, False, True)
    >>> r = check_point("prop2", "prop2_global")
    >>> r.loss, r.is_local_min, [f.describe() for f in r.corrections]
    (Fraction(29, 1), False, ['w_2 = +1 instead of -1'])
    """
    from .problem import grad

    pr = get_prop(prop)
    pt = pr.point(key)
    cert = certify(pt.params, pr.x, pr.y)
    best = PERFECT_FITS[pr.key][0]
    out = PointCheck(pr, pt, cert, best, grad_float=np.asarray(grad(pr, pt.as_array(), backend=backend)))
    if not out.as_claimed:
        out.corrections = sign_corrections(pr, pt)
    if not cert.is_local_min:
        out.polished = polish(pt.params, pr.x, pr.y)
    return out


def check_all(*, backend: str = "numpy") -> dict[str, PointCheck]:
    """:func:`check_point` for every printed point of Props. 2 and 3, by key."""
    return {pt.key: check_point(pr, pt.key, backend=backend) for pr in PROPS.values() for pt in pr.points}


__all__ = [
    "VERDICT_WORDS",
    "Correction",
    "PointCheck",
    "check_all",
    "check_point",
    "frac_str",
    "param_name",
    "params_str",
    "sign_corrections",
]
