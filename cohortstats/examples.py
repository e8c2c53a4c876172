"""Bundled example studies that run with no files of the user's.

Each is a study YAML shipped with the package (the same files as ``analyses/fusion``, ``analyses/habitat`` and
``analyses/fvh``) whose data source is a synthetic cohort (hematoma, or FVH).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["EXAMPLES", "run_example", "example_spec_path"]

EXAMPLES = {
    "fusion": "Deep-learning + radiomics fusion (SVM), 8:2 split, DeLong, decision curves, calibration, nomogram "
              "(synthetic hematoma cohort; the default).",
    "habitat": "Habitat radiomics: whole hematoma and three sub-regions, one model per ROI (synthetic cohort).",
    "fvh": "FLAIR vascular hyperintensities: infarction in all patients, then poor outcome among those with "
           "infarction; reader agreement, trend test, the score's ROC (synthetic FVH cohort).",
}
ALIASES = {"hematoma": "fusion"}


def example_spec_path(name: str) -> Path:
    name = ALIASES.get(name, name)
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; available: {sorted(EXAMPLES)}")
    return Path(str(resources.files("cohortstats.datasets") / "studies" / f"{name}.yaml"))


def run_example(name: str = "fusion", out=None, *, overwrite: bool = False, progress=None,
                reproducible: bool = False) -> dict:
    """Run a bundled example study and write its report under ``out`` (default ``reports/<name>``), with the
    synthetic input tables under ``out/data``.

    Like every report, it appears complete or not at all: the study runs with its data in a temporary folder,
    and the report (data included) is moved into place only when its manifest is written.
    """
    import tempfile

    from .report.writer import check_output_folder
    from .study import Study

    path = example_spec_path(name)
    out = Path(out if out is not None else Path("reports") / ALIASES.get(name, name))
    check_output_folder(out, overwrite=overwrite)  # before minutes of work, not after
    with tempfile.TemporaryDirectory(prefix="cohortstats_example_") as work:
        result = Study.from_yaml(path).run(progress=progress, workdir=work)
        return result.write(out, overwrite=overwrite, reproducible=reproducible,
                            include={"data": Path(work) / "data"})
