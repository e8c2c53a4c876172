"""Nomogram and Kaplan-Meier curves."""

from __future__ import annotations

import numpy as np

from ._style import FULL_WIDTH, LABEL_PT, TICK_PT, color, declutter, finish, label_of, new_axes, renderer

__all__ = ["plot_nomogram", "plot_km"]


def plot_nomogram(result, *, ax=None, title=None, labels=None):
    """Draw a nomogram: a points axis, one axis per predictor, total points and predicted risk.

    Where a predictor's tick labels would touch, every k-th is shown (the smallest k that leaves room, so the shown
    values stay evenly spaced) and the ticks stay; an axis too short for two labels shows its two ends, the second
    under the line. On the total-points and risk axes, labels that would touch are left out.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..formatting import format_number

    variables = list(dict.fromkeys(result.points["variable"]))
    surv_times = list(dict.fromkeys(result.survival_axes["time"])) if len(result.survival_axes) else []
    n_rows = len(variables) + 2 + max(1, len(surv_times))
    own = ax is None
    ax = new_axes(ax, (FULL_WIDTH, 0.5 * n_rows + 0.6), layout=None)
    max_pts = float(result.points["points"].max())
    total_max = float(result.total_points.max())
    scale = max_pts / total_max if total_max > 0 else 1.0  # total-points axis is drawn compressed to the width
    names, rows = [], []

    def axis_line(y, xs, texts, name):
        xs = np.asarray(xs, float)
        ax.plot([xs.min(), xs.max()], [y, y], color="0.2", linewidth=0.8)
        row = []
        for x, lab in zip(xs, texts):
            ax.plot([x, x], [y, y + 0.12], color="0.2", linewidth=0.8)
            row.append(ax.text(x, y + 0.18, lab, ha="center", va="bottom", fontsize=TICK_PT))
        rows.append(row)
        names.append(ax.annotate(name, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(-6, 0),
                                 textcoords="offset points", ha="right", va="center", fontsize=LABEL_PT))

    def value_text(v):
        return f"{v:g}" if isinstance(v, (int, float, np.integer, np.floating)) else str(v)

    y = n_rows
    ticks = np.arange(0, max_pts + 1e-9, 10)
    axis_line(y, ticks, [f"{t:g}" for t in ticks], "Points")
    for var in variables:
        y -= 1
        sub = result.points[result.points["variable"] == var]
        shown = [labels.level(var, v) if hasattr(labels, "level") and not isinstance(v, (int, float, np.number))
                 else value_text(v) for v in sub["value"]]
        axis_line(y, sub["points"].to_numpy(), shown, label_of(labels, var))
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
    ax.set_xlim(-2, max_pts + 2)
    ax.set_ylim(y - 0.6, n_rows + 0.8)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=LABEL_PT + 1, loc="left")
    fig = ax.figure
    if own:
        r = renderer(fig)
        left = max(t.get_window_extent(r).width for t in names) / fig.dpi + 0.15
        W = fig.get_size_inches()[0]
        fig.subplots_adjust(left=left / W, right=1 - 0.2 / W, top=0.97, bottom=0.03)
    for i, row in enumerate(rows):
        if 0 < i <= len(variables):
            _thin_regularly(fig, row)
        else:  # points, total points and risk: the end labels, then those in between that have room
            declutter(fig, [row[0], row[-1], *row[1:-1]] if len(row) > 1 else row)
    return ax


def _thin_regularly(fig, row, pad_px: float = 2.0) -> None:
    """Show every k-th label of a predictor's axis, the smallest k whose labels do not touch; on an axis too short
    for two labels, its first and last, the last moved under the axis line."""
    r = renderer(fig)
    boxes = [t.get_window_extent(r) for t in row]

    def apart(a, b):
        return boxes[b].x0 >= boxes[a].x1 + pad_px or boxes[a].x0 >= boxes[b].x1 + pad_px

    for k in range(1, len(row) + 1):
        keep = list(range(0, len(row), k))
        if all(apart(a, b) for a, b in zip(keep, keep[1:])):
            break
    if len(keep) == 1 and len(row) > 1:  # an axis too short for two labels: its two ends, the last under the line
        keep = [0, len(row) - 1]
        x, y = row[-1].get_position()
        row[-1].set_position((x, y - 0.3))
        row[-1].set_va("top")
    for j, t in enumerate(row):
        t.set_visible(j in keep)


def plot_km(result, *, ax=None, ci: bool = True, risk_table: bool = True, times=None, title=None,
            xlabel: str = "Time", ylabel: str = "Survival probability", labels=None):
    """Kaplan-Meier curves (step functions, censoring ticks, optional CI bands) with a number-at-risk table.

    Returns
    -------
    matplotlib.axes.Axes
        The survival axes; the risk table is drawn below it on the same figure.
    """
    own = ax is None
    curve = result.curve
    groups = list(dict.fromkeys(curve["group"]))
    ax = new_axes(ax, (FULL_WIDTH, 3.6 + 0.18 * len(groups)), layout=None)
    name = (lambda g: labels.level(result.group, g)) if hasattr(labels, "level") else (lambda g: str(g))
    for i, g in enumerate(groups):
        cur = curve[curve["group"] == g]
        t = np.r_[0.0, cur["time"].to_numpy()]
        s = np.r_[1.0, cur["survival"].to_numpy()]
        line, = ax.step(t, s, where="post", label=name(g) if result.group else None, color=color(i, series=True),
                        linewidth=1.3)
        cens = cur[cur["n_censor"] > 0]
        ax.plot(cens["time"], cens["survival"], "|", color=line.get_color(), markersize=6)
        if ci:
            lo = np.r_[1.0, cur["conf_low"].to_numpy()]
            hi = np.r_[1.0, cur["conf_high"].to_numpy()]
            ax.fill_between(t, lo, hi, step="post", alpha=0.15, color=line.get_color(), linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    finish(ax, xlabel=xlabel, ylabel=ylabel, title=title)
    if result.group:
        ax.legend(frameon=False, fontsize=TICK_PT, title=label_of(labels, result.group), title_fontsize=TICK_PT)
    texts = []
    if risk_table:
        ticks = np.asarray(times, float) if times is not None else ax.get_xticks()
        ticks = ticks[(ticks >= 0) & (ticks <= curve["time"].max())]
        at = result.at(ticks)
        base = -3.2 * LABEL_PT - 6  # below the tick labels and the axis label
        for r, g in enumerate(groups):
            sub = at[at["group"] == g]
            for _, row in sub.iterrows():
                ax.annotate(str(int(row["n_risk"])), xy=(row["time"], 0), xycoords=("data", "axes fraction"),
                            xytext=(0, base - 12 - 11 * r), textcoords="offset points", ha="center", va="top",
                            fontsize=TICK_PT, color=color(r))
            texts.append(ax.annotate(name(g), xy=(0, 0), xycoords="axes fraction", xytext=(-8, base - 12 - 11 * r),
                                     textcoords="offset points", ha="right", va="top", fontsize=TICK_PT,
                                     color=color(r)))
        texts.append(ax.annotate("Number at risk", xy=(0, 0), xycoords="axes fraction", xytext=(-8, base),
                                 textcoords="offset points", ha="left", va="top", fontsize=TICK_PT,
                                 fontweight="bold"))
    if own:
        fig = ax.figure
        r = renderer(fig)
        W, H = fig.get_size_inches()
        left = max([t.get_window_extent(r).width for t in texts[:-1]] + [0]) / fig.dpi + 0.2
        left = max(left, 0.75)
        bottom = (-base + 14 + 11 * len(groups)) / 72 + 0.1 if risk_table else 0.55
        fig.subplots_adjust(left=left / W, right=1 - 0.15 / W, top=1 - 0.2 / H, bottom=bottom / H)
    return ax
