"""Radiomics extraction with pyradiomics: one case, or a batch from a manifest with per-case errors."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from ._deps import need
from .io import load_mask, read_image, read_manifest

__all__ = ["extract_radiomics", "extract_batch", "BatchResult", "DEFAULT_SETTINGS", "DEFAULT_CLASSES",
           "extract_folder_tables", "extractor_settings"]

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
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = ext.execute(img, msk, label=int(label))
    out = {k: (float(v) if not isinstance(v, (str, tuple, dict)) and getattr(v, "ndim", 0) == 0 else str(v))
           for k, v in result.items()}
    undefined = [k for k, v in out.items() if not k.startswith("diagnostics") and isinstance(v, float) and v != v]
    if undefined:  # e.g. glcm MCC of a tiny or flat ROI (a negative eigenvalue in pyradiomics)
        crop["diagnostics_cohortstats_UndefinedFeatures"] = ", ".join(undefined)
    # pyradiomics' image diagnostics (size, hash, mean) then describe the cropped volume; say so
    return {**crop, **out} if crop else out


@dataclass(frozen=True)
class BatchResult:
    """Features of every case that succeeded (``table``), and every case that failed with its reason."""

    table: pd.DataFrame
    errors: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def extract_batch(manifest, *, id_column: str = "patient_id", image_column: str = "image", mask_column: str = "mask",
                  label: int | None = None, params=None, settings: dict | None = None, classes=DEFAULT_CLASSES,
                  progress: bool = False, base=None) -> BatchResult:
    """Extract radiomics for every row of a manifest (a DataFrame or CSV with id, image and mask paths).

    A case that fails (unreadable file, geometry mismatch, empty mask, a pyradiomics error) is
    reported in ``errors`` with its id and the message; the batch goes on.
    """
    manifest, base = read_manifest(manifest, base, (id_column, image_column, mask_column))
    ext = _extractor(params, settings, classes, True)
    rows, errors = [], []
    iterator = manifest.itertuples(index=False)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(list(iterator), desc="radiomics", unit="case")
    for rec in iterator:
        rec = rec._asdict()
        case = rec[id_column]
        try:
            img = base / str(rec[image_column])
            msk = base / str(rec[mask_column])
            feats = _execute(ext, img, msk, label)
            rows.append({id_column: case, **feats})
        except Exception as err:  # noqa: BLE001 - every failure is reported with its case id
            errors.append({id_column: case, "error": type(err).__name__, "message": str(err)[:300]})
    return BatchResult(pd.DataFrame(rows), pd.DataFrame(errors, columns=[id_column, "error", "message"]),
                       extractor_settings(ext, params))


def extractor_settings(ext, params=None) -> dict:
    """What a pyradiomics extractor will do: its settings, image types and enabled feature classes."""
    return {"params": str(params) if params else None, "settings": dict(ext.settings),
            "image_types": {k: dict(v) for k, v in ext.enabledImagetypes.items()},
            "classes": sorted(ext.enabledFeatures)}


def extract_folder_tables(source, out, *, id_column: str = "patient_id", image_column: str = "image",
                          mask_column: str = "mask", habitats: int = 0, settings=None, params=None,
                          label: int | None = None, image_suffix: str = "_ct", mask_suffix: str = "_mask",
                          deep_weights=None, deep_aggregate: str = "mean", progress: bool = False) -> dict:
    """The ``cohortstats extract`` command: whole-ROI radiomics (and ``habitats`` sub-regions) for every case.

    Parameters
    ----------
    source : path
        A manifest CSV (``patient_id, image, mask``, paths relative to it) or a folder of
        ``<id><image_suffix>.<ext>`` / ``<id><mask_suffix>.<ext>`` pairs (:func:`manifest_from_folder`).
    params : path, optional
        A pyradiomics parameter file (YAML/JSON), used for the whole ROI and the sub-regions;
        otherwise ``settings`` over :data:`DEFAULT_SETTINGS`.
    deep_weights : path, optional
        A ResNet50 state dict: also write ``deep_features.csv`` (the seed's five-slice recipe,
        :func:`~cohortstats.imaging.extract_deep_batch`, aggregated by ``deep_aggregate``).

    Returns
    -------
    dict
        ``{table name: path}``: ``radiomics_whole.csv`` (``radiomics_sub<k>.csv``), ``extraction_errors.csv``
        (every failed or unpaired case with its reason) and ``extraction_settings.json`` (pyradiomics' settings,
        image types and feature classes), ready for ``merge_tables`` and the study file.
    """
    from .habitat import habitat_radiomics
    from .io import manifest_from_folder

    if not isinstance(habitats, int) or habitats < 0 or habitats == 1:
        raise DataValidationError(f"habitats must be 0 (whole ROI only) or a number of sub-regions >= 2; got "
                                  f"{habitats!r}.")
    out = Path(out)
    source = Path(source)
    if source.is_dir():
        man, unpaired = manifest_from_folder(source, image_suffix=image_suffix, mask_suffix=mask_suffix,
                                             id_column=id_column)
        base = source
        image_column, mask_column = "image", "mask"
    elif source.is_file():
        man, unpaired, base = pd.read_csv(source), None, source.parent
    else:
        raise FileNotFoundError(f"no manifest CSV or image folder at {str(source)!r}.")
    out.mkdir(parents=True, exist_ok=True)
    whole = extract_batch(man, id_column=id_column, image_column=image_column, mask_column=mask_column, label=label,
                          settings=settings, params=params, progress=progress, base=base)
    paths = {"radiomics_whole": out / "radiomics_whole.csv"}
    whole.table.to_csv(paths["radiomics_whole"], index=False)
    errors = [whole.errors.assign(roi="whole")]
    if unpaired is not None and len(unpaired):
        errors.insert(0, unpaired.assign(roi="whole"))
    if habitats:
        per_region: dict = {c: [] for c in range(1, habitats + 1)}
        hab_errors = []
        for rec in man.itertuples(index=False):
            rec = rec._asdict()
            try:
                feats = habitat_radiomics(base / str(rec[image_column]), base / str(rec[mask_column]), k=habitats,
                                          label=label, settings=settings, params=params,
                                          keep_masks_in=out / "habitat_masks",
                                          case_id=str(rec[id_column]))
                for c, f in feats.items():
                    per_region[c].append({id_column: rec[id_column], **f})
            except Exception as err:  # noqa: BLE001 - reported with the case id; the batch goes on
                hab_errors.append({id_column: rec[id_column], "error": type(err).__name__, "message": str(err)[:300],
                                   "roi": "habitats"})
        for c, rows in per_region.items():
            paths[f"radiomics_sub{c}"] = out / f"radiomics_sub{c}.csv"
            pd.DataFrame(rows).to_csv(paths[f"radiomics_sub{c}"], index=False)
        errors.append(pd.DataFrame(hab_errors, columns=[id_column, "error", "message", "roi"]))
    recorded = dict(whole.settings)
    if deep_weights is not None:
        from .deep import extract_deep_batch

        deep = extract_deep_batch(man, weights=deep_weights, aggregate=deep_aggregate, label=label,
                                  id_column=id_column, image_column=image_column, mask_column=mask_column,
                                  base=base, progress=progress)
        paths["deep_features"] = out / "deep_features.csv"
        deep.table.to_csv(paths["deep_features"], index=False)
        errors.append(deep.errors.assign(roi="deep"))
        recorded["deep"] = deep.settings
    paths["extraction_settings"] = out / "extraction_settings.json"
    paths["extraction_settings"].write_text(json.dumps(recorded, indent=2, default=str))
    err = pd.concat(errors, ignore_index=True)
    paths["extraction_errors"] = out / "extraction_errors.csv"
    err.to_csv(paths["extraction_errors"], index=False)
    return paths
