"""Result objects to formatted report tables (DataFrames of text), in the conventions of gtsummary and of journals.
Number-to-text primitives live in :mod:`cohortstats.formatting` and are re-exported here.

Conventions shared by every table here:

- names come from a :class:`~cohortstats.report.labels.Labels` (a study's ``labels`` and ``levels``);
- level rows under a variable start with :data:`INDENT` (the renderers indent them);
- a footnote marker is a Unicode modifier letter (``ᵃ``, ``ᵇ``, ...) at the end of a cell or the start of a
  footnote; the HTML and Word renderers set it as a superscript letter;
- columns named ``"<Spanner> <header>"`` (``"Univariable OR (95% CI)"``) can be grouped under a spanning header
  by the renderers (``ReportTable(spanners=("Univariable", ...))``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..formatting import (P_STYLES, _isnan, format_ci, format_estimate_ci, format_number, format_p, format_ratio,
                          scaled_name, unbounded_limit)
from .labels import Labels

__all__ = ["format_number", "format_p", "format_ci", "format_estimate_ci", "format_test_statistic", "table_one_frame",
           "table_one_notes", "regression_table_frame", "regression_footnotes", "odds_ratio_frame", "auc_table_frame",
           "delong_table_frame", "reclassification_frame", "calibration_frame", "calibration_comparison_frame",
           "validation_frame", "decision_curve_frame", "model_performance_frame", "diagnostic_frame",
           "diagnostic_notes", "hazard_ratio_frame", "km_frame", "display_frame", "guess_digits", "format_percent",
           "format_cutoff", "test_name", "set_name", "scaled_name", "limit_notes", "UNBOUNDED_NOTE",
           "NOT_COMPUTED_NOTE", "Labels", "INDENT", "MARKERS", "P_STYLES"]

INDENT = "    "
MARKERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
DASH = "—"


def _labels(labels) -> Labels:
    if labels is None:
        return Labels()
    return labels if isinstance(labels, Labels) else Labels(labels)


# ---------------------------------------------------------------- Table 1
def format_percent(p) -> str:
    """A percentage as gtsummary's ``style_percent``: no decimal from 10% up, one below, ``<0.1`` under 0.1%.

    >>> format_percent(38.14), format_percent(9.14), format_percent(0.04), format_percent(0)
    ('38', '9.1', '<0.1', '0')
    """
    if _isnan(p):
        return ""
    p = float(p)
    if p == 0:
        return "0"
    if p < 0.1:
        return "<0.1"
    return format_number(p, 0 if round(p, 1) >= 10 else 1)


def guess_digits(spread, integer: bool = False) -> int:
    """Decimals of a continuous variable's summary, by gtsummary's rule (``continuous_digits_guess``): integers
    get none; otherwise the spread of the data (5th to 95th percentile) decides: < 0.01 → 4, < 0.1 → 3,
    < 10 → 2, < 20 → 1, ≥ 20 → 0.

    >>> guess_digits(12.0, integer=True), guess_digits(5.3), guess_digits(14.0), guess_digits(52.0)
    (0, 2, 1, 0)
    """
    if integer:
        return 0
    if _isnan(spread):
        return 1
    for limit, digits in ((0.01, 4), (0.1, 3), (10, 2), (20, 1)):
        if spread < limit:
            return digits
    return 0


def _digits_for(result, var, digits) -> int:
    if isinstance(digits, dict) and var in digits:
        return int(digits[var])
    if isinstance(digits, int) and not isinstance(digits, bool):
        return digits
    basis = result.options.get("digits_basis", {}).get(var)
    if basis is None:  # a result from an older version: the overall range stands in for the spread
        row = result.summary[(result.summary["variable"] == var)].iloc[0]
        vals = [row[k] for k in ("min", "max", "median", "q1", "q3")]
        integer = all(not _isnan(v) and float(v).is_integer() for v in vals)
        return guess_digits(row["max"] - row["min"], integer)
    return guess_digits(basis["spread"], basis["integer"])


_DICHOTOMOUS = ({"0", "1"}, {"false", "true"}, {"no", "yes"})
_SHOWN = {"1", "true", "yes"}


def _dichotomous_level(levels, mode):
    """The level a one-row variable shows (gtsummary: 1, TRUE or yes), or None for a level-per-row variable."""
    if mode == "none":
        return None
    keys = [str(int(v)) if isinstance(v, (bool, np.bool_)) or (isinstance(v, float) and v.is_integer())
            else str(v).lower() for v in levels]
    if any(set(keys) <= pair for pair in _DICHOTOMOUS):
        shown = [lev for lev, k in zip(levels, keys) if k in _SHOWN]
        return shown[0] if shown else None
    return levels[-1] if mode == "all" and len(levels) == 2 else None


_TEST_NAMES = {
    "Welch t-test": "Welch's t-test", "Student t-test": "Student's t-test",
    "Pearson chi-square (Yates)": "Pearson's χ² test with Yates' continuity correction",
    "Pearson chi-square": "Pearson's χ² test", "Wilcoxon rank-sum (exact)": "Wilcoxon rank-sum test (exact)",
    "Wilcoxon rank-sum (normal approx., continuity corr.)":
        "Wilcoxon rank-sum test (normal approximation with continuity correction)",
    "Kruskal-Wallis": "Kruskal-Wallis test", "One-way ANOVA": "one-way ANOVA", "Welch ANOVA": "Welch's one-way ANOVA",
}


def test_name(test: str) -> str:
    """A test's name as a methods section writes it: ``"Welch t-test"`` reads ``"Welch's t-test"``.

    >>> test_name("Pearson chi-square (Yates)")
    "Pearson's χ² test with Yates' continuity correction"
    """
    return _TEST_NAMES.get(test, test)


def _test_markers(result) -> dict:
    """``{test name: marker}`` in order of first use."""
    return {t: MARKERS[i] for i, t in enumerate(result.tests_used)}


def format_cutoff(x) -> str:
    """A cut-off to 3 significant digits (``0.412``, ``14.3``, ``250``).

    >>> format_cutoff(0.41234), format_cutoff(14.3), format_cutoff(250.0)
    ('0.412', '14.3', '250')
    """
    if _isnan(x):
        return ""
    x = float(x)
    if x == 0 or not 1e-3 <= abs(x) < 1e5:
        return format_number(x, 3)
    decimals = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return format_number(x, decimals)


_STATISTIC_SYMBOLS = (("t-test", "t"), ("chi-square", "χ²"), ("Wilcoxon", "W"), ("Kruskal", "H"), ("ANOVA", "F"))


def format_test_statistic(test: str, statistic, digits: int = 3) -> str:
    """``"t = 2.047"``, ``"χ² = 4.12"``, ``"W = 1234"`` (R's rank-sum W), ``"H = 7.9"``, ``"F = 3.10"``;
    empty for tests without a statistic (Fisher's exact test).

    >>> format_test_statistic("Welch t-test", 2.04712)
    't = 2.047'
    """
    if _isnan(statistic) or not test:
        return ""
    for key, symbol in _STATISTIC_SYMBOLS:
        if key.lower() in test.lower():
            return f"{symbol} = {format_number(statistic, 0 if symbol == 'W' else digits)}"
    return ""


def _summary_cell(row, digits: int) -> str:
    if row["type"] == "continuous":
        if row["n"] == 0:
            return ""
        if row["display"] == "median_iqr":
            return (f"{format_number(row['median'], digits)} "
                    f"({format_number(row['q1'], digits)}, {format_number(row['q3'], digits)})")
        return f"{format_number(row['mean'], digits)} ({format_number(row['sd'], digits)})"
    if row["n"] == 0:
        return "0"
    return f"{int(row['count'])} ({format_percent(row['percent'])}%)"


def table_one_frame(result, *, labels=None, digits=None, p_style: str = "nejm", group_names=None,
                    dichotomous: str = "auto", smd: bool = False, test_column: bool = False,
                    statistic_column: bool = False) -> pd.DataFrame:
    """Table 1 as text, in gtsummary's ``tbl_summary`` + ``add_p`` layout.

    Parameters
    ----------
    result : TableOneResult
    labels : Labels or dict, optional
        Variable labels and level names; the groups' headers read ``"Good outcome (n = 72)"``.
    digits : int or dict, optional
        Decimals of continuous summaries: one number for all, or ``{variable: decimals}`` for some; the others
        follow gtsummary's rule (:func:`guess_digits`). Percentages follow ``style_percent`` (0 or 1 decimal).
    p_style : {"nejm", "apa", "exact"}
        See :func:`cohortstats.formatting.format_p`.
    group_names : dict, optional
        ``{group value: name}``, overriding ``labels`` for the column headers.
    dichotomous : {"auto", "all", "none"}
        ``"auto"`` (gtsummary): a variable with values 0/1, true/false or yes/no takes one row showing 1 (true,
        yes); ``"all"`` also puts any other two-level variable on one row (its second level);
        ``"none"``: a row per level.
    smd, test_column, statistic_column : bool
        Add ``SMD``, ``Test`` and ``Statistic`` (``t = 2.047``) columns. Without a ``Test`` column each P carries
        a marker (``0.33ᵃ``) whose footnote names the test (:func:`table_one_notes`).

    Returns
    -------
    pandas.DataFrame
        ``Characteristic``, ``N`` (non-missing, only when a variable has missing values), one column per group,
        ``P`` and the optional columns. Level and ``Missing`` rows are indented (:data:`INDENT`).

    Notes
    -----
    Matches gtsummary's documented defaults (``tbl_summary``: label rows, ``n (%)`` with ``style_percent``,
    decimals by ``continuous_digits_guess``, dichotomous variables on one row, an "Unknown" row for missing
    values; ``add_n``: the ``N`` column; ``add_p``: the tests named in a footnote), with the statistic per
    variable (mean (SD) or median (Q1, Q3)) as chosen in :func:`cohortstats.table_one`.
    """
    lab = _labels(labels)
    tidy = result.summary.merge(result.tests[["variable", "display"]], on="variable")
    tests = result.tests.set_index("variable")
    groups = list(result.n_per_group)
    names = dict(group_names or {})
    headers = {g: (f"{names[g]} (n = {result.n_per_group[g]})" if g in names
                   else lab.group(result.group, g, result.n_per_group[g])) for g in groups}
    markers = _test_markers(result) if not test_column else {}
    overall = groups[0]
    has_missing = bool((tidy[tidy["group"] == overall]["missing"] > 0).any())
    rows = []

    def row(text, n="", cells=None, test=None):
        r = {"Characteristic": text, "N": n, **{headers[g]: (cells or {}).get(g, "") for g in groups}}
        t = tests.loc[test] if test is not None else None
        r["P"] = (format_p(t["p_value"], p_style) + markers.get(t["test"], "")
                  if t is not None and not _isnan(t["p_value"]) else "")
        r["Statistic"] = format_test_statistic(t["test"], t["statistic"]) if t is not None else ""
        r["Test"] = test_name(t["test"]) if t is not None and isinstance(t["test"], str) else ""
        r["SMD"] = format_number(t["smd"], 2) if t is not None else ""
        rows.append(r)

    for var in dict.fromkeys(tidy["variable"]):
        block = tidy[tidy["variable"] == var]
        first = block.iloc[0]
        n_txt = str(int(block[block["group"] == overall]["n"].iloc[0]))
        name = lab(var)
        if first["type"] == "continuous":
            d = _digits_for(result, var, digits)
            row(name, n_txt, {g: _summary_cell(block[block["group"] == g].iloc[0], d) for g in groups}, var)
        else:
            levels = list(dict.fromkeys(block["level"]))
            shown = _dichotomous_level(levels, dichotomous)
            if shown is not None:
                sub = block[block["level"] == shown]
                row(name, n_txt, {g: _summary_cell(sub[sub["group"] == g].iloc[0], 0) for g in groups}, var)
            else:
                row(name, n_txt, None, var)
                for lev in levels:
                    sub = block[block["level"] == lev]
                    row(INDENT + lab.level(var, lev), "", {g: _summary_cell(sub[sub["group"] == g].iloc[0], 0)
                                                           for g in groups})
        missing = {g: int(block[block["group"] == g]["missing"].iloc[0]) for g in groups}
        if any(missing.values()):
            row(INDENT + "Missing", "", {g: str(missing[g]) for g in groups})
    out = pd.DataFrame(rows, columns=["Characteristic", "N", *headers.values(), "P", "Statistic", "Test", "SMD"])
    drop = [c for c, keep in (("N", has_missing), ("Test", test_column), ("Statistic", statistic_column),
                              ("SMD", smd and result.group is not None)) if not keep]
    if result.group is None:
        drop += ["P", "Statistic", "Test"]
    return out.drop(columns=list(dict.fromkeys(drop)))


def table_one_notes(result, *, labels=None, dichotomous: str = "auto", test_column: bool = False,
                    statistic_column: bool = False, smd: bool = False) -> tuple[str, ...]:
    """The footnotes of :func:`table_one_frame` (same options): the statistics shown, the level of each one-row
    variable, the test behind each P marker, SMD and exclusions, each said once."""
    lab = _labels(labels)
    kinds = {("mean_sd", "Mean (SD)"), ("median_iqr", "median (Q1, Q3)"), ("n_percent", "n (%)")}
    used = set(result.tests["display"])
    stats_txt = "; ".join(name for key, name in sorted(kinds, key=lambda k: ["mean_sd", "median_iqr", "n_percent"]
                                                       .index(k[0])) if key in used)
    notes = [f"{stats_txt[:1].upper()}{stats_txt[1:]}; percentages of patients with a known value."]
    shown = []
    for var in dict.fromkeys(result.summary["variable"]):
        block = result.summary[result.summary["variable"] == var]
        if block["type"].iloc[0] == "categorical":
            level = _dichotomous_level(list(dict.fromkeys(block["level"])), dichotomous)
            if level is not None and lab.level(var, level).lower() != lab(var).lower():
                shown.append((lab(var), lab.level(var, level)))
    if shown:
        by_level: dict = {}
        for name, level in shown:
            by_level.setdefault(level, []).append(name)
        notes.append("Yes/no variables (one row): n (%) of patients with " + "; ".join(
            f"\u201c{level}\u201d ({', '.join(names)})" for level, names in by_level.items()) + ".")
    if result.group is not None:
        if test_column:
            notes.append("Tests: " + "; ".join(test_name(t) for t in result.tests_used) + ".")
        else:
            notes += [f"{m} {test_name(t)}." for t, m in _test_markers(result).items()]
        if statistic_column:
            notes.append("Statistic: t (t-test), χ² (chi-square), W (Wilcoxon rank-sum, as R's wilcox.test), "
                         "H (Kruskal-Wallis), F (ANOVA); Fisher's exact test has none.")
        if smd:
            notes.append("SMD = absolute standardised mean difference (pooled SD for continuous variables, "
                         "Yang and Dalton's definition for categorical ones).")
    for _, r in result.tests.iterrows():
        if isinstance(r["note"], str) and r["note"]:
            notes.append(f"{lab(r['variable'])}: {r['note']}.")
    for _, r in result.excluded.iterrows():
        notes.append(f"Excluded: {r['n']} patient{'s' if r['n'] != 1 else ''}, {r['reason']}.")
    return tuple(dict.fromkeys(notes))


# ---------------------------------------------------------------- regression
def _characteristic(lab, predictor, unit) -> str:
    return scaled_name(lab(predictor), unit)


UNBOUNDED_NOTE = ("A confidence limit of 0 or ∞ is unbounded: the profile likelihood does not fall to the cut-off "
                  "on that side however far the coefficient goes (separation, or a level without events); Firth's "
                  "penalised likelihood gives finite limits.")
NOT_COMPUTED_NOTE = "NA: the confidence limit could not be computed."


def limit_notes(lows, highs, *, ratio: bool = True) -> list[str]:
    """Footnotes for unbounded (0 or ∞) and missing (NA) limits among the estimates' CIs (reference rows, whose
    two limits are both missing, say nothing)."""
    lows, highs = list(lows), list(highs)
    unbounded = any(unbounded_limit(v, ratio=ratio) for v in lows + highs)
    missing = any(_isnan(a) != _isnan(b) for a, b in zip(lows, highs))
    return ([UNBOUNDED_NOTE] if unbounded else []) + ([NOT_COMPUTED_NOTE] if missing else [])


def _global_p(fit, variable):
    if fit is None:
        return np.nan
    t = fit.lr_tests
    hit = t[t["variable"] == variable]
    return float(hit["p_value"].iloc[0]) if len(hit) else np.nan


def regression_table_frame(table, *, labels=None, digits: int = 2, p_style: str = "nejm") -> pd.DataFrame:
    """Univariable and multivariable odds ratios side by side, as gtsummary's ``tbl_uvregression`` and
    ``tbl_regression`` merged with ``tbl_merge``.

    Columns: ``Characteristic``, ``Univariable OR (95% CI)``, ``Univariable P``, ``Multivariable OR (95% CI)``,
    ``Multivariable P`` (render with ``spanners=("Univariable", "Multivariable")``). A categorical variable has a
    label row and indented level rows; its reference level reads "—". A factor with three or more levels
    carries one likelihood-ratio P on its label row (gtsummary's ``add_global_p``); a two-level factor its
    Wald P on the level row. Multivariable cells are blank for variables not in that model.
    """
    lab = _labels(labels)
    t = table.tidy()
    multi = table.multivariable
    has_multi = multi is not None
    rows = []

    def add(text, uni="", p_u="", mv="", p_m=""):
        rows.append({"Characteristic": text, "Univariable OR (95% CI)": uni, "Univariable P": p_u,
                     "Multivariable OR (95% CI)": mv, "Multivariable P": p_m})

    for predictor in dict.fromkeys(t["predictor"]):
        block = t[t["predictor"] == predictor]
        first = block.iloc[0]
        selected = bool(block["selected"].any())
        is_factor = len(block) > 1 or bool(block["reference"].any())
        name = _characteristic(lab, predictor, first.get("unit"))
        if not is_factor:
            add(name, format_estimate_ci(first["uni_estimate"], first["uni_conf_low"], first["uni_conf_high"], digits,
                                         ratio=True),
                format_p(first["uni_p_value"], p_style),
                format_estimate_ci(first["multi_estimate"], first["multi_conf_low"], first["multi_conf_high"], digits,
                                   ratio=True)
                if selected else "", format_p(first["multi_p_value"], p_style) if selected else "")
            continue
        several = len(block) > 2
        add(name, p_u=format_p(first["uni_lr_p_value"], p_style) if several else "",
            p_m=format_p(_global_p(multi, predictor), p_style) if several and selected else "")
        for _, r in block.iterrows():
            level = INDENT + lab.level(predictor, r["level"])
            if r["reference"]:
                add(level, DASH, "", DASH if selected else "", "")
                continue
            add(level, format_estimate_ci(r["uni_estimate"], r["uni_conf_low"], r["uni_conf_high"], digits, ratio=True),
                "" if several else format_p(r["uni_p_value"], p_style),
                format_estimate_ci(r["multi_estimate"], r["multi_conf_low"], r["multi_conf_high"], digits, ratio=True)
                if selected else "", "" if several or not selected else format_p(r["multi_p_value"], p_style))
    out = pd.DataFrame(rows)
    return out if has_multi else out.drop(columns=["Multivariable OR (95% CI)", "Multivariable P"])


def regression_footnotes(table, *, labels=None) -> tuple[str, ...]:
    """Footnotes of :func:`regression_table_frame`: abbreviations, methods, the selection rule, exclusions."""
    lab = _labels(labels)
    uni = next(iter(table.univariable.fits.values()))
    notes = ["OR = odds ratio; CI = confidence interval; — = reference category.",
             f"Odds ratios from {uni.method} logistic regression with {round(100 * uni.conf_level)}% CIs by "
             f"{uni.ci_method}; P from the {uni.p_method}."]
    t = table.tidy()
    if any(len(b) > 2 for _, b in t.groupby("predictor")):
        notes.append("For variables with three or more levels, P is the likelihood-ratio test of the variable as a "
                     "whole (as R's drop1).")
    if table.multivariable is not None:
        m = table.multivariable
        rule = (f"predictors with {table.rule}" if table.rule != "given by the user"
                else "predictors chosen by the investigators")
        notes.append(f"Multivariable model: {rule}, fitted on {m.n} patients ({m.n_events} events); blank cells: "
                     "not in the model.")
        notes += _excluded_notes(m.excluded, lab)
        notes += [n[:1].upper() + n[1:] for n in m.notes]  # a fit's warnings, as sentences
    shown = t[~t["reference"]]
    lows = list(shown["uni_conf_low"]) + list(shown.loc[shown["selected"], "multi_conf_low"])
    highs = list(shown["uni_conf_high"]) + list(shown.loc[shown["selected"], "multi_conf_high"])
    notes += limit_notes(lows, highs)
    for var, fit in table.univariable.fits.items():
        if len(fit.excluded):
            k = int(fit.excluded["n"].iloc[-1])
            notes.append(f"Univariable model for {lab(var)}: {k} patient{'s' if k != 1 else ''} excluded for "
                         f"missing values ({fit.n} analysed).")
    return tuple(dict.fromkeys(notes))


def _excluded_notes(excluded, lab) -> list[str]:
    """One line for a model's complete-case exclusions: the total and the count per variable."""
    if not len(excluded):
        return []
    per_var = [(str(r["reason"])[len("missing "):], int(r["n"])) for _, r in excluded.iterrows()
               if str(r["reason"]).startswith("missing ")]
    others = [(str(r["reason"]), int(r["n"])) for _, r in excluded.iterrows()
              if not str(r["reason"]).startswith(("missing ", "rows excluded"))]
    total = [int(r["n"]) for _, r in excluded.iterrows() if str(r["reason"]).startswith("rows excluded")]
    out = []
    if per_var:
        n = total[0] if total else sum(k for _, k in per_var)
        out.append(f"Left out of the multivariable model for missing values: {n} patient{'s' if n != 1 else ''} ("
                   + ", ".join(f"{lab(v)}: {k}" for v, k in per_var) + ").")
    out += [f"Left out of the multivariable model: {reason}: {k}." for reason, k in others]
    return out


def odds_ratio_frame(fit, *, labels=None, digits: int = 2, p_style: str = "nejm", ratio: str = "OR") -> pd.DataFrame:
    """One logistic (or Cox, ``ratio="HR"``) model: ``Characteristic``, ``OR (95% CI)``, ``P``; factor levels
    indented under their variable, the reference level reading "—"."""
    lab = _labels(labels)
    t = fit.tidy()
    t = t[t["term"] != "(Intercept)"]
    rows, seen = [], set()
    for _, r in t.iterrows():
        var = r["variable"]
        level = r["level"]
        is_level = level is not None and not (isinstance(level, float) and math.isnan(level))
        if is_level and var not in seen:
            rows.append({"Characteristic": lab(var), f"{ratio} (95% CI)": "", "P": ""})
        seen.add(var)
        name = INDENT + lab.level(var, level) if is_level else _characteristic(lab, var, r.get("unit"))
        if r["reference"]:
            rows.append({"Characteristic": name, f"{ratio} (95% CI)": DASH, "P": ""})
        else:
            rows.append({"Characteristic": name,
                         f"{ratio} (95% CI)": format_estimate_ci(r["estimate"], r["conf_low"], r["conf_high"], digits,
                                                                 ratio=True),
                         "P": format_p(r["p_value"], p_style)})
    return pd.DataFrame(rows, columns=["Characteristic", f"{ratio} (95% CI)", "P"])


def hazard_ratio_frame(fit, *, labels=None, digits: int = 2, p_style: str = "nejm") -> pd.DataFrame:
    """Cox model: ``Characteristic``, ``HR (95% CI)``, ``P`` (reference levels read "—")."""
    return odds_ratio_frame(fit, labels=labels, digits=digits, p_style=p_style, ratio="HR")


def km_frame(km, *, labels=None, digits: int = 1) -> pd.DataFrame:
    """Kaplan-Meier summary: ``Group``, ``n``, ``Events``, ``Median (95% CI)``."""
    lab = _labels(labels)
    s = km.summary
    return pd.DataFrame({"Group": [lab.level(km.group, g) if km.group else str(g) for g in s["group"]],
                         "n": s["n"], "Events": s["events"],
                         "Median (95% CI)": [format_estimate_ci(m, lo, hi, digits) if not _isnan(m) else "not reached"
                                             for m, lo, hi in zip(s["median"], s["conf_low"], s["conf_high"])]})


# ---------------------------------------------------------------- discrimination and models
def auc_table_frame(comparison, *, digits: int = 3) -> pd.DataFrame:
    """``Model``, ``AUC (95% CI)`` from an AucComparison."""
    a = comparison.aucs
    return pd.DataFrame({"Model": a["model"].astype(str),
                         "AUC (95% CI)": [format_estimate_ci(e, lo, hi, digits)
                                          for e, lo, hi in zip(a["auc"], a["conf_low"], a["conf_high"])]})


def delong_table_frame(comparison, *, digits: int = 3, p_style: str = "nejm", labels=None) -> pd.DataFrame:
    """Pairwise DeLong tests: ``Comparison``, ``ΔAUC (95% CI)``, ``Z``, ``P`` (and ``P adjusted``). A one-sided
    test adds its hypothesis in words (``H1``) and labels its one-sided CI in the column header. ``labels`` names
    scores that are columns (a model's name is shown as it is)."""
    lab = _labels(labels)
    p = comparison.pairs
    level = f"{round(100 * comparison.conf_level)}%"
    one_sided = comparison.alternative != "two-sided"
    ci_head = f"ΔAUC (one-sided {level} CI)" if one_sided else f"ΔAUC ({level} CI)"
    out = pd.DataFrame({"Comparison": [f"{lab(a)} vs {lab(b)}" for a, b in zip(p["model_a"], p["model_b"])]})
    if one_sided:
        out["H1 (one-sided)"] = [h.split(", H1: ", 1)[-1].replace(f"AUC({a})", f"AUC({lab(a)})")
                                 .replace(f"AUC({b})", f"AUC({lab(b)})")
                                 for h, a, b in zip(p["hypothesis"], p["model_a"], p["model_b"])]
    out[ci_head] = [format_estimate_ci(d, lo, hi, digits) for d, lo, hi in zip(p["difference"], p["conf_low"],
                                                                               p["conf_high"])]
    out["Z"] = [format_number(z, 3) for z in p["statistic"]]
    out["P (one-sided)" if one_sided else "P"] = [format_p(v, p_style) for v in p["p_value"]]
    if comparison.adjust:
        out[f"P ({comparison.adjust})"] = [format_p(v, p_style) for v in p["p_adjusted"]]
    return out


def reclassification_frame(comparison, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """NRI and IDI per pair: ``Comparison``, ``Measure``, ``Estimate (95% CI)``, the event and non-event
    components, ``Z``, ``P``."""
    t = comparison.table
    return pd.DataFrame({
        "Comparison": [f"{new} over {old}" for old, new in zip(t["model_old"], t["model_new"])],
        "Measure": t["measure"],
        "Estimate (95% CI)": [format_estimate_ci(e, lo, hi, digits)
                              for e, lo, hi in zip(t["estimate"], t["conf_low"], t["conf_high"])],
        "Events": [format_number(v, digits) for v in t["events_component"]],
        "Non-events": [format_number(v, digits) for v in t["nonevents_component"]],
        "Z": [format_number(z, 2) for z in t["statistic"]],
        "P": [format_p(v, p_style) for v in t["p_value"]],
    })


_CAL_LABELS = {"c_index": "C (AUC)", "dxy": "Somers' Dxy", "r2": "Nagelkerke R²", "brier": "Brier score",
               "intercept": "Calibration intercept", "slope": "Calibration slope",
               "citl": "Calibration-in-the-large", "emax": "Emax (lowess curve)", "e90": "E90 (lowess curve)",
               "eavg": "Eavg (lowess curve, ICI)", "spiegelhalter_z": "Spiegelhalter z",
               "spiegelhalter_p": "Spiegelhalter P", "hosmer_lemeshow_chisq": "Hosmer-Lemeshow χ²",
               "hosmer_lemeshow_p": "Hosmer-Lemeshow P", "d": "Discrimination index D",
               "u": "Unreliability index U", "q": "Quality index Q"}


def calibration_frame(result, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """Calibration statistics as ``Statistic``, ``Value`` (names as ``rms::val.prob``; Emax, E90 and Eavg are
    read off the lowess calibration curve)."""
    t = result.tidy().set_index("statistic")["estimate"]
    keys = ["c_index", "brier", "intercept", "slope", "citl", "eavg", "e90", "emax", "spiegelhalter_z",
            "spiegelhalter_p", "hosmer_lemeshow_chisq", "hosmer_lemeshow_p"]
    return pd.DataFrame({"Statistic": [_CAL_LABELS[k] for k in keys],
                         "Value": [format_p(t[k], p_style) if k.endswith("_p") else _statistic(t[k], digits)
                                   for k in keys]})


def _statistic(x, digits: int) -> str:
    """A statistic with fixed decimals; beyond 10^6 (a separated fit's χ² or z) in powers of ten."""
    if not _isnan(x) and math.isfinite(float(x)) and abs(float(x)) >= 1e6:
        return format_ratio(float(x), digits)
    return format_number(x, digits)


def calibration_comparison_frame(results: dict, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """Calibration statistics of several models: ``Statistic`` and one column per model."""
    frames = [calibration_frame(r, digits=digits, p_style=p_style).set_index("Statistic")["Value"].rename(name)
              for name, r in results.items()]
    return pd.concat(frames, axis=1).reset_index()


def validation_frame(result, *, digits: int = 3) -> pd.DataFrame:
    """Bootstrap validation: ``Index``, ``Apparent``, ``Optimism``, ``Corrected`` (as ``rms::validate``; the Emax
    row is ``validate.lrm``'s: the largest distance of the logistic recalibration, intercept and slope, from the
    predicted risks, so 0 in the apparent column)."""
    t = result.table
    keys = ["c_index", "dxy", "r2", "brier", "intercept", "slope", "emax"]
    t = t.set_index("index").loc[keys]
    names = {**_CAL_LABELS, "emax": "Emax (logistic recalibration)"}
    return pd.DataFrame({"Index": [names.get(k, k) for k in keys],
                         "Apparent": [format_number(v, digits) for v in t["apparent"]],
                         "Optimism": [format_number(v, digits) for v in t["optimism"]],
                         "Corrected": [format_number(v, digits) for v in t["corrected"]]})


def decision_curve_frame(result, thresholds=None, *, digits: int = 3) -> pd.DataFrame:
    """Net benefit at a few thresholds (by default the multiples of 0.1 in the curve's range): one row per
    threshold, one column per model, then treat all and treat none."""
    t = result.table
    if thresholds is None:
        lo, hi = float(t["threshold"].min()), float(t["threshold"].max())
        thresholds = [v for v in np.round(np.arange(0.1, 1.0, 0.1), 2) if lo - 1e-9 <= v <= hi + 1e-9]
    rows = []
    for thr in thresholds:
        sub = t[np.isclose(t["threshold"], thr)]
        if sub.empty:
            continue
        row = {"Threshold": format_number(thr, 2)}
        ordered = [m for m in dict.fromkeys(sub["model"]) if m not in ("all", "none")] + ["all", "none"]
        for m in ordered:
            hit = sub[sub["model"] == m]
            if len(hit):
                row[{"all": "Treat all", "none": "Treat none"}.get(m, m)] = format_number(hit["net_benefit"].iloc[0],
                                                                                         digits)
        rows.append(row)
    return pd.DataFrame(rows)


_SETS = {"train": "Training set", "test": "Test set"}


def set_name(key: str) -> str:
    """``"train"`` reads ``"Training set"``, ``"test"`` ``"Test set"``; other names as given."""
    return _SETS.get(key, key)


def model_performance_frame(comparison, *, digits: int = 3) -> pd.DataFrame:
    """AUC (95% CI) of each model on the training and test sets, and the training cut-off:
    ``Model``, ``Training AUC (95% CI)``, ``Test AUC (95% CI)``, ``Cut-off``."""
    t = comparison.performance
    out = pd.DataFrame({"Model": list(dict.fromkeys(t["model"].astype(str)))})
    for set_name, head in (("train", "Training"), ("test", "Test")):
        sub = t[t["set"] == set_name].set_index(t[t["set"] == set_name]["model"].astype(str))
        if len(sub):
            out[f"{head} AUC (95% CI)"] = [format_estimate_ci(sub.loc[m, "auc"], sub.loc[m, "conf_low"],
                                                              sub.loc[m, "conf_high"], digits) for m in out["Model"]]
    train = t[t["set"] == "train"].set_index(t[t["set"] == "train"]["model"].astype(str))
    out["Cut-off"] = [format_cutoff(train.loc[m, "threshold"]) if m in train.index else "" for m in out["Model"]]
    return out


def _metric_cells(tm, digits):
    rows = tm.tidy().set_index("metric")
    out = {}
    for key in ("sensitivity", "specificity", "ppv", "npv", "accuracy"):
        r = rows.loc[key]
        est = format_estimate_ci(100 * r["estimate"], 100 * r["conf_low"], 100 * r["conf_high"], digits)
        frac = "" if _isnan(r["denominator"]) else f"{int(r['numerator'])}/{int(r['denominator'])}"
        out[key] = (est, frac)
    out["events"] = ("", f"{tm.tp} / {tm.fn}")
    out["nonevents"] = ("", f"{tm.fp} / {tm.tn}")
    return out


_METRIC_NAMES = {"sensitivity": "Sensitivity", "specificity": "Specificity", "ppv": "PPV", "npv": "NPV",
                 "accuracy": "Accuracy", "events": "Events: TP / FN", "nonevents": "Non-events: FP / TN"}


def diagnostic_frame(metrics: dict, *, digits: int = 1) -> pd.DataFrame:
    """Diagnostic accuracy at each model's cut-off, with Wilson 95% CIs, counts and the confusion matrix.

    Parameters
    ----------
    metrics : dict
        ``{model: {set: ThresholdMetrics}}`` (sets ``"train"``, ``"test"`` or any name), or
        ``{model: ThresholdMetrics}`` for one set.

    Returns
    -------
    pandas.DataFrame
        ``Characteristic`` (a row per model with its cut-off, then sensitivity, specificity, PPV, NPV, accuracy
        and the confusion matrix) and, per set, ``"<Set> % (95% CI)"`` and ``"<Set> n/N"`` (render with the set
        names as spanners).
    """
    rows = []
    for model, per_set in metrics.items():
        if not isinstance(per_set, dict):
            per_set = {"": per_set}
        first = next(iter(per_set.values()))
        cells = {_SETS.get(s, s): _metric_cells(tm, digits) for s, tm in per_set.items()}
        name = f"{model} (cut-off {format_cutoff(first.threshold)})" if model else \
            f"Cut-off {format_cutoff(first.threshold)}"
        rows.append({"Characteristic": name})
        for key, label in _METRIC_NAMES.items():
            row = {"Characteristic": INDENT + label}
            for set_name, c in cells.items():
                prefix = f"{set_name} " if set_name else ""
                row[f"{prefix}% (95% CI)"], row[f"{prefix}n/N"] = c[key]
            rows.append(row)
    return pd.DataFrame(rows).fillna("")


def diagnostic_notes(metrics: dict) -> tuple[str, ...]:
    """Footnotes of :func:`diagnostic_frame`."""
    first = next(iter(metrics.values()))
    tm = next(iter(first.values())) if isinstance(first, dict) else first
    side = "≥" if tm.direction == "<" else "≤"
    notes = ["PPV = positive predictive value; NPV = negative predictive value; TP, FN, FP, TN = true positives, "
             "false negatives, false positives, true negatives; n/N = patients counted over the denominator.",
             f"Percentages with {round(100 * tm.conf_level)}% CIs by Wilson's score method; a score {side} the "
             "cut-off counts as positive."]
    if isinstance(first, dict) and "test" in first:
        notes.append("Cut-off: the Youden index on the training set, carried unchanged to the test set.")
    return tuple(notes)


# ---------------------------------------------------------------- notebook display
def _generic_frame(result) -> pd.DataFrame:
    t = result.tidy()
    out = pd.DataFrame(index=t.index)
    for c in t.columns:
        col = t[c]
        if "p_value" in c or c in ("p", "p_adjusted"):
            out[c] = [format_p(v) for v in col]
        elif pd.api.types.is_float_dtype(col):
            out[c] = ["" if _isnan(v) else f"{v:.4g}" for v in col]
        else:
            out[c] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in col]
    return out


_DISPLAY = {
    "TableOneResult": lambda r: table_one_frame(r), "RegressionTable": lambda r: regression_table_frame(r),
    "LogisticRegressionResult": lambda r: odds_ratio_frame(r), "CoxRegressionResult": lambda r: hazard_ratio_frame(r),
    "KaplanMeierResult": lambda r: km_frame(r), "AucComparison": lambda r: auc_table_frame(r),
    "ThresholdMetrics": lambda r: diagnostic_frame({"": r}), "CalibrationResult": lambda r: calibration_frame(r),
    "ValidationResult": lambda r: validation_frame(r), "DecisionCurveResult": lambda r: decision_curve_frame(r),
    "ReclassificationComparison": lambda r: reclassification_frame(r),
    "ModelComparison": lambda r: model_performance_frame(r),
}


def display_frame(result) -> pd.DataFrame:
    """The table a result shows in a notebook (``_repr_html_``): the report's formatted table where there is
    one, otherwise ``tidy()`` with P values formatted and other numbers to 4 significant digits."""
    build = _DISPLAY.get(type(result).__name__)
    if build is not None:
        try:
            return build(result)
        except (KeyError, ValueError, AttributeError, IndexError, TypeError):  # an unusual result: show its numbers
            pass
    return _generic_frame(result)
