"""The bundled synthetic cohorts a study file can name (``data: {synthetic: ...}``): their tables, column prefixes,
default sizes, and their merged columns (known without reading a file, so ``validate`` checks names)."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["SYNTHETIC", "SYNTHETIC_TABLES", "synthetic_columns"]

SYNTHETIC_TABLES = [("clinical", "clinical", None), ("fvh", "fvh", None), ("radiomics_whole", "radiomics_whole", "whole_"),
                    ("radiomics_sub1", "radiomics_sub1", "sub1_"), ("radiomics_sub2", "radiomics_sub2", "sub2_"),
                    ("radiomics_sub3", "radiomics_sub3", "sub3_"), ("deep_features", "deep_features", "deep_")]
# the synthetic cohorts: (table name, file name, column prefix) of each, and the default number of patients
SYNTHETIC = {"hematoma": (SYNTHETIC_TABLES, 235, "make_hematoma_cohort"),
             "fvh": ([("clinical", "clinical", None), ("imaging", "imaging", None)], 94, "make_fvh_cohort")}


def synthetic_columns(kind: str) -> tuple:
    """The merged columns of a synthetic cohort (known without reading any file: ``validate`` checks names)."""
    return _synthetic_columns(kind)


@lru_cache(maxsize=None)
def _synthetic_columns(kind):
    from .. import datasets

    tables, _, maker = SYNTHETIC[kind]
    frames = {}
    if kind == "hematoma":  # its tables go through the sink, under their file names
        datasets.make_hematoma_cohort(20, random_state=0, n_deep=256, sink=frames.__setitem__)
    else:
        cohort = getattr(datasets, maker)(20, random_state=0)
        frames = {name: getattr(cohort, name) for name, _, _ in tables}
    cols = ["patient_id"]
    for _, file, prefix in tables:
        t = frames[file]
        cols += [c if c == "patient_id" else f"{prefix or ''}{c}" for c in t.columns if c != "patient_id"]
    return tuple(dict.fromkeys(cols))
