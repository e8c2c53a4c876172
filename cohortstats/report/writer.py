"""Writing a study's report folder: figures, tables, HTML, Word and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from ..provenance import __version__, package_versions


def write_report(res, out: Path, *, overwrite: bool = False) -> dict:
    """Write report.html, report.docx, tables/*.csv, tables.xlsx, figures/*.png|svg and manifest.json."""
    from .docx import render_docx
    from .figures import save_figure
    from .html import ReportSection, render_html
    from .tables import write_tables

    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"output folder {str(out)!r} exists and is not empty; choose another or pass --overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    spec = res.study.spec
    pngs = {name: save_figure(fig, out, name) for name, fig in res.figures.items()}
    sections = []
    for s in res.sections:
        figs = tuple({"caption": cap, "png_base64": pngs[name]} for name, cap in s.get("figures", ()) if name in pngs)
        sections.append(ReportSection(s["title"], tables=tuple(s.get("tables", ())),
                                      paragraphs=tuple(s.get("paragraphs", ())), figures=figs))
    title = spec.report.title
    subtitle = ", ".join(spec.report.authors)
    paths = {}
    if {"csv", "xlsx"} & set(spec.report.formats):
        paths = write_tables(res.tables, out)
    if "html" in spec.report.formats:
        html = render_html(sections, title=title, subtitle=subtitle, notices=res.notices, version=__version__)
        (out / "report.html").write_text(html, encoding="utf-8")
    if "docx" in spec.report.formats:
        render_docx(sections, out / "report.docx", title=title, notices=res.notices)
    if spec.report.include_row_level and "models" in res.results:
        res.results["models"].predictions.to_csv(out / "predictions_row_level.csv", index=False)
    manifest = {"cohortstats": __version__, "versions": package_versions(), "seed": spec.seed,
                "spec": spec.model_dump(mode="json"), "inputs": res.inputs, "timings_seconds": res.timings,
                "skipped": res.skipped, "warnings": [w.as_dict() for w in res.warnings], "tables": {k: str(Path(v).relative_to(out)) for k, v in paths.items()},
                "figures": sorted(res.figures)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return {"report": out / "report.html", "tables": paths}
