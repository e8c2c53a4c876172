"""Forest plot of odds or hazard ratios: the estimates on a log axis beside columns of text."""

from __future__ import annotations

import numpy as np

from ._style import FULL_WIDTH, LABEL_PT, TICK_PT, color, finish, label_of, new_axes, renderer

__all__ = ["plot_forest"]

_CANDIDATES = np.array([a * 10.0 ** k for k in range(-3, 5) for a in (1, 2, 5)])


def _term(labels, term, unit=None) -> str:
    """A row's name: the term's label, with the unit its ratio is per ("Age, per 10 years")."""
    from ..formatting import scaled_name

    name = labels.term(term) if labels is not None and hasattr(labels, "term") else label_of(labels, term)
    return scaled_name(name, unit)


def _units(t):
    return t["unit"] if "unit" in t.columns else [None] * len(t)


def _series(result, univariable, labels):
    """``(row labels, [(name, estimate, low, high)])`` of a RegressionTable, or of a fit (with its univariable
    estimates when given)."""
    if hasattr(result, "univariable") and hasattr(result, "selected"):
        t = result.tidy()
        t = t[~t["reference"]]
        rows = [_term(labels, term, unit) for term, unit in zip(t["term"], _units(t))]
        out = [("Univariable", t["uni_estimate"], t["uni_conf_low"], t["uni_conf_high"])]
        if result.multivariable is not None:
            out.append(("Multivariable", t["multi_estimate"], t["multi_conf_low"], t["multi_conf_high"]))
        return rows, out
    t = result.tidy()
    t = t[(t["term"] != "(Intercept)") & ~t["reference"]]
    rows = [_term(labels, term, unit) for term, unit in zip(t["term"], _units(t))]
    out = []
    if univariable is not None:
        u = univariable.tidy()
        u = u[~u["reference"]].set_index("term").reindex(t["term"])
        out.append(("Univariable", u["estimate"], u["conf_low"], u["conf_high"]))
    out.append(("Multivariable" if univariable is not None else "", t["estimate"], t["conf_low"], t["conf_high"]))
    return rows, out


def _log_ticks(lo: float, hi: float, width_in: float) -> list[float]:
    """Ticks of a log axis that cannot collide (a label needs about 0.35 in): 1-2-5 steps, decades, or every
    k-th decade through 1, as the axis' width allows."""
    decades = np.log10(hi / lo)
    inside = _CANDIDATES[(_CANDIDATES >= lo * (1 - 1e-9)) & (_CANDIDATES <= hi * (1 + 1e-9))]
    if decades <= 0.8 * width_in:
        return inside.tolist()
    power = np.round(np.log10(inside), 9)
    dec = inside[power == np.round(power)]
    step = max(1, int(np.ceil(decades / (2.5 * width_in))))
    return [float(v) for v in dec if round(np.log10(v)) % step == 0]


