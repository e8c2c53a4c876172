"""Multiple imputation by chained equations with predictive mean matching (mice's default "pmm")."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._results import TidyHTML
from .._validation import _preview, as_column_list, check_columns, check_dataframe, check_one_of
from ..exceptions import DataValidationError, DataWarning

__all__ = ["impute", "ImputationResult"]

MISSING_COLUMNS = ["variable", "kind", "n", "n_missing", "fraction_missing", "imputed", "method"]


@dataclass(frozen=True)
class ImputationResult(TidyHTML):
    """m completed data sets and the diagnostics of the imputation.

    Attributes
    ----------
    datasets : tuple of pandas.DataFrame
        The m completed data sets (all columns of the input, in order; only ``variables`` imputed).
    missing : pandas.DataFrame
        Per variable: ``variable, kind`` ("numeric" / "categorical"), ``n, n_missing, fraction_missing``,
        ``imputed`` (bool), ``method``.
    predictor_matrix : pandas.DataFrame
        Rows: imputed variables; columns: variables; 1 where the column predicts the row (mice's
        ``predictorMatrix``).
    trace : pandas.DataFrame
        ``variable, imputation, iteration, mean, sd`` of the imputed values after each iteration (mice's
        ``chainMean`` / ``chainVar``; a categorical variable's mean is that of its level numbers 1..K).
    imputed : dict
        Variable -> DataFrame of its imputed values (rows: the missing rows' index labels; columns:
        imputations 1..m), as mice's ``imp$imp``.
    m, maxit, donors : int
    method : str
    notes : tuple of str
        What the sampler had to work around (constant predictors dropped, ridge penalty applied).
    """

    datasets: tuple = field(repr=False)
    missing: pd.DataFrame = field(repr=False)
    predictor_matrix: pd.DataFrame = field(repr=False)
    trace: pd.DataFrame = field(repr=False)
    imputed: dict = field(repr=False)
    m: int
    maxit: int
    donors: int
    method: str
    notes: tuple = ()

    def tidy(self) -> pd.DataFrame:
        """The fraction missing per variable (see ``missing``)."""
        return self.missing.copy()

    def apply(self, func) -> list:
        """``[func(d) for d in datasets]``, e.g. one model per completed data set to pass to ``pool``."""
        return [func(d) for d in self.datasets]


def _classify(df: pd.DataFrame, variables: list) -> dict:
    """Variable -> ("numeric", None) or ("categorical", sorted levels); identifiers and dates are refused."""
    kinds = {}
    for v in variables:
        s = df[v]
        if s.isna().all():
            raise DataValidationError(f"column {v!r} is entirely missing; nothing to impute it from. Drop it or "
                                      "leave it out of variables.")
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            raise DataValidationError(f"column {v!r} holds dates/times, which cannot be imputed; convert it to a "
                                      "number (e.g. days since an origin) or leave it out of variables.")
        if pd.api.types.is_bool_dtype(s) or (pd.api.types.is_numeric_dtype(s)
                                             and not isinstance(s.dtype, pd.CategoricalDtype)):
            kinds[v] = ("numeric", None)
            continue
        observed = s.dropna()
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [c for c in s.cat.categories if (observed == c).any()]
        else:
            levels = sorted(pd.unique(observed), key=str)
        if len(levels) > 20 and len(levels) > 0.5 * len(observed):
            raise DataValidationError(
                f"column {v!r} has {len(levels)} distinct text values in {len(observed)} rows; it looks like an "
                "identifier, which must not predict anything. Leave it out: variables=[...] (it is carried along).")
        kinds[v] = ("categorical", levels)
    return kinds


def _fit_rows(ignore, n: int) -> np.ndarray:
    """The rows that fit the imputation models: those not flagged in ``ignore`` (all when it is None)."""
    if ignore is None:
        return np.ones(n, bool)
    flags = np.asarray(ignore)
    if flags.shape != (n,) or flags.dtype != bool:
        raise DataValidationError(f"ignore must hold one True/False per row of df ({n}); got an array of shape "
                                  f"{flags.shape} and dtype {flags.dtype}.")
    if flags.all():
        raise DataValidationError("ignore flags every row; at least some rows must fit the imputation models.")
    return ~flags


def _design_columns(values: np.ndarray, kinds: dict, variables: list, exclude: int) -> tuple[np.ndarray, list]:
    """Predictors of variable ``exclude``: the others, categorical ones as dummies (first level reference)."""
    cols, names = [np.ones(values.shape[0])], ["(Intercept)"]
    for j, v in enumerate(variables):
        if j == exclude:
            continue
        kind, levels = kinds[v]
        if kind == "numeric":
            cols.append(values[:, j])
            names.append(v)
        else:
            for code in range(1, len(levels)):
                cols.append((values[:, j] == code).astype(float))
                names.append(f"{v}[{levels[code]}]")
    return np.column_stack(cols), names


def _norm_draw(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, ridge: float = 1e-5):
    """Bayesian linear regression draw, as mice's ``.norm.draw``: OLS fit, σ* = √(RSS/χ²_df), β* ~ N(β̂, σ*² V)."""
    n, k = X.shape
    xtx = X.T @ X
    penalised = np.linalg.cond(xtx) > 1e14
    if penalised:  # mice: solve() fails on (nearly) collinear predictors -> ridge
        v = np.linalg.inv(xtx + np.diag(np.diag(xtx) * ridge))
        coef = v @ (X.T @ y)
    else:
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        v = np.linalg.inv(xtx)
    resid = y - X @ coef
    sigma = np.sqrt(resid @ resid / rng.chisquare(max(n - k, 1)))
    chol = np.linalg.cholesky((v + v.T) / 2)
    return coef, coef + (chol @ rng.standard_normal(k)) * sigma, penalised


def _match(yhat_obs: np.ndarray, yhat_mis: np.ndarray, donors: int, rng: np.random.Generator) -> np.ndarray:
    """For each target, a random one of the ``donors`` observed cases whose predictions are closest (type-1 PMM).

    Donors are shuffled before a stable sort, so ties are broken at random (as mice's ``matchindex``).
    """
    n_obs = len(yhat_obs)
    k = min(max(donors, 1), n_obs)
    shuffle = rng.permutation(n_obs)
    order = shuffle[np.argsort(yhat_obs[shuffle], kind="stable")]
    d_sorted = yhat_obs[order]
    pos = np.searchsorted(d_sorted, yhat_mis)
    window = pos[:, None] + np.arange(-k, k)[None, :]  # the k nearest lie within k places either side
    outside = (window < 0) | (window >= n_obs)
    window = np.clip(window, 0, n_obs - 1)
    dist = np.abs(d_sorted[window] - yhat_mis[:, None])
    dist[outside] = np.inf
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
    pick = nearest[np.arange(len(yhat_mis)), rng.integers(0, k, len(yhat_mis))]
    return order[window[np.arange(len(yhat_mis)), pick]]


def _chain(values, miss, kinds, variables, targets, maxit, donors, rng, notes, trace_rows, imputation, fit):
    """One chain: initial random draws from the observed values, then ``maxit`` sweeps over ``targets``.

    Only rows flagged in ``fit`` (all rows unless ``ignore`` was given) fit the imputation models and donate
    values; every missing value is imputed."""
    values = values.copy()
    for j in targets:
        observed = values[~miss[:, j] & fit, j]
        values[miss[:, j], j] = rng.choice(observed, size=int(miss[:, j].sum()), replace=True)
    for iteration in range(1, maxit + 1):
        for j in targets:
            X, names = _design_columns(values, kinds, variables, j)
            obs, mis = ~miss[:, j] & fit, miss[:, j]
            keep = np.ones(X.shape[1], bool)
            keep[1:] = np.ptp(X[obs, 1:], axis=0) > 0  # mice drops predictors constant among the observed
            if not keep.all():
                notes.add(f"{variables[j]}: constant predictor(s) {_preview([n for n, k in zip(names, keep) if not k])} "
                          "among its observed rows dropped")
            X = X[:, keep]
            coef, beta, penalised = _norm_draw(X[obs], values[obs, j], rng)
            if penalised:
                notes.add(f"{variables[j]}: predictors (nearly) collinear; a ridge penalty of 1e-5 was applied "
                          "(as mice)")
            donor = _match(X[obs] @ coef, X[mis] @ beta, donors, rng)
            values[mis, j] = values[obs, j][donor]
            imp = values[mis, j] + (1.0 if kinds[variables[j]][0] == "categorical" else 0.0)
            trace_rows.append({"variable": variables[j], "imputation": imputation, "iteration": iteration,
                               "mean": float(imp.mean()), "sd": float(imp.std(ddof=1)) if imp.size > 1 else np.nan})
    return values


def impute(df: pd.DataFrame, *, m: int = 20, method: str = "pmm", random_state=None, variables=None,
           maxit: int = 10, donors: int = 5, ignore=None) -> ImputationResult:
    """Multiple imputation by chained equations with predictive mean matching.

    Parameters
    ----------
    df : pandas.DataFrame
        The cohort, outcome included (the outcome should predict the covariates' missing values).
    m : int
        Number of imputed data sets (default 20; White et al. suggest m ≥ the percentage of incomplete rows).
    method : {"pmm"}
        Predictive mean matching for every variable, numeric or categorical.
    random_state : int, numpy.random.Generator or None
        Seed; the same seed gives the same data sets. None draws fresh entropy (not reproducible).
    variables : list of str, optional
        Columns that take part (imputed where missing, and predicting each other); default all. Others,
        such as identifiers, are carried along untouched.
    maxit : int
        Iterations (sweeps over the incomplete variables) per chain (mice's default is 5).
    donors : int
        Candidate donors per missing value (mice's default 5).
    ignore : array-like of bool, optional
        One flag per row of ``df`` (mice's ``ignore``): flagged rows are imputed, but neither fit the imputation
        models nor donate values, nor supply the starting draws. Stack a test set under its training set with
        its rows flagged, and the test patients are imputed by models fitted on the training patients alone: no
        test value enters any imputation.

    Returns
    -------
    ImputationResult
        ``.datasets`` (m completed DataFrames), ``.missing`` / ``.tidy()`` (fraction missing per variable),
        ``.predictor_matrix``, ``.trace`` (mean and SD of the imputed values per iteration, for convergence
        plots), ``.imputed``, ``.apply(func)``.

    Raises
    ------
    DataValidationError
        Unknown columns; an entirely missing, date or identifier-like column among ``variables``; m, maxit
        or donors below 1; ``ignore`` not one boolean per row, or leaving no observed value of an incomplete
        variable to fit on.

    Warns
    -----
    DataWarning
        The sampler dropped constant predictors or applied a ridge penalty (also kept in ``notes``).

    Notes
    -----
    Fully conditional specification (van Buuren 2018): every incomplete variable starts from random draws
    of its observed values; each iteration visits the incomplete variables left to right and, from the
    current values of all other ``variables`` (categorical ones as dummies), (1) fits least squares on the
    rows where the variable is observed, (2) draws σ*² = RSS/χ²_{n−k} and β* ~ N(β̂, σ*² (XᵀX)⁻¹)
    (Bayesian linear regression), (3) predicts the observed rows with β̂ and the missing rows with β*
    (type-1 matching), and (4) imputes each missing value with the observed value of one of the
    ``donors`` closest predictions, chosen at random. The m chains are independent. This is mice's
    ``method = "pmm"`` (``mice.impute.pmm``, ``.norm.draw``, ``matchindex``); a categorical variable is
    matched on its level numbers, as mice does when "pmm" is asked for a factor, so only observed
    levels are imputed. The random streams differ from R's, so data sets differ from mice's draw by draw
    while agreeing in distribution. With ``ignore``, steps (1)-(4) and the starting draws use the rows that
    are not ignored, as mice's ``ignore`` argument (van Buuren 2018, section 6.4.3); the ignored rows' current
    values are predicted like any other missing value.

    statsmodels' ``MICEData`` is not used: it matches on predictions from one perturbed parameter vector
    for observed and missing rows alike (mice's type 2), does not draw σ, takes 20 donors by default,
    and yields the m data sets as successive states of one chain.

    References
    ----------
    van Buuren S, Groothuis-Oudshoorn K. mice: Multivariate imputation by chained equations in R.
    J Stat Softw 2011;45(3).
    van Buuren S. Flexible Imputation of Missing Data, 2nd ed. CRC Press, 2018 (sections 3.4, 4.5).
    Morris TP, White IR, Royston P. Tuning multiple imputation by predictive mean matching and local
    residual draws. BMC Med Res Methodol 2014;14:75.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats.missing.impute import impute
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical[["expansion", "age", "volume", "sex"]].copy()
    >>> df.loc[::7, "volume"] = np.nan
    >>> imp = impute(df, m=3, maxit=5, random_state=1)
    >>> len(imp.datasets), int(imp.datasets[0]["volume"].isna().sum())
    (3, 0)
    """
    check_dataframe(df, "df")
    check_one_of(method, ("pmm",), "method")
    for name, value in (("m", m), ("maxit", maxit), ("donors", donors)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise DataValidationError(f"{name} must be a whole number >= 1; got {value!r}.")
    variables = as_column_list(variables, "variables") or list(df.columns)
    check_columns(df, variables, "variables")
    if len(set(variables)) != len(variables):
        raise DataValidationError(f"variables lists a column twice: {variables}.")
    fit = _fit_rows(ignore, len(df))
    kinds = _classify(df, variables)
    rng = np.random.default_rng(random_state)

    n = len(df)
    values = np.empty((n, len(variables)))
    for j, v in enumerate(variables):
        kind, levels = kinds[v]
        if kind == "numeric":
            values[:, j] = df[v].astype(float).to_numpy()
        else:
            codes = {lev: i for i, lev in enumerate(levels)}
            values[:, j] = [codes.get(x, np.nan) if not pd.isna(x) else np.nan for x in df[v]]
    miss = np.isnan(values)
    targets = [j for j in range(len(variables)) if miss[:, j].any()]
    empty = [variables[j] for j in targets if not (~miss[:, j] & fit).any()]
    if empty:
        raise DataValidationError(f"ignore leaves no observed value of {_preview(empty)} among the rows that fit the "
                                  "imputation models; they cannot be imputed from those rows.")

    notes, trace_rows, chains = set(), [], []
    for i in range(1, m + 1):
        chains.append(_chain(values, miss, kinds, variables, targets, maxit if targets else 0, donors, rng, notes,
                             trace_rows, i, fit))
    datasets, imputed = [], {variables[j]: {} for j in targets}
    for i, filled in enumerate(chains, start=1):
        d = df.copy()
        for j in targets:
            v = variables[j]
            rows = miss[:, j]
            kind, levels = kinds[v]
            new = filled[rows, j] if kind == "numeric" else [levels[int(c)] for c in filled[rows, j]]
            col = d[v].astype(float) if kind == "numeric" and not pd.api.types.is_float_dtype(d[v]) else d[v]
            col = col.copy()
            col.iloc[np.flatnonzero(rows)] = new
            d[v] = col
            imputed[v][i] = pd.Series(new, index=df.index[rows])
        datasets.append(d)
    if notes:
        warnings.warn("impute: " + "; ".join(sorted(notes)) + ".", DataWarning, stacklevel=2)

    n_missing = {v: int(df[v].isna().sum()) for v in df.columns}
    missing = pd.DataFrame([{"variable": v, "kind": kinds[v][0] if v in kinds else "not used",
                             "n": n, "n_missing": n_missing[v], "fraction_missing": n_missing[v] / n,
                             "imputed": v in imputed, "method": method if v in imputed else ""}
                            for v in df.columns], columns=MISSING_COLUMNS)
    pm = pd.DataFrame(0, index=[variables[j] for j in targets], columns=variables)
    for v in pm.index:
        pm.loc[v, [c for c in variables if c != v]] = 1
    trace = pd.DataFrame(trace_rows, columns=["variable", "imputation", "iteration", "mean", "sd"])
    return ImputationResult(datasets=tuple(datasets), missing=missing, predictor_matrix=pm, trace=trace,
                            imputed={v: pd.DataFrame(c) for v, c in imputed.items()}, m=int(m), maxit=int(maxit),
                            donors=int(donors), method=method, notes=tuple(sorted(notes)))
