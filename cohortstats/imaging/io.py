"""Reading CT volumes and masks (NIfTI, NRRD, any SimpleITK format) with geometry and label checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import DataValidationError
from ._deps import need

__all__ = ["read_image", "load_mask", "check_geometry", "manifest_from_folder", "read_manifest", "IMAGE_EXTENSIONS"]


def read_image(path):
    """Read an image with SimpleITK; a clear error for missing files and files that are not images."""
    sitk = need("SimpleITK")
    if not isinstance(path, (str, Path)):
        return path  # already an image
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no image at {str(path)!r}.")
    try:
        return sitk.ReadImage(str(path))
    except RuntimeError as err:
        raise DataValidationError(f"{path.name} is not a readable image (NIfTI, NRRD, ...): "
                                  f"{str(err).splitlines()[0][:200]}") from None


def check_geometry(image, mask, *, tolerance: float = 1e-5) -> None:
    """Require the same size, spacing, origin and direction (to ``tolerance``); name what differs."""
    problems = []
    if tuple(image.GetSize()) != tuple(mask.GetSize()):
        problems.append(f"size {image.GetSize()} vs {mask.GetSize()}")
    for name in ("Spacing", "Origin", "Direction"):
        a = np.asarray(getattr(image, f"Get{name}")())
        b = np.asarray(getattr(mask, f"Get{name}")())
        if a.shape != b.shape or np.max(np.abs(a - b)) > tolerance:
            problems.append(f"{name.lower()} {tuple(np.round(a, 6))} vs {tuple(np.round(b, 6))}")
    if problems:
        raise DataValidationError("image and mask geometries differ: " + "; ".join(problems)
                                  + ". Resample the mask onto the image grid (or export both from the same series).")


def load_mask(image, mask, *, label: int | None = None):
    """Check a mask against its image and return (mask image, label used).

    A mask with several non-zero labels needs ``label``; an empty mask (or label) is an error.
    """
    sitk = need("SimpleITK")
    image = read_image(image)
    mask = read_image(mask)
    check_geometry(image, mask)
    arr = sitk.GetArrayViewFromImage(mask)
    labels = sorted(int(v) for v in np.unique(arr) if v != 0)
    if not labels:
        raise DataValidationError("the mask is empty (no non-zero voxel); check the segmentation.")
    if label is None:
        if len(labels) > 1:
            raise DataValidationError(f"the mask has several labels {labels}; choose one with label=.")
        label = labels[0]
    elif label not in labels:
        raise DataValidationError(f"label {label} is not in the mask (labels: {labels}).")
    return mask, label


IMAGE_EXTENSIONS = (".nii.gz", ".nii", ".nrrd", ".seg.nrrd", ".mha", ".mhd")


def _split_ext(name: str):
    for ext in sorted(IMAGE_EXTENSIONS, key=len, reverse=True):
        if name.lower().endswith(ext):
            return name[: -len(ext)], ext
    return None, None


def manifest_from_folder(folder, *, image_suffix: str = "_ct", mask_suffix: str = "_mask",
                         id_column: str = "patient_id"):
    """Pair images and masks in a folder by name: ``<id><image_suffix>.<ext>`` with ``<id><mask_suffix>.<ext>``
    (NIfTI, NRRD, MHA), e.g. ``HE001_ct.nii.gz`` and ``HE001_mask.nii.gz``.

    Returns
    -------
    manifest : pandas.DataFrame
        ``patient_id, image, mask`` (paths relative to ``folder``), sorted by id.
    unpaired : pandas.DataFrame
        ``patient_id, error, message`` for every image without a mask and mask without an image
        (nothing is dropped silently; ``cohortstats extract`` adds these to ``extraction_errors.csv``).
    """
    import pandas as pd

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder at {str(folder)!r}.")
    if not image_suffix and not mask_suffix or image_suffix == mask_suffix:
        raise DataValidationError(f"image_suffix and mask_suffix must differ; got {image_suffix!r} and "
                                  f"{mask_suffix!r}.")
    images, masks = {}, {}
    for p in sorted(folder.iterdir()):
        stem, _ = _split_ext(p.name)
        if stem is None or not p.is_file():
            continue
        # the longer suffix first, so "_ct" does not claim "HE001_ct_mask"
        for suffix, store in sorted(((mask_suffix, masks), (image_suffix, images)), key=lambda t: -len(t[0])):
            if stem.endswith(suffix):
                case = stem[: len(stem) - len(suffix)] if suffix else stem
                if case:
                    if case in store:
                        raise DataValidationError(f"{folder.name}: two files for case {case!r} with suffix "
                                                  f"{suffix!r} ({store[case]} and {p.name}); keep one.")
                    store[case] = p.name
                break
    cases = sorted(set(images) & set(masks))
    unpaired = ([{id_column: c, "error": "Unpaired", "message": f"image {images[c]} has no mask "
                  f"(<id>{mask_suffix}.<ext>)"} for c in sorted(set(images) - set(masks))]
                + [{id_column: c, "error": "Unpaired", "message": f"mask {masks[c]} has no image "
                    f"(<id>{image_suffix}.<ext>)"} for c in sorted(set(masks) - set(images))])
    if not cases:
        raise DataValidationError(f"no image/mask pairs named <id>{image_suffix}.<ext> and <id>{mask_suffix}.<ext> "
                                  f"in {str(folder)!r}; set image_suffix/mask_suffix (--image-suffix/--mask-suffix) "
                                  "or write a manifest CSV (patient_id, image, mask).")
    manifest = pd.DataFrame({id_column: cases, "image": [images[c] for c in cases], "mask": [masks[c] for c in cases]})
    return manifest, pd.DataFrame(unpaired, columns=[id_column, "error", "message"])


def read_manifest(manifest, base, columns):
    """A manifest (DataFrame, or CSV path whose folder becomes ``base``) with its id, image and mask columns
    checked. Returns (manifest, base folder for relative paths)."""
    import pandas as pd

    if not isinstance(manifest, pd.DataFrame):
        base = Path(manifest).parent if base is None else Path(base)
        manifest = pd.read_csv(manifest)
    base = Path(base) if base is not None else Path(".")
    missing = [c for c in columns if c not in manifest.columns]
    if missing:
        raise DataValidationError(f"the manifest lacks column(s) {missing}; expected {', '.join(columns)}.")
    return manifest, base
