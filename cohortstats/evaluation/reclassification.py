"""Reclassification: net reclassification improvement (NRI) and integrated discrimination improvement (IDI)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_probability
from ._roc_core import _as_rng, prepare_binary_scores
from ..exceptions import DataValidationError, DegenerateComparisonWarning
from .._results import TidyHTML

__all__ = ["nri", "idi", "ReclassificationResult", "compare_reclassification", "ReclassificationComparison"]


@dataclass(frozen=True)
class ReclassificationResult(TidyHTML):
    """NRI or IDI with its components, SE, z-test and CI.

    Attributes
    ----------
    estimate : float
    events_component, nonevents_component : float
        NRI: net proportion of events moving up and of non-events moving down.
        IDI: change in mean risk among events, minus that among non-events (as a positive gain).
    std_error, statistic, p_value, conf_low, conf_high : float
    method : str
        Which NRI/IDI and which variance, e.g. "category-free NRI; SE of Pencina et al. (2008)".
    ci_method : str
        "asymptotic (estimate ± z·SE)" or "bootstrap percentile (B = ...)".
    conf_level : float
    n_events, n_nonevents : int
    table : pandas.DataFrame
        Counts moving up / down / unchanged among events and non-events.
    events_std_error, nonevents_std_error : float
        SEs of the two components (NRI+ and NRI-, or the mean-risk changes).
    """

    estimate: float
    events_component: float
    nonevents_component: float
    std_error: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    method: str
    ci_method: str
    conf_level: float
    n_events: int
    n_nonevents: int
    table: pd.DataFrame
    events_std_error: float = np.nan
    nonevents_std_error: float = np.nan

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "estimate", "events_component", "events_std_error", "nonevents_component", "nonevents_std_error",
            "std_error", "statistic", "p_value", "conf_low", "conf_high", "conf_level", "method", "ci_method",
            "n_events", "n_nonevents")}])


def _check_probs(arrays):
    for name, a in arrays.items():
        if (a < 0).any() or (a > 1).any():
            raise DataValidationError(f"{name} must be predicted probabilities in [0, 1]; got values from "
                                      f"{a.min():g} to {a.max():g}.")


def _nri_parts(y, old, new, cutoffs):
    if cutoffs is None:
        up, down = new > old, new < old
    else:
        c_old, c_new = np.searchsorted(cutoffs, old, "right"), np.searchsorted(cutoffs, new, "right")
        up, down = c_new > c_old, c_new < c_old
    ev, ne = y == 1, y == 0
    pu_e, pd_e = up[ev].mean(), down[ev].mean()
    pu_n, pd_n = up[ne].mean(), down[ne].mean()
    return pu_e, pd_e, pu_n, pd_n, up, down


def _bootstrap(stat_fn, y, arrays, n_boot, random_state):
    rng = _as_rng(random_state)
    ev, ne = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    out = np.empty(n_boot)
    for b in range(n_boot):  # statistics are O(n) vector operations; B is in the hundreds
        idx = np.concatenate([rng.choice(ev, len(ev)), rng.choice(ne, len(ne))])
        out[b] = stat_fn(y[idx], *(a[idx] for a in arrays))
    return out


SE_ZERO = 1e-12  # risks are in [0, 1]: an SE below this is rounding noise of identical differences


def _degenerate_test(est, se, method):
    """Z and P when the SE is 0 (no one moves, or every patient of a group moves alike): never NaN."""
    what = method.split(";")[0]
    if abs(est) <= SE_ZERO:
        warnings.warn(f"{what}: the two models reclassify no patient differently (estimate 0 with SE 0, e.g. "
                      "identical predicted risks): Z = 0 and P = 1 returned.", DegenerateComparisonWarning,
                      stacklevel=4)
        return 0.0, 1.0
    warnings.warn(f"{what}: the SE is 0 although the estimate is {est:.4g} (every event and every non-event "
                  "changed alike): Z = ±inf and P = 0 returned, as Hmisc::improveProb; the asymptotic test "
                  "and CI say nothing here, look at the reclassification table.", DegenerateComparisonWarning,
                  stacklevel=4)
    return float(np.sign(est) * np.inf), 0.0


def _finish(est, ev_c, ne_c, se, conf_level, n_boot, boot, method, y, table, se_parts=(np.nan, np.nan)):
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    if se > SE_ZERO:
        stat = est / se
        p = float(2 * stats.norm.sf(abs(stat)))
    else:
        se, se_parts = 0.0, tuple(0.0 if v <= SE_ZERO else v for v in se_parts)
        stat, p = _degenerate_test(est, se, method)
    if boot is None:
        low, high, ci = est - z * se, est + z * se, "asymptotic (estimate ± z·SE)"
    else:
        a = (1 - conf_level) / 2
        low, high = np.quantile(boot, [a, 1 - a])
        ci = f"stratified bootstrap percentile (B = {n_boot})"
    return ReclassificationResult(float(est), float(ev_c), float(ne_c), float(se), float(stat), p, float(low),
                                  float(high), method, ci, conf_level, int((y == 1).sum()), int((y == 0).sum()), table,
                                  float(se_parts[0]), float(se_parts[1]))


SE_METHODS = ("hmisc", "pencina")


def nri(y, p_old, p_new, *, cutoffs=None, se_method: str = "hmisc", conf_level: float = 0.95,
        n_boot: int | None = None, random_state=None, positive=None,
        nan_policy: str = "raise") -> ReclassificationResult:
    """Net reclassification improvement of a new model over an old one.

    Parameters
    ----------
    p_old, p_new : array-like
        Predicted risks of the two models for the same patients.
    cutoffs : sequence of float, optional
        Risk categories (e.g. ``[0.1, 0.2]``: <10 %, 10-20 %, ≥20 %; a risk equal
        to a cut-off belongs to the higher category). ``None``: category-free
        (continuous) NRI, where any increase counts as up.
    se_method : {"hmisc", "pencina"}
        ``"hmisc"`` (default): the variance of the estimate, as R's ``Hmisc::improveProb``
        and PredictABEL's ``reclassification`` (which calls it): per group
        (p_up + p_down - (p_up - p_down)^2) / n. ``"pencina"``: the variance under the null
        of no improvement in Pencina et al. (2008), (p_up + p_down) / n per group.
    n_boot : int, optional
        Replace the asymptotic CI by a stratified bootstrap percentile CI.

    Warns
    -----
    DegenerateComparisonWarning
        SE 0: nobody is reclassified differently (e.g. identical risks): estimate 0, Z = 0, P = 1,
        CI (0, 0); or every patient of each group moved alike with a non-zero NRI: Z = ±inf, P = 0
        (as ``Hmisc::improveProb``). Never NaN.

    Notes
    -----
    NRI = [P(up | event) - P(down | event)] + [P(down | non-event) - P(up | non-event)];
    z = NRI / SE, two-sided normal p. The categorical NRI equals PredictABEL's
    (``cut(..., right = FALSE)``: a risk on a cut-off belongs to the higher category);
    the category-free NRI equals ``Hmisc::improveProb``.
    """
    conf_level = check_probability(conf_level, "conf_level")
    if se_method not in SE_METHODS:
        raise DataValidationError(f"se_method must be one of {list(SE_METHODS)}; got {se_method!r}.")
    y, arrays, _, _ = prepare_binary_scores(y, {"p_old": p_old, "p_new": p_new}, positive=positive,
                                            nan_policy=nan_policy)
    _check_probs(arrays)
    if cutoffs is not None:
        cutoffs = np.asarray(cutoffs, float)
        if cutoffs.ndim != 1 or len(cutoffs) == 0 or np.any(np.diff(cutoffs) <= 0) or cutoffs.min() <= 0 or cutoffs.max() >= 1:
            raise DataValidationError(f"cutoffs must be increasing values strictly between 0 and 1; got {cutoffs.tolist()}.")
    old, new = arrays["p_old"], arrays["p_new"]
    pu_e, pd_e, pu_n, pd_n, up, down = _nri_parts(y, old, new, cutoffs)
    n_e, n_n = (y == 1).sum(), (y == 0).sum()
    est = (pu_e - pd_e) + (pd_n - pu_n)
    v_e, v_n = (pu_e + pd_e) / n_e, (pu_n + pd_n) / n_n
    if se_method == "hmisc":
        v_e, v_n = v_e - (pu_e - pd_e) ** 2 / n_e, v_n - (pu_n - pd_n) ** 2 / n_n
    se = np.sqrt(v_e + v_n)
    table = pd.DataFrame({"group": ["events", "non-events"],
                          "up": [int(up[y == 1].sum()), int(up[y == 0].sum())],
                          "down": [int(down[y == 1].sum()), int(down[y == 0].sum())],
                          "unchanged": [int((~up & ~down)[y == 1].sum()), int((~up & ~down)[y == 0].sum())]})
    boot = None
    if n_boot:
        def stat(yb, ob, nb):
            a, b, c, d, _, _ = _nri_parts(yb, ob, nb, cutoffs)
            return (a - b) + (d - c)
        boot = _bootstrap(stat, y, (old, new), int(n_boot), random_state)
    kind = "category-free (continuous) NRI" if cutoffs is None else f"categorical NRI (cut-offs {cutoffs.tolist()})"
    se_name = ("SE of the estimate (Hmisc improveProb)" if se_method == "hmisc"
               else "SE under the null (Pencina et al. 2008)")
    return _finish(est, pu_e - pd_e, pd_n - pu_n, se, conf_level, n_boot, boot, f"{kind}; {se_name}", y, table,
                   (np.sqrt(v_e), np.sqrt(v_n)))


def idi(y, p_old, p_new, *, conf_level: float = 0.95, n_boot: int | None = None, random_state=None, positive=None,
        nan_policy: str = "raise") -> ReclassificationResult:
    """Integrated discrimination improvement of a new model over an old one.

    Warns
    -----
    DegenerateComparisonWarning
        SE 0 (p_new - p_old constant within events and within non-events, e.g. identical risks):
        Z = 0 and P = 1 for an IDI of 0, Z = ±inf and P = 0 otherwise. Never NaN.

    Notes
    -----
    IDI = (mean p_new - mean p_old | events) - (mean p_new - mean p_old | non-events),
    the gain in discrimination slope. SE (Pencina et al. 2008; equal to ``Hmisc::improveProb``
    and PredictABEL): sqrt(sd_e²/n_e + sd_ne²/n_ne) where sd is the sample SD (n - 1) of
    p_new - p_old within events and non-events.
    """
    conf_level = check_probability(conf_level, "conf_level")
    y, arrays, _, _ = prepare_binary_scores(y, {"p_old": p_old, "p_new": p_new}, positive=positive,
                                            nan_policy=nan_policy)
    _check_probs(arrays)
    old, new = arrays["p_old"], arrays["p_new"]

    def parts(yb, ob, nb):
        d = nb - ob
        return d[yb == 1].mean(), d[yb == 0].mean()

    de, dn = parts(y, old, new)
    d = new - old
    v_e, v_n = np.var(d[y == 1], ddof=1) / (y == 1).sum(), np.var(d[y == 0], ddof=1) / (y == 0).sum()
    se = np.sqrt(v_e + v_n)
    table = pd.DataFrame({"group": ["events", "non-events"],
                          "mean_p_old": [old[y == 1].mean(), old[y == 0].mean()],
                          "mean_p_new": [new[y == 1].mean(), new[y == 0].mean()]})
    boot = None
    if n_boot:
        boot = _bootstrap(lambda yb, ob, nb: np.subtract(*parts(yb, ob, nb)), y, (old, new), int(n_boot), random_state)
    return _finish(de - dn, de, -dn, se, conf_level, n_boot, boot, "IDI; SE of Pencina et al. (2008)", y, table,
                   (np.sqrt(v_e), np.sqrt(v_n)))


@dataclass(frozen=True)
class ReclassificationComparison(TidyHTML):
    """NRI (category-free, and categorical when cut-offs are given) and IDI for pairs of models.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per pair and measure: ``model_old, model_new, measure, estimate, events_component,
        events_std_error, nonevents_component, nonevents_std_error, std_error, statistic, p_value,
        conf_low, conf_high``.
    cutoffs : tuple of float or None
    se_method : str
    conf_level : float
    n_events, n_nonevents : int
    """

    table: pd.DataFrame
    cutoffs: tuple | None
    se_method: str
    conf_level: float
    n_events: int
    n_nonevents: int

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def compare_reclassification(y, scores: dict, pairs, *, cutoffs=None, se_method: str = "hmisc",
                             conf_level: float = 0.95, positive=None) -> ReclassificationComparison:
    """NRI and IDI of each ``(old, new)`` pair of predicted-risk vectors in ``scores``.

    Parameters
    ----------
    scores : dict
        ``{model name: predicted risks}`` for the same patients.
    pairs : sequence of (old, new)
        The new model is compared with the old one (positive NRI/IDI: the new model
        reclassifies better).
    cutoffs : sequence of float, optional
        Risk categories for an additional categorical NRI.

    Warns
    -----
    DegenerateComparisonWarning
        As :func:`nri` and :func:`idi`, prefixed with the pair ("new over old: ...").

    Notes
    -----
    Each row equals :func:`nri` / :func:`idi` for that pair (``Hmisc::improveProb``;
    PredictABEL's ``reclassification`` for the categorical NRI).
    """
    if not isinstance(scores, dict) or len(scores) < 2:
        raise DataValidationError("scores must be a dict of at least two named risk vectors.")
    rows = []
    first = None
    for old, new in pairs:
        unknown = [m for m in (old, new) if m not in scores]
        if unknown:
            raise DataValidationError(f"pairs name unknown model(s) {unknown}; models are {list(scores)}.")
        with warnings.catch_warnings(record=True) as caught:  # re-emitted below, naming the pair
            warnings.simplefilter("always")
            results = [("NRI (category-free)", nri(y, scores[old], scores[new], se_method=se_method,
                                                   conf_level=conf_level, positive=positive))]
            if cutoffs is not None:
                cut = [float(c) for c in cutoffs]
                results.append((f"NRI (categories at {', '.join(f'{c:g}' for c in cut)})",
                                nri(y, scores[old], scores[new], cutoffs=cut, se_method=se_method,
                                    conf_level=conf_level, positive=positive)))
            results.append(("IDI", idi(y, scores[old], scores[new], conf_level=conf_level, positive=positive)))
        for w in caught:
            warnings.warn(f"{new} over {old}: {w.message}", w.category, stacklevel=2)
        for measure, r in results:
            first = first or r
            rows.append({"model_old": old, "model_new": new, "measure": measure, "estimate": r.estimate,
                         "events_component": r.events_component, "events_std_error": r.events_std_error,
                         "nonevents_component": r.nonevents_component, "nonevents_std_error": r.nonevents_std_error,
                         "std_error": r.std_error, "statistic": r.statistic, "p_value": r.p_value,
                         "conf_low": r.conf_low, "conf_high": r.conf_high})
    if first is None:
        raise DataValidationError("pairs must name at least one (old, new) pair of models.")
    return ReclassificationComparison(pd.DataFrame(rows), None if cutoffs is None else tuple(float(c) for c in cutoffs),
                                      se_method, conf_level, first.n_events, first.n_nonevents)
