"""Decision curve analysis: net benefit of models against treat-all and treat-none.

Two sorts per model (cases, controls) and a binary search of the thresholds give the true and
false positives at every threshold: O(n log n + T log n), never O(n·T). Bootstrap bands place each
risk among the thresholds once; a resample then only counts its drawn patients per place (O(n), no
sort), each resample from its own seed, in parallel through joblib when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from .._parallel import parallel_map, seed_sequence
from .._validation import check_probability
from ._roc_core import prepare_binary_scores, sorted_split
from ..exceptions import DataValidationError
from .._results import TidyHTML

__all__ = ["decision_curve", "DecisionCurveResult", "net_benefit"]

RESERVED = ("all", "none")


def net_benefit(tp, fp, n, pt):
    """Net benefit = TP/n - FP/n · pt/(1 - pt) (Vickers & Elkin 2006)."""
    return tp / n - fp / n * (pt / (1 - pt))


@dataclass(frozen=True)
class DecisionCurveResult(TidyHTML):
    """Net benefit per model and threshold.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model x threshold: ``model, threshold, tp, fp, n, prevalence, net_benefit,
        standardized_net_benefit, net_interventions_avoided`` (per ``nper`` patients) and, with a
        bootstrap, ``conf_low, conf_high``. Models include ``"all"`` (treat all) and ``"none"``.
    nper : int
        Net interventions avoided are per ``nper`` patients (R's dcurves uses 1; 100 by default here).
    harm : dict
        Harm subtracted from each model's net benefit.
    n_boot : int or None
    conversions : dict
        Scores converted to probabilities, and how.
    """

    table: pd.DataFrame
    nper: int
    harm: dict
    n_boot: int | None
    conf_level: float
    conversions: dict = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        from ..plots import plot_decision_curve

        return plot_decision_curve(self, ax=ax, **kwargs)


def _check_thresholds(thresholds):
    if thresholds is None:
        return np.round(np.arange(1, 100) / 100, 2)
    t = np.asarray(thresholds, float).ravel()
    if t.size == 0:
        raise DataValidationError("thresholds is empty; give values strictly between 0 and 1.")
    if np.any(~np.isfinite(t)) or np.any(t <= 0) or np.any(t >= 1):
        raise DataValidationError(
            f"thresholds must lie strictly between 0 and 1 (net benefit divides by 1 - pt and 0 means treat "
            f"all); got values from {t.min():g} to {t.max():g}."
        )
    if np.any(np.diff(t) <= 0):
        raise DataValidationError("thresholds must be strictly increasing.")
    return t


def decision_curve(y, models: dict, *, thresholds=None, nper: int = 100, harm=None, convert=None,
                   n_boot: int | None = None, conf_level: float = 0.95, random_state=None, positive=None,
                   nan_policy: str = "raise", n_jobs=None) -> DecisionCurveResult:
    """Net benefit of each model's predicted risks, with treat-all and treat-none.

    Parameters
    ----------
    y : array-like
        Binary outcome.
    models : dict
        ``{name: predicted risk}`` (probabilities in [0, 1]); "all" and "none" are reserved.
    thresholds : array-like, optional
        Threshold probabilities, strictly increasing in (0, 1); default 0.01, ..., 0.99.
    nper : int
        Net interventions avoided per this many patients (R's dcurves: 1; Python dcurves: 100).
    harm : dict, optional
        ``{name: harm}`` subtracted from that model's net benefit.
    convert : {None, "logistic"}
        Scores outside [0, 1] are refused unless ``convert="logistic"``: each such score is
        turned into a probability by a univariable logistic regression on the same data
        (recorded in ``conversions``; like rmda's default, it is fitted on the data analysed).
    n_boot : int, optional
        Stratified bootstrap percentile bands for every curve.
    random_state : int, Generator, SeedSequence or None
        Each resample draws from its own generator spawned from it: the bands are the same for any ``n_jobs``.
    n_jobs : int, optional
        Bootstrap workers (joblib; ``None``: the active ``joblib.parallel_config``, else 1).

    Notes
    -----
    A patient is positive when risk >= threshold (as R's dcurves). Net benefit =
    TP/n - FP/n · pt/(1 - pt); treat all = prevalence - (1 - prevalence)·pt/(1 - pt);
    standardised net benefit = NB / prevalence; net interventions avoided =
    (NB_model - NB_all)·nper / (pt/(1 - pt)).

    Examples
    --------
    >>> import cohortstats as cs
    >>> dc = cs.decision_curve([0, 1, 0, 1, 1, 0], {"m": [0.1, 0.8, 0.3, 0.6, 0.4, 0.2]}, thresholds=[0.25, 0.5])
    >>> dc.table.query("model == 'm'")["net_benefit"].round(4).tolist()
    [0.4444, 0.3333]
    """
    if not isinstance(models, dict) or not models:
        raise DataValidationError("models must be a non-empty dict {name: predicted risks}.")
    clash = [k for k in models if str(k).lower() in RESERVED]
    if clash:
        raise DataValidationError(f"model names {clash} collide with the reserved curves 'all' and 'none'; rename them.")
    conf_level = check_probability(conf_level, "conf_level")
    if int(nper) < 1:
        raise DataValidationError(f"nper must be a positive integer; got {nper}.")
    thresholds = _check_thresholds(thresholds)
    y01, arrays, n_bad, _ = prepare_binary_scores(y, models, positive=positive, nan_policy=nan_policy)
    harm = dict(harm or {})
    unknown = [k for k in harm if k not in models]
    if unknown:
        raise DataValidationError(f"harm names unknown models {unknown}; models are {list(models)}.")
    conversions = {}
    for name, a in list(arrays.items()):
        if a.min() < 0 or a.max() > 1:
            if convert != "logistic":
                raise DataValidationError(
                    f"model {name!r} has values outside [0, 1] (range {a.min():g} to {a.max():g}); decision curves "
                    "need predicted risks. Pass probabilities, or convert='logistic' to recalibrate the score "
                    "with a univariable logistic regression."
                )
            from scipy.special import expit

            from ..regression._fit import fit_logistic

            st = fit_logistic(np.column_stack([np.ones(len(a)), a]), y01.astype(float))
            arrays[name] = expit(st.beta[0] + st.beta[1] * a)
            conversions[name] = f"univariable logistic recalibration: logit(risk) = {st.beta[0]:.4g} + {st.beta[1]:.4g}·score"
    n = len(y01)
    y_case = y01.astype(bool)
    n_case = int(y_case.sum())
    prev = n_case / n
    odds = thresholds / (1 - thresholds)
    nb_all = prev - (1 - prev) * odds
    k = len(thresholds)
    names, tps, fps, nbs = [], [], [], []
    for name, a in arrays.items():
        # two plain sorts (cases, controls) instead of an argsort: counts at or above each threshold (shared with
        # roc and threshold_metrics inside shared_sorts(); a converted score is a new array, not shared)
        shared = not n_bad and name not in conversions
        sc, sd = sorted_split(y01, a, key=(y, models[name], positive, nan_policy) if shared else None)
        tp = n_case - np.searchsorted(sc, thresholds, side="left")
        fp = (n - n_case) - np.searchsorted(sd, thresholds, side="left")
        names.append(name)
        tps.append(tp)
        fps.append(fp)
        nbs.append(net_benefit(tp, fp, n, thresholds) - harm.get(name, 0.0))
    names += ["all", "none"]
    tps += [np.full(k, n_case), np.zeros(k, int)]
    fps += [np.full(k, n - n_case), np.zeros(k, int)]
    nbs += [nb_all, np.zeros(k)]
    nb = np.concatenate(nbs)
    table = pd.DataFrame({
        "model": np.repeat(np.array(names, dtype=object), k), "threshold": np.tile(thresholds, len(names)),
        "tp": np.concatenate(tps), "fp": np.concatenate(fps), "n": n, "prevalence": prev, "net_benefit": nb,
        "standardized_net_benefit": nb / prev if prev > 0 else np.nan,
        "net_interventions_avoided": (nb - np.tile(nb_all, len(names))) * nper / np.tile(odds, len(names))})
    if n_boot:
        bands = _bootstrap_bands(y01, arrays, thresholds, harm, int(n_boot), conf_level, random_state, n_jobs)
        table = table.merge(bands, on=["model", "threshold"], how="left")
    return DecisionCurveResult(table, int(nper), harm, int(n_boot) if n_boot else None, conf_level, conversions)


def _bootstrap_nb(y01, arrays, thresholds, harm, n_boot, random_state, n_jobs=None, chunk: int = 64):
    """Net benefit of every model (and treat-all) in ``n_boot`` stratified resamples: {name: (B, T) array}.

    Each patient's risk is placed once among the thresholds (k_i = the number of thresholds at or below
    it: positive at the first k_i); a resample then only counts its drawn cases and controls per place,
    O(n) per resample without a sort or an n-sized weight vector. Resample ``b`` draws its cases, then its
    controls, from its own generator spawned from ``random_state``: the same bands for any ``n_jobs``.
    """
    cases, controls = np.flatnonzero(y01 == 1), np.flatnonzero(y01 == 0)
    places = {name: np.searchsorted(thresholds, a, side="right").astype(np.intp) for name, a in arrays.items()}
    seeds = seed_sequence(random_state).spawn(int(n_boot))
    work = partial(_nb_chunk, cases=cases, controls=controls, places=places, thresholds=thresholds, harm=harm)
    parts = parallel_map(work, [seeds[i:i + chunk] for i in range(0, len(seeds), chunk)], n_jobs=n_jobs)
    return {name: np.concatenate([part[name] for part in parts]) for name in [*arrays, "all"]}


def _nb_chunk(seeds, *, cases, controls, places, thresholds, harm):
    n = len(cases) + len(controls)
    k = len(thresholds)
    odds = thresholds / (1 - thresholds)
    prev = len(cases) / n  # stratified: every resample has as many cases as the data
    out = {name: np.empty((len(seeds), k)) for name in places}
    out["all"] = np.tile(prev - (1 - prev) * odds, (len(seeds), 1))
    for b, seed in enumerate(seeds):
        g = np.random.default_rng(seed)
        drawn_cases = cases[g.integers(0, len(cases), len(cases))]
        drawn_controls = controls[g.integers(0, len(controls), len(controls))]
        for name, place in places.items():
            # positives at threshold j: drawn patients placed after j
            tp = len(cases) - np.cumsum(np.bincount(place[drawn_cases], minlength=k + 1))[:k]
            fp = len(controls) - np.cumsum(np.bincount(place[drawn_controls], minlength=k + 1))[:k]
            out[name][b] = tp / n - fp / n * odds - harm.get(name, 0.0)
    return out


def _bootstrap_bands(y01, arrays, thresholds, harm, n_boot, conf_level, random_state, n_jobs):
    boots = _bootstrap_nb(y01, arrays, thresholds, harm, n_boot, random_state, n_jobs)
    a = (1 - conf_level) / 2
    frames = []
    for name, nb in boots.items():
        lo, hi = np.quantile(nb, [a, 1 - a], axis=0)
        frames.append(pd.DataFrame({"model": name, "threshold": thresholds, "conf_low": lo, "conf_high": hi}))
    return pd.concat(frames, ignore_index=True)


def net_benefit_difference(y, p_a, p_b, *, thresholds=None, n_boot: int = 1000, conf_level: float = 0.95,
                           random_state=None, positive=None, n_jobs=None) -> pd.DataFrame:
    """Difference in net benefit (model a - model b) per threshold with a stratified bootstrap CI.

    Returns ``threshold, difference, conf_low, conf_high`` (dcurves issue #18). Both models are scored on
    the same resamples; ``random_state`` and ``n_jobs`` as in :func:`decision_curve` (the same CI for any
    ``n_jobs``).
    """
    thresholds = _check_thresholds(thresholds)
    res = decision_curve(y, {"a": p_a, "b": p_b}, thresholds=thresholds, positive=positive)
    t = res.table.set_index(["model", "threshold"])["net_benefit"]
    diff = t.loc["a"].to_numpy() - t.loc["b"].to_numpy()
    y01, arrays, _, _ = prepare_binary_scores(y, {"a": p_a, "b": p_b}, positive=positive)
    boots = _bootstrap_nb(y01, arrays, thresholds, {}, int(n_boot), random_state, n_jobs)
    d = boots["a"] - boots["b"]
    al = (1 - conf_level) / 2
    lo, hi = np.quantile(d, [al, 1 - al], axis=0)
    return pd.DataFrame({"threshold": thresholds, "difference": diff, "conf_low": lo, "conf_high": hi})
