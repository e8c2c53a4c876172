"""Batches of cases: radiomics, habitat sub-regions and deep features for every row of a manifest, each failed
case reported with its reason, and the ``cohortstats extract`` command's tables."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from ._deps import need
from .deep import extract_deep_features, weights_digest
from .io import manifest_from_folder, read_manifest
from .radiomics import DEFAULT_CLASSES, DEFAULT_SETTINGS, _execute, _extractor, extractor_settings
from .tasks import CaseTask, ExtractionPlan, kind_digest, package_versions


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
                          workers: int | None = None, scheduler: str | None = None, retries: int = 2,
                          memory_limit="auto", habitat_order: str = "intensity") -> dict:
    """The ``cohortstats extract`` command: whole-ROI radiomics (and ``habitats`` sub-regions, and deep features)
    for every case, resumable, serially or on a Dask cluster.

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
    habitat_order : {"intensity", "distance"}
        How the ``habitats`` sub-regions are numbered (:func:`~cohortstats.imaging.habitat_subregions`):
        by increasing mean intensity, or by mean distance from the ROI boundary, innermost first.
    deep_weights : path, optional
        A ResNet50 state dict: also write ``deep_features.csv`` (the seed's five-slice recipe,
        :func:`~cohortstats.imaging.extract_deep_batch`, aggregated by ``deep_aggregate``).
    workers, scheduler, retries, memory_limit
        Where the cases run (:func:`~cohortstats.imaging.engine.run_tasks`): by default one after another in
        this process; ``workers=N`` a local Dask cluster; ``scheduler="tcp://host:8786"`` an existing one (the
        images and ``out`` must then be reachable at the same paths from every worker).
    progress : bool
        Cases done / failed / running, rate and time left on stderr.

    Returns
    -------
    dict
        ``{table name: path}``: ``radiomics_whole.csv`` (``radiomics_sub<k>.csv``, ``deep_features.csv``),
        ``extraction_errors.csv`` (every failed or unpaired case with its reason) and
        ``extraction_settings.json`` (pyradiomics' settings, image types and feature classes), ready for
        ``merge_tables`` and the study file.

    Notes
    -----
    Each case and kind of features is written at once to ``out/.parts/<kind>/<case>-<key>.parquet``, ``key``
    being the SHA-256 of the image, the mask and the settings (:mod:`~cohortstats.imaging.parts`). A rerun
    keeps the parts whose key is unchanged and computes the rest, so an interrupted run loses only the cases
    that were running. The tables are assembled from the parts in the manifest's order, and every case runs
    with one thread, so a run on any number of workers equals a serial run to the last bit.
    """
    from .engine import run_tasks
    from .parts import remove_partials

    if not isinstance(habitats, int) or habitats < 0 or habitats == 1:
        raise DataValidationError(f"habitats must be 0 (whole ROI only) or a number of sub-regions >= 2; got "
                                  f"{habitats!r}.")
    out = Path(out)
    man, unpaired, base, image_column, mask_column = _read_source(Path(source), id_column, image_column,
                                                                   mask_column, image_suffix, mask_suffix)
    ext = _extractor(params, settings, DEFAULT_CLASSES, True)  # checks the parameter file before any case
    if habitat_order not in ("intensity", "distance"):
        raise DataValidationError(f"habitat_order must be 'intensity' or 'distance'; got {habitat_order!r}.")
    plan = _plan(out, ext, params=params, settings=settings, label=label, habitats=habitats,
                 habitat_order=habitat_order, deep_weights=deep_weights, deep_aggregate=deep_aggregate)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [CaseTask(i, rec[id_column], str((base / str(rec[image_column])).absolute()),
                      str((base / str(rec[mask_column])).absolute()))
             for i, rec in enumerate(man.to_dict("records"))]
    started = time.time()
    outcomes = run_tasks(tasks, plan, workers=workers, scheduler=scheduler, retries=retries,
                         memory_limit=memory_limit, progress=progress)
    remove_partials(out, started)  # half-written parts of an earlier, killed run
    t0 = time.perf_counter()
    tables, errors = _assemble(tasks, outcomes, plan, id_column)
    if unpaired is not None and len(unpaired):
        errors.insert(0, unpaired.assign(roi="whole"))
    paths = {}
    for name, table in tables.items():
        paths[name] = out / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    recorded = extractor_settings(ext, params)
    if habitats:
        recorded["habitats"] = {"k": habitats, "order": habitat_order}
    if deep_weights is not None:
        recorded["deep"] = _deep_settings(deep_weights, deep_aggregate, (0.0, 80.0))
    paths["extraction_settings"] = out / "extraction_settings.json"
    paths["extraction_settings"].write_text(json.dumps(recorded, indent=2, default=str))
    paths["extraction_errors"] = out / "extraction_errors.csv"
    pd.concat(errors, ignore_index=True).to_csv(paths["extraction_errors"], index=False)
    if progress:
        sys.stderr.write(f"[extract] {len(tables)} table(s) assembled from the parts and written to {out} in "
                         f"{time.perf_counter() - t0:.1f} s\n")  # the progress line's stream, as the engine's
    return paths


def _read_source(source: Path, id_column, image_column, mask_column, image_suffix, mask_suffix):
    """(manifest, unpaired files or None, base folder, image column, mask column) of a CSV or an image folder."""
    if source.is_dir():
        man, unpaired = manifest_from_folder(source, image_suffix=image_suffix, mask_suffix=mask_suffix,
                                             id_column=id_column)
        return man, unpaired, source, "image", "mask"
    if source.is_file():
        man, base = read_manifest(source, None, (id_column, image_column, mask_column))
        return man, None, base, image_column, mask_column
    raise FileNotFoundError(f"no manifest CSV or image folder at {str(source)!r}.")


def _deep_settings(weights, aggregate, window) -> dict:
    return {"weights": str(weights) if weights is not None else "random (testing only)", "aggregate": aggregate,
            "window_hu": list(window), "slice_offsets_mm": [-2, -1, 0, 1, 2], "size": 224,
            "network": "torchvision ResNet50, global-average-pool features"}


def _plan(out: Path, ext, *, params, settings, label, habitats, habitat_order, deep_weights,
          deep_aggregate) -> ExtractionPlan:
    """What every task computes, with the SHA-256 of each kind's settings."""
    from .parts import file_digest

    need("pyarrow")  # the parts are Parquet files: say so before any case, not once per case
    kinds = ("whole",) + (("habitats",) if habitats else ()) + (("deep",) if deep_weights is not None else ())
    deep = None
    if deep_weights is not None:
        if not Path(deep_weights).exists():
            raise FileNotFoundError(f"weights file {str(deep_weights)!r} does not exist.")
        if deep_aggregate not in ("mean", "max", "concat"):
            raise DataValidationError(f"deep_aggregate must be 'mean', 'max' or 'concat'; got {deep_aggregate!r}.")
        torch = need("torch")
        need("torchvision")
        deep = {"weights": str(Path(deep_weights).resolve()), "weights_sha256": weights_digest(deep_weights),
                "aggregate": deep_aggregate, "window_hu": [0.0, 80.0],
                "device": "cuda" if torch.cuda.is_available() else "cpu"}
    merged = {**DEFAULT_SETTINGS, **(settings or {})}
    params_sha = params_name = params_bytes = None
    if params is not None:  # the file's bytes travel with every task
        params_sha, params_name, params_bytes = file_digest(params), Path(params).name, Path(params).read_bytes()
    common = {"label": label, "settings": merged, "classes": DEFAULT_CLASSES, "params_sha256": params_sha,
              "habitats": habitats, "habitat_order": habitat_order, "random_state": 0, "deep": deep, "threads": 1}
    return ExtractionPlan(out=str(out.resolve()), kinds=kinds, digests={k: kind_digest(k, **common) for k in kinds},
                          versions={k: package_versions(k) for k in kinds}, label=label, settings=settings,
                          classes=DEFAULT_CLASSES, params_name=params_name, params_sha256=params_sha,
                          params_bytes=params_bytes, habitats=habitats, habitat_order=habitat_order, deep=deep)


def _assemble(tasks, outcomes, plan: ExtractionPlan, id_column: str):
    """The tables from the parts, in the manifest's order, built as a serial run builds them; and the errors
    (one frame per kind: whole ROI, habitats, deep)."""
    from .parts import read_features, read_vector

    tables: dict = {}
    errors = []
    for kind in plan.kinds:
        rows, ids, failed = [], [], []
        for task, outcome in zip(tasks, outcomes):
            got = outcome.kinds[kind]
            if got.status == "failed":
                failed.append({id_column: task.case, "error": got.error, "message": got.message, "roi": kind})
            elif kind == "deep":
                rows.append(read_vector(got.part))
                ids.append(task.case)
            else:
                rows.append(read_features(got.part))
                ids.append(task.case)
        if kind == "whole":
            tables["radiomics_whole"] = pd.DataFrame([{id_column: c, **r.get(0, {})} for c, r in zip(ids, rows)])
        elif kind == "habitats":
            for c in range(1, plan.habitats + 1):
                tables[f"radiomics_sub{c}"] = pd.DataFrame([{id_column: i, **r[c]} for i, r in zip(ids, rows) if c in r])
        else:
            tables["deep_features"] = _deep_table(rows, ids, id_column)
        errors.append(pd.DataFrame(failed, columns=[id_column, "error", "message", "roi"]))
    return tables, errors


def _deep_table(rows, ids, id_column) -> pd.DataFrame:
    width = max(4, len(str(len(rows[0]) - 1))) if rows else 4  # dl_0000 ... dl_2047 (dl_10239 for "concat")
    table = pd.DataFrame(np.vstack(rows) if rows else np.empty((0, 0)),
                         columns=[f"dl_{j:0{width}d}" for j in range(len(rows[0]))] if rows else None)
    table.insert(0, id_column, ids)
    return table


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
    return BatchResult(_deep_table(rows, ids, id_column), pd.DataFrame(errors, columns=[id_column, "error", "message"]),
                       _deep_settings(weights, aggregate, window))
