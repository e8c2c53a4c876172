"""Writing a study's report folder: figures, tables, HTML, Word and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from ..provenance import __version__, package_versions


def write_report(res, out: Path, *, overwrite: bool = False) -> dict:
    """Write report.html, report.docx, tables/*.csv, tables.xlsx, figures/*.png|svg and manifest.json."""
    from .figures import save_figure
    from .study_report import study_report
    from .tables import write_tables

    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"output folder {str(out)!r} exists and is not empty; choose another or pass --overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    spec = res.study.spec
    for name, fig in res.figures.items():
        save_figure(fig, out, name)
    report = study_report(res, {name: out / "figures" / f"{name}.png" for name in res.figures})
    paths = {}
    if {"csv", "xlsx"} & set(spec.report.formats):
        paths = write_tables(res.tables, out)
    if "html" in spec.report.formats:
        (out / "report.html").write_text(report.to_html(version=__version__), encoding="utf-8")
    if "docx" in spec.report.formats:
        report.write_docx(out / "report.docx")
    if spec.report.include_row_level and "models" in res.results:
        res.results["models"].predictions.to_csv(out / "predictions_row_level.csv", index=False)
    manifest = {"cohortstats": __version__, "versions": package_versions(), "seed": spec.seed,
                "spec": spec.model_dump(mode="json"), "inputs": res.inputs, "timings_seconds": res.timings,
                "skipped": res.skipped, "warnings": [w.as_dict() for w in res.warnings], "tables": {k: str(Path(v).relative_to(out)) for k, v in paths.items()},
                "figures": sorted(res.figures)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return {"report": out / "report.html", "tables": paths}
