"""What every figure shares: the colour-blind-safe palette, font sizes for print, figure widths that fit a page,
and the layout helpers that keep text apart (measured from the rendered text boxes)."""

from __future__ import annotations

__all__ = ["PALETTE", "TICK_PT", "LABEL_PT", "TITLE_PT", "FULL_WIDTH", "HALF_WIDTH", "new_axes", "finish",
           "color", "label_of", "renderer", "declutter", "repel", "text_extent_pt"]

# seaborn.color_palette("colorblind").as_hex(): distinguishable with the common colour-vision deficiencies
PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133",
           "#56b4e9")
TICK_PT, LABEL_PT, TITLE_PT = 8, 9, 10  # printed sizes: figures are drawn at the width they are printed
FULL_WIDTH = 6.2  # inches: the text width of an A4 page with 1-inch margins (6.27 in); letter's is 6.5 in
HALF_WIDTH = 3.4


_STRONG = (0, 1, 2, 3, 4, 5, 9)  # the palette without its pale pink, yellow and grey: for lines with text labels
# curves of several models or groups in one figure: the orange and the vermillion apart (side by side they read as one
# colour in print), pink before vermillion
_SERIES = (0, 1, 2, 4, 5, 9, 3, 6, 7, 8)


def color(i: int, strong: bool = False, series: bool = False) -> str:
    """The i-th palette colour (``strong``: skipping the pale ones, for labelled lines; ``series``: the order for
    the curves of several models or groups, whose first four are blue, orange, green and pink)."""
    if series:
        return PALETTE[_SERIES[i % len(_SERIES)]]
    return PALETTE[_STRONG[i % len(_STRONG)]] if strong else PALETTE[i % len(PALETTE)]


def label_of(labels, name) -> str:
    """A display name: ``labels`` may be a callable (a report's Labels), a dict or None."""
    if labels is None:
        return str(name)
    if callable(labels):
        return labels(name)
    return str(labels.get(name, name))


def new_axes(ax, figsize, layout="constrained", **kwargs):
    """``ax`` itself, or the Axes of a new figure of ``figsize`` inches (laid out so no label is cut off; figures
    that place their own text outside the axes pass ``layout=None`` and set their margins)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout=layout, **kwargs)
    return ax


def finish(ax, *, xlabel=None, ylabel=None, title=None, grid: bool = False) -> None:
    """Journal style: print-size fonts, no top and right spines."""
    ax.tick_params(labelsize=TICK_PT, length=3, width=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.6)
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    if title:
        ax.set_title(title, fontsize=TITLE_PT)
    if grid:
        ax.grid(color="0.92", linewidth=0.6)
        ax.set_axisbelow(True)


def renderer(fig):
    """The figure's renderer (drawing once so every text has its final size)."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def text_extent_pt(fig, text) -> tuple[float, float]:
    """Width and height of a text artist in points."""
    bb = text.get_window_extent(renderer(fig))
    return bb.width * 72 / fig.dpi, bb.height * 72 / fig.dpi


def declutter(fig, texts, pad_px: float = 2.0) -> list:
    """Hide texts that would overlap one already kept (in the given order); returns those kept."""
    from matplotlib.transforms import Bbox

    r = renderer(fig)
    kept, boxes = [], []
    for t in texts:
        if not t.get_visible() or not t.get_text():
            continue
        e = t.get_window_extent(r)
        bb = Bbox.from_extents(e.x0 - pad_px, e.y0 - pad_px, e.x1 + pad_px, e.y1 + pad_px)
        if any(bb.overlaps(o) for o in boxes):
            t.set_visible(False)
        else:
            kept.append(t)
            boxes.append(bb)
    return kept


def repel(targets, gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``targets`` as possible, at least ``gap`` apart, within [low, high] (one dimension;
    used to move labels apart). The order of the targets is kept."""
    order = sorted(range(len(targets)), key=lambda i: targets[i])
    pos = [float(targets[i]) for i in order]
    for k in range(len(pos)):
        pos[k] = max(pos[k], low if k == 0 else pos[k - 1] + gap)
    if pos and pos[-1] > high:
        pos[-1] = high
        for k in range(len(pos) - 2, -1, -1):
            pos[k] = min(pos[k], pos[k + 1] - gap)
    out = [0.0] * len(pos)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out
