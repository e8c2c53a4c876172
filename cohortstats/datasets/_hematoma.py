"""A deterministic, clearly synthetic hematoma-expansion cohort shaped like the seed studies.

SYNTHETIC DATA: no patient's data were used. The generating model is written
out below so that tests can check that analyses recover it.

Generating model (all draws from ``numpy.random.default_rng(random_state)``)
---------------------------------------------------------------------------
Clinical table, one row per patient (ids ``"HE001"`` ... ):

===================  ==========================================================
age                  N(64, 11²), rounded to whole years, clipped to [30, 95]
sex                  "Male" with probability 0.62, else "Female"
hypertension         Bernoulli(0.66)
diabetes             Bernoulli(0.20)
glucose              fasting glucose (mmol/L): 5.6 + 1.6·diabetes + N(0, 1.1²), ≥ 3.5
sbp                  systolic BP (mmHg): 150 + 12·hypertension + N(0, 20²), rounded
gcs                  Glasgow Coma Scale 3..15: 15 − Poisson(1.0 + 0.04·volume)
onset_to_ct          hours from onset to CT: Uniform(0.5, 6), one decimal
volume               baseline hematoma volume (mL): LogNormal(log 14, 0.75²), one decimal
antithrombotic       antiplatelet/anticoagulant use: Bernoulli(0.15)
===================  ==========================================================

A latent "heterogeneity" ``h ~ N(0, 1)`` (not given out) drives the imaging.

Outcome ``expansion`` (1 = hematoma expansion) is Bernoulli with::

    logit P = -0.55 + 0.55·log(volume/14) + 0.60·antithrombotic
              - 0.25·(onset_to_ct - 3) + 0.12·(glucose - 6) + 1.30·h

(prevalence ≈ 40 %). Age, sex, hypertension, diabetes (other than through
glucose), sbp and gcs have no direct effect.

FVH-style ordinal score (0..6): Binomial(6, expit(-0.8 + 0.6·h)).

Radiomics tables (whole hematoma ``whole`` and habitat sub-regions ``sub1``,
``sub2``, ``sub3``; 107 pyradiomics-named ``original_*`` features each plus
pyradiomics ``diagnostics_*`` columns): each feature is
``loc + scale · z`` with ``z = Σ_k L[j, k]·F_k + e_j`` built from 8 shared
latent factors ``F`` (correlated features), ``e ~ N(0, 0.5²)``, and for the
five informative features per ROI an added ``a_ROI·h`` with
``a = {whole: 0.9, sub1: 0.8, sub2: 0.55, sub3: 1.1}`` (sub3, the rim next to
brain tissue, is the most informative, as in the habitat seed study). Shape
features also load on log(volume).

Deep-feature table: 256 columns ``dl_000`` ... ``dl_255``, non-negative
(``softplus`` of latent combinations, like ReLU/GAP outputs); ``dl_000`` ...
``dl_011`` load on ``h`` with weight 0.8.

Real-life defects: ``glucose`` missing for 3 patients and ``sbp`` for 1; one
extra id present only in the imaging tables (``"HE999"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["HematomaCohort", "make_hematoma_cohort", "RADIOMICS_FEATURES", "TRUE_OUTCOME_MODEL"]

_FEATURES = {
    "shape": ["Elongation", "Flatness", "LeastAxisLength", "MajorAxisLength", "Maximum2DDiameterColumn",
              "Maximum2DDiameterRow", "Maximum2DDiameterSlice", "Maximum3DDiameter", "MeshVolume",
              "MinorAxisLength", "Sphericity", "SurfaceArea", "SurfaceVolumeRatio", "VoxelVolume"],
    "firstorder": ["10Percentile", "90Percentile", "Energy", "Entropy", "InterquartileRange", "Kurtosis",
                   "Maximum", "MeanAbsoluteDeviation", "Mean", "Median", "Minimum", "Range",
                   "RobustMeanAbsoluteDeviation", "RootMeanSquared", "Skewness", "TotalEnergy", "Uniformity",
                   "Variance"],
    "glcm": ["Autocorrelation", "ClusterProminence", "ClusterShade", "ClusterTendency", "Contrast", "Correlation",
             "DifferenceAverage", "DifferenceEntropy", "DifferenceVariance", "Id", "Idm", "Idmn", "Idn", "Imc1",
             "Imc2", "InverseVariance", "JointAverage", "JointEnergy", "JointEntropy", "MCC", "MaximumProbability",
             "SumAverage", "SumEntropy", "SumSquares"],
    "glrlm": ["GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized", "GrayLevelVariance",
              "HighGrayLevelRunEmphasis", "LongRunEmphasis", "LongRunHighGrayLevelEmphasis",
              "LongRunLowGrayLevelEmphasis", "LowGrayLevelRunEmphasis", "RunEntropy", "RunLengthNonUniformity",
              "RunLengthNonUniformityNormalized", "RunPercentage", "RunVariance", "ShortRunEmphasis",
              "ShortRunHighGrayLevelEmphasis", "ShortRunLowGrayLevelEmphasis"],
    "glszm": ["GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized", "GrayLevelVariance",
              "HighGrayLevelZoneEmphasis", "LargeAreaEmphasis", "LargeAreaHighGrayLevelEmphasis",
              "LargeAreaLowGrayLevelEmphasis", "LowGrayLevelZoneEmphasis", "SizeZoneNonUniformity",
              "SizeZoneNonUniformityNormalized", "SmallAreaEmphasis", "SmallAreaHighGrayLevelEmphasis",
              "SmallAreaLowGrayLevelEmphasis", "ZoneEntropy", "ZonePercentage", "ZoneVariance"],
    "gldm": ["DependenceEntropy", "DependenceNonUniformity", "DependenceNonUniformityNormalized",
             "DependenceVariance", "GrayLevelNonUniformity", "GrayLevelVariance", "HighGrayLevelEmphasis",
             "LargeDependenceEmphasis", "LargeDependenceHighGrayLevelEmphasis",
             "LargeDependenceLowGrayLevelEmphasis", "LowGrayLevelEmphasis", "SmallDependenceEmphasis",
             "SmallDependenceHighGrayLevelEmphasis", "SmallDependenceLowGrayLevelEmphasis"],
    "ngtdm": ["Busyness", "Coarseness", "Complexity", "Contrast", "Strength"],
}
RADIOMICS_FEATURES = tuple(f"original_{cls}_{name}" for cls, names in _FEATURES.items() for name in names)

# The five informative radiomics features of each ROI (textural heterogeneity).
INFORMATIVE_RADIOMICS = ("original_firstorder_Entropy", "original_glcm_Contrast", "original_glrlm_RunEntropy",
                         "original_glszm_ZoneEntropy", "original_ngtdm_Complexity")
_ROI_WEIGHT = {"whole": 0.9, "sub1": 0.8, "sub2": 0.55, "sub3": 1.1}

TRUE_OUTCOME_MODEL = {
    "intercept": -0.55,
    "log(volume/14)": 0.55,
    "antithrombotic": 0.60,
    "onset_to_ct - 3": -0.25,
    "glucose - 6": 0.12,
    "h (latent heterogeneity)": 1.30,
}


@dataclass(frozen=True)
class HematomaCohort:
    """The synthetic cohort's tables (all keyed by ``patient_id``).

    Attributes
    ----------
    clinical : DataFrame
        Clinical table with the outcome ``expansion``.
    fvh : DataFrame
        ``patient_id, fvh_score`` (ordinal 0..6).
    radiomics : dict of DataFrame
        ``{"whole", "sub1", "sub2", "sub3"}``: pyradiomics-style exports.
    deep : DataFrame
        256 deep features.
    truth : dict
        The generating model's coefficients and informative features.
    """

    clinical: pd.DataFrame
    fvh: pd.DataFrame
    radiomics: dict
    deep: pd.DataFrame
    truth: dict = field(default_factory=dict)

    def write(self, folder, *, format: str = "csv") -> dict:
        """Write every table into ``folder`` as CSV (default) or Parquet; return ``{name: path}``."""
        if format not in ("csv", "parquet"):
            raise ValueError(f"format must be 'csv' or 'parquet'; got {format!r}.")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        tables = {"clinical": self.clinical, "fvh": self.fvh, "deep_features": self.deep,
                  **{f"radiomics_{k}": v for k, v in self.radiomics.items()}}
        for name, table in tables.items():
            out[name] = write_table(table, folder, name, format)
        return out


def write_table(table: pd.DataFrame, folder, name: str, format: str = "csv") -> Path:
    """Write one generated table as ``folder/<name>.csv`` or ``.parquet``; return the path."""
    path = Path(folder) / f"{name}.{format}"
    if format == "csv":
        table.to_csv(path, index=False, float_format="%.10g")
    else:
        table.to_parquet(path, index=False)
    return path


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_hematoma_cohort(n: int = 235, *, random_state: int = 2024, n_deep: int = 256, sink=None) -> HematomaCohort:
    """Generate the synthetic hematoma-expansion cohort (see the module docstring for the model).

    Parameters
    ----------
    n : int
        Number of patients in the clinical table (235 as in the deep-feature seed study).
    random_state : int
        Seed; the same seed always gives the same cohort.
    n_deep : int
        Number of deep-feature columns.
    sink : callable, optional
        ``sink(name, table)`` receives each imaging table as soon as it is generated, and the table is not
        kept (``radiomics`` and ``deep`` of the result are then empty): large cohorts are written to disk
        without holding every table in memory. Names: ``radiomics_whole`` ... ``radiomics_sub3``,
        ``deep_features``, ``fvh``, ``clinical``. The values are the same as without a sink.

    Returns
    -------
    HematomaCohort

    Examples
    --------
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> c = make_hematoma_cohort()
    >>> c.clinical.shape, round(float(c.clinical["expansion"].mean()), 2)
    ((235, 12), 0.41)
    """
    if int(n) < 20:
        raise ValueError(f"n must be at least 20; got {n}.")
    rng = np.random.default_rng(random_state)
    ids = [f"HE{i:03d}" for i in range(1, n + 1)] if n < 999 else [f"HE{i:06d}" for i in range(1, n + 1)]
    age = np.clip(np.round(rng.normal(64, 11, n)), 30, 95)
    sex = np.where(rng.random(n) < 0.62, "Male", "Female")
    htn = (rng.random(n) < 0.66).astype(int)
    dm = (rng.random(n) < 0.20).astype(int)
    glucose = np.round(np.maximum(5.6 + 1.6 * dm + rng.normal(0, 1.1, n), 3.5), 1)
    sbp = np.round(150 + 12 * htn + rng.normal(0, 20, n))
    volume = np.round(np.exp(rng.normal(np.log(14), 0.75, n)), 1)
    gcs = np.clip(15 - rng.poisson(1.0 + 0.04 * volume), 3, 15)
    onset = np.round(rng.uniform(0.5, 6, n), 1)
    anti = (rng.random(n) < 0.15).astype(int)
    h = rng.normal(0, 1, n)
    t = TRUE_OUTCOME_MODEL
    lp = (t["intercept"] + t["log(volume/14)"] * np.log(volume / 14) + t["antithrombotic"] * anti
          + t["onset_to_ct - 3"] * (onset - 3) + t["glucose - 6"] * (glucose - 6) + t["h (latent heterogeneity)"] * h)
    y = (rng.random(n) < _expit(lp)).astype(int)
    fvh = rng.binomial(6, _expit(-0.8 + 0.6 * h))

    clinical = pd.DataFrame({
        "patient_id": ids, "age": age.astype(int), "sex": sex, "hypertension": htn, "diabetes": dm,
        "glucose": glucose, "sbp": sbp, "gcs": gcs.astype(int), "onset_to_ct": onset, "volume": volume,
        "antithrombotic": anti, "expansion": y,
    })
    # defects: a few missing values
    miss_g = rng.choice(n, 3, replace=False)
    clinical.loc[miss_g, "glucose"] = np.nan
    clinical.loc[rng.choice(np.setdiff1d(np.arange(n), miss_g), 1), "sbp"] = np.nan

    # imaging: one extra id only in the imaging tables
    extra = "HE999"
    img_ids = ids + [extra]
    n_img = n + 1
    h_img = np.append(h, rng.normal())
    logvol = np.append(np.log(volume), np.log(14.0))

    n_feat = len(RADIOMICS_FEATURES)
    n_fac = 8
    loadings = rng.normal(0, 1, (n_feat, n_fac)) * (rng.random((n_feat, n_fac)) < 0.35)
    locs = rng.uniform(0.5, 50, n_feat)
    scales = rng.uniform(0.1, 5, n_feat)
    shape_idx = np.array([f.startswith("original_shape_") for f in RADIOMICS_FEATURES])
    inf_idx = np.array([f in INFORMATIVE_RADIOMICS for f in RADIOMICS_FEATURES])
    radiomics = {}
    factors = rng.normal(0, 1, (n_img, n_fac))
    for roi, weight in _ROI_WEIGHT.items():
        roi_factors = 0.8 * factors + 0.6 * rng.normal(0, 1, (n_img, n_fac))
        z = roi_factors @ loadings.T + rng.normal(0, 0.5, (n_img, n_feat))
        z[:, shape_idx] += 1.5 * (logvol[:, None] - np.log(14))
        z[:, inf_idx] += weight * h_img[:, None]
        values = locs + scales * z
        table = pd.DataFrame(values, columns=list(RADIOMICS_FEATURES))
        table.insert(0, "patient_id", img_ids)
        table.insert(1, "diagnostics_Versions_PyRadiomics", "synthetic")
        table.insert(2, "diagnostics_Mask-original_VoxelNum",
                     np.round(np.exp(logvol) * 1000 * {"whole": 1, "sub1": 0.4, "sub2": 0.35, "sub3": 0.25}[roi]).astype(int))
        if sink is None:
            radiomics[roi] = table
        else:
            sink(f"radiomics_{roi}", table)
        del table, z, values

    dl_load = rng.normal(0, 0.6, (n_deep, n_fac))
    dz = factors @ dl_load.T + rng.normal(0, 0.7, (n_img, n_deep))
    dz[:, :12] += 0.8 * h_img[:, None]
    deep_vals = np.round(np.log1p(np.exp(dz)), 6)
    del dz
    deep = pd.DataFrame(deep_vals, columns=[f"dl_{j:03d}" for j in range(n_deep)])
    del deep_vals
    deep.insert(0, "patient_id", img_ids)
    if sink is not None:
        sink("deep_features", deep)
        deep = pd.DataFrame({"patient_id": []})

    fvh_table = pd.DataFrame({"patient_id": img_ids, "fvh_score": np.append(fvh, rng.binomial(6, 0.3))})
    truth = {"outcome_model": dict(TRUE_OUTCOME_MODEL), "informative_radiomics": INFORMATIVE_RADIOMICS,
             "roi_weight": dict(_ROI_WEIGHT), "informative_deep": tuple(f"dl_{j:03d}" for j in range(min(12, n_deep))),
             "imaging_only_id": extra, "missing": {"glucose": 3, "sbp": 1}, "random_state": random_state}
    if sink is not None:
        sink("fvh", fvh_table)
        sink("clinical", clinical)
    return HematomaCohort(clinical=clinical, fvh=fvh_table, radiomics=radiomics, deep=deep, truth=truth)
