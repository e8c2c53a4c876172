"""Prediction models fitted on m completed data sets: discrimination, DeLong differences, calibration and net
benefit pooled by Rubin's rules."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logit

from .._results import TidyHTML
from .._validation import check_one_of
from ..evaluation.roc import _adjust, auc_ci, compare_aucs, hypothesis_text
from ..exceptions import DataValidationError, DataWarning
from ..regression._fit import fit_logistic
from .pool import pool_scalar

__all__ = ["pool_model_comparisons", "PooledModelComparison", "PooledDecisionCurve", "net_benefit_variance"]

_SCALAR = ["estimate", "conf_low", "conf_high", "std_error", "statistic", "df", "p_value", "fmi", "riv", "m"]


@dataclass(frozen=True)
class PooledDecisionCurve(TidyHTML):
    """Net benefit per model and threshold pooled over the imputations (plots with ``plot_decision_curve``).

    ``table``: ``model, threshold, net_benefit, std_error, conf_low, conf_high, df, fmi`` (models include
    ``"all"``, treat all, and ``"none"``, treat none)."""

    table: pd.DataFrame
    m: int
    conf_level: float

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class PooledModelComparison(TidyHTML):
    """Models fitted on each of m completed data sets (``fits``), their performance pooled by Rubin's rules.

    Attributes
    ----------
    performance : pandas.DataFrame
        One row per model × set: ``model, set, n, n_events``, the pooled ``auc`` with ``conf_low, conf_high``
        (pooled on the logit scale with DeLong variances), ``std_error`` and ``df`` (pooling scale), ``fmi``,
        ``scale`` ("logit", or "auc" when an AUC of 0 or 1 forbids the logit), and the means over imputations of
        ``threshold`` (each imputation's training Youden cut-off), ``sensitivity, specificity, accuracy, ppv,
        npv``.
    delong : dict
        ``{set: DataFrame}``: ``model_a, model_b, difference`` (AUC(a) − AUC(b)), ``conf_low, conf_high,
        std_error, statistic, df, p_value, p_adjusted, fmi, hypothesis``.
    calibration : pandas.DataFrame
        Test set, per model: ``model, statistic`` ("intercept", "slope", "citl"), ``estimate, conf_low,
        conf_high, std_error, df, p_value, fmi`` (the P tests 0 for the intercepts and 1 for the slope).
    decision_curve : PooledDecisionCurve
        Test set.
    selected : pandas.DataFrame
        ``model, block, feature, n_selected``: how many imputations kept each LASSO feature.
    fits : tuple of ModelComparison
    m : int
    """

    performance: pd.DataFrame
    delong: dict
    calibration: pd.DataFrame
    decision_curve: PooledDecisionCurve
    selected: pd.DataFrame
    fits: tuple = field(repr=False)
    m: int = 0
    conf_level: float = 0.95
    alternative: str = "two-sided"
    adjust: str | None = None
    method: str = "Rubin's rules (Barnard-Rubin df); AUC on the logit scale with DeLong variances"

    def tidy(self) -> pd.DataFrame:
        return self.performance.copy()


def net_benefit_variance(y, p, threshold: float) -> tuple[float, float]:
    """Net benefit of ``p >= threshold`` and its variance, (TP/n + w² FP/n − NB²)/n with w = pt/(1 − pt).

    Each patient contributes 1 (true positive), −w (false positive) or 0, so NB is a mean of n independent
    contributions and this is its (multinomial) sampling variance.

    >>> nb, var = net_benefit_variance([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1], 0.5)
    >>> nb, round(var, 4)
    (0.0, 0.125)
    """
    y = np.asarray(y, float)
    pos = np.asarray(p, float) >= threshold
    n = len(y)
    w = threshold / (1 - threshold)
    tp, fp = float(np.sum(pos & (y == 1))) / n, float(np.sum(pos & (y == 0))) / n
    nb = tp - w * fp
    return nb, max(tp + w ** 2 * fp - nb ** 2, 0.0) / n


def _pooled(q, u, *, transform=None, conf_level=0.95, null=0.0) -> dict:
    """pool_scalar as a dict of the reported columns; the P tests ``null`` (on the pooling scale)."""
    u = np.asarray(u, float)
    q = np.asarray(q, float)
    if np.all(u == 0) and np.ptp(q) == 0:  # the same exact number in every data set (treat none)
        return {"estimate": float(q[0]), "conf_low": float(q[0]), "conf_high": float(q[0]), "std_error": 0.0,
                "statistic": np.nan, "df": np.inf, "p_value": np.nan, "fmi": 0.0, "riv": 0.0, "m": len(q)}
    r = pool_scalar(q - null if transform is None else q, u, transform=transform, conf_level=conf_level)
    shift = null if transform is None else 0.0
    return {"estimate": r.estimate + shift, "conf_low": r.conf_low + shift, "conf_high": r.conf_high + shift,
            "std_error": r.std_error, "statistic": r.statistic, "df": r.df, "p_value": r.p_value, "fmi": r.fmi,
            "riv": r.riv, "m": r.m}


def _performance(fits, conf_level) -> tuple[pd.DataFrame, list]:
    rows, notes = [], []
    first = fits[0].performance
    for _, base in first.iterrows():
        model, set_name = base["model"], base["set"]
        aucs, vars_, extra = [], [], []
        for f in fits:
            y, scores = f.scores(set_name)
            ci = auc_ci(y, scores[model])
            aucs.append(ci.estimate)
            vars_.append(ci.std_error ** 2)
            extra.append(f.performance.set_index(["model", "set"]).loc[(model, set_name)])
        logit_ok = all(0 < a < 1 for a in aucs) and any(v > 0 for v in vars_)
        if not logit_ok:
            notes.append(f"{model}, {set_name} set: an AUC of 0 or 1 (or a zero DeLong variance) in some imputation; "
                         "pooled on the AUC scale")
        r = _pooled(aucs, vars_, transform="logit" if logit_ok else None, conf_level=conf_level, null=0.5)
        means = pd.DataFrame(extra)[["threshold", "sensitivity", "specificity", "accuracy", "ppv", "npv"]].mean()
        rows.append({"model": model, "set": set_name, "n": int(base["n"]), "n_events": int(base["n_events"]),
                     "auc": r["estimate"], "conf_low": r["conf_low"], "conf_high": r["conf_high"],
                     "std_error": r["std_error"], "df": r["df"], "fmi": r["fmi"],
                     "scale": "logit" if logit_ok else "auc", **means.to_dict()})
    return pd.DataFrame(rows), notes


def _delong(fits, set_name, pairs, alternative, adjust, conf_level) -> pd.DataFrame:
    per = []
    for f in fits:
        y, scores = f.scores(set_name)
        per.append(compare_aucs(y, scores, pairs=pairs).pairs)
    rows = []
    for i, base in per[0].iterrows():
        q = [p.loc[i, "difference"] for p in per]
        u = [p.loc[i, "std_error"] ** 2 for p in per]
        r = _pooled(q, u, conf_level=conf_level if alternative == "two-sided" else 2 * conf_level - 1)
        if alternative != "two-sided" and r["std_error"] > 0:
            tail = stats.t.sf if alternative == "greater" else stats.t.cdf
            r["p_value"] = float(tail(r["statistic"], r["df"]))
            r["conf_high" if alternative == "greater" else "conf_low"] = np.inf if alternative == "greater" else -np.inf
        rows.append({"model_a": base["model_a"], "model_b": base["model_b"], "difference": r["estimate"],
                     **{k: r[k] for k in ("conf_low", "conf_high", "std_error", "statistic", "df", "p_value",
                                          "fmi")},
                     "hypothesis": hypothesis_text(alternative, base["model_a"], base["model_b"])})
    out = pd.DataFrame(rows)
    if len(out):
        out.insert(out.columns.get_loc("fmi"), "p_adjusted", _adjust(out["p_value"].to_numpy(float), adjust))
    return out


def _recalibration(y, p) -> dict:
    """Intercept and slope of logit(p) (with SEs) and calibration-in-the-large (offset), as rms::val.prob."""
    y = np.asarray(y, float)
    lg = logit(np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12))
    X = np.column_stack([np.ones(len(y)), lg])
    st = fit_logistic(X, y)
    cov = np.linalg.inv(st.info)
    citl = fit_logistic(np.ones((len(y), 1)), y, offset=lg)
    return {"intercept": (st.beta[0], cov[0, 0]), "slope": (st.beta[1], cov[1, 1]),
            "citl": (citl.beta[0], 1 / citl.info[0, 0])}


def _calibration(fits, conf_level) -> pd.DataFrame:
    rows = []
    models = list(dict.fromkeys(fits[0].performance["model"]))
    for model in models:
        per = []
        for f in fits:
            y, scores = f.scores("test")
            per.append(_recalibration(y, scores[model]))
        for stat in ("intercept", "slope", "citl"):
            r = _pooled([x[stat][0] for x in per], [x[stat][1] for x in per], conf_level=conf_level,
                        null=1.0 if stat == "slope" else 0.0)
            rows.append({"model": model, "statistic": stat, **{k: r[k] for k in (
                "estimate", "conf_low", "conf_high", "std_error", "df", "p_value", "fmi")}})
    return pd.DataFrame(rows)


def _decision_curve(fits, thresholds, conf_level) -> PooledDecisionCurve:
    models = list(dict.fromkeys(fits[0].performance["model"]))
    scored = [f.scores("test") for f in fits]
    rows = []
    for model in [*models, "all", "none"]:
        for pt in thresholds:
            q, u = [], []
            for y, scores in scored:
                if model == "none":
                    nb, v = 0.0, 0.0
                else:
                    nb, v = net_benefit_variance(y, np.ones(len(y)) if model == "all" else scores[model], pt)
                q.append(nb)
                u.append(v)
            r = _pooled(q, u, conf_level=conf_level)
            rows.append({"model": model, "threshold": float(pt), "net_benefit": r["estimate"],
                         "std_error": r["std_error"], "conf_low": r["conf_low"], "conf_high": r["conf_high"],
                         "df": r["df"], "fmi": r["fmi"]})
    return PooledDecisionCurve(pd.DataFrame(rows), len(fits), conf_level)


def _selected(fits) -> pd.DataFrame:
    counts: dict = {}
    for f in fits:
        for (model, block), feats in f.selected.items():
            for feat in feats:
                counts[(model, block, feat)] = counts.get((model, block, feat), 0) + 1
    return pd.DataFrame([{"model": k[0], "block": k[1], "feature": k[2], "n_selected": v} for k, v in counts.items()],
                        columns=["model", "block", "feature", "n_selected"])


def pool_model_comparisons(fits, *, thresholds=None, pairs=None, alternative: str = "two-sided", adjust=None,
                           conf_level: float = 0.95) -> PooledModelComparison:
    """Pool the performance of models fitted on each of m completed data sets.

    Parameters
    ----------
    fits : list of ModelComparison
        ``fit_models`` on each completed (training, test) pair, the same models each time.
    thresholds : array-like, optional
        Risk thresholds of the decision curve (default 0.01 to 0.99 by 0.01).
    pairs : list of (model_a, model_b), optional
        DeLong comparisons (default every pair).
    alternative : {"two-sided", "greater", "less"}
    adjust : {None, "holm", "bonferroni"}
        Multiplicity adjustment of the pooled P values.
    conf_level : float

    Returns
    -------
    PooledModelComparison

    Raises
    ------
    TypeError
        ``fits`` are not model comparisons.
    DataValidationError
        Fewer than 2 fits, or fits of different models or sets.

    Notes
    -----
    Every quantity is estimated in each completed data set with its variance and pooled by
    :func:`cohortstats.missing.pool_scalar` (Rubin's rules, Barnard-Rubin df with infinite complete-data df,
    as ``mice::pool.scalar(Q, U)``): the AUC on the logit scale with the delta-method DeLong variance
    (Marshall et al. 2009; the AUC scale when an imputation gives an AUC of 0 or 1); each DeLong difference
    with its paired DeLong variance; the calibration intercept and slope (logistic regression of the outcome on
    logit(p)) and calibration-in-the-large (logit(p) as offset) with their model-based variances; the net
    benefit at each threshold with its multinomial variance (see :func:`net_benefit_variance`).
    Sensitivity and the other metrics at each imputation's training Youden cut-off are averaged.

    References
    ----------
    Marshall A, Altman DG, Holder RL, Royston P. Combining estimates of interest in prognostic modelling studies
    after multiple imputation: current practice and guidelines. BMC Med Res Methodol 2009;9:57.
    Wood AM, Royston P, White IR. The estimation and use of predictions for the assessment of model performance
    using large samples with multiply imputed data. Biom J 2015;57:614-32.

    Examples
    --------
    >>> import numpy as np
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical[["expansion", "age", "volume", "glucose"]].copy()
    >>> df.loc[::6, "glucose"] = np.nan
    >>> train, test = cs.train_test_split(df, "expansion", random_state=1)
    >>> imp = cs.impute(df.loc[list(train.index) + list(test.index)], m=3, maxit=3, random_state=1)
    >>> fits = [cs.fit_models(d.iloc[:len(train)], d.iloc[len(train):], "expansion",
    ...                       [cs.ModelSpec("vol", ["volume"]), cs.ModelSpec("all", ["age", "volume", "glucose"])])
    ...         for d in imp.datasets]
    >>> pm = pool_model_comparisons(fits, thresholds=[0.2, 0.4])
    >>> pm.performance.columns[:7].tolist()
    ['model', 'set', 'n', 'n_events', 'auc', 'conf_low', 'conf_high']
    """
    if isinstance(fits, (str, bytes)) or not hasattr(fits, "__iter__"):
        raise TypeError(f"fits must be a list of ModelComparison (one per completed data set); got "
                        f"{type(fits).__name__}.")
    fits = list(fits)
    if not all(hasattr(f, "performance") and hasattr(f, "scores") for f in fits):
        raise TypeError("fits must be results of fit_models (ModelComparison), one per completed data set.")
    if len(fits) < 2:
        raise DataValidationError(f"pool_model_comparisons needs at least 2 fits; got {len(fits)}.")
    keys = [list(zip(f.performance["model"], f.performance["set"])) for f in fits]
    if any(k != keys[0] for k in keys[1:]):
        raise DataValidationError("the fits hold different models or sets; fit the same models on every completed "
                                  "data set.")
    check_one_of(alternative, ("two-sided", "greater", "less"), "alternative")
    thresholds = np.round(np.arange(0.01, 0.995, 0.01), 6) if thresholds is None else np.asarray(thresholds, float)
    if thresholds.size == 0 or np.any((thresholds <= 0) | (thresholds >= 1)):
        raise DataValidationError("thresholds must be risks strictly between 0 and 1.")
    performance, notes = _performance(fits, conf_level)
    models = list(dict.fromkeys(fits[0].performance["model"]))
    delong = {}
    if len(models) > 1 and pairs != []:
        delong = {s: _delong(fits, s, pairs, alternative, adjust, conf_level) for s in ("test", "train")}
    if notes:
        warnings.warn("pooling the AUC: " + "; ".join(notes) + ".", DataWarning, stacklevel=2)
    return PooledModelComparison(
        performance=performance, delong=delong, calibration=_calibration(fits, conf_level),
        decision_curve=_decision_curve(fits, thresholds, conf_level), selected=_selected(fits), fits=tuple(fits),
        m=len(fits), conf_level=conf_level, alternative=alternative, adjust=adjust)
