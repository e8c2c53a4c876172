"""Batches of cases: radiomics, habitat sub-regions and deep features for every row of a manifest, each failed
case reported with its reason, and the ``cohortstats extract`` command's tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from .deep import extract_deep_features
from .habitat import habitat_radiomics
from .io import manifest_from_folder, read_manifest
from .radiomics import DEFAULT_CLASSES, _execute, _extractor, extractor_settings


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



def extract_folder_tables(source, out, *, id_column: str = "patient_id", image_column: str = "image",
                          mask_column: str = "mask", habitats: int = 0, settings=None, params=None,
                          label: int | None = None, image_suffix: str = "_ct", mask_suffix: str = "_mask",
                          deep_weights=None, deep_aggregate: str = "mean", progress: bool = False,
                          habitat_order: str = "intensity") -> dict:
    """The ``cohortstats extract`` command: whole-ROI radiomics (and ``habitats`` sub-regions) for every case.

    Parameters
    ----------
    source : path
        A manifest CSV (``patient_id, image, mask``, paths relative to it) or a folder of
        ``<id><image_suffix>.<ext>`` / ``<id><mask_suffix>.<ext>`` pairs (:func:`manifest_from_folder`).
    params : path, optional
        A pyradiomics parameter file (YAML/JSON), used for the whole ROI and the sub-regions;
        otherwise ``settings`` over :data:`DEFAULT_SETTINGS`.
    habitat_order : {"intensity", "distance"}
        How sub-regions are numbered (:func:`~cohortstats.imaging.habitat_subregions`); recorded in
        ``extraction_settings.json``.
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
                                          case_id=str(rec[id_column]), order=habitat_order)
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
    if habitats:
        recorded["habitats"] = {"k": habitats, "order": habitat_order}
    if deep_weights is not None:
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


def extract_deep_batch(manifest, *, weights=None, allow_random_weights: bool = False, aggregate: str = "mean",
                       label: int | None = None, window=(0.0, 80.0), device=None, id_column: str = "patient_id",
                       image_column: str = "image", mask_column: str = "mask", base=None, progress: bool = False):
    """:func:`extract_deep_features` for every row of a manifest: one row per patient, columns ``dl_0000``
    ... (2,048 with ``aggregate="mean"`` or ``"max"``). A failed case is reported in ``errors`` with its id
    and the batch goes on; the network is built once.

    Returns
    -------
    BatchResult
        ``table``, ``errors`` and ``settings`` (weights file, aggregation, window, slice offsets).
    """
    manifest, base = read_manifest(manifest, base, (id_column, image_column, mask_column))
    if weights is None and not allow_random_weights:  # checked once, before any case
        raise DataValidationError("weights is required: pass the path of a ResNet50 state dict (pretrained ImageNet "
                                  "weights cannot be downloaded at run time); weights=None needs allow_random_weights=True.")
    if weights is not None and not Path(weights).exists():
        raise FileNotFoundError(f"weights file {str(weights)!r} does not exist.")
    rows, ids, errors = [], [], []
    records = list(manifest.itertuples(index=False))
    if progress:
        from tqdm.auto import tqdm

        records = tqdm(records, desc="deep features", unit="case")
    for rec in records:
        rec = rec._asdict()
        try:
            rows.append(extract_deep_features(base / str(rec[image_column]), base / str(rec[mask_column]),
                                              weights=weights, allow_random_weights=allow_random_weights,
                                              aggregate=aggregate, label=label, window=window, device=device))
            ids.append(rec[id_column])
        except Exception as err:  # noqa: BLE001 - every failure is reported with its case id
            errors.append({id_column: rec[id_column], "error": type(err).__name__, "message": str(err)[:300]})
    width = max(4, len(str(len(rows[0]) - 1))) if rows else 4  # dl_0000 ... dl_2047 (dl_10239 for "concat")
    table = pd.DataFrame(np.vstack(rows) if rows else np.empty((0, 0)),
                         columns=[f"dl_{j:0{width}d}" for j in range(len(rows[0]))] if rows else None)
    table.insert(0, id_column, ids)
    settings = {"weights": str(weights) if weights is not None else "random (testing only)", "aggregate": aggregate,
                "window_hu": list(window), "slice_offsets_mm": [-2, -1, 0, 1, 2], "size": 224,
                "network": "torchvision ResNet50, global-average-pool features"}
    return BatchResult(table, pd.DataFrame(errors, columns=[id_column, "error", "message"]), settings)
