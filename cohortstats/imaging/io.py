"""Reading CT volumes and masks (NIfTI, NRRD, any SimpleITK format) with geometry and label checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import DataValidationError
from ._deps import need

__all__ = ["read_image", "load_mask", "check_geometry"]


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
