"""Table 1 and the univariable / multivariable odds-ratio table pooled over m completed data sets."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._results import TidyHTML
from .._validation import _preview, as_column_list, check_columns, check_one_of
from ..describe.table_one import TableOneResult
from ..exceptions import DataValidationError
from ..regression.logistic import binary_outcome, logistic_regression
from .pool import PooledResult, pool, pool_chisquare, pool_scalar, pool_wald

__all__ = ["pool_table_one", "pooled_regression_table", "PooledRegressionTable"]

_KEY = ["variable", "level", "group"]


def _completed_list(datasets, name: str = "datasets") -> list:
    if isinstance(datasets, pd.DataFrame) or not hasattr(datasets, "__iter__"):
        raise TypeError(f"{name} must be a list of completed DataFrames (ImputationResult.datasets); got "
                        f"{type(datasets).__name__}.")
    datasets = list(datasets)
    if len(datasets) < 2:
        raise DataValidationError(f"{name} must hold at least 2 completed data sets; got {len(datasets)}.")
    bad = [i for i, d in enumerate(datasets) if not isinstance(d, pd.DataFrame)]
    if bad:
        raise TypeError(f"{name}[{bad[0]}] is a {type(datasets[bad[0]]).__name__}, not a DataFrame.")
    return datasets


# ---------------------------------------------------------------- Table 1


def _keyed(summary: pd.DataFrame) -> pd.DataFrame:
    out = summary.copy()
    out["level"] = out["level"].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out.set_index(_KEY)


def _pooled_summary(results: list, original: TableOneResult) -> pd.DataFrame:
    frames = [_keyed(r.summary) for r in results]
    first = frames[0]
    stack = {c: pd.concat([f[c] for f in frames], axis=1) for c in ("mean", "median", "q1", "q3", "count", "percent")}
    out = results[0].summary.copy()
    out["mean"] = stack["mean"].mean(axis=1).to_numpy()
    out["sd"] = np.sqrt(pd.concat([f["sd"] ** 2 for f in frames], axis=1).mean(axis=1)).to_numpy()
    for c in ("median", "q1", "q3", "percent"):
        out[c] = stack[c].mean(axis=1).to_numpy()
    out["min"] = pd.concat([f["min"] for f in frames], axis=1).min(axis=1).to_numpy()
    out["max"] = pd.concat([f["max"] for f in frames], axis=1).max(axis=1).to_numpy()
    out["count_mean"] = stack["count"].mean(axis=1).to_numpy()
    out["count"] = np.round(out["count_mean"])  # a whole patient in the table; the mean is kept beside it
    missing = _keyed(original.summary)["missing"].groupby(level=[0, 2]).first()
    out["missing"] = [int(missing.get((v, g), 0)) for v, g in zip(first.index.get_level_values(0),
                                                                   first.index.get_level_values(2))]
    return out


def _pooled_test(v: str, rows: list, results: list, n: int, groups: tuple, equal_var: bool) -> dict:
    """One variable's test pooled over the completed data sets (see :func:`pool_table_one`)."""
    first = rows[0]
    m = len(rows)
    base = {"variable": v, "type": first["type"], "display": first["display"], "df2": np.nan,
            "smd": float(np.mean([r["smd"] for r in rows]))}
    if first["display"] == "mean_sd" and len(groups) == 2:
        q, u = [], []
        for r in results:
            s = r.summary[(r.summary["variable"] == v)].set_index("group")
            a, b = s.loc[groups[1]], s.loc[groups[0]]
            q.append(a["mean"] - b["mean"])
            if equal_var:
                sp2 = ((a["n"] - 1) * a["sd"] ** 2 + (b["n"] - 1) * b["sd"] ** 2) / (a["n"] + b["n"] - 2)
                u.append(sp2 * (1 / a["n"] + 1 / b["n"]))
            else:
                u.append(a["sd"] ** 2 / a["n"] + b["sd"] ** 2 / b["n"])
        ps = pool_scalar(q, u, dfcom=n - 2)
        name = "Student t-test" if equal_var else "Welch t-test"
        return {**base, "test": f"{name} pooled by Rubin's rules", "statistic": ps.statistic, "df": ps.df,
                "p_value": ps.p_value, "note": ""}
    names = {str(r["test"]) for r in rows}
    if all("chi-square" in t.lower() for t in names) and len({r["df"] for r in rows}) == 1:
        d2 = pool_chisquare([r["statistic"] for r in rows], int(first["df"]))
        return {**base, "test": f"{first['test']}, pooled by D2", "statistic": np.nan, "df": d2.df1,
                "df2": d2.df2, "p_value": d2.p_value, "note": ""}
    note = "" if len(names) == 1 else f"tests differ between imputations ({'; '.join(sorted(names))})"
    return {**base, "test": f"{first['test']}, median P over {m} imputations", "statistic": np.nan, "df": np.nan,
            "p_value": float(np.median([r["p_value"] for r in rows])), "note": note}


