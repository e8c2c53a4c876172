"""LASSO figures: cross-validation curve, coefficient paths labelled for the selected features, coefficients."""

from __future__ import annotations

import os

import numpy as np

from ._style import FULL_WIDTH, TICK_PT, TITLE_PT, color, finish, label_of, new_axes, renderer, repel

__all__ = ["plot_lasso", "plot_lasso_path", "plot_lasso_cv", "plot_lasso_coefficients"]


def _short_names(names: list[str], labels) -> tuple[list[str], str]:
    """Display names, and the prefix all of them shared (left out of each, said once)."""
    shown = [label_of(labels, n) for n in names]
    prefix = os.path.commonprefix(shown) if len(shown) > 1 else ""
    prefix = prefix[: prefix.rfind("_") + 1] if "_" in prefix else ""
    if len(prefix) < 4:
        prefix = ""
    out = [s[len(prefix):] for s in shown]
    return [s if len(s) <= 34 else "…" + s[-33:] for s in out], prefix


def plot_lasso_path(signature, *, ax=None, title=None, labels=None, max_labels: int = 14, label_top=None):
    """Coefficient paths (standardised scale, as glmnet plots them) against log(λ), with the chosen λ (and
    λ.min) marked. Only the features selected at the chosen λ are coloured and labelled; their labels sit right of
    the axes, moved apart so none touch, each joined to its path by a thin line.

    Parameters
    ----------
    labels : dict or callable, optional
        Display names of the features.
    max_labels : int
        Label at most this many selected features (the largest coefficients); the others are coloured only.

    Returns
    -------
    matplotlib.axes.Axes
    """
    del label_top  # the former name of max_labels: labels now go to the selected features
    own = ax is None
    ax = new_axes(ax, (FULL_WIDTH, 3.4), layout=None)
    fig = ax.figure
    lam = np.log(signature.lambdas_)
    path = signature.coef_path_ * signature._sd  # standardised coefficients, as glmnet plots them
    chosen = np.log(signature.lambda_)
    at = int(np.argmin(np.abs(lam - chosen)))
    selected = [j for j in range(path.shape[1]) if abs(signature.coef_.iloc[j]) > 0]
    others = [j for j in range(path.shape[1]) if j not in selected]
    if others:
        ax.plot(lam, path[:, others], color="0.8", linewidth=0.6)
    ranked = sorted(selected, key=lambda j: -abs(path[at, j]))
    for k, j in enumerate(ranked):
        ax.plot(lam, path[:, j], color=color(k, strong=True), linewidth=1.1)
    ax.axvline(chosen, color="0.25", linestyle="--", linewidth=0.9)
    if getattr(signature, "lambda_min_", None) and not np.isclose(np.log(signature.lambda_min_), chosen):
        ax.axvline(np.log(signature.lambda_min_), color="0.55", linestyle=":", linewidth=0.9)
    finish(ax, xlabel="log(λ)", ylabel="Standardised coefficient", title=title)
    shown = ranked[:max_labels]
    names, prefix = _short_names([signature.feature_names_in_[j] for j in shown], labels)
    if shown:
        _label_paths(fig, ax, own, [path[at, j] for j in shown], names, chosen,
                     [color(k, strong=True) for k in range(len(shown))])
    note = f"{len(selected)} of {path.shape[1]} features selected"
    if len(selected) > len(shown):
        note += f"; the {len(shown)} largest labelled"
    if prefix:
        note += f"; names without “{prefix}”"
    ax.set_title(f"{title}\n{note}" if title else note, fontsize=TICK_PT, color="0.3")
    return ax


def _label_paths(fig, ax, own, ys, names, x, colors) -> None:
    r = renderer(fig)
    texts = [ax.annotate(n, xy=(1, 0.5), xycoords="axes fraction", xytext=(14, 0), textcoords="offset points",
                         ha="left", va="center", fontsize=TICK_PT, color=c) for n, c in zip(names, colors)]
    if own:
        W, H = fig.get_size_inches()
        right = max(t.get_window_extent(r).width for t in texts) / fig.dpi + 0.3
        fig.subplots_adjust(left=0.75 / W, right=1 - right / W, top=1 - 0.3 / H, bottom=0.5 / H)
    r = renderer(fig)
    to_disp = ax.transData
    y0, y1 = ax.get_window_extent(r).y0, ax.get_window_extent(r).y1
    targets = [to_disp.transform((x, y))[1] for y in ys]
    gap = TICK_PT * 1.25 * fig.dpi / 72
    placed = repel(targets, gap, y0 + gap / 2, y1 - gap / 2)
    inv = ax.transAxes.inverted()
    for t, ty, py, c, y in zip(texts, targets, placed, colors, ys):
        frac = inv.transform((0, py))[1]
        t.xy = (1, frac)
        ax.annotate("", xy=(x, y), xycoords="data", xytext=(1, frac), textcoords="axes fraction",
                    arrowprops={"arrowstyle": "-", "color": c, "linewidth": 0.5, "alpha": 0.7,
                                "shrinkA": 0, "shrinkB": 0})


