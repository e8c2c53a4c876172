"""Result objects to formatted report tables (DataFrames of text). Number-to-text primitives live in
:mod:`cohortstats.formatting` and are re-exported here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..formatting import P_STYLES, _isnan, format_ci, format_estimate_ci, format_number, format_p

__all__ = ["format_number", "format_p", "format_ci", "format_estimate_ci", "format_test_statistic", "table_one_frame", "regression_table_frame",
           "regression_footnotes", "auc_table_frame", "delong_table_frame", "P_STYLES"]


def _cell(row, digits: int, pct_digits: int) -> str:
    if row["type"] == "continuous":
        if row["n"] == 0:
            return ""
        if row["display"] == "median_iqr":
            return (f"{format_number(row['median'], digits)} "
                    f"[{format_number(row['q1'], digits)}, {format_number(row['q3'], digits)}]")
        return f"{format_number(row['mean'], digits)} ({format_number(row['sd'], digits)})"
    if row["n"] == 0:
        return "0"
    return f"{int(row['count'])} ({format_number(row['percent'], pct_digits)})"


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


def table_one_frame(result, *, digits: int = 2, pct_digits: int = 1, p_style: str = "nejm",
                    smd: bool = True, test_column: bool = True, statistic_column: bool = True) -> pd.DataFrame:
    """The classic wide Table 1 as strings, one row per variable or level.

    Columns: ``Variable``, ``Level``, one per group (``"name (n = k)"``), then
    ``Statistic`` (e.g. ``t = 2.047``, ``χ² = 4.12``), ``P``, ``Test`` and ``SMD``.
    Continuous rows say ``mean (SD)`` or ``median [Q1, Q3]`` in the Variable cell;
    a ``Missing`` row follows any variable with missing values.
    """
    tidy = result.summary.merge(result.tests[["variable", "display", "test", "p_value", "smd"]], on="variable")
    groups = list(result.n_per_group)
    labels = {g: f"{g} (n = {result.n_per_group[g]})" for g in groups}
    rows = []
    for var in dict.fromkeys(tidy["variable"]):
        block = tidy[tidy["variable"] == var]
        first = block.iloc[0]
        test = result.tests.set_index("variable").loc[var]
        p = format_p(test["p_value"], p_style)
        stat_txt = format_test_statistic(test["test"], test["statistic"])
        smd_txt = format_number(test["smd"], 3) if smd else ""
        if first["type"] == "continuous":
            suffix = ", median [Q1, Q3]" if first["display"] == "median_iqr" else ", mean (SD)"
            row = {"Variable": f"{var}{suffix}", "Level": ""}
            for g in groups:
                row[labels[g]] = _cell(block[block["group"] == g].iloc[0], digits, pct_digits)
            row.update(Statistic=stat_txt, P=p, Test=test["test"], SMD=smd_txt)
            rows.append(row)
        else:
            rows.append({"Variable": f"{var}, n (%)", "Level": "", **{labels[g]: "" for g in groups},
                         "Statistic": stat_txt, "P": p, "Test": test["test"], "SMD": smd_txt})
            for lev in dict.fromkeys(block["level"]):
                sub = block[block["level"] == lev]
                row = {"Variable": "", "Level": str(lev)}
                for g in groups:
                    row[labels[g]] = _cell(sub[sub["group"] == g].iloc[0], digits, pct_digits)
                row.update(Statistic="", P="", Test="", SMD="")
                rows.append(row)
        missing = {g: int(block[block["group"] == g]["missing"].iloc[0]) for g in groups}
        if any(missing.values()):
            rows.append({"Variable": "", "Level": "Missing", **{labels[g]: str(missing[g]) for g in groups},
                         "Statistic": "", "P": "", "Test": "", "SMD": ""})
    out = pd.DataFrame(rows, columns=["Variable", "Level", *labels.values(), "Statistic", "P", "Test", "SMD"])
    if not test_column:
        out = out.drop(columns="Test")
    if not statistic_column:
        out = out.drop(columns="Statistic")
    if not smd or result.group is None:
        out = out.drop(columns="SMD")
    if result.group is None:
        out = out.drop(columns=[c for c in ("Statistic", "P", "Test") if c in out.columns])
    return out


def regression_table_frame(table, *, digits: int = 2, p_style: str = "nejm") -> pd.DataFrame:
    """Univariable / multivariable OR table (finalfit style) as strings.

    Columns: ``Variable``, ``Level``, ``n (events)``, ``Univariable OR (95% CI)``, ``P``,
    ``Multivariable OR (95% CI)``, ``P (multi)``; reference levels read "Reference".
    """
    t = table.tidy()
    rows = []
    for _, r in t.iterrows():
        unit = f" ({r['unit']})" if isinstance(r.get("unit"), str) and r["unit"] else ""
        is_level = r["level"] is not None and not (isinstance(r["level"], float) and math.isnan(r["level"]))
        n_txt = f"{int(r['n'])} ({int(r['n_events'])})" if not _isnan(r["n"]) else ""
        if r["reference"]:
            uni, multi, p_u, p_m = "Reference", ("Reference" if r["selected"] else ""), "", ""
        else:
            uni = format_estimate_ci(r["uni_estimate"], r["uni_conf_low"], r["uni_conf_high"], digits)
            p_u = format_p(r["uni_p_value"], p_style)
            multi = format_estimate_ci(r["multi_estimate"], r["multi_conf_low"], r["multi_conf_high"], digits)
            p_m = format_p(r["multi_p_value"], p_style)
        rows.append({"Variable": f"{r['predictor']}{unit}", "Level": str(r["level"]) if is_level else "",
                     "n (events)": n_txt, "Univariable OR (95% CI)": uni, "P": p_u,
                     "Multivariable OR (95% CI)": multi, "P (multi)": p_m})
    out = pd.DataFrame(rows)
    # show the variable name once per block
    out.loc[out["Variable"].duplicated(), "Variable"] = ""
    return out


def regression_footnotes(table) -> tuple[str, ...]:
    """Footnotes for a regression table: selection rule, CI and p-value methods, exclusions."""
    uni = next(iter(table.univariable.fits.values()))
    notes = [f"Odds ratios from {uni.method} logistic regression; {round(100 * uni.conf_level)}% CIs by "
             f"{uni.ci_method}; P from the {uni.p_method}.",
             f"Multivariable model: predictors with {table.rule}" if table.rule != "given by the user"
             else "Multivariable model: predictors chosen by the investigators."]
    for var, fit in table.univariable.fits.items():
        if len(fit.excluded):
            notes.append(f"Univariable model for {var}: {int(fit.excluded['n'].iloc[-1])} patient(s) excluded "
                         f"for missing values ({fit.n} analysed).")
    if table.multivariable is not None:
        m = table.multivariable
        notes.append(f"Multivariable model fitted on {m.n} patients ({m.n_events} events).")
        for _, r in m.excluded.iterrows():
            notes.append(f"Excluded from the multivariable model: {r['reason']}: {r['n']}.")
        notes += list(m.notes)
    return tuple(notes)


def auc_table_frame(comparison, *, digits: int = 3) -> pd.DataFrame:
    """``Model``, ``AUC (95% CI)`` from an AucComparison."""
    a = comparison.aucs
    return pd.DataFrame({"Model": a["model"].astype(str),
                         "AUC (95% CI)": [format_estimate_ci(e, lo, hi, digits)
                                          for e, lo, hi in zip(a["auc"], a["conf_low"], a["conf_high"])]})


def delong_table_frame(comparison, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """Pairwise DeLong tests: ``Comparison``, ``ΔAUC (95% CI)``, ``Z``, ``P`` (and ``P adjusted``). A one-sided
    test adds its hypothesis in words (``H1``) and labels its one-sided CI in the column header."""
    p = comparison.pairs
    level = f"{round(100 * comparison.conf_level)}%"
    one_sided = comparison.alternative != "two-sided"
    ci_head = f"ΔAUC (one-sided {level} CI)" if one_sided else f"ΔAUC ({level} CI)"
    out = pd.DataFrame({"Comparison": [f"{a} vs {b}" for a, b in zip(p["model_a"], p["model_b"])]})
    if one_sided:
        out["H1 (one-sided)"] = [h.split(", H1: ", 1)[-1] for h in p["hypothesis"]]
    out[ci_head] = [format_estimate_ci(d, lo, hi, digits) for d, lo, hi in zip(p["difference"], p["conf_low"],
                                                                               p["conf_high"])]
    out["Z"] = [format_number(z, 3) for z in p["statistic"]]
    out["P (one-sided)" if one_sided else "P"] = [format_p(v, p_style) for v in p["p_value"]]
    if comparison.adjust:
        out[f"P ({comparison.adjust})"] = [format_p(v, p_style) for v in p["p_adjusted"]]
    return out


def reclassification_frame(comparison, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """NRI and IDI per pair: ``Comparison``, ``Measure``, ``Estimate (95% CI)``, the event and
    non-event components, ``Z``, ``P``."""
    t = comparison.table
    return pd.DataFrame({
        "Comparison": [f"{new} over {old}" for old, new in zip(t["model_old"], t["model_new"])],
        "Measure": t["measure"],
        "Estimate (95% CI)": [format_estimate_ci(e, lo, hi, digits)
                              for e, lo, hi in zip(t["estimate"], t["conf_low"], t["conf_high"])],
        "Events component": [format_number(v, digits) for v in t["events_component"]],
        "Non-events component": [format_number(v, digits) for v in t["nonevents_component"]],
        "Z": [format_number(z, 3) for z in t["statistic"]],
        "P": [format_p(v, p_style) for v in t["p_value"]],
    })


_CAL_LABELS = {"c_index": "C (AUC)", "dxy": "Somers' Dxy", "r2": "Nagelkerke R²", "brier": "Brier score",
               "intercept": "Calibration intercept", "slope": "Calibration slope",
               "citl": "Calibration-in-the-large", "emax": "Emax", "e90": "E90", "eavg": "Eavg (ICI)",
               "spiegelhalter_z": "Spiegelhalter z", "spiegelhalter_p": "Spiegelhalter P",
               "hosmer_lemeshow_chisq": "Hosmer-Lemeshow χ²", "hosmer_lemeshow_p": "Hosmer-Lemeshow P",
               "d": "Discrimination index D", "u": "Unreliability index U", "q": "Quality index Q"}


def calibration_frame(result, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """Calibration statistics as ``Statistic``, ``Value``."""
    t = result.tidy().set_index("statistic")["estimate"]
    keys = ["c_index", "brier", "intercept", "slope", "citl", "eavg", "e90", "emax", "spiegelhalter_z",
            "spiegelhalter_p", "hosmer_lemeshow_chisq", "hosmer_lemeshow_p"]
    return pd.DataFrame({"Statistic": [_CAL_LABELS[k] for k in keys],
                         "Value": [format_p(t[k], p_style) if k.endswith("_p") else format_number(t[k], digits)
                                   for k in keys]})


def calibration_comparison_frame(results: dict, *, digits: int = 3, p_style: str = "nejm") -> pd.DataFrame:
    """Calibration statistics of several models: ``Statistic`` and one column per model."""
    frames = [calibration_frame(r, digits=digits, p_style=p_style).set_index("Statistic")["Value"].rename(name)
              for name, r in results.items()]
    return pd.concat(frames, axis=1).reset_index()


def validation_frame(result, *, digits: int = 3) -> pd.DataFrame:
    """Bootstrap validation: ``Index``, ``Apparent``, ``Optimism``, ``Corrected``."""
    t = result.table
    keys = ["c_index", "dxy", "r2", "brier", "intercept", "slope", "emax"]
    t = t.set_index("index").loc[keys]
    return pd.DataFrame({"Index": [_CAL_LABELS.get(k, k) for k in keys],
                         "Apparent": [format_number(v, digits) for v in t["apparent"]],
                         "Optimism": [format_number(v, digits) for v in t["optimism"]],
                         "Corrected": [format_number(v, digits) for v in t["corrected"]]})


def decision_curve_frame(result, thresholds=(0.1, 0.2, 0.3, 0.4, 0.5), *, digits: int = 3) -> pd.DataFrame:
    """Net benefit at chosen thresholds: one row per threshold, one column per model."""
    t = result.table
    rows = []
    for thr in thresholds:
        sub = t[np.isclose(t["threshold"], thr)]
        if sub.empty:
            continue
        row = {"Threshold": format_number(thr, 2)}
        for _, r in sub.iterrows():
            label = {"all": "Treat all", "none": "Treat none"}.get(r["model"], r["model"])
            row[label] = format_number(r["net_benefit"], digits)
        rows.append(row)
    return pd.DataFrame(rows)


def model_performance_frame(comparison, *, digits: int = 3) -> pd.DataFrame:
    """Train/test performance of fitted models: AUC (95% CI) and metrics at the training cut-off."""
    t = comparison.performance
    return pd.DataFrame({
        "Model": t["model"].astype(str), "Set": t["set"].str.capitalize(), "n (events)": [f"{n} ({e})" for n, e in
                                                                                         zip(t["n"], t["n_events"])],
        "AUC (95% CI)": [format_estimate_ci(a, lo, hi, digits) for a, lo, hi in zip(t["auc"], t["conf_low"], t["conf_high"])],
        "Cut-off": [format_number(v, 3) for v in t["threshold"]],
        "Sensitivity": [format_number(v, digits) for v in t["sensitivity"]],
        "Specificity": [format_number(v, digits) for v in t["specificity"]],
        "Accuracy": [format_number(v, digits) for v in t["accuracy"]],
        "PPV": [format_number(v, digits) for v in t["ppv"]], "NPV": [format_number(v, digits) for v in t["npv"]],
    })


def hazard_ratio_frame(fit, *, digits: int = 2, p_style: str = "nejm") -> pd.DataFrame:
    """Cox model: ``Term``, ``HR (95% CI)``, ``P`` (reference levels read "Reference")."""
    t = fit.tidy()
    return pd.DataFrame({"Term": t["term"],
                         "HR (95% CI)": ["Reference" if r else format_estimate_ci(e, lo, hi, digits)
                                         for r, e, lo, hi in zip(t["reference"], t["estimate"], t["conf_low"], t["conf_high"])],
                         "P": ["" if r else format_p(p, p_style) for r, p in zip(t["reference"], t["p_value"])]})


def km_frame(km, *, digits: int = 1) -> pd.DataFrame:
    """Kaplan-Meier summary: ``Group``, ``n``, ``Events``, ``Median (95% CI)``."""
    s = km.summary
    return pd.DataFrame({"Group": s["group"].astype(str), "n": s["n"], "Events": s["events"],
                         "Median (95% CI)": [format_estimate_ci(m, lo, hi, digits) if not _isnan(m) else "not reached"
                                             for m, lo, hi in zip(s["median"], s["conf_low"], s["conf_high"])]})
