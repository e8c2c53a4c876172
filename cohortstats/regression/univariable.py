"""Univariable screening and the univariable / multivariable odds-ratio table (finalfit style)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._validation import as_column_list, check_columns, check_dataframe, check_one_of
from ..exceptions import DataValidationError
from .logistic import LogisticRegressionResult, logistic_regression
from .._results import TidyHTML

__all__ = ["univariable_logistic", "UnivariableResult", "regression_table", "RegressionTable"]


@dataclass(frozen=True)
class UnivariableResult(TidyHTML):
    """One logistic model per candidate predictor.

    Attributes
    ----------
    fits : dict
        ``{predictor: LogisticRegressionResult}``. Each fit's ``lr_tests`` is computed when it is fitted and its
        design matrix (``design.X1``) is not kept (it has no rows): a registry's univariable fits would otherwise
        hold one matrix of the data's size per predictor.
    ci_method : str
    """

    fits: dict
    ci_method: str

    def tidy(self) -> pd.DataFrame:
        """Rows of every model (no intercepts), with ``predictor``, the model's ``n`` and
        ``n_excluded``, and ``lr_p_value`` (LR test of the predictor as a whole)."""
        blocks = []
        for var, fit in self.fits.items():
            t = fit.tidy(intercept=False)
            lr = fit.lr_tests.set_index("variable").loc[var, "p_value"]
            t.insert(0, "predictor", var)
            t["lr_p_value"] = lr
            t["model_n"] = fit.n
            t["model_n_excluded"] = int(fit.excluded["n"].iloc[-1]) if len(fit.excluded) else 0
            blocks.append(t)
        return pd.concat(blocks, ignore_index=True)

    def p_values(self, rule: str = "wald") -> pd.Series:
        """Screening p-value per predictor: LR test (``"lr"``) or the smallest Wald p of its terms (``"wald"``)."""
        check_one_of(rule, ("wald", "lr"), "rule")
        out = {}
        for var, fit in self.fits.items():
            if rule == "lr":
                out[var] = float(fit.lr_tests.set_index("variable").loc[var, "p_value"])
            else:
                t = fit.tidy(intercept=False)
                out[var] = float(t.loc[~t["reference"], "p_value"].min())
        return pd.Series(out, name="p_value")


def univariable_logistic(df: pd.DataFrame, outcome: str, predictors, *, categorical=None, reference=None,
                         ci_method: str = "profile", method: str = "mle", conf_level: float = 0.95, positive=None,
                         scale=None) -> UnivariableResult:
    """Fit ``outcome ~ predictor`` separately for each candidate.

    Each model uses its own complete cases (the excluded count is in ``model_n_excluded``).
    Arguments as :func:`logistic_regression`. Warnings about events per variable are not
    repeated for one-predictor models.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> uni = cs.univariable_logistic(make_hematoma_cohort().clinical, "expansion", ["age", "volume"])
    >>> list(uni.fits)
    ['age', 'volume']
    """
    check_dataframe(df, "df")
    predictors = as_column_list(predictors, "predictors")
    check_columns(df, [outcome, *predictors], "univariable_logistic")
    categorical = set(as_column_list(categorical, "categorical"))
    reference = dict(reference or {})
    scale_map = scale if isinstance(scale, dict) else {p: scale for p in predictors} if scale else {}
    fits = {}
    for var in predictors:
        fit = logistic_regression(  # events per variable: checked for the multivariable model, not here
            df, outcome, [var], categorical=[var] if var in categorical else None,
            reference={var: reference[var]} if var in reference else None,
            scale={var: scale_map[var]} if scale_map.get(var) else None,
            ci_method=ci_method, method=method, conf_level=conf_level, positive=positive, epv_warning=0)
        fits[var] = _without_design_matrix(fit)
    return UnivariableResult(fits, ci_method)


def _without_design_matrix(fit: LogisticRegressionResult) -> LogisticRegressionResult:
    """The fit with its LR test computed now and its design matrix let go (a registry's 20 univariable fits would
    otherwise keep 20 matrices of its size): the design keeps its terms, levels and scaling (``tidy``,
    ``predict_proba``), and ``y``, ``fitted`` and ``covariance`` stay (``glance``, ``vif``)."""
    lr = fit.lr_tests  # reads the design matrix: computed while it exists
    design = replace(fit.design, X1=np.empty((0, fit.design.X1.shape[1])))
    slim = replace(fit, design=design)
    slim.__dict__["lr_tests"] = lr  # the cached_property's value, as if computed on first use
    return slim


@dataclass(frozen=True)
class RegressionTable(TidyHTML):
    """Univariable and multivariable ORs side by side.

    Attributes
    ----------
    univariable : UnivariableResult
    multivariable : LogisticRegressionResult or None
        ``None`` when no predictor passed the screen.
    selected : list of str
        Predictors in the multivariable model.
    rule : str
        How they were chosen, e.g. "univariable Wald P < 0.05" or "given by the user".
    """

    univariable: UnivariableResult
    multivariable: LogisticRegressionResult | None
    selected: list
    rule: str

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``predictor, term, level, reference, n, n_events``, then ``uni_*`` and
        ``multi_*`` estimates (OR), CIs and p-values, and ``selected``."""
        uni = self.univariable.tidy()
        cols = ["estimate", "conf_low", "conf_high", "p_value"]
        out = uni[["predictor", "term", "level", "reference", "n", "n_events", "unit", *cols, "lr_p_value"]].rename(
            columns={c: f"uni_{c}" for c in [*cols, "lr_p_value"]})
        if self.multivariable is not None:
            multi = self.multivariable.tidy(intercept=False)[["term", *cols]].rename(
                columns={c: f"multi_{c}" for c in cols})
            out = out.merge(multi, on="term", how="left")
        else:
            for c in cols:
                out[f"multi_{c}"] = np.nan
        out["selected"] = out["predictor"].isin(self.selected)
        return out


