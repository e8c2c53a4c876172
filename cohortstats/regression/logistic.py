"""Logistic regression with odds ratios as R reports them: glm + confint (profile), drop1 LR tests,
rms::lrm statistics, Hosmer-Lemeshow, VIF, Firth's penalised likelihood, univariable screening."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from .design import Design, build_design, term_rows
from ._fit import detect_separation, fit_logistic, loglik, profile_limit
from .._parallel import parallel_map
from .._validation import _preview, check_one_of, check_probability
from ..exceptions import ConvergenceWarning, DataValidationError, SeparationWarning, SmallCellWarning
from .._results import TidyHTML

__all__ = ["logistic_regression", "LogisticRegressionResult", "HosmerLemeshow", "hosmer_lemeshow", "binary_outcome"]

TIDY_COLUMNS = ["term", "variable", "level", "reference", "estimate", "std_error", "statistic", "p_value",
                "conf_low", "conf_high", "n", "n_events", "unit"]


# how to ask for Firth's penalised likelihood, through the API and in a study file (messages reach the report)
FIRTH_HINT = "Firth's penalised likelihood (method='firth'; in a study file, regression: {method: firth})"

def binary_outcome(series: pd.Series, name: str, positive=None) -> tuple[np.ndarray, object]:
    """0/1 float outcome; text outcomes need ``positive``; the values are listed when not binary."""
    s = series.dropna()
    values = list(pd.unique(s))
    if len(values) != 2:
        raise DataValidationError(
            f"outcome {name!r} must have exactly two values; got {len(values)} ({_preview(sorted(values, key=str))}). "
            "Recode it to two classes."
        )
    if positive is None:
        numeric = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        if not numeric or set(float(v) for v in values) != {0.0, 1.0}:
            raise DataValidationError(
                f"outcome {name!r} has values {_preview(sorted(values, key=str))}; say which is the event "
                f"(positive=...), e.g. positive={sorted(values, key=str)[-1]!r}."
            )
        positive = 1
        return (series == 1).astype(float).to_numpy(), positive
    if positive not in values:
        raise DataValidationError(f"positive={positive!r} is not a value of {name!r} ({_preview(values)}).")
    return (series == positive).astype(float).to_numpy(), positive


_HL_BINS = ("quantile bins of the fitted probabilities (R quantile type 7, unique breaks, intervals closed on the "
            "right, lowest included)")


@dataclass(frozen=True)
class HosmerLemeshow(TidyHTML):
    """Hosmer-Lemeshow goodness-of-fit test.

    ``groups`` is the number asked for (df = groups - 2, as ResourceSelection), ``groups_used``
    the number of distinct quantile bins (ties can merge bins); ``table`` has observed and
    expected events and non-events per bin.
    """

    statistic: float
    df: int
    p_value: float
    groups: int
    groups_used: int
    table: pd.DataFrame
    rule: str = f"{_HL_BINS}, df = g - 2, as ResourceSelection::hoslem.test"

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{"statistic": self.statistic, "df": self.df, "p_value": self.p_value,
                              "groups": self.groups, "groups_used": self.groups_used, "rule": self.rule}])


def hosmer_lemeshow(y, p, *, groups: int = 10, validation: bool = False) -> HosmerLemeshow:
    """Hosmer-Lemeshow test of observed vs expected events in quantile groups of ``p``.

    Parameters
    ----------
    validation : bool
        ``p`` comes from a model fitted on other patients (a test set): df = g, as Hosmer, Lemeshow &
        Sturdivant (Applied Logistic Regression, 3rd ed., §5.5) give for a validation sample; otherwise
        (the patients the model was fitted on) df = g - 2.

    Notes
    -----
    Equals ``ResourceSelection::hoslem.test(y, p, g)`` (``validation=False``): breaks are the unique
    type-7 quantiles of ``p`` at 0, 1/g, ..., 1; bins ``(a, b]`` with the lowest
    value included; χ² = Σ (O - E)²/E over events and non-events; df = g - 2.
    """
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    if int(groups) < 3:
        raise DataValidationError(f"groups must be at least 3; got {groups}.")
    breaks = np.unique(np.quantile(p, np.linspace(0, 1, int(groups) + 1)))
    if len(breaks) < 2:
        raise DataValidationError(f"all {len(p)} predicted probabilities are equal ({p[0]:.4g}): the Hosmer-Lemeshow "
                                  "test needs at least two risk groups (R's hoslem.test stops too).")
    bins = np.clip(np.searchsorted(breaks, p, side="left") - 1, 0, len(breaks) - 2)
    bins[p == breaks[0]] = 0
    k = len(breaks) - 1
    obs1 = np.bincount(bins, weights=y, minlength=k)
    exp1 = np.bincount(bins, weights=p, minlength=k)
    cnt = np.bincount(bins, minlength=k).astype(float)
    obs0, exp0 = cnt - obs1, cnt - exp1
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.nansum((obs1 - exp1) ** 2 / exp1) + np.nansum((obs0 - exp0) ** 2 / exp0)
    df = int(groups) if validation else int(groups) - 2
    table = pd.DataFrame({"lower": breaks[:-1], "upper": breaks[1:], "n": cnt.astype(int), "observed_events": obs1,
                          "expected_events": exp1, "observed_nonevents": obs0, "expected_nonevents": exp0})
    rule = (f"{_HL_BINS}, df = g (a validation sample: the model was not fitted on these patients)" if validation
            else HosmerLemeshow.rule)
    return HosmerLemeshow(float(chi), df, float(stats.chi2.sf(chi, df)), int(groups), k, table, rule)


@dataclass(frozen=True)
class LogisticRegressionResult(TidyHTML):
    """A fitted logistic regression.

    Attributes
    ----------
    coef, std_error : numpy.ndarray
        Log-odds coefficients (intercept first) and their SEs (inverse information at the optimum).
    terms : list of str
        ``"(Intercept)"`` then the design's term names.
    conf_low, conf_high : numpy.ndarray
        CI limits on the log-odds scale (profile or Wald, ``ci_method``); an infinite profile
        limit is ±inf (OR 0 or inf), one that could not be computed NaN (both warned).
    p_value : numpy.ndarray
        Wald p-values (MLE) or penalised likelihood-ratio p-values (Firth, as logistf).
    lr_tests : pandas.DataFrame
        ``variable, df, statistic, p_value``: likelihood-ratio test of each predictor as a whole
        (as ``drop1(fit, test = "LRT")``); computed on first use (one refit per predictor).
    excluded : pandas.DataFrame
        Rows left out and why (complete-case analysis).
    notes : tuple of str
        Warnings raised while fitting (separation, EPV, convergence), kept for the report.
    """

    coef: np.ndarray
    std_error: np.ndarray
    terms: list
    conf_low: np.ndarray
    conf_high: np.ndarray
    p_value: np.ndarray
    p_method: str
    ci_method: str
    conf_level: float
    method: str
    loglik: float
    null_loglik: float
    n: int
    n_events: int
    outcome: str
    positive: object
    design: Design = field(repr=False)
    y: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    covariance: np.ndarray = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    level_counts: dict = field(repr=False, default_factory=dict)
    converged: bool = True
    n_iter: int = 0
    separation: str = "none"
    notes: tuple = ()

    @cached_property
    def lr_tests(self) -> pd.DataFrame:
        """Likelihood-ratio test of each predictor (all its columns), as ``drop1(fit, test = "LRT")``.

        Main effects that also enter an interaction are not tested (NaN), as drop1 respects
        marginality. For Firth fits the group is fixed at 0 with the full-model penalty (logistf).
        """
        firth = self.method.startswith("Firth")
        design = self.design
        X = design.X1
        y = self.y
        state = fit_logistic(X, y, firth=firth, beta0=self.coef)
        rows = []
        in_interaction = {v for pair in design.interactions for v in pair}
        for name, cols in design.groups.items():
            if name in in_interaction:
                rows.append({"variable": name, "df": len(cols), "statistic": np.nan, "p_value": np.nan})
                continue
            keep = np.array([0] + [c + 1 for c in range(design.X.shape[1]) if c not in cols])
            b0 = self.coef.copy()
            b0[[c + 1 for c in cols]] = 0.0
            reduced = fit_logistic(X, y, firth=firth, free=keep, beta0=b0)
            stat = max(0.0, 2 * (state.objective - reduced.objective))
            rows.append({"variable": name, "df": len(cols), "statistic": stat,
                         "p_value": float(stats.chi2.sf(stat, len(cols)))})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ tables
    def tidy(self, *, exponentiate: bool = True, intercept: bool = True) -> pd.DataFrame:
        """One row per term (reference levels included, flagged ``reference=True``).

        Columns: ``term, variable, level, reference, estimate`` (OR when ``exponentiate``),
        ``std_error`` (log-odds), ``statistic`` (z), ``p_value``, ``conf_low, conf_high``,
        ``n, n_events`` (per level of a categorical predictor), ``unit`` (per SD / IQR).
        """
        tf = np.exp if exponentiate else (lambda v: v)
        rows = []
        idx = {t: i for i, t in enumerate(self.terms)}

        def coef_row(term, variable, level):
            i = idx[term]
            n, e = self.level_counts.get(term, (np.nan, np.nan))
            return {"term": term, "variable": variable, "level": level, "reference": False,
                    "estimate": float(tf(self.coef[i])), "std_error": float(self.std_error[i]),
                    "statistic": float(self.coef[i] / self.std_error[i]), "p_value": float(self.p_value[i]),
                    "conf_low": float(tf(self.conf_low[i])), "conf_high": float(tf(self.conf_high[i])),
                    "n": n, "n_events": e, "unit": self.design.scale.get(variable, ("", 1))[0]}

        def reference_row(term, variable, level):
            n, e = self.level_counts.get(term, (np.nan, np.nan))
            return {"term": term, "variable": variable, "level": level, "reference": True,
                    "estimate": 1.0 if exponentiate else 0.0, "std_error": np.nan, "statistic": np.nan,
                    "p_value": np.nan, "conf_low": np.nan, "conf_high": np.nan, "n": n, "n_events": e, "unit": ""}

        if intercept:
            rows.append(coef_row("(Intercept)", "(Intercept)", None))
        rows += term_rows(self.design, coef_row, reference_row)
        out = pd.DataFrame(rows, columns=TIDY_COLUMNS)
        out["level"] = pd.Series([r["level"] for r in rows], dtype=object, index=out.index)  # ints stay ints
        return out

    def glance(self) -> pd.DataFrame:
        """One row: ``n, n_events, aic, bic, log_likelihood, deviance, null_deviance, df_model, df_residual,
        lr_statistic, lr_p_value, r2_nagelkerke, c_index, dxy, brier, method, ci_method, n_excluded``."""
        from .._auc import _auc_sorted

        k = len(self.coef)
        lr = 2 * (self.loglik - self.null_loglik)
        n = self.n
        r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(2 * self.null_loglik / n))
        c = _auc_sorted(self.fitted[self.y == 1], self.fitted[self.y == 0])
        n_excl = int(self.excluded["n"].iloc[-1]) if len(self.excluded) else 0
        return pd.DataFrame([{
            "n": n, "n_events": self.n_events, "aic": -2 * self.loglik + 2 * k, "bic": -2 * self.loglik + np.log(n) * k,
            "log_likelihood": self.loglik, "deviance": -2 * self.loglik, "null_deviance": -2 * self.null_loglik,
            "df_model": k - 1, "df_residual": n - k, "lr_statistic": lr, "lr_p_value": float(stats.chi2.sf(lr, k - 1)),
            "r2_nagelkerke": r2, "c_index": c, "dxy": 2 * c - 1, "brier": float(np.mean((self.fitted - self.y) ** 2)),
            "method": self.method, "ci_method": self.ci_method, "n_excluded": n_excl,
        }])

    # ------------------------------------------------------------------ diagnostics
    def hosmer_lemeshow(self, groups: int = 10) -> HosmerLemeshow:
        """Hosmer-Lemeshow test on the fitted probabilities (see :func:`hosmer_lemeshow`)."""
        return hosmer_lemeshow(self.y, self.fitted, groups=groups)

    def vif(self) -> pd.DataFrame:
        """Generalised variance inflation factors, as ``car::vif`` for a glm.

        From R = the correlation matrix of the coefficient estimates (intercept
        dropped): GVIF_j = det(R_jj)·det(R_-j,-j)/det(R) per predictor (all its
        columns), with ``gvif_adjusted`` = GVIF^(1/(2·df)) (Fox & Monette 1992). For a
        one-column predictor GVIF is the usual VIF.
        """
        groups = {v: self.design.groups[v] for v in self.design.groups}
        if len(groups) < 2:
            raise DataValidationError("vif needs at least two predictors.")
        v = self.covariance[1:, 1:]
        d = np.sqrt(np.diag(v))
        r = v / np.outer(d, d)
        det_r = np.linalg.det(r)
        rows = []
        for name, cols in groups.items():
            rest = [i for i in range(r.shape[0]) if i not in cols]
            g = np.linalg.det(r[np.ix_(cols, cols)]) * np.linalg.det(r[np.ix_(rest, rest)]) / det_r
            rows.append({"variable": name, "gvif": g, "df": len(cols), "gvif_adjusted": g ** (1 / (2 * len(cols)))})
        return pd.DataFrame(rows)

    def predict_proba(self, new_df: pd.DataFrame) -> np.ndarray:
        """Predicted probabilities for new patients (coded exactly as the fitted data)."""
        X = self.design.encode(new_df)
        return expit(self.coef[0] + X @ self.coef[1:])

    def linear_predictor(self, new_df: pd.DataFrame) -> np.ndarray:
        X = self.design.encode(new_df)
        return self.coef[0] + X @ self.coef[1:]


def _level_counts(design: Design, y: np.ndarray, df: pd.DataFrame) -> dict:
    out = {}
    for var, (ref, others) in design.levels.items():
        values = df[var].iloc[design.rows]
        for lev in [ref, *others]:
            m = (values == lev).to_numpy()
            out[f"{var}[{lev}]"] = (int(m.sum()), int(y[m].sum()))
    return out


def _profile_limit_messages(terms, low, high, conf_level: float, firth: bool) -> tuple[str, str]:
    """Messages for profile limits that are infinite, and for those that could not be computed ("" if none)."""
    sides = {-1: "lower", 1: "upper"}
    infinite = [f"{t!r} ({' and '.join(sides[d] for d, v in ((-1, lo), (1, hi)) if np.isinf(v))})"
                for t, lo, hi in zip(terms, low, high) if np.isinf(lo) or np.isinf(hi)]
    inf_msg = ""
    if infinite:
        inf_msg = (f"The profile-likelihood {conf_level:.0%} confidence interval has no finite limit for "
                   f"{', '.join(infinite)}: the likelihood never falls to the cut-off however far the coefficient "
                   "goes (separation or a level without events), so the odds ratio's limit is reported as 0 or inf. "
                   + ("Report the limit as unbounded." if firth else
                      f"Use {FIRTH_HINT} for finite limits, or report the limit as unbounded."))
    failed = [t for t, lo, hi in zip(terms, low, high) if np.isnan(lo) or np.isnan(hi)]
    nan_msg = ""
    if failed:
        nan_msg = (f"the profile-likelihood limit could not be computed for {_preview(failed)} (a constrained fit "
                   "did not converge); it is left missing (NaN). Use ci_method='wald', or " + FIRTH_HINT + ".")
    return inf_msg, nan_msg


def _profile_task(task, *, X, y, state, se, crit, firth, top, separated) -> float:
    j, side = task
    return profile_limit(X, y, j, state, se[j], side, crit, firth=firth, top=top, separated=separated)


def logistic_regression(df: pd.DataFrame, outcome: str, predictors, *, categorical=None, reference=None,
                        interactions=None, scale=None, ci_method: str = "profile", method: str = "mle",
                        conf_level: float = 0.95, positive=None, epv_warning: float = 10.0,
                        n_jobs=None) -> LogisticRegressionResult:
    """Maximum-likelihood (or Firth) logistic regression with odds ratios, CIs and LR tests.

    Parameters
    ----------
    df : pandas.DataFrame
    outcome : str
        Binary outcome column; 0/1, or any two values with ``positive`` naming the event.
    predictors : list of str
    categorical : list of str, optional
        Numeric predictors to dummy-code (text, boolean and category columns are anyway).
    reference : dict, optional
        ``{predictor: reference level}``; default the first level, as R.
    interactions : list, optional
        ``["age:sex"]`` or ``[("age", "sex")]``.
    scale : "sd", "iqr" or dict, optional
        Report ORs per SD / per IQR / per k units of continuous predictors.
    ci_method : {"profile", "wald"}
        Profile likelihood (R's ``confint``) or Wald (``confint.default``).
    method : {"mle", "firth"}
        Firth's penalised likelihood (R's logistf): profile penalised-likelihood CIs and
        penalised LR-test p-values.
    conf_level : float
    positive : object, optional
    epv_warning : float
        Warn when events per variable (the smaller class / number of coefficients) is below this.
    n_jobs : int, optional
        Workers for the profile limits (joblib, one BLAS thread each; the limits are the same for any
        number). ``None``: the active ``joblib.parallel_config`` when the design has at least 10^6
        cells, else serial.

    Returns
    -------
    LogisticRegressionResult

    Raises
    ------
    DataValidationError
        Non-binary outcome (values listed), text outcome without ``positive``, missing
        columns, constant or perfectly collinear predictors (named), no complete rows.

    Warns
    -----
    SeparationWarning
        Complete or quasi-complete separation (predictors named; use ``method="firth"``), and
        profile limits that are infinite (terms and sides named; reported as OR 0 or inf).
    SmallCellWarning
        Fewer than ``epv_warning`` events per variable.
    ConvergenceWarning
        The iteration did not converge, or a profile limit could not be computed (reported as NaN).

    Notes
    -----
    Coefficients are iterated to a relative step below 1e-11 (past R's glm default,
    which stops at a deviance change of 1e-8), so estimates, SEs and Wald statistics equal
    ``glm(..., family = binomial, control = glm.control(epsilon = 1e-14))``. Profile limits
    are exact roots of the signed likelihood-ratio statistic (MASS's ``confint``
    interpolates a spline; it agrees to ~1e-4); each constrained fit (``glm`` with the
    coefficient as an ``offset``) is run to convergence from any start, so the limits stay
    exact with 1 to 3 events. Under separation a side on which the likelihood never falls to the cut-off (a
    direction of recession, found by linear programming) has an infinite limit: OR 0 or
    inf, never the estimate. Firth limits profile the penalised likelihood as logistf.
    Complete cases only; every excluded row is counted in ``excluded``.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> fit = cs.logistic_regression(df, "expansion", ["volume", "antithrombotic", "sex"])
    >>> fit.tidy()[["term", "reference"]].to_dict("list")["term"]
    ['(Intercept)', 'volume', 'antithrombotic', 'sex[Female]', 'sex[Male]']
    """
    check_one_of(ci_method, ("profile", "wald"), "ci_method")
    check_one_of(method, ("mle", "firth"), "method")
    conf_level = check_probability(conf_level, "conf_level")
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a column name; got {type(outcome).__name__}.")
    design = build_design(df, predictors, categorical=categorical, reference=reference, interactions=interactions,
                          scale=scale, extra_columns=(outcome,))
    y, positive = binary_outcome(df[outcome].iloc[design.rows], outcome, positive)
    X = design.X1
    firth = method == "firth"
    notes = []

    k = X.shape[1] - 1
    n_events = int(y.sum())
    epv = min(n_events, len(y) - n_events) / k
    if epv < epv_warning:
        msg = (f"only {epv:.1f} events per variable ({min(n_events, len(y) - n_events)} in the smaller outcome class, "
               f"{k} coefficients); estimates may be unstable and optimistic. Consider fewer predictors or "
               f"{FIRTH_HINT}.")
        warnings.warn(msg, SmallCellWarning, stacklevel=2)
        notes.append(msg)

    state = fit_logistic(X, y, firth=firth)
    separation = "none"
    sep_msg = ""
    suspicious = (not state.converged) or np.any(state.p < 1e-8) or np.any(state.p > 1 - 1e-8)
    if suspicious:
        separation, cols = detect_separation(X, y)
        if separation != "none":
            names = [("(Intercept)" if c == 0 else design.columns[c - 1]) for c in cols]
            msg = (f"{separation} separation: the outcome is perfectly predicted along {_preview(names)}; "
                   "maximum-likelihood estimates are infinite (R's glm reports huge finite values). "
                   + ("Firth's estimates remain finite." if firth else f"Use {FIRTH_HINT}."))
            sep_msg = msg  # warned below, with the confidence limits it makes infinite
    if not state.converged and separation == "none":
        msg = f"the fit did not converge in {state.n_iter} iterations; results are unreliable."
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        notes.append(msg)

    top = None
    if separation != "none" and not firth:
        # no finite MLE: report what R's glm reports (its 25 IRLS iterations), flagged in notes;
        # profile limits are taken against the supremum of the likelihood (approached by a long fit)
        top = max(state.objective, fit_logistic(X, y, maxit=400).objective)
        state = fit_logistic(X, y, maxit=25)
    try:
        cov = np.linalg.inv(state.info)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(state.info)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    crit_profile = z  # signed root of the LR statistic at the 1 - alpha two-sided level
    if ci_method == "wald":
        low, high = state.beta - z * se, state.beta + z * se
    else:
        separated = separation != "none" and not firth
        # the limits are independent: in parallel when asked, or when the active joblib.parallel_config says so
        # and the design is large enough to be worth shipping to workers
        limit = partial(_profile_task, X=X, y=y, state=state, se=se, crit=crit_profile, firth=firth, top=top,
                        separated=separated)
        tasks = [(j, side) for side in (-1, 1) for j in range(X.shape[1])]
        jobs = n_jobs if n_jobs is not None else (None if X.size >= 1_000_000 else 1)
        limits = np.array(parallel_map(limit, tasks, n_jobs=jobs, batches_per_worker=2))
        low, high = limits[:X.shape[1]], limits[X.shape[1]:]
        inf_msg, nan_msg = _profile_limit_messages(["(Intercept)", *design.columns], low, high, conf_level, firth)
        sep_msg = f"{sep_msg} {inf_msg}".strip()
        if nan_msg:
            warnings.warn(nan_msg, ConvergenceWarning, stacklevel=2)
            notes.append(nan_msg)
    if sep_msg:
        warnings.warn(sep_msg, SeparationWarning, stacklevel=2)
        notes.append(sep_msg)
    if firth:
        pvals = np.empty(X.shape[1])
        for j in range(X.shape[1]):
            free = np.array([i for i in range(X.shape[1]) if i != j])
            b0 = state.beta.copy()
            b0[j] = 0.0
            st0 = fit_logistic(X, y, firth=True, free=free, beta0=b0)
            pvals[j] = stats.chi2.sf(max(0.0, 2 * (state.objective - st0.objective)), 1)
        p_method = "penalised likelihood-ratio test (logistf)"
    else:
        pvals = 2 * stats.norm.sf(np.abs(state.beta / se))
        p_method = "Wald z-test"

    null_ll = loglik(np.full(len(y), np.log(y.mean() / (1 - y.mean()))), y)
    return LogisticRegressionResult(
        coef=state.beta, std_error=se, terms=["(Intercept)", *design.columns], conf_low=low, conf_high=high,
        p_value=pvals, p_method=p_method, ci_method="profile likelihood" if ci_method == "profile" else "Wald",
        conf_level=conf_level, method="Firth penalised likelihood" if firth else "maximum likelihood",
        loglik=state.loglik, null_loglik=null_ll, n=len(y), n_events=n_events, outcome=outcome, positive=positive,
        design=design, y=y, fitted=state.p, covariance=cov,
        excluded=design.excluded, level_counts=_level_counts(design, y, df), converged=state.converged,
        n_iter=state.n_iter, separation=separation, notes=tuple(notes))
