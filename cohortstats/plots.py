"""Figures. Each function takes a result object, draws on ``ax`` (a new one when None) and returns the Axes.

matplotlib is imported inside the functions; nothing here shows or saves a figure.
"""

from __future__ import annotations

__all__ = ["plot_roc", "plot_forest", "plot_km", "plot_calibration", "plot_calibration_curves", "plot_decision_curve", "plot_clinical_impact",
           "plot_nomogram", "plot_lasso_path", "plot_lasso_cv", "plot_lasso_coefficients"]


def _axes(ax, figsize=(5.5, 5.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_roc(results, *, ax=None, cis=None, band=None, digits: int = 2, diagonal: bool = True, title=None, **kwargs):
    """ROC curves of one or several models.

    Parameters
    ----------
    results : RocResult or dict of {name: RocResult}
    cis : dict of {name: AucCI or (low, high)}, optional
        Adds "AUC 0.87 (0.83–0.91)" to each legend entry (otherwise "AUC 0.87").
    band : RocBand or dict of {name: RocBand}, optional
        Shaded bootstrap band of sensitivity.
    kwargs
        Passed to ``Axes.plot`` for every curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .formatting import format_ci, format_number

    ax = _axes(ax)
    if not isinstance(results, dict):  # one RocResult
        results = {"": results}
    if band is not None and not isinstance(band, dict):
        band = {next(iter(results)): band}
    for name, r in results.items():
        label = f"AUC {format_number(r.auc, digits)}"
        if cis and name in cis:
            c = cis[name]
            low, high = (c.conf_low, c.conf_high) if hasattr(c, "conf_low") else c
            label += f" ({format_ci(low, high, digits)})"
        label = f"{name}: {label}" if name else label
        line, = ax.plot(1 - r.specificity, r.sensitivity, label=label, drawstyle="default", **kwargs)
        if band and name in band:
            b = band[name]
            ax.fill_between(1 - b.specificity, b.sensitivity_low, b.sensitivity_high, color=line.get_color(),
                            alpha=0.15, linewidth=0, step="mid")
    if diagonal:
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=0.8)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("1 − Specificity")
    ax.set_ylabel("Sensitivity")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    return ax


def plot_forest(result, *, ax=None, univariable=None, digits: int = 2, log: bool = True, title=None,
                reference_line: float = 1.0):
    """Forest plot of odds or hazard ratios with their CIs (log axis, reference line at 1).

    Parameters
    ----------
    result : LogisticRegressionResult, CoxRegressionResult or RegressionTable
        A RegressionTable shows the univariable and multivariable estimates side by side.
    univariable : UnivariableResult, optional
        Also draw univariable estimates next to a multivariable fit.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    from .formatting import format_estimate_ci

    series = []
    if hasattr(result, "univariable") and hasattr(result, "selected"):
        tab = result.tidy()
        tab = tab[~tab["reference"]]
        series.append(("univariable", tab["term"].tolist(), tab["uni_estimate"], tab["uni_conf_low"],
                       tab["uni_conf_high"]))
        series.append(("multivariable", tab["term"].tolist(), tab["multi_estimate"], tab["multi_conf_low"],
                       tab["multi_conf_high"]))
    else:
        t = result.tidy()
        t = t[(t["term"] != "(Intercept)") & ~t["reference"]]
        if univariable is not None:
            u = univariable.tidy()
            u = u[~u["reference"]].set_index("term").reindex(t["term"])
            series.append(("univariable", t["term"].tolist(), u["estimate"], u["conf_low"], u["conf_high"]))
        series.append(("multivariable" if univariable is not None else "", t["term"].tolist(), t["estimate"],
                       t["conf_low"], t["conf_high"]))
    terms = series[0][1]
    ax = _axes(ax, figsize=(6.5, 0.45 * len(terms) + 1.2))
    k = len(series)
    offsets = np.linspace(-0.15, 0.15, k) if k > 1 else [0.0]
    ypos = np.arange(len(terms))[::-1]
    for (label, _, est, low, high), off in zip(series, offsets):
        est, low, high = (np.asarray(v, float) for v in (est, low, high))
        ok = ~np.isnan(est)
        err = [np.clip(est[ok] - low[ok], 0, None), np.clip(high[ok] - est[ok], 0, None)]
        ax.errorbar(est[ok], ypos[ok] + off, xerr=err, fmt="s", capsize=3, markersize=5, label=label or None)
    ax.axvline(reference_line, color="0.5", linestyle="--", linewidth=0.8)
    ax.set_yticks(ypos)
    last = series[-1]
    ax.set_yticklabels([f"{t}   {format_estimate_ci(e, lo, hi, digits)}" for t, e, lo, hi in
                        zip(terms, last[2], last[3], last[4])])
    if log:
        from matplotlib.ticker import FuncFormatter, LogLocator

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("Odds ratio (95% CI)" if not hasattr(result, "ties") else "Hazard ratio (95% CI)")
    if k > 1:
        ax.legend(frameon=False, fontsize="small", loc="best")
    if title:
        ax.set_title(title)
    return ax


def plot_km(result, *, ax=None, ci: bool = True, risk_table: bool = True, times=None, title=None,
            xlabel: str = "Time", ylabel: str = "Survival probability"):
    """Kaplan-Meier curves (step functions, censoring ticks, optional CI bands) with a number-at-risk table.

    Returns
    -------
    matplotlib.axes.Axes
        The survival axes; the risk table is drawn below it on the same figure.
    """
    import numpy as np

    ax = _axes(ax, figsize=(6.5, 5.0))
    curve = result.curve
    for g, cur in curve.groupby("group", sort=False):
        t = np.r_[0.0, cur["time"].to_numpy()]
        s = np.r_[1.0, cur["survival"].to_numpy()]
        label = f"{result.group} = {g}" if result.group else None
        line, = ax.step(t, s, where="post", label=label)
        cens = cur[cur["n_censor"] > 0]
        ax.plot(cens["time"], cens["survival"], "|", color=line.get_color(), markersize=7)
        if ci:
            lo = np.r_[1.0, cur["conf_low"].to_numpy()]
            hi = np.r_[1.0, cur["conf_high"].to_numpy()]
            ax.fill_between(t, lo, hi, step="post", alpha=0.15, color=line.get_color(), linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if result.group:
        ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    if risk_table:
        ticks = np.asarray(times) if times is not None else ax.get_xticks()
        ticks = ticks[(ticks >= 0) & (ticks <= curve["time"].max())]
        at = result.at(ticks)
        groups = list(dict.fromkeys(curve["group"]))
        for r, g in enumerate(groups):
            sub = at[at["group"] == g]
            for _, row in sub.iterrows():
                ax.annotate(str(int(row["n_risk"])), xy=(row["time"], 0), xycoords=("data", "axes fraction"),
                            xytext=(0, -38 - 12 * r), textcoords="offset points", ha="center", fontsize=7)
            ax.annotate(str(g), xy=(0, 0), xycoords="axes fraction", xytext=(-30, -38 - 12 * r),
                        textcoords="offset points", ha="right", fontsize=7)
        ax.annotate("Number at risk", xy=(0, 0), xycoords="axes fraction", xytext=(-30, -26),
                    textcoords="offset points", ha="right", fontsize=7, fontweight="bold")
    return ax


def plot_calibration(result, *, ax=None, groups: bool = True, rug: bool = True, corrected=None, title=None):
    """Calibration plot: ideal line, lowess curve, grouped observed proportions with CIs, prediction rug.

    Parameters
    ----------
    result : CalibrationResult
    corrected : ValidationResult, optional
        Adds the bootstrap bias-corrected curve (``rms::calibrate``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    from .formatting import format_number

    from ._plot_points import rug_positions, thin_curve

    ax = _axes(ax, figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=0.9, label="Ideal")
    ax.plot(*thin_curve(result.curve["predicted"], result.curve["observed"]), color="C0",
            label=f"Lowess (Eavg {format_number(result.eavg, 3)}, Emax {format_number(result.emax, 3)})")
    if corrected is not None:
        c = corrected.calibration_curve
        ax.plot(c["predicted"], c["corrected"], color="C3", label=f"Bias-corrected (B = {corrected.B})")
    if groups and len(result.groups):
        g = result.groups
        lo_err = np.clip(g["observed"] - g["conf_low"], 0, None)  # Wilson limits can sit 1e-16 inside
        hi_err = np.clip(g["conf_high"] - g["observed"], 0, None)
        ax.errorbar(g["mean_predicted"], g["observed"], yerr=[lo_err, hi_err],
                    fmt="o", color="C1", markersize=4, capsize=2, label="Grouped (deciles, 95% CI)")
    if rug and result.p is not None:
        p = np.asarray(result.p)
        y = np.asarray(result.y)
        for level in (1, 0):  # above 10^4 patients: one tick per occupied bin (cohortstats._plot_points)
            ticks = rug_positions(p[y == level], n=len(p))
            ax.plot(ticks, np.full(len(ticks), float(level)), "|", color="0.3", markersize=6, alpha=0.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("Predicted probability")
    ax.set_ylabel("Observed proportion")
    ax.text(0.02, 0.97, f"Intercept {format_number(result.intercept, 2)}, slope {format_number(result.slope, 2)}\n"
            f"Brier {format_number(result.brier, 3)}, C {format_number(result.c_index, 3)}",
            transform=ax.transAxes, va="top", fontsize="small")
    ax.legend(loc="lower right", frameon=False, fontsize="x-small")
    if title:
        ax.set_title(title)
    return ax


def plot_calibration_curves(results: dict, *, ax=None, title=None):
    """Lowess calibration curves of several models on one set of axes (the ideal line dashed).

    Parameters
    ----------
    results : dict
        ``{model name: CalibrationResult}``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .formatting import format_number

    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {model name: CalibrationResult}.")
    ax = _axes(ax, figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=0.9, label="Ideal")
    for i, (name, r) in enumerate(results.items()):
        ax.plot(r.curve["predicted"], r.curve["observed"], color=f"C{i}",
                label=f"{name} (slope {format_number(r.slope, 2)}, Eavg {format_number(r.eavg, 3)})")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("Predicted probability")
    ax.set_ylabel("Observed proportion (lowess)")
    ax.legend(loc="lower right", frameon=False, fontsize="x-small")
    if title:
        ax.set_title(title)
    return ax


def plot_decision_curve(result, *, ax=None, models=None, ylim=None, bands: bool = True, title=None):
    """Net benefit against threshold probability, with treat-all and treat-none.

    The y axis is clipped to [-0.05, 1.1·max net benefit] by default so treat-all's steep
    fall does not flatten the curves of interest.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    ax = _axes(ax, figsize=(6.0, 4.5))
    t = result.table
    names = models or [m for m in dict.fromkeys(t["model"]) if m not in ("all", "none")]
    for name in names:
        sub = t[t["model"] == name]
        line, = ax.plot(sub["threshold"], sub["net_benefit"], label=str(name))
        if bands and "conf_low" in sub:
            ax.fill_between(sub["threshold"], sub["conf_low"], sub["conf_high"], color=line.get_color(), alpha=0.12,
                            linewidth=0)
    a = t[t["model"] == "all"]
    ax.plot(a["threshold"], a["net_benefit"], color="0.5", linewidth=1, label="Treat all")
    ax.axhline(0, color="0.2", linewidth=1, label="Treat none")
    top = float(np.nanmax(t.loc[t["model"] != "none", "net_benefit"]))
    ax.set_ylim(ylim or (-0.05, max(0.05, 1.1 * top)))
    ax.set_xlim(t["threshold"].min(), t["threshold"].max())
    ax.set_xlabel("Threshold probability")
    ax.set_ylabel("Net benefit")
    ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_clinical_impact(result, model, *, ax=None, per: int = 1000, title=None):
    """Clinical impact curve: number classified high risk and true positives per ``per`` patients."""
    ax = _axes(ax, figsize=(6.0, 4.5))
    sub = result.table[result.table["model"] == model]
    if sub.empty:
        raise ValueError(f"no model {model!r} in the decision curve; models: {sorted(set(result.table['model']))}")
    high = (sub["tp"] + sub["fp"]) / sub["n"] * per
    tp = sub["tp"] / sub["n"] * per
    ax.plot(sub["threshold"], high, color="C3", label=f"Number high risk (per {per})")
    ax.plot(sub["threshold"], tp, color="C0", linestyle="--", label=f"Number high risk with event (per {per})")
    ax.set_xlabel("Threshold probability")
    ax.set_ylabel(f"Number per {per} patients")
    ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_nomogram(result, *, ax=None, title=None):
    """Draw a nomogram: a points axis, one axis per predictor, total points and predicted risk.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    from .formatting import format_number

    variables = list(dict.fromkeys(result.points["variable"]))
    surv_times = list(dict.fromkeys(result.survival_axes["time"])) if len(result.survival_axes) else []
    n_rows = len(variables) + 2 + max(1, len(surv_times))
    ax = _axes(ax, figsize=(8.0, 0.55 * n_rows + 0.8))
    max_pts = float(result.points["points"].max())
    total_max = float(result.total_points.max())
    scale = max_pts / total_max if total_max > 0 else 1.0  # total-points axis is drawn compressed to the width

    def axis_line(y, xs, labels, name):
        ax.plot([min(xs), max(xs)], [y, y], color="0.2", linewidth=0.8)
        for x, lab in zip(xs, labels):
            ax.plot([x, x], [y, y + 0.12], color="0.2", linewidth=0.8)
            ax.text(x, y + 0.18, lab, ha="center", va="bottom", fontsize=7)
        ax.text(-4, y, name, ha="right", va="center", fontsize=8)

    y = n_rows
    ticks = np.arange(0, max_pts + 1e-9, 10)
    axis_line(y, ticks, [f"{t:g}" for t in ticks], "Points")
    for var in variables:
        y -= 1
        sub = result.points[result.points["variable"] == var]
        axis_line(y, sub["points"].to_numpy(), [f"{v:g}" if isinstance(v, (int, float, np.floating)) else str(v)
                                                for v in sub["value"]], var)
    y -= 1
    axis_line(y, result.total_points * scale, [f"{t:g}" for t in result.total_points], "Total points")
    if len(result.risk_axis):
        y -= 1
        axis_line(y, result.risk_axis["total_points"].to_numpy() * scale,
                  [format_number(r, 2) for r in result.risk_axis["risk"]], "Predicted risk")
    for t in surv_times:
        y -= 1
        sub = result.survival_axes[result.survival_axes["time"] == t]
        axis_line(y, sub["total_points"].to_numpy() * scale, [format_number(v, 1) for v in sub["survival"]],
                  f"Survival at {t:g}")
    ax.set_xlim(-30, max_pts + 5)
    ax.set_ylim(y - 0.6, n_rows + 0.8)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_lasso_path(signature, *, ax=None, title=None, label_top: int = 8):
    """Coefficient paths (standardised scale) against log(λ), with the chosen λ marked."""
    import numpy as np

    ax = _axes(ax, figsize=(6.0, 4.5))
    lam = np.log(signature.lambdas_)
    path = signature.coef_path_ * signature._sd  # standardised coefficients, as glmnet plots them
    ax.plot(lam, path, linewidth=0.8)
    ax.axvline(np.log(signature.lambda_), color="0.3", linestyle="--", linewidth=0.9)
    if getattr(signature, "lambda_min_", None):
        ax.axvline(np.log(signature.lambda_min_), color="0.6", linestyle=":", linewidth=0.9)
    last = path[-1]
    for j in np.argsort(-np.abs(last))[:label_top]:
        ax.text(lam[-1], last[j], f" {signature.feature_names_in_[j]}", fontsize=6, va="center")
    ax.set_xlabel("log(λ)")
    ax.set_ylabel("Standardised coefficient")
    ax.set_title(title or "LASSO coefficient paths")
    return ax


def plot_lasso_cv(signature, *, ax=None, title=None):
    """Cross-validated deviance (or AUC) ± 1 SE against log(λ), with lambda.min and lambda.1se marked."""
    import numpy as np

    if signature.cv_results_ is None:
        raise ValueError("this signature used a fixed lambda_; there is no CV curve to plot.")
    ax = _axes(ax, figsize=(6.0, 4.5))
    cv = signature.cv_results_
    x = np.log(cv["lambda"])
    ax.errorbar(x, cv["cvm"], yerr=cv["cvsd"], fmt="o", color="C3", markersize=3, ecolor="0.7", capsize=1.5)
    ax.axvline(np.log(signature.lambda_min_), color="0.4", linestyle=":", label="lambda.min")
    ax.axvline(np.log(signature.lambda_1se_), color="0.2", linestyle="--", label="lambda.1se")
    top = ax.secondary_xaxis("top")
    idx = np.linspace(0, len(cv) - 1, 8).astype(int)
    top.set_ticks(x.to_numpy()[idx])
    top.set_xticklabels(cv["n_nonzero"].to_numpy()[idx])
    ax.set_xlabel("log(λ)")
    ax.set_ylabel("Binomial deviance" if signature.type_measure == "deviance" else "AUC")
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(title or "10-fold cross-validation")
    return ax


def plot_lasso_coefficients(signature, *, ax=None, title=None):
    """Bar chart of the non-zero coefficients of a rad-score (original scale)."""
    coef = signature.coef_[signature.coef_ != 0].sort_values()
    ax = _axes(ax, figsize=(6.0, 0.3 * len(coef) + 1.2))
    ax.barh(range(len(coef)), coef.to_numpy(), color=["C3" if v > 0 else "C0" for v in coef])
    ax.set_yticks(range(len(coef)))
    ax.set_yticklabels(coef.index, fontsize=7)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel("Coefficient")
    ax.set_title(title or f"Rad-score: {len(coef)} features")
    return ax