def regression_table(df: pd.DataFrame, outcome: str, predictors, *, screen_p: float | None = 0.05,
                     multivariable=None, screen_rule: str = "wald", categorical=None, reference=None,
                     ci_method: str = "profile", method: str = "mle", conf_level: float = 0.95,
                     positive=None, scale=None) -> RegressionTable:
    """Univariable screening, then one multivariable model.

    Parameters
    ----------
    screen_p : float or None
        Predictors whose univariable p-value is below this enter the multivariable model.
    multivariable : list of str, optional
        Use this list instead of the screen (the rule then says "given by the user").
    screen_rule : {"wald", "lr"}
        Which univariable p-value screens: the smallest Wald p of the predictor's terms,
        or the likelihood-ratio test of the predictor as a whole.
    scale : "sd", "iqr" or dict, optional
        ORs per SD / IQR / k units of continuous predictors (as :func:`logistic_regression`), in both
        columns; the screen's P values do not depend on it.

    Notes
    -----
    The multivariable model is fitted on its own complete cases; its exclusions are on
    ``multivariable.excluded``. The rule is stored for the table's footnote.
    """
    check_one_of(screen_rule, ("wald", "lr"), "screen_rule")
    uni = univariable_logistic(df, outcome, predictors, categorical=categorical, reference=reference,
                               ci_method=ci_method, method=method, conf_level=conf_level, positive=positive,
                               scale=scale)
    if multivariable is not None:
        selected = as_column_list(multivariable, "multivariable")
        check_columns(df, selected, "multivariable")
        rule = "given by the user"
    else:
        if screen_p is None:
            raise DataValidationError("give screen_p or a multivariable list.")
        p = uni.p_values(screen_rule)
        selected = [v for v in as_column_list(predictors, "predictors") if p[v] < screen_p]
        rule = f"univariable {'likelihood-ratio' if screen_rule == 'lr' else 'Wald'} P < {screen_p:g}"
    cat = [c for c in as_column_list(categorical, "categorical") if c in selected]
    ref = {k: v for k, v in (reference or {}).items() if k in selected}
    sc = scale if not isinstance(scale, dict) else {k: v for k, v in scale.items() if k in selected}
    multi = (logistic_regression(df, outcome, selected, categorical=cat or None, reference=ref or None,
                                 scale=sc or None, ci_method=ci_method, method=method, conf_level=conf_level,
                                 positive=positive)
             if selected else None)
    return RegressionTable(uni, multi, selected, rule)
