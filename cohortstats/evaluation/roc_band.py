"""Sensitivity at fixed specificities and its bootstrap band, equal to pROC's ``coords`` and ``ci.se``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from .._parallel import parallel_map, seed_sequence
from .._results import TidyHTML
from .._validation import check_one_of, check_probability
from ._roc_core import _orient, _split, prepare_binary_scores
from ..exceptions import DataValidationError

__all__ = ["sensitivity_at_specificity", "roc_band", "RocBand"]


@dataclass(frozen=True)
class RocBand(TidyHTML):
    """Pointwise bootstrap CI of sensitivity at fixed specificities (pROC's ``ci.se``)."""

    specificity: np.ndarray
    sensitivity_low: np.ndarray
    sensitivity_median: np.ndarray
    sensitivity_high: np.ndarray
    conf_level: float
    n_boot: int

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame({"specificity": self.specificity, "sensitivity_low": self.sensitivity_low,
                             "sensitivity_median": self.sensitivity_median, "sensitivity_high": self.sensitivity_high})


def _se_at_sp(cases, controls, sp_grid):
    """Sensitivity at each specificity on the empirical ROC curve, as pROC's
    ``coords(roc, x, input = "specificity", ret = "sensitivity")``.

    The curve's points (one per cut between distinct values, ordered by increasing
    specificity) are searched for each specificity: an exact match takes the highest
    sensitivity at it; otherwise the sensitivity is interpolated linearly between the two
    neighbouring points (which matters on the diagonal segments that tied values create).
    """
    cs_, cn = np.sort(cases), np.sort(controls)
    u = np.unique(np.concatenate([cs_, cn]))
    # point k (k = 0..m) cuts just below u[k] (k = m: above every value)
    sp = np.concatenate([[0.0], np.searchsorted(cn, u, "right") / len(cn)])
    se = np.concatenate([(len(cs_) - np.searchsorted(cs_, u, "left")) / len(cs_), [0.0]])
    nxt = np.searchsorted(sp, sp_grid, "left")
    exact = (nxt < len(sp)) & (sp[np.minimum(nxt, len(sp) - 1)] == sp_grid)
    nxt_c = np.clip(nxt, 1, len(sp) - 1)
    prv = nxt_c - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = (sp_grid - sp[nxt_c]) / (sp[prv] - sp[nxt_c])
    return np.where(exact, se[np.minimum(nxt, len(se) - 1)], se[nxt_c] + prop * (se[prv] - se[nxt_c]))


def sensitivity_at_specificity(y, score, specificities, *, direction: str = "<", positive=None,
                               nan_policy: str = "raise") -> np.ndarray:
    """Sensitivity of the empirical ROC curve at given specificities.

    Parameters
    ----------
    specificities : array-like of float in [0, 1]

    Notes
    -----
    Equals pROC's ``coords(roc, x = specificities, input = "specificity",
    ret = "sensitivity")``: linear interpolation between the curve's points, the
    highest sensitivity when a point has exactly that specificity.
    """
    y01, arrays, _, _ = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    check_one_of(direction, ("<", ">"), "direction")
    grid = np.atleast_1d(np.asarray(specificities, float))
    if grid.ndim != 1 or np.isnan(grid).any() or (grid < 0).any() or (grid > 1).any():
        raise DataValidationError("specificities must be values in [0, 1]; got "
                                  f"{np.asarray(specificities).ravel()[:5].tolist()}.")
    cases, controls = _split(y01, _orient(arrays["score"], direction))
    return _se_at_sp(cases, controls, grid)


def _resample_se(seed, *, cases, controls, grid):
    """Sensitivity at ``grid`` on one stratified resample, drawn from its own generator."""
    g = np.random.default_rng(seed)
    return _se_at_sp(g.choice(cases, len(cases)), g.choice(controls, len(controls)), grid)


def roc_band(y, score, *, specificities=None, n_boot: int = 500, conf_level: float = 0.95, random_state=None,
             direction: str = "<", positive=None, nan_policy: str = "raise", n_jobs=None) -> RocBand:
    """Stratified bootstrap band of sensitivity over a grid of specificities (for plots).

    Parameters
    ----------
    random_state : int, Generator, SeedSequence or None
        Each resample draws from its own generator spawned from it: the band is the same for any ``n_jobs``.
    n_jobs : int, optional
        Workers (joblib; ``None``: the active ``joblib.parallel_config``, else 1).

    Notes
    -----
    As pROC's ``ci.se(roc, specificities = ...)`` with ``boot.stratified = TRUE``:
    percentile limits (type-7 quantiles) of the sensitivity at each specificity in each
    resample, read from the resample's ROC curve as pROC's ``coords`` does (linear
    interpolation between points; the highest sensitivity on an exact match).
    """
    conf_level = check_probability(conf_level, "conf_level")
    y01, arrays, _, _ = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    check_one_of(direction, ("<", ">"), "direction")
    cases, controls = _split(y01, _orient(arrays["score"], direction))
    grid = np.linspace(0, 1, 51) if specificities is None else np.asarray(specificities, float)
    if grid.ndim != 1 or np.isnan(grid).any() or (grid < 0).any() or (grid > 1).any():
        raise DataValidationError(f"specificities must be values in [0, 1]; got {grid.ravel()[:5].tolist()}.")
    seeds = seed_sequence(random_state).spawn(int(n_boot))
    work = partial(_resample_se, cases=cases, controls=controls, grid=grid)
    boot = np.array(parallel_map(work, seeds, n_jobs=n_jobs)).reshape(int(n_boot), len(grid))
    a = (1 - conf_level) / 2
    low, med, high = np.quantile(boot, [a, 0.5, 1 - a], axis=0)
    return RocBand(grid, low, med, high, conf_level, int(n_boot))
