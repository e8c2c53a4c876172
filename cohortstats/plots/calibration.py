"""Calibration plots and decision curves."""

from __future__ import annotations

import numpy as np

from ._style import FULL_WIDTH, HALF_WIDTH, TICK_PT, color, finish, label_of, new_axes
from .._plot_points import rug_positions, thin_curve

__all__ = ["plot_calibration", "plot_calibration_curves", "plot_decision_curve", "plot_interventions_avoided",
           "plot_clinical_impact"]


def _unit_square(ax) -> None:
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.55", linewidth=0.8, label="Ideal")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])


def plot_calibration(result, *, ax=None, groups: bool = True, rug: bool = True, corrected=None, title=None):
    """Calibration plot: ideal line, lowess curve, grouped observed proportions with 95% CIs, prediction rug.

    The number of groups is the result's (``calibration(..., groups=5)`` for a small set: about ten patients or
    more per group); the legend says how many.

    Parameters
    ----------
    result : CalibrationResult
    corrected : ValidationResult, optional
        Adds the bootstrap bias-corrected curve (``rms::calibrate``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..formatting import format_number

    ax = new_axes(ax, (HALF_WIDTH + 0.6, HALF_WIDTH + 0.6))
    _unit_square(ax)
    ax.plot(*thin_curve(result.curve["predicted"], result.curve["observed"]), color=color(0), linewidth=1.4,
            label=f"Lowess (Eavg {format_number(result.eavg, 3)}, Emax {format_number(result.emax, 3)})")
    if corrected is not None:
        c = corrected.calibration_curve
        ax.plot(c["predicted"], c["corrected"], color=color(3), linewidth=1.2,
                label=f"Bias-corrected (B = {corrected.B})")
    if groups and len(result.groups):
        g = result.groups
        observed = g["observed"].to_numpy(dtype=float)  # arrays: matplotlib calls float() on a 1-group Series
        lo_err = np.clip(observed - g["conf_low"].to_numpy(dtype=float), 0, None)  # Wilson limits can sit 1e-16 inside
        hi_err = np.clip(g["conf_high"].to_numpy(dtype=float) - observed, 0, None)
        ax.errorbar(g["mean_predicted"].to_numpy(dtype=float), observed, yerr=[lo_err, hi_err], fmt="o", color=color(1),
                    markersize=4, capsize=2, linewidth=1, label=f"{len(g)} quantile groups (95% CI)")
    if rug and result.p is not None:
        p = np.asarray(result.p)
        y = np.asarray(result.y)
        for level in (1, 0):  # above 10^4 patients: one tick per occupied bin (cohortstats._plot_points)
            ticks = rug_positions(p[y == level], n=len(p))
            ax.plot(ticks, np.full(len(ticks), float(level)), "|", color="0.35", markersize=5, alpha=0.5)
    finish(ax, xlabel="Predicted probability", ylabel="Observed proportion", title=title)
    ax.text(0.03, 0.96, f"Intercept {format_number(result.intercept, 2)}, slope {format_number(result.slope, 2)}\n"
            f"Brier {format_number(result.brier, 3)}, C {format_number(result.c_index, 3)}",
            transform=ax.transAxes, va="top", fontsize=TICK_PT)
    # under the axes: inside, the lower right corner is where the groups and the rug of a well-calibrated model lie
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=TICK_PT, handlelength=1.5)
    return ax


def plot_calibration_curves(results: dict, *, ax=None, title=None, labels=None):
    """Lowess calibration curves of several models on one set of axes (the ideal line dashed).

    Parameters
    ----------
    results : dict
        ``{model name: CalibrationResult}``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..formatting import format_number

    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {model name: CalibrationResult}.")
    ax = new_axes(ax, (HALF_WIDTH + 0.6, HALF_WIDTH + 0.55 + 0.15 * len(results)))
    _unit_square(ax)
    for i, (name, r) in enumerate(results.items()):
        ax.plot(*thin_curve(r.curve["predicted"], r.curve["observed"]), color=color(i, series=True), linewidth=1.3,
                label=f"{label_of(labels, name)} (slope {format_number(r.slope, 2)}, Eavg {format_number(r.eavg, 3)})")
    finish(ax, xlabel="Predicted probability", ylabel="Observed proportion (lowess)", title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=TICK_PT, handlelength=1.5)
    return ax


def _curves(result, models):
    t = result.table
    names = models or [m for m in dict.fromkeys(t["model"]) if m not in ("all", "none")]
    return t, names


