"""Self-contained HTML rendering with Jinja2 (every user string is escaped)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["ReportTable", "ReportSection", "render_html"]


@dataclass(frozen=True)
class ReportTable:
    """A formatted table (strings only) with its caption and footnotes."""

    caption: str
    frame: pd.DataFrame
    footnotes: tuple = ()


@dataclass(frozen=True)
class ReportSection:
    title: str
    tables: tuple = ()
    paragraphs: tuple = ()
    figures: tuple = ()  # dicts with "caption" and "png_base64"
    id: str = ""


_NUMERIC = re.compile(r"^[<>≤≥]?-?\d[\d.,]*(\s*\(.*\))?$")


def _table_context(t: ReportTable) -> dict:
    rows = []
    for values in t.frame.itertuples(index=False):
        rows.append([{"text": "" if v is None else str(v), "num": bool(_NUMERIC.match(str(v)))} for v in values])
    return {"caption": t.caption, "columns": [str(c) for c in t.frame.columns], "rows": rows,
            "footnotes": list(t.footnotes)}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def render_html(sections, *, title: str, subtitle: str = "", notices=(), version: str = "") -> str:
    """Render sections into one self-contained HTML page (figures inline as base64 PNG)."""
    env = Environment(loader=PackageLoader("cohortstats.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.get_template("report.html")
    ctx_sections = []
    for s in sections:
        ctx_sections.append({"title": s.title, "id": s.id or _slug(s.title), "paragraphs": list(s.paragraphs),
                             "tables": [_table_context(t) for t in s.tables], "figures": list(s.figures)})
    return template.render(title=title, subtitle=subtitle, notices=list(notices), sections=ctx_sections,
                           version=version)
