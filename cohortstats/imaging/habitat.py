"""Habitat sub-regions: voxel features, k-means, labels ordered by mean distance from the ROI boundary or by mean
intensity, per-region radiomics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import ndimage

from ..exceptions import DataValidationError
from ._deps import need
from .io import load_mask, read_image

__all__ = ["habitat_subregions", "HabitatResult", "voxel_features", "habitat_radiomics", "subregion_label",
           "HABITAT_ORDERS"]

HABITAT_ORDERS = ("distance", "intensity")


def subregion_label(index: int, k: int, order: str) -> str:
    """What sub-region ``index`` (1..k) is under a numbering ``order``.

    >>> subregion_label(3, 3, "distance")
    'sub-region 3 of 3 by distance from the ROI boundary (outermost: the interface with the surrounding tissue)'
    >>> subregion_label(1, 3, "intensity")
    'sub-region 1 of 3 by mean intensity (lowest)'
    """
    if order not in HABITAT_ORDERS:
        raise DataValidationError(f"order must be one of {HABITAT_ORDERS}; got {order!r}.")
    if order == "distance":
        where = (" (innermost: the core)" if index == 1 else
                 " (outermost: the interface with the surrounding tissue)" if index == k else "")
        return f"sub-region {index} of {k} by distance from the ROI boundary{where}"
    where = " (lowest)" if index == 1 else " (highest)" if index == k else ""
    return f"sub-region {index} of {k} by mean intensity{where}"


def voxel_features(array: np.ndarray, roi: np.ndarray, *, radius: int = 1, bins: int = 16) -> np.ndarray:
    """Per ROI voxel: intensity (HU), local entropy and local SD in a (2r+1)³ window.

    Local SD from box-filtered first and second moments; local entropy from box-filtered indicator
    images of ``bins`` intensity bins (edges from the ROI's range). Returns (n_voxels, 3).
    """
    a = array.astype(float)
    size = 2 * radius + 1
    mean = ndimage.uniform_filter(a, size)
    sq = ndimage.uniform_filter(a * a, size)
    sd = np.sqrt(np.maximum(sq - mean**2, 0))
    vals = a[roi]
    edges = np.linspace(vals.min(), vals.max() + 1e-9, bins + 1)
    q = np.clip(np.digitize(a, edges) - 1, 0, bins - 1)
    ent = np.zeros_like(a)
    for b in range(bins):
        p = ndimage.uniform_filter((q == b).astype(float), size)
        ent -= np.where(p > 0, p * np.log2(np.maximum(p, 1e-12)), 0.0)
    return np.column_stack([vals, ent[roi], sd[roi]])


@dataclass(frozen=True)
class HabitatResult:
    """Sub-region label image (1..k, numbered by ``order``) and per-region summaries (``subregion, label,
    voxels, volume_ml, mean_intensity, mean_distance_mm, components``)."""

    labels: object = field(repr=False)  # SimpleITK image, same geometry as the input
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    k: int = 3
    mode: str = "per patient"
    order: str = "intensity"

    def tidy(self) -> pd.DataFrame:
        return self.summary.copy()

    def write(self, path) -> None:
        sitk = need("SimpleITK")
        sitk.WriteImage(self.labels, str(path))


def habitat_subregions(image, mask, *, k: int = 3, label: int | None = None, radius: int = 1, random_state: int = 0,
                       centers=None, order: str = "intensity") -> HabitatResult:
    """Cluster a ROI's voxels into ``k`` sub-regions (habitats) by HU, local entropy and local SD.

    Parameters
    ----------
    k : int
        Number of sub-regions (3 as in the habitat seed study).
    centers : array (k, 3), optional
        Population-level clustering: standardised cluster centres fitted on many patients; each
        voxel goes to the nearest centre. Default: k-means within this patient (per-patient mode).
    order : {"intensity", "distance"}
        How the clusters are numbered 1..k: by increasing mean intensity (the default, as before), or by
        decreasing mean distance from the ROI boundary, innermost first, so that sub-region k is the outermost
        one: the interface with the surrounding tissue (the habitat seed paper's "ROIsub3").

    Notes
    -----
    Features are standardised within the ROI; k-means (scikit-learn, 10 starts, ``random_state``) gives
    the clusters, which are relabelled 1..k by ``order`` so the labels mean the same thing across patients and
    runs. The distance of a voxel is the Euclidean distance (mm, voxel spacing included) to the nearest voxel
    outside the ROI (``scipy.ndimage.distance_transform_edt``). Volumes come from voxel counts x voxel volume.
    The summary's ``label`` says what each number means (:func:`subregion_label`).
    """
    if order not in HABITAT_ORDERS:
        raise DataValidationError(f"order must be 'distance' or 'intensity'; got {order!r}.")
    sitk = need("SimpleITK")
    from sklearn.cluster import KMeans

    img = read_image(image)
    msk, label = load_mask(img, mask, label=label)
    full = sitk.GetArrayFromImage(img)
    full_roi = sitk.GetArrayFromImage(msk) == label
    if full_roi.sum() < k * 5:
        raise DataValidationError(f"the ROI has {int(full_roi.sum())} voxels; too few for {k} sub-regions.")
    # work on the ROI's bounding box plus the filter radius: the local filters never see beyond it
    idx = np.nonzero(full_roi)
    box = tuple(slice(max(int(i.min()) - radius, 0), int(i.max()) + radius + 1) for i in idx)
    arr, roi = full[box], full_roi[box]
    feats = voxel_features(arr, roi, radius=radius)
    z = (feats - feats.mean(axis=0)) / np.where(feats.std(axis=0) > 0, feats.std(axis=0), 1)
    if centers is None:
        km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(z)
        raw = km.labels_
        mode = "per patient"
    else:
        centers = np.asarray(centers, float)
        raw = np.argmin(((z[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)
        mode = "population centres"
    spacing = img.GetSpacing()[::-1]  # (z, y, x), as the array
    dist = ndimage.distance_transform_edt(np.pad(roi, 1), sampling=spacing)[1:-1, 1:-1, 1:-1][roi]
    key = feats[:, 0] if order == "intensity" else -dist  # innermost (largest distance) first
    means = np.array([key[raw == c].mean() if np.any(raw == c) else np.inf for c in range(k)])
    ranks = np.argsort(means, kind="stable")
    relabel = np.empty(k, int)
    relabel[ranks] = np.arange(1, k + 1)
    vox_dist = np.zeros(arr.shape)
    vox_dist[roi] = dist
    out = np.zeros(full.shape, np.uint8)
    sub = np.zeros(arr.shape, np.uint8)
    sub[roi] = relabel[raw]
    out[box] = sub
    arr = full
    lab = sitk.GetImageFromArray(out)
    lab.CopyInformation(img)
    voxel_ml = float(np.prod(img.GetSpacing())) / 1000.0
    full_dist = np.zeros(full.shape)
    full_dist[box] = vox_dist
    rows = []
    for c in range(1, k + 1):
        m = out == c
        n_comp = ndimage.label(m)[1]
        rows.append({"subregion": c, "label": subregion_label(c, k, order), "voxels": int(m.sum()),
                     "volume_ml": m.sum() * voxel_ml, "mean_intensity": float(arr[m].mean()) if m.any() else np.nan,
                     "mean_distance_mm": float(full_dist[m].mean()) if m.any() else np.nan,
                     "components": int(n_comp)})
    return HabitatResult(lab, pd.DataFrame(rows), k, mode, order)


def habitat_radiomics(image, mask, *, k: int = 3, label: int | None = None, random_state: int = 0, settings=None,
                      params=None, keep_masks_in=None, case_id: str = "case", order: str = "intensity") -> dict:
    """Radiomics of each habitat sub-region: ``{subregion: features}``, sub-regions numbered by ``order``
    (see :func:`habitat_subregions`). Shape features are left out for fragmented sub-regions (more than one
    connected component), since shape is undefined there. ``keep_masks_in``: a folder where the sub-region
    label image is written (``<case_id>_habitats.nii.gz``)."""
    from .radiomics import DEFAULT_CLASSES, _extractor

    extractors = {shape: _extractor(params, settings, DEFAULT_CLASSES, shape) for shape in (True, False)}
    return habitat_features(image, mask, extractors, k=k, label=label, random_state=random_state,
                            keep_masks_in=keep_masks_in, case_id=case_id, order=order)


def habitat_features(image, mask, extractors: dict, *, k: int = 3, label: int | None = None, random_state: int = 0,
                     keep_masks_in=None, case_id: str = "case", order: str = "intensity") -> dict:
    """:func:`habitat_radiomics` with pyradiomics extractors already built: ``extractors[True]`` with shape
    features, ``extractors[False]`` without (a batch builds them once)."""
    from pathlib import Path

    from .radiomics import _execute

    img = read_image(image)
    hab = habitat_subregions(img, mask, k=k, label=label, random_state=random_state, order=order)
    if keep_masks_in is not None:
        Path(keep_masks_in).mkdir(parents=True, exist_ok=True)
        hab.write(Path(keep_masks_in) / f"{case_id}_habitats.nii.gz")
    out = {}
    for row in hab.summary.itertuples():
        if row.voxels == 0:
            continue
        out[row.subregion] = _execute(extractors[bool(row.components == 1)], img, hab.labels, int(row.subregion))
    return out