def pool_table_one(results, original: TableOneResult) -> TableOneResult:
    """Table 1 of m completed data sets, pooled, with the missing counts of the incomplete data.

    Parameters
    ----------
    results : list of TableOneResult
        ``table_one`` of each completed data set, with the same variables, groups and options.
    original : TableOneResult
        ``table_one`` of the incomplete data (same call): its ``missing`` counts are shown.

    Returns
    -------
    TableOneResult
        ``summary`` with the pooled statistics, ``count_mean`` (the mean count; ``count`` is it rounded to a
        whole patient) and the original ``missing``; ``tests`` with the pooled tests; ``options["pooled"]``
        says how.

    Raises
    ------
    TypeError, DataValidationError
        Fewer than 2 results, or results that differ in variables, levels or groups.

    Notes
    -----
    Point estimates are averaged over the imputations (Rubin's rule for estimates): means, medians, quartiles,
    proportions and counts; the SD is the square root of the mean within-imputation variance (a variable's
    spread, not a standard error, so no between-imputation term is added); min and max are over all
    imputations; the SMD is the mean SMD. A variable without missing values has identical results in every
    completed data set and keeps them (tests included). For a variable with missing values the test is pooled:
    a t-test on the difference in means by Rubin's rules (Welch or pooled-variance SE per imputation,
    complete-data df n − 2, Barnard-Rubin df), chi-square tests by D2 (Li, Meng, Raghunathan & Rubin 1991), and
    others (Fisher, Wilcoxon, Kruskal-Wallis, ANOVA) by the median of the m P values (Eekhout et al. 2017).

    References
    ----------
    Eekhout I, van de Wiel MA, Heymans MW. Methods for significance testing of categorical covariates in logistic
    regression models after multiple imputation: power and applicability analysis. BMC Med Res Methodol
    2017;17:129.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats import table_one
    >>> from cohortstats.missing import impute
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical[["expansion", "age", "glucose", "sex"]].copy()
    >>> df.loc[::5, "glucose"] = np.nan
    >>> imp = impute(df, m=3, maxit=3, random_state=1)
    >>> t1 = pool_table_one([table_one(d, group="expansion") for d in imp.datasets], table_one(df, group="expansion"))
    >>> t1.tests.set_index("variable").loc["glucose", "test"]
    "Welch t-test pooled by Rubin's rules"
    """
    results = list(results) if not isinstance(results, TableOneResult) else [results]
    if len(results) < 2 or not all(isinstance(r, TableOneResult) for r in results):
        raise TypeError("results must be a list of at least 2 TableOneResult (one per completed data set).")
    if not isinstance(original, TableOneResult):
        raise TypeError(f"original must be the TableOneResult of the incomplete data; got {type(original).__name__}.")
    keys = [list(_keyed(r.summary).index) for r in results]
    if any(k != keys[0] for k in keys[1:]) or any(r.groups != results[0].groups for r in results):
        raise DataValidationError("the Table 1 results differ in variables, levels or groups; make each with the "
                                  "same table_one call on a completed data set.")
    summary = _pooled_summary(results, original)
    incomplete = set(original.summary.loc[original.summary["missing"] > 0, "variable"])
    n = int(results[0].n_per_group.get("Overall", sum(results[0].n_per_group.values())))
    test_rows = []
    for i, row in results[0].tests.iterrows():
        v = row["variable"]
        rows = [r.tests.iloc[i] for r in results]
        if v not in incomplete or results[0].group is None:
            test_rows.append(row.to_dict())
        else:
            test_rows.append(_pooled_test(v, rows, results, n, results[0].groups,
                                          bool(results[0].options.get("equal_var", False))))
    tests = pd.DataFrame(test_rows, columns=results[0].tests.columns)
    options = {**results[0].options, "pooled": (
        f"{len(results)} imputations: means, medians, quartiles and proportions averaged; SD = sqrt(mean "
        "within-imputation variance); missing counts of the original data")}
    return dataclasses.replace(results[0], summary=summary, tests=tests, options=options)


