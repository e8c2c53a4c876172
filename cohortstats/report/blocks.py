"""The blocks of a report (tables, figures, sections) and their numbering: tables and figures are numbered in
order of appearance, and ``[@table:key]`` / ``[@figure:key]`` in the text read "Table 2" / "Figure 3"."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace

import pandas as pd

__all__ = ["ReportTable", "ReportFigure", "ReportSection", "ReportDocument", "numbered", "REFERENCE", "PAGES"]

REFERENCE = re.compile(r"\[@(table|figure):([^\]]+)\]")
PAGES = {"a4": (8.2677, 11.6929), "letter": (8.5, 11.0)}


@dataclass(frozen=True)
class ReportTable:
    """A formatted table (strings only) with its caption and footnotes.

    ``key`` names the table in cross-references (``[@table:key]``) and in the CSV/XLSX output; ``spanners`` are
    column-name prefixes shown as spanning headers (``"Univariable"`` spans ``"Univariable OR (95% CI)"`` and
    ``"Univariable P"``, which then read ``"OR (95% CI)"`` and ``"P"``)."""

    caption: str
    frame: pd.DataFrame
    footnotes: tuple = ()
    key: str = ""
    spanners: tuple = ()
    number: int = 0

    def header_rows(self) -> list[list[tuple[str, int]]]:
        """The header as rows of ``(text, column span)``: a spanner row (when any column is spanned), then the
        column names with the spanner prefix removed."""
        columns = [str(c) for c in self.frame.columns]
        owner = [next((s for s in self.spanners if c.startswith(f"{s} ")), None) for c in columns]
        names = [c[len(o) + 1:] if o else c for c, o in zip(columns, owner)]
        if not any(owner):
            return [[(n, 1) for n in names]]
        top: list[tuple[str, int]] = []
        for o in owner:
            if top and o is not None and top[-1][0] == o:
                top[-1] = (o, top[-1][1] + 1)
            else:
                top.append((o or "", 1))
        return [top, [(n, 1) for n in names]]


@dataclass(frozen=True)
class ReportFigure:
    """A figure as PNG bytes (``dpi`` dots per inch, so its printed size is known) with its caption."""

    caption: str
    png: bytes = field(repr=False)
    key: str = ""
    dpi: float = 300.0
    number: int = 0

    @property
    def size_inches(self) -> tuple[float, float]:
        from PIL import Image

        with Image.open(io.BytesIO(self.png)) as im:
            w, h = im.size
        return w / self.dpi, h / self.dpi


@dataclass(frozen=True)
class ReportSection:
    """A titled section: its blocks in order (paragraph strings, :class:`ReportTable`, :class:`ReportFigure`).

    ``ReportSection(title, tables=..., paragraphs=..., figures=...)`` puts the paragraphs first, then the tables,
    then the figures."""

    title: str
    tables: tuple = ()
    paragraphs: tuple = ()
    figures: tuple = ()
    id: str = ""
    blocks: tuple = ()

    def __post_init__(self):
        if not self.blocks:
            object.__setattr__(self, "blocks", tuple(self.paragraphs) + tuple(self.tables) + tuple(self.figures))


def _keyed(sections) -> list:
    """Sections whose tables and figures all have a key (a block made without one gets ``table_<n>``)."""
    out, n = [], 0
    for s in sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, (ReportTable, ReportFigure)) and not b.key:
                n += 1
                b = replace(b, key=f"{'table' if isinstance(b, ReportTable) else 'figure'}_unkeyed_{n}")
            blocks.append(b)
        out.append(replace(s, blocks=tuple(blocks)))
    return out


def numbered(sections) -> list:
    """The sections with tables and figures numbered and every cross-reference resolved."""
    sections = _keyed(sections)
    numbers, counts = {}, {"table": 0, "figure": 0}
    for s in sections:
        for b in s.blocks:
            kind = "table" if isinstance(b, ReportTable) else "figure" if isinstance(b, ReportFigure) else None
            if kind:
                counts[kind] += 1
                numbers[(kind, b.key)] = counts[kind]

    def resolve(text: str) -> str:
        def sub(m):
            kind, key = m.group(1), m.group(2)
            if (kind, key) not in numbers:
                raise ValueError(f"the text refers to {kind} {key!r}, which is not in the report; known: "
                                 f"{sorted(k for t, k in numbers if t == kind)}")
            return f"{kind.capitalize()} {numbers[(kind, key)]}"

        return REFERENCE.sub(sub, text)

    out = []
    for s in sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, str):
                blocks.append(resolve(b))
            elif isinstance(b, ReportTable):
                blocks.append(replace(b, caption=resolve(b.caption), number=numbers[("table", b.key)],
                                      footnotes=tuple(resolve(n) for n in b.footnotes)))
            else:
                blocks.append(replace(b, caption=resolve(b.caption), number=numbers[("figure", b.key)]))
        out.append(replace(s, blocks=tuple(blocks)))
    return out


@dataclass
class ReportDocument:
    """What the renderers need of a report: title, authors, notices, page, orientation and sections."""

    title: str
    sections: list = field(default_factory=list)
    authors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    page: str = "a4"
    orientation: str = "portrait"

    def numbered(self) -> list:
        return numbered(self.sections)


def keyed(section: "ReportSection", i: int) -> "ReportSection":
    """Give unkeyed tables and figures of a hand-made section distinct keys (and read legacy figure dicts)."""
    import base64

    blocks = []
    for j, b in enumerate(section.blocks):
        if isinstance(b, (ReportTable, ReportFigure)) and not b.key:
            b = replace(b, key=f"s{i}_{j}")
        elif isinstance(b, dict):  # legacy figure dict {"caption", "png_base64"}
            b = ReportFigure(b["caption"], base64.b64decode(b["png_base64"]), f"s{i}_{j}", dpi=120)
        blocks.append(b)
    return replace(section, blocks=tuple(blocks))
