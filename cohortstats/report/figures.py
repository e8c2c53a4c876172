"""Saving figures: PNG (300 dpi) and SVG files, and a base64 PNG for inline HTML."""

from __future__ import annotations

import base64
import io
from pathlib import Path

__all__ = ["save_figure"]


def save_figure(fig, folder, name: str, *, dpi: int = 300) -> str:
    """Write ``folder/figures/<name>.png`` and ``.svg``; return the PNG as base64 (for the HTML report)."""
    import matplotlib.pyplot as plt

    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / f"{name}.png", dpi=dpi, bbox_inches="tight")
    fig.savefig(out / f"{name}.svg", bbox_inches="tight")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")
