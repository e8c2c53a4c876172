"""A small synthetic head-CT phantom cohort (NIfTI image + hematoma mask per case) for tests and examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._deps import need

__all__ = ["make_phantom_cohort"]


def make_phantom_cohort(folder, n: int = 12, *, random_state: int = 0, shape=(24, 64, 64), spacing=(0.6, 0.6, 2.0)):
    """Write ``n`` phantom cases (brain ~30 HU, an ellipsoid hematoma ~60 HU with a heterogeneous rim) as
    NIfTI files and return the manifest (``patient_id, image, mask, expansion``).

    SYNTHETIC: the rim heterogeneity drives a simulated expansion outcome, so extracted features carry signal.
    """
    sitk = need("SimpleITK")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    z, y, x = np.mgrid[: shape[0], : shape[1], : shape[2]]
    rows = []
    for i in range(n):
        het = rng.uniform(0, 1)
        a, b, c = rng.uniform(4, 7), rng.uniform(10, 16), rng.uniform(9, 15)
        r2 = ((z - shape[0] / 2) / a) ** 2 + ((y - shape[1] / 2) / b) ** 2 + ((x - shape[2] / 2) / c) ** 2
        img = rng.normal(30, 4, shape)
        hem = r2 <= 1
        rim = (r2 > 0.55) & hem
        img[hem] = rng.normal(62, 4, hem.sum())
        img[rim] = rng.normal(55, 4 + 14 * het, rim.sum())
        im = sitk.GetImageFromArray(img.astype(np.float32))
        im.SetSpacing(spacing)
        mk = sitk.GetImageFromArray(hem.astype(np.uint8))
        mk.CopyInformation(im)
        pid = f"PH{i + 1:03d}"
        sitk.WriteImage(im, str(folder / f"{pid}_ct.nii.gz"))
        sitk.WriteImage(mk, str(folder / f"{pid}_mask.nii.gz"))
        rows.append({"patient_id": pid, "image": f"{pid}_ct.nii.gz", "mask": f"{pid}_mask.nii.gz",
                     "expansion": int(rng.random() < 1 / (1 + np.exp(-(4 * het - 2))))})
    manifest = pd.DataFrame(rows)
    manifest.to_csv(folder / "manifest.csv", index=False)
    return manifest
