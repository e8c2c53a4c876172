"""Saving figures: PNG (300 dpi) and SVG files, and a base64 PNG for inline HTML, with fixed metadata so that a
rerun gives the same bytes (:mod:`.reproducible`)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from .reproducible import FIGURE_RC, PNG_METADATA, SVG_METADATA

__all__ = ["save_figure"]


def save_figure(fig, folder, name: str, *, dpi: int = 300) -> str:
    """Write ``folder/figures/<name>.png`` and ``.svg``; return the PNG as base64 (for the HTML report).

    The SVG carries no date and its ids come from a fixed salt; the PNG carries no software stamp. The figure is
    closed afterwards.
    """
    import matplotlib.pyplot as plt

    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(FIGURE_RC):
        fig.savefig(out / f"{name}.png", dpi=dpi, bbox_inches="tight", metadata=PNG_METADATA)
        fig.savefig(out / f"{name}.svg", bbox_inches="tight", metadata=SVG_METADATA)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")