def plot_decision_curve(result, *, ax=None, models=None, ylim=None, bands: bool = True, title=None, labels=None,
                        legend: bool = True):
    """Net benefit against threshold probability, with treat-all and treat-none, over the thresholds the result
    was computed for (a study sets their range: ``decision_curve: {stop: 0.6}``).

    The y axis runs from -0.05 (or just below the lowest model curve) to 1.1 times the highest net benefit, so
    treat-all's steep fall does not flatten the curves of interest.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (FULL_WIDTH * 0.8, 3.4))
    t, names = _curves(result, models)
    for i, name in enumerate(names):
        sub = t[t["model"] == name]
        line, = ax.plot(sub["threshold"], sub["net_benefit"], color=color(i, series=True), linewidth=1.4,
                        label=label_of(labels, name))
        if bands and "conf_low" in sub:
            ax.fill_between(sub["threshold"], sub["conf_low"], sub["conf_high"], color=line.get_color(), alpha=0.12,
                            linewidth=0)
    a = t[t["model"] == "all"]
    ax.plot(a["threshold"], a["net_benefit"], color="0.45", linewidth=1.0, linestyle="-.", label="Treat all")
    ax.axhline(0, color="0.15", linewidth=0.9, label="Treat none")
    models_nb = t.loc[t["model"].isin(names), "net_benefit"]
    top = float(np.nanmax(t.loc[t["model"] != "none", "net_benefit"]))
    bottom = min(-0.05, float(np.nanmin(models_nb)) * 1.1) if len(models_nb) else -0.05
    ax.set_ylim(ylim or (bottom, max(0.05, 1.1 * top)))
    ax.set_xlim(t["threshold"].min(), t["threshold"].max())
    finish(ax, xlabel="Threshold probability", ylabel="Net benefit", title=title)
    if legend:
        ax.legend(frameon=False, fontsize=TICK_PT, loc="best", handlelength=1.8)  # where the curves leave room
    return ax


def plot_interventions_avoided(result, *, ax=None, models=None, title=None, labels=None, legend: bool = True):
    """Net interventions avoided (per ``result.nper`` patients) against threshold probability: how many fewer
    patients a model sends to the intervention than treating all, at no loss of net benefit.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (FULL_WIDTH * 0.8, 3.0))
    t, names = _curves(result, models)
    vals = []
    for i, name in enumerate(names):
        sub = t[t["model"] == name]
        ax.plot(sub["threshold"], sub["net_interventions_avoided"], color=color(i, series=True), linewidth=1.4,
                label=label_of(labels, name))
        vals.append(sub.loc[sub["threshold"] >= 0.05, "net_interventions_avoided"].to_numpy())
    ax.axhline(0, color="0.15", linewidth=0.9)
    v = np.concatenate(vals) if vals else np.array([0.0])
    v = v[np.isfinite(v)]
    if v.size:  # the curve falls steeply towards threshold 0, where avoiding interventions is worth nothing
        ax.set_ylim(min(0.0, float(np.percentile(v, 5))) * 1.1 - 1, max(1.0, float(v.max()) * 1.1))
    ax.set_xlim(t["threshold"].min(), t["threshold"].max())
    finish(ax, xlabel="Threshold probability", ylabel=f"Net interventions avoided\nper {result.nper} patients",
           title=title)
    if legend:
        ax.legend(frameon=False, fontsize=TICK_PT, loc="upper left", handlelength=1.8)
    return ax


def plot_clinical_impact(result, model, *, ax=None, per: int = 1000, title=None):
    """Clinical impact curve: number classified high risk and true positives per ``per`` patients."""
    ax = new_axes(ax, (FULL_WIDTH * 0.8, 3.4))
    sub = result.table[result.table["model"] == model]
    if sub.empty:
        raise ValueError(f"no model {model!r} in the decision curve; models: {sorted(set(result.table['model']))}")
    high = (sub["tp"] + sub["fp"]) / sub["n"] * per
    tp = sub["tp"] / sub["n"] * per
    ax.plot(sub["threshold"], high, color=color(3), linewidth=1.4, label=f"Number high risk (per {per})")
    ax.plot(sub["threshold"], tp, color=color(0), linestyle="--", linewidth=1.4,
            label=f"Number high risk with event (per {per})")
    finish(ax, xlabel="Threshold probability", ylabel=f"Number per {per} patients", title=title)
    ax.legend(frameon=False, fontsize=TICK_PT)
    return ax
