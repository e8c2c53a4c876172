"""Radiomics extraction with pyradiomics for one case (batches: :mod:`.batch`)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from ._deps import need
from .io import load_mask, read_image

__all__ = ["extract_radiomics", "DEFAULT_SETTINGS", "DEFAULT_CLASSES", "extractor_settings"]

DEFAULT_SETTINGS = {"binWidth": 25, "resampledPixelSpacing": None, "interpolator": "sitkBSpline",
                    "preCrop": True, "normalize": False, "correctMask": False}
DEFAULT_CLASSES = ("firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm")


def _extractor(params, settings, classes, shape: bool = True):
    need("SimpleITK")
    need("radiomics")
    from radiomics import featureextractor

    logging.getLogger("radiomics").setLevel(logging.ERROR)
    if params is not None:
        if not Path(params).is_file():
            raise FileNotFoundError(f"no pyradiomics parameter file at {str(params)!r}.")
        ext = featureextractor.RadiomicsFeatureExtractor(str(params))
        if not shape:
            for cls in ("shape", "shape2D"):
                ext.enabledFeatures.pop(cls, None)
    else:
        s = dict(DEFAULT_SETTINGS)
        s.update(settings or {})
        ext = featureextractor.RadiomicsFeatureExtractor(**{k: v for k, v in s.items() if v is not None})
        ext.disableAllFeatures()
        for cls in classes:
            if cls == "shape" and not shape:
                continue
            ext.enableFeatureClassByName(cls)
    return ext


def extract_radiomics(image, mask, *, label: int | None = None, params=None, settings: dict | None = None,
                      classes=DEFAULT_CLASSES, shape: bool = True) -> dict:
    """pyradiomics features of one ROI, with pyradiomics' column names (``original_glcm_Contrast``, ...).

    Parameters
    ----------
    image, mask : path or SimpleITK image
    label : int, optional
        Mask label (required when the mask has several).
    params : path, optional
        A pyradiomics parameter file; otherwise ``settings`` over the documented defaults
        (bin width 25, no resampling, preCrop, original image type, the 7 classes).
    shape : bool
        Shape features off for fragmented ROIs (habitat sub-regions).

    Returns
    -------
    dict
        Feature name -> value, plus pyradiomics' ``diagnostics_*`` entries.
    """
    return _execute(_extractor(params, settings, classes, shape), image, mask, label)


def _crop_to_roi(ext, img, msk, label):
    """Image and mask cut to the ROI's bounding box plus (padDistance + 1) voxels, when that cannot change a
    feature: original image only, no resampling and no normalisation (which uses the whole image's mean and
    SD). pyradiomics crops to the box plus padDistance itself, but hashes and summarises the whole volumes
    first, which dominates its time on a 512 x 512 CT. The baseline tests cover both paths."""
    sitk = need("SimpleITK")
    if (set(ext.enabledImagetypes) != {"Original"} or ext.settings.get("resampledPixelSpacing") is not None
            or ext.settings.get("normalize")):
        return img, msk, {}
    roi = sitk.GetArrayViewFromImage(msk) == label  # z, y, x
    pad = int(ext.settings.get("padDistance", 5)) + 1
    lo, hi = [], []
    for axis in range(roi.ndim):
        hit = np.flatnonzero(roi.any(axis=tuple(a for a in range(roi.ndim) if a != axis)))
        lo.append(max(int(hit[0]) - pad, 0))
        hi.append(min(int(hit[-1]) + pad + 1, roi.shape[axis]))
    index, size = lo[::-1], [h - l for l, h in zip(lo, hi)][::-1]  # SimpleITK order: x, y, z
    if list(size) == list(img.GetSize()):
        return img, msk, {}
    info = {"diagnostics_cohortstats_CroppedFrom": str(tuple(img.GetSize())),
            "diagnostics_cohortstats_CropIndex": str(tuple(index)), "diagnostics_cohortstats_CropSize": str(tuple(size))}
    return sitk.RegionOfInterest(img, size, index), sitk.RegionOfInterest(msk, size, index), info


def _execute(ext, image, mask, label) -> dict:
    img = read_image(image)
    msk, label = load_mask(img, mask, label=label)
    img, msk, crop = _crop_to_roi(ext, img, msk, int(label))
    # undefined features (numpy's empty means, negative eigenvalues inside pyradiomics) come back as NaN and are
    # listed in the diagnostics below instead of as numpy warnings
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings(record=True):
        warnings.simplefilter("always", RuntimeWarning)  # recorded here; their features are listed below
        result = ext.execute(img, msk, label=int(label))
    out = {k: (float(v) if not isinstance(v, (str, tuple, dict)) and getattr(v, "ndim", 0) == 0 else str(v))
           for k, v in result.items()}
    undefined = [k for k, v in out.items() if not k.startswith("diagnostics") and isinstance(v, float) and v != v]
    if undefined:  # e.g. glcm MCC of a tiny or flat ROI (a negative eigenvalue in pyradiomics)
        crop["diagnostics_cohortstats_UndefinedFeatures"] = ", ".join(undefined)
    # pyradiomics' image diagnostics (size, hash, mean) then describe the cropped volume; say so
    return {**crop, **out} if crop else out


def extractor_settings(ext, params=None) -> dict:
    """What a pyradiomics extractor will do: its settings, image types and enabled feature classes."""
    return {"params": str(params) if params else None, "settings": dict(ext.settings),
            "image_types": {k: dict(v) for k, v in ext.enabledImagetypes.items()},
            "classes": sorted(ext.enabledFeatures)}


