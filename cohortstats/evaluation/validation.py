"""Internal validation of a model specification: Harrell's bootstrap optimism correction."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ..regression.design import build_design
from ..regression._fit import detect_separation, fit_logistic, loglik
from .._validation import as_column_list, check_columns, check_dataframe
from .calibration import smoothed_calibration
from .._auc import _auc_sorted
from ..exceptions import CohortStatsWarning, ConvergenceWarning, DataValidationError, SeparationWarning
from ..regression.logistic import binary_outcome
from .._results import TidyHTML
from .._parallel import parallel_map, recording_warnings, seed_sequence, summarise_warnings

__all__ = ["bootstrap_validation", "ValidationResult", "performance_indexes", "LogisticSpec", "ScreenedLogisticSpec"]

INDEXES = ["dxy", "c_index", "r2", "brier", "intercept", "slope", "d", "u", "q"]


def performance_indexes(y: np.ndarray, p: np.ndarray) -> dict:
    """The indexes of ``rms::validate`` (lrm) for predicted probabilities ``p`` of outcomes ``y``.

    Dxy, C, Brier (of p as given), the logistic recalibration's intercept and slope, and R², D,
    U, Q from the recalibrated fit (as validate.lrm's test-sample ``discrim``: R² and D use the
    likelihood-ratio statistic of ``lrm.fit(logit(p), y)``; U = (deviance of p as given -
    deviance after recalibration - 2)/n). On the data a model was fitted on, recalibration
    changes nothing and these equal the model's own statistics.
    """
    y = np.asarray(y, float)
    p = np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12)
    n = len(y)
    lg = logit(p)
    c = _auc_sorted(p[y == 1], p[y == 0])
    ybar = y.mean()
    ll0 = loglik(np.full(n, np.log(ybar / (1 - ybar))), y)
    ll = loglik(lg, y)
    rec = fit_logistic(np.column_stack([np.ones(n), lg]), y)
    a, b = rec.beta
    lr = 2 * (rec.loglik - ll0)
    r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(2 * ll0 / n))
    u_chisq = -2 * ll + 2 * rec.loglik
    d = (lr - 1) / n
    u = (u_chisq - 2) / n
    return {"dxy": 2 * c - 1, "c_index": c, "r2": float(r2), "brier": float(np.mean((p - y) ** 2)),
            "intercept": float(a), "slope": float(b), "d": float(d), "u": float(u), "q": float(d - u)}


@dataclass(frozen=True)
class LogisticSpec:
    """A logistic model specification: refitted from scratch on any data (used inside resampling)."""

    outcome: str
    predictors: tuple
    categorical: tuple = ()
    positive: object = None

    def __call__(self, train: pd.DataFrame):
        design = build_design(train, list(self.predictors), categorical=list(self.categorical) or None,
                              extra_columns=(self.outcome,))
        y, _ = binary_outcome(train[self.outcome].iloc[design.rows], self.outcome, self.positive)
        st = fit_logistic(design.X1, y)
        _check_fit(st, design.X1, y)
        coef = st.beta

        def predict(df: pd.DataFrame) -> np.ndarray:
            return expit(coef[0] + design.encode(df) @ coef[1:])

        return predict

    @property
    def description(self) -> str:
        return (f"the multivariable model of its {len(self.predictors)} given predictors was refitted in each resample "
                "(no selection step to repeat)")


def _check_fit(st, X: np.ndarray, y: np.ndarray) -> None:
    """Warn when a refitted model has no finite maximum-likelihood estimate (separation, Konis' linear program,
    run only when the fit is suspect as in :func:`cohortstats.logistic_regression`) or did not converge. The
    messages name no variable or number, so a bootstrap counts the resamples that raised each kind."""
    if st.converged and 1e-8 <= st.p.min() and st.p.max() <= 1 - 1e-8:
        return
    separation, _ = detect_separation(X, y)
    if separation != "none":
        warnings.warn(f"{separation} separation: the logistic model's maximum-likelihood coefficients are infinite "
                      "(its fit stops where the likelihood no longer rises)", SeparationWarning, stacklevel=3)
    elif not st.converged:
        warnings.warn("the logistic model's fit did not converge", ConvergenceWarning, stacklevel=3)


def _screen_p(train: pd.DataFrame, outcome: str, var: str, categorical, positive, rule: str) -> float:
    """The univariable screening P of one candidate in ``train`` (Wald: the smallest of its terms; LR: the
    likelihood-ratio test), as :meth:`UnivariableResult.p_values`; 1 when the fit is impossible (a constant)."""
    from scipy import stats

    try:
        design = build_design(train, [var], categorical=[var] if var in categorical else None,
                              extra_columns=(outcome,))
        y, _ = binary_outcome(train[outcome].iloc[design.rows], outcome, positive)
        st = fit_logistic(design.X1, y)
        if rule == "lr":
            ll0 = loglik(np.full(len(y), logit(np.clip(y.mean(), 1e-12, 1 - 1e-12))), y)
            return float(stats.chi2.sf(2 * (st.loglik - ll0), design.X1.shape[1] - 1))
        se = np.sqrt(np.diag(np.linalg.inv(st.info)))[1:]
        return float(np.min(2 * stats.norm.sf(np.abs(st.beta[1:] / se))))
    except (DataValidationError, np.linalg.LinAlgError, ValueError):
        return 1.0


@dataclass(frozen=True)
class ScreenedLogisticSpec:
    """Harrell's rule for a screened model: in each call (each bootstrap resample) the univariable screen of
    every candidate is repeated and the multivariable logistic model is fitted on the candidates that pass.

    The returned ``predict`` carries ``predict.selected`` (the predictors chosen), so
    :func:`bootstrap_validation` reports how often each candidate was selected. When no candidate passes, the
    model is the intercept alone (every patient gets the resample's event rate).
    """

    outcome: str
    candidates: tuple
    screen_p: float = 0.05
    screen_rule: str = "wald"
    categorical: tuple = ()
    positive: object = None

    def select(self, train: pd.DataFrame) -> tuple:
        return tuple(v for v in self.candidates
                     if _screen_p(train, self.outcome, v, self.categorical, self.positive, self.screen_rule)
                     < self.screen_p)

    def __call__(self, train: pd.DataFrame):
        selected = self.select(train)
        if selected:
            cat = tuple(c for c in self.categorical if c in selected)
            predict = LogisticSpec(self.outcome, selected, cat, self.positive)(train)
        else:
            y, _ = binary_outcome(train[self.outcome].dropna(), self.outcome, self.positive)
            rate = float(np.mean(y))

            def predict(df: pd.DataFrame) -> np.ndarray:
                return np.full(len(df), rate)

        predict.selected = selected
        return predict

    @property
    def description(self) -> str:
        rule = "likelihood-ratio" if self.screen_rule == "lr" else "Wald"
        return (f"the univariable screen of all {len(self.candidates)} candidates (maximum-likelihood {rule} "
                f"P < {self.screen_p:g}) and the multivariable fit on the candidates that passed were repeated in "
                "each resample (every data-driven selection step validated with the model, as Harrell recommends)")


@dataclass(frozen=True)
class ValidationResult(TidyHTML):
    """Apparent, optimism and optimism-corrected performance (as ``rms::validate`` and ``calibrate``).

    Attributes
    ----------
    table : pandas.DataFrame
        ``index, apparent, training, test, optimism, corrected, n`` (``n`` = successful resamples);
        indexes dxy, c_index, r2, brier, intercept, slope, d, u, q and emax (from the corrected
        intercept and slope, as validate.lrm).
    calibration_curve : pandas.DataFrame
        ``predicted, apparent, optimism, corrected``: lowess calibration on a grid, bias-corrected.
    B : int
        Resamples asked for; ``n_failed`` (with ``failures``: reason -> count) were skipped.
    random_state : object
    selection : pandas.DataFrame
        ``variable, n_selected, frequency``: how often each candidate entered the model over the successful
        resamples (when the specification selects, e.g. :class:`ScreenedLogisticSpec`); empty otherwise.
    repeated : str
        Which steps were repeated in each resample (the specification's ``description``).
    warnings : pandas.DataFrame
        ``category, message, n_resamples``: each kind of warning the resamples raised (e.g. separation of the
        refitted model) and in how many resamples; each kind was also warned once, with the count.
    """

    table: pd.DataFrame
    calibration_curve: pd.DataFrame
    B: int
    n_failed: int
    failures: dict = field(default_factory=dict)
    random_state: object = None
    method: str = "Harrell's bootstrap optimism correction (every modelling step refitted in each resample)"
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    repeated: str = ""
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["category", "message", "n_resamples"]))

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def _one_resample(df, y, spec, grid, seed):
    """One resample: (reason skipped or None, (training, test, calibration optimism, selected) or None, the
    warnings it raised). ``seed``: a SeedSequence (draw the resample) or an index vector (a given resample)."""
    idx = seed if isinstance(seed, np.ndarray) else np.random.default_rng(seed).integers(0, len(df), len(df))
    yb = y[idx]
    if yb.min() == yb.max():
        return "resample has one outcome class", None, []
    boot = df.iloc[idx].reset_index(drop=True)
    with recording_warnings() as raised:
        try:
            predict = spec(boot)
            p_train = predict(boot)
            p_test = predict(df)
        except (DataValidationError, np.linalg.LinAlgError, ValueError) as err:
            failed = f"fit failed: {type(err).__name__}"
        else:
            failed = None
            train = performance_indexes(yb, p_train)
            test = performance_indexes(y, p_test)
            cal_opt = smoothed_calibration(yb, p_train, grid) - smoothed_calibration(y, p_test, grid)
    if failed:
        return failed, None, raised
    return None, (train, test, cal_opt, getattr(predict, "selected", None)), raised


def bootstrap_validation(df: pd.DataFrame, outcome: str, predictors=None, *, spec=None, categorical=None,
                         positive=None, B: int = 200, random_state=None, n_jobs=None, progress: bool = False,
                         grid_size: int = 50, resamples=None) -> ValidationResult:
    """Optimism-corrected performance of a model specification by the bootstrap (Harrell 1996).

    Parameters
    ----------
    df : pandas.DataFrame
        The development data (complete cases of outcome and predictors are used).
    outcome : str
    predictors : list of str, optional
        A logistic model of these predictors (the default specification).
    spec : callable, optional
        ``spec(train_df) -> predict``, where ``predict(df)`` returns probabilities: any
        pipeline (scaling, screening, LASSO, fitting) that must be re-run in every resample.
        :class:`ScreenedLogisticSpec` repeats a univariable screen and the multivariable fit (Harrell's
        rule) on the complete cases of all its candidates; when ``predict`` has a ``selected`` attribute,
        the result's ``selection`` counts how often each variable was chosen.
    B : int
        Bootstrap resamples (200 by default; rms' default of 40 is too few).
    random_state : int, SeedSequence, Generator or None
        Resample ``b`` draws from the ``b``-th child of ``numpy.random.SeedSequence(random_state)``, so the
        result is the same for any ``n_jobs`` and any joblib backend.
    n_jobs : int, optional
        Parallel workers (joblib; ``None``: the active ``joblib.parallel_config``, else 1). Inside
        ``joblib.parallel_config(backend="dask")`` the resamples run on the Dask cluster.
    progress : bool
        Show a progress bar (tqdm, on stderr).
    resamples : array-like of int, shape (B, n), optional
        Explicit bootstrap samples: row positions (0-based) in the complete-case data, one row per
        resample, instead of drawing them (``B`` and ``random_state`` are then ignored). With the
        samples R's ``sample(n, replace = TRUE)`` draws after ``set.seed``, the result equals
        ``rms::validate(fit, B)`` run after the same ``set.seed``.

    Returns
    -------
    ValidationResult
        With ``warnings``: each kind of warning the resamples raised and in how many resamples.

    Warns
    -----
    CohortStatsWarning
        Resamples skipped (one outcome class, a failed fit), with the reasons.
    SeparationWarning, ConvergenceWarning, CohortStatsWarning
        Once per kind of warning raised inside the resamples, with the number of resamples that raised it
        ("bootstrap validation: in 37 of 200 resamples: quasi-complete separation: the logistic
        model ..."); a warning that is not a cohortstats warning (numpy's, scikit-learn's) is reported as a
        CohortStatsWarning naming its category. Deprecation warnings are passed on as they are.

    Notes
    -----
    For each resample: fit on the resample, evaluate on it (training) and on the original data
    (test); optimism = mean(training - test); corrected = apparent - optimism (``rms::validate``).
    The calibration curve is the lowess (iter = 0) curve on a grid of predicted risks, corrected
    by the mean optimism of the resampled curves (``rms::calibrate``). Resamples with one
    outcome class or a failed fit are skipped and counted. The resamples run through
    :func:`cohortstats._parallel.parallel_map` (joblib, one BLAS thread per worker); each records its own
    warnings, so the result, warnings included, is the same for any ``n_jobs`` or backend.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> v = cs.bootstrap_validation(df, "expansion", ["volume", "glucose"], B=20, random_state=1)
    >>> int(v.table.set_index("index").loc["c_index", "n"]), list(v.warnings.columns)
    (20, ['category', 'message', 'n_resamples'])
    """
    check_dataframe(df, "df")
    if spec is None:
        predictors = as_column_list(predictors, "predictors")
        if not predictors:
            raise DataValidationError("give predictors (a logistic model) or spec (a callable).")
        spec = LogisticSpec(outcome, tuple(predictors), tuple(as_column_list(categorical, "categorical")), positive)
        used = [outcome, *predictors]
    else:
        if not callable(spec):
            raise TypeError("spec must be a callable: spec(train_df) -> predict(df) -> probabilities.")
        used = [outcome, *getattr(spec, "candidates", ())]  # a screened specification: complete cases of all
    check_columns(df, used, "bootstrap_validation")
    if int(B) < 1:
        raise DataValidationError(f"B must be a positive integer; got {B}.")
    # only the columns the specification reads are resampled (a wide radiomics frame is not copied B times)
    data = (df[used] if used != [outcome] else df).dropna(subset=used).reset_index(drop=True)
    y, _ = binary_outcome(data[outcome], outcome, positive)
    p_app = spec(data)(data)  # the model on the data: its warnings (e.g. separation) go to the caller as they are
    apparent = performance_indexes(y, p_app)
    lo, hi = np.quantile(p_app, [0.01, 0.99])
    grid = np.linspace(lo, hi, grid_size)
    cal_app = smoothed_calibration(y, p_app, grid)
    if resamples is not None:
        res_arr = np.asarray(resamples)
        if (res_arr.ndim != 2 or res_arr.shape[1] != len(data) or not np.issubdtype(res_arr.dtype, np.integer)
                or res_arr.min() < 0 or res_arr.max() >= len(data)):
            raise DataValidationError(
                f"resamples must be integers in [0, {len(data) - 1}] with one row of {len(data)} positions per "
                f"resample (the complete cases); got an array of shape {res_arr.shape} and dtype {res_arr.dtype}.")
        seeds = list(res_arr.astype(np.intp))
        B = len(seeds)
    else:
        seeds = seed_sequence(random_state).spawn(int(B))
    work = partial(_one_resample, data, y, spec, grid)
    results = parallel_map(work, seeds, n_jobs=n_jobs, progress="bootstrap validation" if progress else None)
    failures: dict = {}
    train, test, cal, chosen = [], [], [], []
    for reason, res, _ in results:
        if reason:
            failures[reason] = failures.get(reason, 0) + 1
            continue
        train.append(res[0])
        test.append(res[1])
        cal.append(res[2])
        chosen.append(res[3])
    n_ok = len(train)
    if n_ok == 0:
        raise DataValidationError(f"every bootstrap resample failed ({failures}); validation is impossible.")
    n_failed = int(B) - n_ok
    if n_failed:
        warnings.warn(f"{n_failed} of {B} bootstrap resamples were skipped ({failures}).", CohortStatsWarning,
                      stacklevel=2)
    raised = summarise_warnings([r[2] for r in results], what="bootstrap validation", of="resamples",
                                count_column="n_resamples")
    tr = pd.DataFrame(train)[INDEXES].mean()
    te = pd.DataFrame(test)[INDEXES].mean()
    opt = tr - te
    table = pd.DataFrame({"index": INDEXES, "apparent": [apparent[k] for k in INDEXES], "training": tr.to_numpy(),
                          "test": te.to_numpy(), "optimism": opt.to_numpy(),
                          "corrected": [apparent[k] - opt[k] for k in INDEXES], "n": n_ok})
    # Emax as validate.lrm: from the corrected intercept and slope, over p = 0.0005 ... 0.9995
    corr = table.set_index("index")["corrected"]
    pg = np.arange(1, 2000) * 5e-4
    emax = float(np.max(np.abs(pg - expit(corr["intercept"] + corr["slope"] * logit(pg)))))
    table = pd.concat([table, pd.DataFrame([{"index": "emax", "apparent": 0.0, "training": 0.0, "test": emax,
                                              "optimism": emax, "corrected": emax, "n": n_ok}])],
                      ignore_index=True)
    cal_opt = np.nanmean(np.vstack(cal), axis=0)
    curve = pd.DataFrame({"predicted": grid, "apparent": cal_app, "optimism": cal_opt,
                          "corrected": np.clip(cal_app - cal_opt, 0, 1)})
    repeated = getattr(spec, "description", "")
    method = ("Harrell's bootstrap optimism correction; " + repeated if repeated else
              "Harrell's bootstrap optimism correction (the given specification refitted in each resample)")
    return ValidationResult(table, curve, int(B), n_failed, failures,
                            "given resamples" if resamples is not None
                            else random_state if not isinstance(random_state, np.random.Generator) else "Generator",
                            method, _selection(chosen, getattr(spec, "candidates", None)), repeated, raised)


def _selection(chosen: list, candidates) -> pd.DataFrame:
    """How often each variable was selected over the resamples (variables in the candidates' order)."""
    if not chosen or any(c is None for c in chosen):
        return pd.DataFrame(columns=["variable", "n_selected", "frequency"])
    names = list(candidates) if candidates is not None else list(dict.fromkeys(v for c in chosen for v in c))
    counts = [sum(v in c for c in chosen) for v in names]
    return pd.DataFrame({"variable": names, "n_selected": counts, "frequency": np.asarray(counts) / len(chosen)})


