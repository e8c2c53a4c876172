"""Table 1: characteristics of a cohort by group, with the right test named beside each p-value."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .fisher import TooManyTables, fisher_exact_rxc
from .._results import TidyHTML
from .._identifiers import identifier_columns
from .._validation import (
    _preview,
    as_column_list,
    check_columns,
    check_dataframe,
    check_finite_columns,
    check_numeric_column,
    whole_number_levels,
)
from ..exceptions import DataValidationError, DataWarning, SmallCellWarning

__all__ = ["table_one", "TableOneResult", "smd_continuous", "smd_categorical", "welch_anova", "rank_sum_test"]

_STAT_COLUMNS = ["n", "mean", "sd", "median", "q1", "q3", "min", "max", "count", "percent", "missing"]
OVERALL = "Overall"


@dataclass(frozen=True)
class TableOneResult(TidyHTML):
    """Numbers of a Table 1; formatting happens in :mod:`cohortstats.report`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per variable x level x group (``group`` is ``"Overall"`` for all
        patients): ``variable, type, level, group`` and the statistics ``n`` (non-missing),
        ``mean, sd, median, q1, q3, min, max`` (continuous), ``count, percent``
        (categorical; percent of the non-missing values in the group) and ``missing``.
    tests : pandas.DataFrame
        One row per variable: ``variable, type, display`` (``"mean_sd"``,
        ``"median_iqr"`` or ``"n_percent"``), ``test`` (its name), ``statistic, df, df2,
        p_value, smd, note`` (e.g. why Fisher replaced chi-square).
    group : str or None
    groups : tuple
        Group values in display order.
    n_per_group : dict
        Patients per group (and ``"Overall"``).
    excluded : pandas.DataFrame
        Rows left out and why (``reason, n``): rows with a missing group value.
    options : dict
        The test choices used (``equal_var``, ``yates``, ``fisher``, quantile rule) and ``digits_basis``
        (per continuous variable: ``spread``, the 5th-95th percentile range, and ``integer``, all values
        whole), from which the report chooses decimals as gtsummary does.
    """

    summary: pd.DataFrame
    tests: pd.DataFrame
    group: str | None
    groups: tuple
    n_per_group: dict
    excluded: pd.DataFrame
    options: dict = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Long table: the summary rows with each variable's ``p_value``, ``test`` and ``smd``."""
        cols = ["variable", "p_value", "test", "smd"]
        return self.summary.merge(self.tests[cols], on="variable", how="left")

    @property
    def tests_used(self) -> list[str]:
        """Distinct test names, in order of first use (for footnotes)."""
        return [t for t in dict.fromkeys(self.tests["test"]) if isinstance(t, str) and t]


# ---------------------------------------------------------------- statistics helpers
def smd_continuous(x1: np.ndarray, x2: np.ndarray) -> float:
    """Absolute standardised mean difference with the pooled SD ``sqrt((s1² + s2²)/2)``.

    Notes
    -----
    The definition of R's ``tableone::ExtractSmd`` (Austin 2009).
    """
    s = np.sqrt((np.var(x1, ddof=1) + np.var(x2, ddof=1)) / 2.0)
    d = np.mean(x1) - np.mean(x2)
    if s == 0:
        return 0.0 if d == 0 else np.inf
    return float(abs(d) / s)


def smd_categorical(p1: np.ndarray, p2: np.ndarray) -> float:
    """Yang & Dalton's multivariate SMD for a categorical variable.

    ``p1``, ``p2`` are the level proportions in the two groups (summing to 1).
    SMD = sqrt((p1 - p2)' S^-1 (p1 - p2)) over levels 2..K with
    S = (S1 + S2)/2, S_g[k, k] = p_k(1 - p_k), S_g[k, l] = -p_k p_l. For two
    levels it reduces to ``|p1 - p2| / sqrt((p1(1-p1) + p2(1-p2))/2)``.

    Notes
    -----
    As R's ``tableone`` (Yang & Dalton 2012); a singular S uses the pseudo-inverse.
    """
    p1, p2 = np.asarray(p1, float)[1:], np.asarray(p2, float)[1:]
    d = p1 - p2
    if not np.any(d):
        return 0.0

    def cov(p):
        return np.diag(p) - np.outer(p, p)

    s = (cov(p1) + cov(p2)) / 2.0
    val = float(d @ np.linalg.pinv(s) @ d)
    return float(np.sqrt(max(val, 0.0)))


