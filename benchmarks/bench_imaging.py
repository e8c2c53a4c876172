"""Imaging extra timings on a realistic-size phantom (512 x 512 in-plane at 0.45 mm, 32 slices of 5 mm, a
~30 mL hematoma). Run: python benchmarks/bench_imaging.py (needs SimpleITK, pyradiomics; torch for deep)."""

import tempfile
import time
from pathlib import Path

import numpy as np


def main():
    import SimpleITK as sitk

    from cohortstats.imaging import extract_deep_features, extract_radiomics
    from cohortstats.imaging.habitat import habitat_radiomics

    rng = np.random.default_rng(0)
    shape, spacing = (32, 512, 512), (0.45, 0.45, 5.0)
    z, y, x = np.mgrid[: shape[0], : shape[1], : shape[2]]
    r2 = ((z - 16) / 3.5) ** 2 + ((y - 256) / 45) ** 2 + ((x - 256) / 40) ** 2
    img = rng.normal(30, 5, shape).astype(np.float32)
    hem = r2 <= 1
    img[hem] = rng.normal(60, 8, hem.sum())
    with tempfile.TemporaryDirectory() as tmp:
        im = sitk.GetImageFromArray(img)
        im.SetSpacing(spacing)
        mk = sitk.GetImageFromArray(hem.astype(np.uint8))
        mk.CopyInformation(im)
        ip, mp = Path(tmp) / "ct.nii.gz", Path(tmp) / "mask.nii.gz"
        sitk.WriteImage(im, str(ip))
        sitk.WriteImage(mk, str(mp))
        ml = hem.sum() * np.prod(spacing) / 1000
        t0 = time.perf_counter()
        extract_radiomics(ip, mp)
        print(f"whole-hematoma radiomics (7 classes, {ml:.0f} mL ROI): {time.perf_counter() - t0:.2f} s (target < 3 s)")
        t0 = time.perf_counter()
        habitat_radiomics(ip, mp, k=3)
        print(f"3 habitat sub-regions (clustering + radiomics): {time.perf_counter() - t0:.2f} s (target < 5 s)")
        try:
            extract_deep_features(ip, mp, allow_random_weights=True)  # warm-up (model construction)
            t0 = time.perf_counter()
            extract_deep_features(ip, mp, allow_random_weights=True)
            print(f"ResNet50 features, 5 slices, CPU: {time.perf_counter() - t0:.2f} s (target < 2 s)")
        except ImportError as err:
            print(f"deep features skipped: {err}")


if __name__ == "__main__":
    main()
