"""Figures. Each function takes a result object, draws on ``ax`` (a new one when None) and returns the Axes.

matplotlib is imported inside the functions; nothing here shows or saves a figure.
"""

from __future__ import annotations

__all__ = ["plot_roc"]


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
    cis : dict of {name: AucCI}, optional
        Adds "AUC 0.87 (0.83–0.91)" to each legend entry (otherwise "AUC 0.87").
    band : RocBand or dict of {name: RocBand}, optional
        Shaded bootstrap band of sensitivity.
    kwargs
        Passed to ``Axes.plot`` for every curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .discrimination import RocResult
    from .report.format import format_ci, format_number

    ax = _axes(ax)
    if isinstance(results, RocResult):
        results = {"": results}
    if band is not None and not isinstance(band, dict):
        band = {next(iter(results)): band}
    for name, r in results.items():
        label = f"AUC {format_number(r.auc, digits)}"
        if cis and name in cis:
            label += f" ({format_ci(cis[name].conf_low, cis[name].conf_high, digits)})"
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
