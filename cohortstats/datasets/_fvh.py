"""A deterministic, clearly synthetic cohort shaped like the FLAIR vascular hyperintensity (FVH) seed study.

SYNTHETIC DATA: no patient's data were used. Patients with chronic atherosclerotic middle cerebral artery
occlusion; with the default ``n = 94``, exactly 38 have no acute infarction and 56 have one, and exactly 13 of
the 56 have a poor outcome (modified Rankin Scale > 2 at 3 months), as in the paper.

Generating model (all draws from ``numpy.random.default_rng(random_state)``)
---------------------------------------------------------------------------
===================  ==========================================================
age                  N(66, 10²), whole years, clipped to [35, 90]
sex                  "Male" with probability 0.62, else "Female"
hypertension         Bernoulli(0.70); diabetes Bernoulli(0.28); smoking Bernoulli(0.35)
sbp                  systolic BP (mmHg): 145 + 10·hypertension + N(0, 18²), rounded
ldl                  LDL cholesterol (mmol/L): N(2.7, 0.8²), ≥ 1.0, two decimals; 2 values missing
fibrinogen           g/L: N(3.0, 0.55²) (+0.3 with infarction, see below), two decimals
fvh_score            consensus FVH score 0..9: Binomial(9, expit(-0.9 + 0.9·d)), d ~ N(0, 1) latent
fvh_reader1/2        each reader's score: consensus + e, e = -1, 0, +1 with P 0.1, 0.8, 0.1, kept in 0..9
infarction           the round(56/94·n) patients with the largest
                     -1 + 0.5·fvh_score + 0.8·(fibrinogen - 3) + Logistic(0, 1) (a logistic model by ranks)
nihss                admission NIHSS: Poisson(0.6) without, Poisson(3 + 0.4·fvh_score) with infarction
mrs_admission        clip(round(nihss / 3 + N(0, 0.7²)), 0, 5)
poor outcome         among the infarction patients, the round(13/56·n_inf) with the largest
                     -4 + 0.3·nihss + 0.4·mrs_admission + 0.5·fvh_score + Logistic(0, 1)
mrs_3m               poor: 3, 4, 5, 6 (P .4, .3, .2, .1); otherwise 0, 1, 2 (P .3, .4, .3)
infarct_volume_r1/2  infarction only (else missing): two readers' volumes (mL), LogNormal(log 8, 0.9²)
                     times exp(N(0, 0.08²)) and exp(N(0, 0.10²))
===================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["FvhCohort", "make_fvh_cohort"]


@dataclass(frozen=True)
class FvhCohort:
    """The synthetic FVH cohort's tables, keyed by ``patient_id``: ``clinical`` (demographics, laboratory values,
    NIHSS, mRS at admission and at 3 months, ``infarction``) and ``imaging`` (consensus and per-reader FVH
    scores, two readers' infarct volumes); ``truth`` holds the generating choices."""

    clinical: pd.DataFrame
    imaging: pd.DataFrame
    truth: dict = field(default_factory=dict)

    def write(self, folder, *, format: str = "csv") -> dict:
        """Write both tables into ``folder`` (CSV or Parquet); return ``{name: path}``."""
        from ._hematoma import write_table

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return {name: write_table(t, folder, name, format) for name, t in (("clinical", self.clinical),
                                                                             ("imaging", self.imaging))}


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask of the k largest scores (ties broken by position, deterministically)."""
    mask = np.zeros(len(score), bool)
    mask[np.argsort(-score, kind="stable")[:k]] = True
    return mask


def make_fvh_cohort(n: int = 94, *, random_state: int = 2021) -> FvhCohort:
    """Generate the synthetic FVH cohort (see the module docstring for the model).

    Parameters
    ----------
    n : int
        Patients (94 as in the paper; the group sizes scale with ``n``).
    random_state : int
        Seed; the same seed always gives the same cohort.

    Returns
    -------
    FvhCohort

    Examples
    --------
    >>> from cohortstats.datasets import make_fvh_cohort
    >>> c = make_fvh_cohort()
    >>> inf = c.clinical[c.clinical["infarction"] == 1]
    >>> len(c.clinical), len(inf), int((inf["mrs_3m"] > 2).sum())
    (94, 56, 13)
    """
    if int(n) < 20:
        raise ValueError(f"n must be at least 20; got {n}.")
    rng = np.random.default_rng(random_state)
    ids = [f"FV{i:03d}" for i in range(1, n + 1)]
    age = np.clip(np.round(rng.normal(66, 10, n)), 35, 90).astype(int)
    sex = np.where(rng.random(n) < 0.62, "Male", "Female")
    htn = (rng.random(n) < 0.70).astype(int)
    dm = (rng.random(n) < 0.28).astype(int)
    smoking = (rng.random(n) < 0.35).astype(int)
    sbp = np.round(145 + 10 * htn + rng.normal(0, 18, n))
    ldl = np.round(np.maximum(rng.normal(2.7, 0.8, n), 1.0), 2)
    fib_base = rng.normal(3.0, 0.55, n)
    d = rng.normal(0, 1, n)
    fvh = rng.binomial(9, _expit(-0.9 + 0.9 * d))
    n_inf = int(round(56 / 94 * n))
    inf = _top(-1 + 0.5 * fvh + 0.8 * (fib_base - 3) + rng.logistic(0, 1, n), n_inf)
    fibrinogen = np.round(fib_base + 0.3 * inf, 2)
    nihss = np.where(inf, rng.poisson(3 + 0.4 * fvh), rng.poisson(0.6, n))
    mrs_adm = np.clip(np.round(nihss / 3 + rng.normal(0, 0.7, n)), 0, 5).astype(int)
    n_poor = int(round(13 / 56 * n_inf))
    lp = -4 + 0.3 * nihss + 0.4 * mrs_adm + 0.5 * fvh + rng.logistic(0, 1, n)
    poor = np.zeros(n, bool)
    idx_inf = np.flatnonzero(inf)
    poor[idx_inf[_top(lp[idx_inf], n_poor)]] = True
    mrs3 = np.where(poor, rng.choice([3, 4, 5, 6], n, p=[0.4, 0.3, 0.2, 0.1]),
                    rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3]))

    def reading():
        return np.clip(fvh + rng.choice([-1, 0, 1], n, p=[0.1, 0.8, 0.1]), 0, 9)

    r1, r2 = reading(), reading()
    vol = np.exp(rng.normal(np.log(8), 0.9, n))
    v1 = np.where(inf, np.round(vol * np.exp(rng.normal(0, 0.08, n)), 1), np.nan)
    v2 = np.where(inf, np.round(vol * np.exp(rng.normal(0, 0.10, n)), 1), np.nan)
    clinical = pd.DataFrame({"patient_id": ids, "age": age, "sex": sex, "hypertension": htn, "diabetes": dm,
                             "smoking": smoking, "sbp": sbp, "ldl": ldl, "fibrinogen": fibrinogen,
                             "nihss": nihss.astype(int), "mrs_admission": mrs_adm, "infarction": inf.astype(int),
                             "mrs_3m": mrs3.astype(int)})
    clinical.loc[rng.choice(n, 2, replace=False), "ldl"] = np.nan
    imaging = pd.DataFrame({"patient_id": ids, "fvh_score": fvh.astype(int), "fvh_reader1": r1.astype(int),
                            "fvh_reader2": r2.astype(int), "infarct_volume_r1": v1, "infarct_volume_r2": v2})
    truth = {"n_infarction": n_inf, "n_poor_outcome": n_poor, "random_state": random_state,
             "infarction_model": "-1 + 0.5*fvh_score + 0.8*(fibrinogen - 3) + Logistic(0, 1), top n_inf",
             "outcome_model": "-4 + 0.3*nihss + 0.4*mrs_admission + 0.5*fvh_score + Logistic(0, 1), top n_poor"}
    return FvhCohort(clinical=clinical, imaging=imaging, truth=truth)
