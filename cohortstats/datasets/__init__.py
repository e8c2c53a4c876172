"""Bundled example data.

- :func:`make_hematoma_cohort`: a deterministic **synthetic** hematoma-expansion
  cohort shaped like the seed studies (clinical table, FVH-style score,
  whole-hematoma and habitat radiomics, deep features).
- :func:`make_fvh_cohort`: a deterministic **synthetic** cohort shaped like the FLAIR vascular
  hyperintensity study (94 patients, 56 with infarction, 13 poor outcomes; two readers' FVH scores).
- :func:`load_breast_cancer`: the Wisconsin Diagnostic Breast Cancer data
  (image-derived nucleus features; scikit-learn's copy, BSD-3-Clause) with
  ``target`` recoded to 1 = malignant.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ._fvh import FvhCohort, make_fvh_cohort
from ._hematoma import RADIOMICS_FEATURES, TRUE_OUTCOME_MODEL, HematomaCohort, make_hematoma_cohort

__all__ = ["make_hematoma_cohort", "HematomaCohort", "make_fvh_cohort", "FvhCohort", "load_breast_cancer", "example_path",
           "RADIOMICS_FEATURES", "TRUE_OUTCOME_MODEL"]


def example_path(name: str) -> Path:
    """Path of a bundled data file (``"breast_cancer.csv"``)."""
    path = Path(str(resources.files("cohortstats.datasets") / "data" / name))
    if not path.exists():
        available = sorted(p.name for p in path.parent.glob("*.csv"))
        raise FileNotFoundError(f"no bundled file {name!r}; available: {available}")
    return path


def load_breast_cancer() -> pd.DataFrame:
    """Wisconsin Diagnostic Breast Cancer (569 patients, 30 features, ``target`` 1 = malignant).

    Examples
    --------
    >>> from cohortstats.datasets import load_breast_cancer
    >>> df = load_breast_cancer()
    >>> df.shape, int(df["target"].sum())
    ((569, 31), 212)
    """
    return pd.read_csv(example_path("breast_cancer.csv"))