# ---------------------------------------------------------------- odds ratios


@dataclass(frozen=True)
class PooledRegressionTable(TidyHTML):
    """Univariable screen and multivariable model, each pooled over m completed data sets by Rubin's rules.

    Attributes
    ----------
    univariable : dict
        ``{predictor: PooledResult}``.
    multivariable : PooledResult or None
        ``None`` when no predictor passed the screen.
    selected : list of str
        Predictors of the multivariable model.
    rule : str
        How they were chosen.
    screen : pandas.DataFrame
        ``predictor, p_value, test``: the pooled screening P of each candidate.
    layout : pandas.DataFrame
        ``predictor, term, level, reference, n, n_events, unit``: the rows of the table (levels of a categorical
        predictor with their mean counts over the imputations, rounded).
    multivariable_fits : tuple of LogisticRegressionResult
        The multivariable model in each completed data set.
    m, n, n_events : int
        Imputations; patients and events per completed data set.
    """

    univariable: dict
    multivariable: PooledResult | None
    selected: list
    rule: str
    screen: pd.DataFrame
    layout: pd.DataFrame = field(repr=False)
    multivariable_fits: tuple = field(repr=False, default=())
    m: int = 0
    n: int = 0
    n_events: int = 0
    method: str = "Rubin's rules with Barnard-Rubin degrees of freedom (mice::pool)"

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``predictor, term, level, reference, n, n_events, unit``, then ``uni_estimate``
        (OR), ``uni_conf_low, uni_conf_high, uni_p_value, uni_df, uni_fmi`` and the same ``multi_*``, and
        ``selected`` (the columns of :meth:`RegressionTable.tidy`, with df and fmi)."""
        cols = ["estimate", "conf_low", "conf_high", "p_value", "df", "fmi"]
        uni = pd.concat([r.tidy(intercept=False) for r in self.univariable.values()], ignore_index=True)
        out = self.layout.merge(uni[["term", *cols]].rename(columns={c: f"uni_{c}" for c in cols}), on="term",
                                how="left")
        if self.multivariable is not None:
            multi = self.multivariable.tidy(intercept=False)[["term", *cols]]
            out = out.merge(multi.rename(columns={c: f"multi_{c}" for c in cols}), on="term", how="left")
        else:
            for c in cols:
                out[f"multi_{c}"] = np.nan
        out["selected"] = out["predictor"].isin(self.selected)
        return out


def _layout(fits_per_set: list, predictor: str) -> pd.DataFrame:
    """Rows of one predictor (reference level included) with counts averaged over the completed data sets."""
    tabs = [f.tidy(intercept=False) for f in fits_per_set]
    t = tabs[0][["term", "variable", "level", "reference", "n", "n_events", "unit"]].copy()
    for c in ("n", "n_events"):
        t[c] = np.round(np.mean([x[c].to_numpy(float) for x in tabs], axis=0))
    t.loc[t["level"].isna(), ["n", "n_events"]] = [fits_per_set[0].n, fits_per_set[0].n_events]
    return t.rename(columns={"variable": "predictor"}).assign(predictor=predictor)


def pooled_regression_table(datasets, outcome: str, predictors, *, screen_p: float | None = 0.05,
                            multivariable=None, screen_rule: str = "wald", categorical=None, method: str = "mle",
                            conf_level: float = 0.95, positive=None) -> PooledRegressionTable:
    """Univariable screening and one multivariable logistic model on m completed data sets, pooled.

    Parameters
    ----------
    datasets : list of pandas.DataFrame
        The completed data sets (``impute(...).datasets``, or any others, e.g. mice's).
    outcome, predictors, categorical, method, conf_level, positive
        As :func:`cohortstats.regression_table`.
    screen_p : float or None
        Predictors whose pooled univariable P is below this enter the multivariable model.
    multivariable : list of str, optional
        Use this list instead of the screen.
    screen_rule : {"wald", "lr"}
        ``"wald"``: the smallest pooled Wald P of the predictor's terms (Rubin's rules, t on the Barnard-Rubin
        df); ``"lr"``: the predictor's terms together, by the pooled multivariate Wald test D1 (likelihood-ratio
        statistics are not pooled here).

    Returns
    -------
    PooledRegressionTable

    Raises
    ------
    TypeError, DataValidationError
        Fewer than 2 data sets; unknown columns; the errors of :func:`cohortstats.logistic_regression`.

    Notes
    -----
    Each model is fitted on every completed data set (Wald SEs) and pooled by :func:`pool`, so the ORs, CIs, P
    values, df and fmi equal ``summary(pool(with(imp, glm(...))), conf.int = TRUE, exponentiate = TRUE)`` on the
    same data sets. The events-per-variable warning of the multivariable model is given once, not m times.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats.missing import impute
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical[["expansion", "age", "volume", "sex"]].copy()
    >>> df.loc[::6, "volume"] = np.nan
    >>> imp = impute(df, m=3, maxit=3, random_state=1)
    >>> tab = pooled_regression_table(imp.datasets, "expansion", ["age", "volume", "sex"], screen_p=0.2)
    >>> "fmi" in tab.multivariable.tidy().columns
    True
    """
    datasets = _completed_list(datasets)
    check_one_of(screen_rule, ("wald", "lr"), "screen_rule")
    predictors = as_column_list(predictors, "predictors")
    categorical = set(as_column_list(categorical, "categorical"))
    for i, d in enumerate(datasets):
        check_columns(d, [outcome, *predictors], f"datasets[{i}]")

    def fit(d, preds, epv):
        cat = [p for p in preds if p in categorical] or None
        return logistic_regression(d, outcome, preds, categorical=cat, ci_method="wald", method=method,
                                   conf_level=conf_level, positive=positive, epv_warning=epv)

    uni, layout, screen = {}, [], []
    for var in predictors:
        fits = [fit(d, [var], 0) for d in datasets]
        uni[var] = pool(fits, conf_level=conf_level)
        layout.append(_layout(fits, var))
        tested = [t for t in uni[var].terms if t != "(Intercept)"]
        if screen_rule == "lr" and len(tested) > 1:  # one term: D1 is the pooled t-test squared
            d1 = pool_wald(fits, tested, dfcom=None if len(tested) * (len(fits) - 1) > 4 else math.inf)
            screen.append({"predictor": var, "p_value": d1.p_value, "test": d1.method})
        else:
            screen.append({"predictor": var, "p_value": float(np.min(uni[var].p_value[1:])),
                           "test": "pooled Wald t-test (Rubin's rules)"})
    screen = pd.DataFrame(screen, columns=["predictor", "p_value", "test"])
    if multivariable is not None:
        selected = as_column_list(multivariable, "multivariable")
        unknown = [v for v in selected if v not in datasets[0].columns]
        if unknown:
            raise DataValidationError(f"multivariable names columns not in the data: {_preview(unknown)}.")
        rule = "given by the user"
    else:
        if screen_p is None:
            raise DataValidationError("give screen_p or a multivariable list.")
        selected = [v for v, p in zip(screen["predictor"], screen["p_value"]) if p < screen_p]
        rule = (f"univariable pooled {'D1 Wald test' if screen_rule == 'lr' else 'Wald'} P < {screen_p:g} "
                f"(over {len(datasets)} imputations)")
    multi, multi_fits = None, ()
    if selected:
        # the events per variable are the same in every data set: checked once, not warned m times
        multi_fits = tuple(fit(d, selected, 10.0 if i == 0 else 0) for i, d in enumerate(datasets))
        multi = pool(list(multi_fits), conf_level=conf_level)
    y, _ = binary_outcome(datasets[0][outcome].dropna(), outcome, positive)
    return PooledRegressionTable(univariable=uni, multivariable=multi, selected=selected, rule=rule, screen=screen,
                                 layout=pd.concat(layout, ignore_index=True), multivariable_fits=multi_fits,
                                 m=len(datasets), n=len(y), n_events=int(np.sum(y)))

