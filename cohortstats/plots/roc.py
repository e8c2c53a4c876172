"""ROC curves."""

from __future__ import annotations

from ._style import HALF_WIDTH, TICK_PT, color, finish, label_of, new_axes

__all__ = ["plot_roc"]


def plot_roc(results, *, ax=None, cis=None, band=None, digits: int = 2, diagonal: bool = True, title=None,
             labels=None, legend: str = "inside", **kwargs):
    """ROC curves of one or several models, each named in the legend with its AUC (95% CI).

    Parameters
    ----------
    results : RocResult or dict of {name: RocResult}
    cis : dict of {name: AucCI or (low, high)}, optional
        Adds the CI to each legend entry: "Clinical: AUC 0.87 (0.83–0.91)" (otherwise the AUC alone).
    band : RocBand or dict of {name: RocBand}, optional
        Shaded bootstrap band of sensitivity.
    labels : dict or callable, optional
        Display names of the models.
    legend : {"inside", "below"}
        The legend in the lower right corner, or under the axes (for narrow panels).
    kwargs
        Passed to ``Axes.plot`` for every curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..formatting import format_ci, format_number

    ax = new_axes(ax, (HALF_WIDTH, HALF_WIDTH + 0.2))
    if not isinstance(results, dict):  # one RocResult
        results = {"": results}
    if band is not None and not isinstance(band, dict):
        band = {next(iter(results)): band}
    for i, (name, r) in enumerate(results.items()):
        text = f"AUC {format_number(r.auc, digits)}"
        if cis and name in cis:
            c = cis[name]
            low, high = (c.conf_low, c.conf_high) if hasattr(c, "conf_low") else c
            text += f" ({format_ci(low, high, digits)})"
        if name:  # a long name goes on a line of its own, so a narrow panel keeps its width
            shown = label_of(labels, name)
            text = f"{shown}:\n{text}" if len(shown) + len(text) > 30 else f"{shown}: {text}"
        style = {"color": color(i, series=True), "linewidth": 1.4, **kwargs}
        line, = ax.plot(1 - r.specificity, r.sensitivity, label=text, **style)
        if band and name in band:
            b = band[name]
            ax.fill_between(1 - b.specificity, b.sensitivity_low, b.sensitivity_high, color=line.get_color(),
                            alpha=0.15, linewidth=0, step="mid")
    if diagonal:
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=0.8)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    finish(ax, xlabel="1 − specificity", ylabel="Sensitivity", title=title)
    where = ({"loc": "lower right"} if legend == "inside" else
             {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2)})
    ax.legend(frameon=False, fontsize=TICK_PT, title="AUC (95% CI)" if cis else None, title_fontsize=TICK_PT,
              handlelength=1.5, borderaxespad=0.3, **where)
    return ax
