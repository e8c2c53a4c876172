"""Write habitat_second_segmentation.csv (in cohortstats/datasets/studies, beside the bundled habitat example; the
file of the same name here links to it): a second segmentation of 30 of the habitat study's 228 synthetic patients, for the
study file's reproducibility screen (the ICC of every feature between the two segmentations).

The study's cohort is ``make_hematoma_cohort(228, random_state=2023)`` (``data: {synthetic: hematoma,
synthetic_n: 228}`` with ``seed: 2023``); this script draws 30 of its patients and adds a re-segmentation error to
each feature of the whole hematoma and the three sub-regions: for most features a few percent of the
between-patient SD, for about one in ten as much as the between-patient SD (a poorly reproducible feature).
Run it again (from this folder) only if the synthetic generator changes:

    python make_second_segmentation.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

from cohortstats.datasets import make_hematoma_cohort

N_PATIENTS = 30
ERROR = (0.05, 0.10, 0.25, 1.0)  # re-segmentation error, as a share of the between-patient SD
SHARE = (0.45, 0.30, 0.15, 0.10)  # how many features have each error


def second_segmentation(seed: int = 20231) -> pd.DataFrame:
    cohort = make_hematoma_cohort(228, random_state=2023)
    rng = np.random.default_rng(seed)
    ids = sorted(rng.choice(cohort.clinical["patient_id"].to_numpy(), N_PATIENTS, replace=False))
    out = pd.DataFrame({"patient_id": ids})
    for roi in ("whole", "sub1", "sub2", "sub3"):
        table = cohort.radiomics[roi].set_index("patient_id")
        features = [c for c in table.columns if c.startswith("original_")]
        first = table.loc[ids, features]
        error = rng.choice(ERROR, size=len(features), p=SHARE) * table[features].std().to_numpy()
        second = first + rng.normal(size=first.shape) * error
        out = out.join(second.add_prefix(f"{roi}_").reset_index(drop=True))
    return out


if __name__ == "__main__":
    path = Path(__file__).resolve().parents[2] / "cohortstats" / "datasets" / "studies" / "habitat_second_segmentation.csv"
    second_segmentation().to_csv(path, index=False, float_format="%.6g")
    print(f"wrote {path}")