def plot_forest(result, *, ax=None, univariable=None, digits: int = 2, log: bool = True, title=None,
                reference_line: float = 1.0, labels=None, columns: bool = True):
    """Forest plot of odds or hazard ratios with their CIs, beside the estimates as text.

    Parameters
    ----------
    result : LogisticRegressionResult, CoxRegressionResult or RegressionTable
        A RegressionTable shows the univariable (○) and multivariable (■) estimates side by side.
    univariable : UnivariableResult, optional
        Also draw univariable estimates next to a multivariable fit.
    labels : Labels, dict or callable, optional
        Display names of the variables (``"sex[Male]"`` reads "Sex: Male" with a report's Labels).
    columns : bool
        Columns of text to the right: "Univariable OR (95% CI)", "Multivariable OR (95% CI)".

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    On a log axis the ticks are 1-2-5 steps, decades or every other decade, whichever leaves room between the
    labels; a CI beyond the axis ends in an arrow.
    """
    from ..formatting import format_estimate_ci

    rows, series = _series(result, univariable, labels)
    ratio = "HR" if hasattr(result, "ties") else "OR"
    n = len(rows)
    own = ax is None
    ax = new_axes(ax, (FULL_WIDTH, 0.24 * n + 1.3), layout=None)
    fig = ax.figure
    y = np.arange(n)[::-1].astype(float)
    offsets = np.linspace(0.14, -0.14, len(series)) if len(series) > 1 else [0.0]  # univariable above
    values = np.concatenate([np.asarray(v, float) for _, *vals in series for v in vals])
    finite = values[np.isfinite(values) & (values > 0)] if log else values[np.isfinite(values)]
    lo, hi = (min(finite.min(), reference_line), max(finite.max(), reference_line)) if finite.size else (0.5, 2.0)
    if log:
        lo, hi = max(lo / 1.25, 1e-3), min(hi * 1.25, 1e4)
    else:
        pad = 0.05 * (hi - lo or 1)
        lo, hi = lo - pad, hi + pad
    markers = (("o", "white"), ("s", None))
    for k, ((name, est, low, high), off) in enumerate(zip(series, offsets)):
        est, low, high = (np.asarray(v, float) for v in (est, low, high))
        ok = np.isfinite(est)
        c = color(k if len(series) > 1 else 0)
        mk, face = markers[k % 2] if len(series) > 1 else ("s", None)
        # a limit that could not be computed: the line stops at the estimate (its text reads "NA")
        low = np.where(np.isnan(low) & ~np.isnan(high), est, low)
        high = np.where(np.isnan(high) & ~np.isnan(low), est, high)
        cl, ch = np.clip(low, lo, hi), np.clip(high, lo, hi)
        ax.hlines(y[ok] + off, cl[ok], ch[ok], color=c, linewidth=1.2)
        ax.plot(np.clip(est[ok], lo, hi), y[ok] + off, mk, color=c, markersize=5, markerfacecolor=face or c,
                markeredgewidth=1.0)
        for yy, a, b in zip(y[ok] + off, low[ok], high[ok]):  # CIs beyond the axis end in an arrow
            if not np.isfinite(a) or a < lo:
                ax.plot(lo, yy, "<", color=c, markersize=4)
            if not np.isfinite(b) or b > hi:
                ax.plot(hi, yy, ">", color=c, markersize=4)
    ax.axvline(reference_line, color="0.45", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(rows, fontsize=TICK_PT)
    ax.set_ylim(-0.7, n - 0.3)
    if log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    name = "Hazard ratio" if ratio == "HR" else "Odds ratio"
    finish(ax, xlabel=f"{name} (log scale)" if log else name, title=title)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    texts = []
    if columns:
        for k, (sname, est, low, high) in enumerate(series):
            head = f"{sname}\n{ratio} (95% CI)" if sname else f"{ratio} (95% CI)"
            if len(series) > 1:
                head = ("○ " if k % 2 == 0 else "■ ") + head
            cells = [format_estimate_ci(e, a, b, digits, ratio=True) for e, a, b in zip(est, low, high)]
            texts.append([ax.annotate(head, xy=(1, 1), xycoords="axes fraction", xytext=(0, 4),
                                      textcoords="offset points", ha="left", va="bottom", fontsize=TICK_PT,
                                      fontweight="bold", color=color(k) if len(series) > 1 else "0.1")]
                         + [ax.annotate(c, xy=(1, yy), xycoords=("axes fraction", "data"), xytext=(0, 0),
                                        textcoords="offset points", ha="left", va="center", fontsize=TICK_PT)
                            for c, yy in zip(cells, y)])
    _layout(fig, ax, texts, own, lo, hi, log)
    return ax


def _layout(fig, ax, texts, own: bool, lo: float, hi: float, log: bool) -> None:
    """Place the text columns right of the axes and, on a figure of its own, size the margins to the text."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    r = renderer(fig)
    to_pt = 72 / fig.dpi
    widths = [max(t.get_window_extent(r).width for t in col) * to_pt for col in texts]
    gap = 10.0
    x = gap
    for col, w in zip(texts, widths):
        for t in col:
            t.set_position((x, t.get_position()[1]))
        x += w + gap
    W, H = fig.get_size_inches()
    if own:
        label_w = max([t.get_window_extent(r).width for t in ax.get_yticklabels()] + [0]) * to_pt
        left = (label_w + 8) / 72
        right = x / 72 + 0.05
        if W - left - right < 1.4:  # too little room for the plot: widen the figure
            W = left + right + 1.4
            fig.set_size_inches(W, H)
        fig.subplots_adjust(left=left / W, right=1 - right / W, top=1 - 0.48 / H, bottom=0.5 / H)
    if log:
        width_in = ax.get_position().width * W
        ax.xaxis.set_major_locator(FixedLocator(_log_ticks(lo, hi, width_in)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.label.set_size(LABEL_PT)