def welch_anova(samples: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's heteroscedastic one-way ANOVA; returns (F, df1, df2, p).

    Notes
    -----
    Equals R's ``oneway.test(x ~ g)`` (``var.equal = FALSE``, the default).
    """
    k = len(samples)
    n = np.array([len(s) for s in samples], float)
    m = np.array([np.mean(s) for s in samples])
    v = np.array([np.var(s, ddof=1) for s in samples])
    w = n / v
    sw = w.sum()
    mw = (w * m).sum() / sw
    tmp = ((1 - w / sw) ** 2 / (n - 1)).sum() / (k**2 - 1)
    f = ((w * (m - mw) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) * tmp)
    df2 = 1 / (3 * tmp)
    return float(f), float(k - 1), float(df2), float(stats.f.sf(f, k - 1, df2))


def rank_sum_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """Wilcoxon rank-sum (Mann-Whitney) test as R's ``wilcox.test(x, y)``.

    Returns ``(W, p, method)``: ``W`` is the Mann-Whitney U of ``x``; the p-value is
    exact when both groups have fewer than 50 values and there are no ties,
    otherwise the normal approximation with tie and continuity corrections.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    allv = np.concatenate([x, y])
    ties = len(np.unique(allv)) < len(allv)
    exact = len(x) < 50 and len(y) < 50 and not ties
    res = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True,
                             method="exact" if exact else "asymptotic")
    name = "Wilcoxon rank-sum (exact)" if exact else "Wilcoxon rank-sum (normal approx., continuity corr.)"
    return float(res.statistic), float(res.pvalue), name


# ---------------------------------------------------------------- main function
def _classify(df, variables, categorical, nonnormal):
    kinds = {}
    for v in variables:
        s = df[v]
        if v in categorical:
            kinds[v] = "categorical"
        elif v in nonnormal:
            kinds[v] = "continuous"
        elif isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s):
            kinds[v] = "categorical"
        elif pd.api.types.is_numeric_dtype(s):
            k = s.dropna().nunique()
            kinds[v] = "categorical" if 0 < k <= 2 else "continuous"
        else:
            # share of the non-missing values that read as numbers, from the distinct values and their counts
            counts = s.value_counts(dropna=True)
            parsed = pd.to_numeric(pd.Series(counts.index, dtype=object), errors="coerce")
            if counts.sum() and counts.to_numpy()[parsed.notna().to_numpy()].sum() / counts.sum() >= 0.5:
                kinds[v] = "continuous"  # mostly numbers: the check below reports the text cells
            else:
                kinds[v] = "categorical"
    return kinds


def _warn_grades_as_continuous(df, columns) -> None:
    """A numeric column of 3 to 7 distinct whole numbers, each seen ~10 times or more (a grade, a scale),
    summarised as continuous is as
    CreateTableOne does it, but often not what was meant (gtsummary shows such a column as categorical): say
    so, and how to choose."""
    for v in columns:
        s = pd.to_numeric(df[v], errors="coerce").dropna()
        values = np.unique(s.to_numpy())
        if 3 <= len(values) <= 7 and len(s) >= 10 * len(values) and np.all(values == np.round(values)):
            warnings.warn(
                f"Table 1 summarises {v!r} ({len(values)} distinct whole numbers, {values[0]:g} to {values[-1]:g}) "
                "as continuous (mean (SD), t-test); if it is a grade or score, list it in table1.categorical "
                "(counts, chi-square) or table1.nonnormal (median (Q1, Q3), rank-sum test).", DataWarning,
                stacklevel=3)