def plot_lasso_cv(signature, *, ax=None, title=None):
    """Cross-validated deviance (or AUC) ± 1 SE against log(λ), with λ.min and λ.1se marked and the number of
    features along the top."""
    if signature.cv_results_ is None:
        raise ValueError("this signature used a fixed lambda_; there is no CV curve to plot.")
    if ax is None and title is None:
        title = f"{len(set(signature.foldid_)) if getattr(signature, 'foldid_', None) is not None else 10}-fold " \
                "cross-validation"
    ax = new_axes(ax, (FULL_WIDTH, 3.0))
    cv = signature.cv_results_
    x = np.log(cv["lambda"]).to_numpy()
    ax.errorbar(x, cv["cvm"], yerr=cv["cvsd"], fmt="o", color=color(3), markersize=2.5, ecolor="0.7",
                elinewidth=0.8, capsize=1.2)
    ax.axvline(np.log(signature.lambda_min_), color="0.55", linestyle=":", linewidth=0.9, label="λ.min")
    ax.axvline(np.log(signature.lambda_1se_), color="0.25", linestyle="--", linewidth=0.9, label="λ.1se")
    top = ax.secondary_xaxis("top")
    idx = np.unique(np.linspace(0, len(cv) - 1, 7).astype(int))
    top.set_xticks(x[idx])
    top.set_xticklabels([str(v) for v in cv["n_nonzero"].to_numpy()[idx]])
    top.tick_params(labelsize=TICK_PT, length=3, width=0.6)
    top.set_xlabel("Features in the model", fontsize=TICK_PT)
    finish(ax, xlabel="log(λ)", ylabel="Binomial deviance" if signature.type_measure == "deviance" else "AUC",
           title=title)
    ax.spines["top"].set_visible(True)
    ax.legend(frameon=False, fontsize=TICK_PT, loc="upper left")
    return ax


def plot_lasso(signature, *, axes=None, title=None, labels=None, max_labels: int = 14):
    """The two LASSO panels of a radiomics paper: (A) the cross-validation curve with λ.min and λ.1se, (B) the
    coefficient paths labelled for the selected features, on one log(λ) axis.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(cv_axes, path_axes)`` (only the path axes when the signature used a fixed λ).
    """
    import matplotlib.pyplot as plt

    has_cv = signature.cv_results_ is not None
    if axes is None:
        fig, axes = plt.subplots(2 if has_cv else 1, 1, figsize=(FULL_WIDTH, 6.4 if has_cv else 3.4), sharex=True)
        axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    if has_cv:
        plot_lasso_cv(signature, ax=axes[0])
        axes[0].set_xlabel("")
    path_ax = axes[-1]
    plot_lasso_path(signature, ax=path_ax, labels=labels, max_labels=max_labels)
    r = renderer(fig)
    right = max([t.get_window_extent(r).width for t in path_ax.texts if hasattr(t, "xy")] + [0]) / fig.dpi + 0.3
    W, H = fig.get_size_inches()
    fig.subplots_adjust(left=0.75 / W, right=1 - right / W, top=1 - 0.55 / H, bottom=0.5 / H, hspace=0.12)
    _relabel(fig, path_ax, signature)
    for letter, a in zip("AB" if has_cv else "", axes):  # panel letters at the figure's left edge
        fig.text(0.012, a.get_position().y1, letter, fontsize=TITLE_PT, fontweight="bold", va="bottom")
    if title:
        fig.suptitle(title, fontsize=TITLE_PT, x=0.02, ha="left")
    return tuple(axes)


def _relabel(fig, ax, signature) -> None:
    """Move the path labels apart again after the figure's margins changed."""
    lam = np.log(signature.lambdas_)
    chosen = np.log(signature.lambda_)
    at = int(np.argmin(np.abs(lam - chosen)))
    path = signature.coef_path_ * signature._sd
    labels = [t for t in ax.texts if hasattr(t, "xy") and t.get_text()]
    leaders = [t for t in ax.texts if hasattr(t, "xy") and not t.get_text()]
    if not labels:
        return
    r = renderer(fig)
    ranked = sorted([j for j in range(path.shape[1]) if abs(signature.coef_.iloc[j]) > 0],
                    key=lambda j: -abs(path[at, j]))[:len(labels)]
    ys = [path[at, j] for j in ranked]
    box = ax.get_window_extent(r)
    gap = TICK_PT * 1.25 * fig.dpi / 72
    placed = repel([ax.transData.transform((chosen, y))[1] for y in ys], gap, box.y0 + gap / 2, box.y1 - gap / 2)
    inv = ax.transAxes.inverted()
    for t, lead, py in zip(labels, leaders, placed):
        frac = inv.transform((0, py))[1]
        t.xy = (1, frac)
        lead.xyann = (1, frac)


def plot_lasso_coefficients(signature, *, ax=None, title=None, labels=None):
    """Bar chart of the non-zero coefficients of a rad-score (original scale)."""
    coef = signature.coef_[signature.coef_ != 0].sort_values()
    ax = new_axes(ax, (FULL_WIDTH, 0.22 * len(coef) + 1.0))
    ax.barh(range(len(coef)), coef.to_numpy(), color=[color(3) if v > 0 else color(0) for v in coef])
    ax.set_yticks(range(len(coef)))
    ax.set_yticklabels([label_of(labels, n) for n in coef.index], fontsize=TICK_PT)
    ax.axvline(0, color="0.3", linewidth=0.8)
    finish(ax, xlabel="Coefficient", title=title or f"Rad-score: {len(coef)} features")
    return ax