def _levels(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [c for c in s.cat.categories if (s == c).any()]
    vals = pd.unique(s.dropna())
    try:
        return whole_number_levels(sorted(vals))
    except TypeError:
        return sorted(vals, key=str)


def _level_codes(s: pd.Series) -> tuple[np.ndarray, list, list]:
    """``(codes, levels, where)``: each row's code (-1 when missing), the levels as :func:`_levels` orders them,
    and each level's code; one hash pass (or a category's codes) instead of comparing every row with every
    level."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.intp)
        present = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        keep = np.flatnonzero(present)
        return codes, [s.cat.categories[k] for k in keep], list(keep)
    codes, uniques = pd.factorize(s, sort=False)
    uniques = list(uniques)
    try:
        order = sorted(range(len(uniques)), key=lambda k: uniques[k])
    except TypeError:
        order = sorted(range(len(uniques)), key=lambda k: str(uniques[k]))
    return codes.astype(np.intp), whole_number_levels([uniques[k] for k in order]), order


def _without_identifiers(df, variables, *, auto: bool) -> list:
    """Refuse (listed) or leave out (all columns by default) variables that look like ids or dates."""
    flagged = identifier_columns(df, variables)
    if not flagged:
        return variables
    what = "; ".join(f"{c!r} {reason}" for c, reason in flagged.items())
    if not auto:
        raise DataValidationError(
            f"variables: {what}. Table 1 would list such a column's values one per patient, putting row-level "
            "data in the table; leave it out of variables (or pass allow_identifiers=True to list it anyway).")
    warnings.warn(f"Table 1 leaves out {len(flagged)} column(s) that look like patient identifiers or dates: {what}. "
                  "Name the variables to show with variables=.", DataWarning, stacklevel=3)
    return [v for v in variables if v not in flagged]


def table_one(
    df: pd.DataFrame,
    group: str | None = None,
    variables=None,
    categorical=None,
    nonnormal=None,
    *,
    group_order=None,
    overall: bool = True,
    equal_var: bool = False,
    yates: bool = True,
    fisher: str | bool = "auto",
    allow_identifiers: bool = False,
) -> TableOneResult:
    """Describe variables overall and by group, test the differences, name each test.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    group : str, optional
        Column defining the groups (outcome, or train/test). ``None`` gives an
        overall-only table without tests.
    variables : list of str, optional
        Variables in display order; default every column except ``group``.
    categorical : list of str, optional
        Variables to summarise as n (%). Text, boolean, category and numeric
        columns with at most two values are categorical anyway.
    nonnormal : list of str, optional
        Continuous variables summarised as median [Q1, Q3] and tested with the
        Wilcoxon rank-sum (2 groups) or Kruskal-Wallis test.
    group_order : list, optional
        Display order of the groups (default: sorted values, or category order).
    overall : bool
        Include the all-patients column.
    equal_var : bool
        ``False`` (default): Welch t-test / Welch ANOVA; ``True``: Student t-test /
        one-way ANOVA.
    yates : bool
        Yates' continuity correction for 2x2 chi-square tests (R's default).
    fisher : {"auto", True, False}
        ``"auto"``: Fisher's exact test (r x c too) when any expected count is
        below 5; ``True``: always; ``False``: never (a :class:`SmallCellWarning`
        is emitted when the chi-square approximation is doubtful).
    allow_identifiers : bool
        ``False`` (default): a variable that looks like a patient identifier or a date (nearly one distinct
        value per patient, or dates; see :func:`cohortstats._identifiers.identifier_reason`) is refused when
        listed in ``variables`` and left out (with a warning) when ``variables`` is not given, because Table 1
        would list its values one per patient. ``True`` lists them anyway.

    Returns
    -------
    TableOneResult

    Raises
    ------
    DataValidationError
        Missing columns (all listed), a group column with fewer than two levels,
        text in a numeric variable (rows counted, examples shown), a listed variable that looks like a patient
        identifier or a date.

    Warns
    -----
    DataWarning
        A variable with no non-missing value (kept in the table, not tested); columns left out because they
        look like identifiers or dates (``variables`` not given).
    SmallCellWarning
        Chi-square used with expected counts below 5 (``fisher=False``).

    Notes
    -----
    Tests and their R equivalents: Welch t-test = ``t.test(x ~ g)``; Student =
    ``t.test(var.equal = TRUE)``; Welch ANOVA = ``oneway.test``; one-way ANOVA =
    ``oneway.test(var.equal = TRUE)``; rank-sum = ``wilcox.test`` (exact p when both
    groups have < 50 values and no ties, else normal approximation with
    continuity correction); Kruskal-Wallis = ``kruskal.test``; chi-square =
    ``chisq.test`` (Yates on 2x2 by default); Fisher = ``fisher.test``.
    Quartiles use R's default ``quantile`` rule (type 7). SMDs are absolute:
    pooled-SD for continuous and Yang-Dalton for categorical variables; with more
    than two groups the mean of the pairwise SMDs (as R's ``tableone``). Percentages
    use the non-missing values of the group as denominator; missing values are
    counted separately.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> t1 = cs.table_one(df, group="expansion", variables=["age", "sex", "volume"],
    ...                   nonnormal=["volume"])
    >>> t1.tests[["variable", "test"]].to_dict("list")["test"][0]
    'Welch t-test'
    """
    check_dataframe(df, "df")
    categorical = as_column_list(categorical, "categorical")
    nonnormal = as_column_list(nonnormal, "nonnormal")
    auto = variables is None
    if auto:
        variables = [c for c in df.columns if c != group]
    variables = as_column_list(variables, "variables")
    requested = ([group] if group is not None else []) + variables + categorical + nonnormal
    check_columns(df, list(dict.fromkeys(requested)), "table_one")
    if not allow_identifiers:
        variables = _without_identifiers(df, variables, auto=auto)
    if group is not None and group in variables:
        raise DataValidationError(f"variables include the group column {group!r}; remove it from variables.")
    both = set(categorical) & set(nonnormal)
    if both:
        raise DataValidationError(f"{sorted(both)} are listed as both categorical and nonnormal; choose one.")
    if fisher not in ("auto", True, False):
        raise DataValidationError(f"fisher must be 'auto', True or False; got {fisher!r}.")

    excluded = pd.DataFrame(columns=["reason", "n"])
    data = df
    if group is not None:
        gmiss = df[group].isna()
        if gmiss.any():
            excluded = pd.DataFrame([{"reason": f"missing value of group {group!r}", "n": int(gmiss.sum())}])
            data = df.loc[~gmiss]
        groups = list(group_order) if group_order is not None else _levels(data[group])
        present = set(pd.unique(data[group]))
        unknown = [g for g in groups if g not in present]
        if unknown:
            raise DataValidationError(f"group_order has values not in {group!r}: {unknown}; values are {_levels(data[group])}.")
        if len(groups) < 2:
            raise DataValidationError(
                f"group {group!r} must have at least two levels; got {len(groups)} ({_preview(groups)}). "
                "Check the column, or pass group=None for an overall table."
            )
        gvals = data[group].to_numpy()
        masks = {g: gvals == g for g in groups}
        leftover = ~np.logical_or.reduce(list(masks.values()))
        if leftover.any():
            raise DataValidationError(f"group_order leaves out {int(leftover.sum())} rows of {group!r}; list every level.")
    else:
        groups = []
        masks = {}
    columns = ([OVERALL] if overall or group is None else []) + groups
    all_mask = np.ones(len(data), bool)
    col_masks = {OVERALL: all_mask, **masks}

    check_finite_columns(data, variables, "table_one")  # inf is not a level, nor a value to average
    kinds = _classify(data, variables, set(categorical), set(nonnormal))
    _warn_grades_as_continuous(data, [v for v in variables if kinds[v] == "continuous" and v not in nonnormal])
    rows, test_rows, digits_basis = [], [], {}
    for v in variables:
        kind = kinds[v]
        raw = data[v]
        if kind == "continuous" and not raw.isna().all():
            x = check_numeric_column(raw, v).to_numpy()
        if raw.isna().all():
            warnings.warn(f"variable {v!r} has no non-missing value; it is shown as missing and not tested.",
                          DataWarning, stacklevel=2)
            kind = "continuous"  # no levels to list: one row with n = 0 and the missing count
            x = np.full(len(raw), np.nan)
        if kind == "continuous":
            display = "median_iqr" if v in nonnormal else "mean_sd"
            finite = ~np.isnan(x)
            x, exponent = _power_of_two_scaled(x)
            if finite.any():  # what the report's decimals follow (gtsummary: integers, else the 5th-95th spread)
                p05, p95 = np.quantile(x[finite], [0.05, 0.95])
                digits_basis[v] = {"spread": float(p95 - p05), "integer": bool(np.all(x[finite] == np.round(x[finite])))}
            for col in columns:
                xs = x[col_masks[col] & finite]
                nmiss = int((col_masks[col] & ~finite).sum())
                rec = {"variable": v, "type": "continuous", "level": None, "group": col, "n": len(xs),
                       "missing": nmiss, "count": np.nan, "percent": np.nan}
                if len(xs):
                    q1, med, q3 = np.quantile(xs, [0.25, 0.5, 0.75])
                    stat = dict(mean=xs.mean(), sd=xs.std(ddof=1) if len(xs) > 1 else np.nan, median=med,
                                q1=q1, q3=q3, min=xs.min(), max=xs.max())
                    rec.update({k: float(np.ldexp(val, exponent)) if exponent else val for k, val in stat.items()})
                rows.append(rec)
            tested = _test_continuous(x, masks, groups, v in nonnormal, equal_var)
            if exponent:
                tested["note"] = "; ".join(filter(None, [tested["note"], (
                    f"values divided by 2^{exponent} for the computation (their squares would overflow); the test "
                    "statistics are scale-free, R's t.test/oneway.test give NaN on the unscaled values")]))
            test_rows.append({"variable": v, "type": "continuous", "display": display, **tested})
        else:
            codes, levels, where = _level_codes(raw)
            notna = codes >= 0
            counts = {}
            for col in columns:
                m = col_masks[col]
                in_col = codes[m & notna]
                nn = len(in_col)
                nmiss = int(m.sum()) - nn
                per_code = np.bincount(in_col, minlength=len(where))  # one pass per column, not one per level
                for lev, code in zip(levels, where):
                    c = int(per_code[code])
                    counts[(col, lev)] = c
                    rows.append({"variable": v, "type": "categorical", "level": lev, "group": col, "n": nn,
                                 "count": c, "percent": 100.0 * c / nn if nn else np.nan, "missing": nmiss})
            test_rows.append({"variable": v, "type": "categorical", "display": "n_percent",
                              **_test_categorical(counts, levels, groups, yates, fisher, v)})
    summary = pd.DataFrame(rows)
    # keep level values as given (ints stay ints next to the None of continuous rows)
    summary["level"] = pd.Series([r["level"] for r in rows], dtype=object, index=summary.index)
    for c in _STAT_COLUMNS:
        if c not in summary.columns:
            summary[c] = np.nan
    summary = summary[["variable", "type", "level", "group"] + _STAT_COLUMNS]
    tests = pd.DataFrame(test_rows, columns=["variable", "type", "display", "test", "statistic", "df", "df2",
                                             "p_value", "smd", "note"])
    n_per_group = {col: int(col_masks[col].sum()) for col in columns}
    options = {"equal_var": equal_var, "yates": yates, "fisher": fisher,
               "quantiles": "R type 7 (quantile() default)", "percent_denominator": "non-missing values",
               "digits_basis": digits_basis}
    return TableOneResult(summary=summary, tests=tests, group=group, groups=tuple(groups),
                          n_per_group=n_per_group, excluded=excluded, options=options)


_OVERFLOW_SAFE = 1e100  # above this magnitude, sums of squares of a column can overflow


def _power_of_two_scaled(x: np.ndarray) -> tuple[np.ndarray, int]:
    """``(x * 2**-e, e)`` when ``max |x|`` exceeds 1e100, else ``(x, 0)``.

    Dividing by a power of two is exact in floating point, so the summary statistics are recovered exactly by
    ``ldexp(stat, e)`` and the scale-free test statistics (t, F, SMD) are those of the original values, without the
    overflow of their squares (which gives t = 0, P = 1 or NaN).
    """
    finite = x[~np.isnan(x)]
    if not len(finite):
        return x, 0
    top = float(np.max(np.abs(finite)))
    if top <= _OVERFLOW_SAFE:
        return x, 0
    exponent = int(np.frexp(top)[1])
    return np.ldexp(x, -exponent), exponent


def _empty_test(note=""):
    return {"test": "", "statistic": np.nan, "df": np.nan, "df2": np.nan, "p_value": np.nan, "smd": np.nan,
            "note": note}


def _test_continuous(x, masks, groups, nonnormal, equal_var):
    if not groups:
        return _empty_test()
    samples = [x[masks[g] & ~np.isnan(x)] for g in groups]
    if any(len(s) < 2 for s in samples):
        return _empty_test("not tested: a group has fewer than two values")
    out = _empty_test()
    pairs = list(combinations(range(len(samples)), 2))
    out["smd"] = float(np.mean([smd_continuous(samples[i], samples[j]) for i, j in pairs]))
    if nonnormal:
        if len(samples) == 2:
            w, p, name = rank_sum_test(samples[0], samples[1])
            out.update(test=name, statistic=w, p_value=p)
        else:
            h, p = stats.kruskal(*samples)
            out.update(test="Kruskal-Wallis", statistic=float(h), df=len(samples) - 1.0, p_value=float(p))
    elif len(samples) == 2:
        if all(np.var(s) == 0 for s in samples):
            out["note"] = "not tested: no variance within groups"
            return out
        r = stats.ttest_ind(samples[0], samples[1], equal_var=equal_var)
        out.update(test="Student t-test" if equal_var else "Welch t-test", statistic=float(r.statistic),
                   df=float(r.df), p_value=float(r.pvalue))
    elif equal_var:
        r = stats.f_oneway(*samples)
        n = sum(len(s) for s in samples)
        out.update(test="One-way ANOVA", statistic=float(r.statistic), df=len(samples) - 1.0,
                   df2=float(n - len(samples)), p_value=float(r.pvalue))
    else:
        f, d1, d2, p = welch_anova(samples)
        out.update(test="Welch ANOVA", statistic=f, df=d1, df2=d2, p_value=p)
    return out


def _test_categorical(counts, levels, groups, yates, fisher, name):
    if not groups:
        return _empty_test()
    table = np.array([[counts[(g, lev)] for g in groups] for lev in levels], float).reshape(len(levels), len(groups))
    keep_rows = table.sum(axis=1) > 0
    keep_cols = table.sum(axis=0) > 0
    table = table[keep_rows][:, keep_cols]
    out = _empty_test()
    if table.shape[0] < 2 or table.shape[1] < 2:
        out["note"] = "not tested: fewer than two levels or groups with values"
        return out
    props = table / table.sum(axis=0, keepdims=True)
    pairs = list(combinations(range(table.shape[1]), 2))
    out["smd"] = float(np.mean([smd_categorical(props[:, i], props[:, j]) for i, j in pairs]))
    expected = stats.contingency.expected_freq(table)
    small = bool((expected < 5).any())
    if fisher is True or (fisher == "auto" and small):
        try:
            p = fisher_exact_rxc(table)
            out.update(test="Fisher's exact test", p_value=p)
        except TooManyTables:
            mc = stats.MonteCarloMethod(n_resamples=100_000, rng=np.random.default_rng(20240101))
            p = stats.fisher_exact(table.astype(int), method=mc).pvalue
            out.update(test="Fisher's exact test (Monte Carlo, 100,000 tables)", p_value=float(p))
        if fisher == "auto":
            out["note"] = f"Fisher's exact test because the smallest expected count is {expected.min():.2f} (< 5)"
        return out
    correction = bool(yates and table.shape == (2, 2))
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=correction)
    out.update(test="Pearson chi-square (Yates)" if correction else "Pearson chi-square",
               statistic=float(chi2), df=float(dof), p_value=float(p))
    if small:
        warnings.warn(
            f"{name!r}: an expected count is {expected.min():.2f} (< 5); the chi-square p-value may be "
            "inaccurate. Use fisher='auto' for Fisher's exact test.",
            SmallCellWarning, stacklevel=3,
        )
        out["note"] = "expected count < 5"
    return out
