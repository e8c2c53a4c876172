"""The deep-feature recipe of the seed study: slices around the largest ROI section, cropped, windowed,
resized to 224 x 224 and normalised for an ImageNet ResNet50, whose global-average-pool features are
returned (2,048 per slice, aggregated across slices)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

from ..exceptions import DataValidationError
from ._deps import need
from .io import load_mask, read_image

__all__ = ["select_slices", "preprocess_slices", "extract_deep_features"]

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_SD = np.array([0.229, 0.224, 0.225])


def select_slices(image, mask, *, offsets_mm=(-2.0, -1.0, 0.0, 1.0, 2.0), label: int | None = None):
    """Resample along z to 1 mm, find the axial slice with the largest ROI area, and return the slices at
    ``offsets_mm`` from it: (slices of the image, slices of the ROI, index of the central slice in mm)."""
    sitk = need("SimpleITK")
    img = read_image(image)
    msk, label = load_mask(img, mask, label=label)
    arr = sitk.GetArrayFromImage(img)  # z, y, x
    roi = sitk.GetArrayFromImage(msk) == label
    n = arr.shape[0]
    dz = float(img.GetSpacing()[2])
    m = int(round(n * dz)) if abs(dz - 1) > 1e-6 else n  # slices on the 1 mm grid
    # only the needed slices are interpolated (as scipy.ndimage.zoom maps them: in = out x (n-1)/(m-1))
    coord = lambda j: j * (n - 1) / (m - 1) if m > 1 else 0.0  # noqa: E731
    areas = roi.sum(axis=(1, 2))
    nearest = np.rint([coord(j) for j in range(m)]).astype(int)
    centre = int(np.argmax(areas[nearest]))  # ties: the first (lowest) slice, deterministic
    idx = [min(max(int(round(centre + o)), 0), m - 1) for o in offsets_mm]
    img_slices, roi_slices = [], []
    for j in idx:
        c = coord(j)
        lo = int(np.floor(c))
        hi = min(lo + 1, n - 1)
        w = c - lo
        img_slices.append((1 - w) * arr[lo].astype(float) + w * arr[hi].astype(float))  # linear in z
        roi_slices.append(roi[int(np.rint(c))])  # nearest neighbour for the mask
    return np.stack(img_slices), np.stack(roi_slices), centre


def preprocess_slices(slices, rois, *, window=(0.0, 80.0), margin: int = 10, size: int = 224) -> np.ndarray:
    """Crop every slice to the ROI bounding box (over all slices) plus ``margin`` voxels, apply the CT
    ``window`` (level/width as min/max HU), resize to ``size``², replicate to 3 channels and normalise
    with ImageNet's mean and SD. Returns (n_slices, 3, size, size) float32."""
    rows = np.flatnonzero(rois.any(axis=(0, 2)))
    cols = np.flatnonzero(rois.any(axis=(0, 1)))
    if len(rows) == 0:
        raise DataValidationError("the ROI is empty on the selected slices.")
    r0, r1 = max(rows[0] - margin, 0), min(rows[-1] + margin + 1, slices.shape[1])
    c0, c1 = max(cols[0] - margin, 0), min(cols[-1] + margin + 1, slices.shape[2])
    crop = slices[:, r0:r1, c0:c1]
    lo, hi = window
    x = (np.clip(crop, lo, hi) - lo) / (hi - lo)
    zoomed = np.stack([ndimage.zoom(s, (size / s.shape[0], size / s.shape[1]), order=1) for s in x])
    zoomed = zoomed[:, :size, :size]
    rgb = np.repeat(zoomed[:, None], 3, axis=1)
    return ((rgb - IMAGENET_MEAN[None, :, None, None]) / IMAGENET_SD[None, :, None, None]).astype(np.float32)


_MODELS: dict = {}


def load_resnet50(weights, weights_sha256: str | None, device: str):
    """The feature extractor (ResNet50 without its classification layer), built once per process for a
    weights file's SHA-256 and a device (a worker of a cluster builds it for its first case and keeps it).

    The file's bytes are checked against ``weights_sha256`` (a file rewritten since the run started is an
    error, not a silent change of model) and read with ``weights_only=True``: a weights file can hold
    tensors, never code. ``weights=None`` gives random weights (tests only).
    """
    key = (weights_sha256, device)
    if key in _MODELS:
        return _MODELS[key]
    torch = need("torch")
    tv = need("torchvision")
    model = tv.models.resnet50(weights=None)
    if weights is not None:
        import hashlib
        import io

        data = Path(weights).read_bytes()
        if hashlib.sha256(data).hexdigest() != weights_sha256:
            raise DataValidationError(f"weights file {str(weights)!r} changed during the run (its SHA-256 is no "
                                      "longer the one recorded when the run started); rerun the extraction.")
        model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    model.fc = torch.nn.Identity()
    while len(_MODELS) >= 2:  # at most two networks in memory
        _MODELS.pop(next(iter(_MODELS)))
    _MODELS[key] = model.to(device).eval()
    return _MODELS[key]


@lru_cache(maxsize=8)
def _weights_sha256(path: str, mtime_ns: int, size: int) -> str:
    from ..provenance import sha256

    return sha256(Path(path))


def weights_digest(weights) -> str | None:
    """SHA-256 of a weights file (remembered per path, modification time and size: a rewritten file is
    hashed again); ``None`` for random weights."""
    if weights is None:
        return None
    st = Path(weights).stat()
    return _weights_sha256(str(Path(weights).resolve()), st.st_mtime_ns, st.st_size)


def deep_vector(model, image, mask, *, aggregate: str = "mean", label: int | None = None, window=(0.0, 80.0),
                device: str = "cpu") -> np.ndarray:
    """The seed's five slices of one case through ``model`` (:func:`load_resnet50`), aggregated."""
    torch = need("torch")
    slices, rois, _ = select_slices(image, mask, label=label)
    batch = preprocess_slices(slices, rois, window=window)
    with torch.no_grad():
        feats = model(torch.from_numpy(batch).to(device)).cpu().numpy()
    if aggregate == "mean":
        return feats.mean(axis=0)
    if aggregate == "max":
        return feats.max(axis=0)
    return feats.ravel()


def extract_deep_features(image, mask, *, weights=None, allow_random_weights: bool = False, aggregate: str = "mean",
                          label: int | None = None, window=(0.0, 80.0), device=None) -> np.ndarray:
    """ResNet50 global-average-pool features (2,048) of the seed's five slices, aggregated.

    Parameters
    ----------
    weights : path
        A torchvision ResNet50 state dict (ImageNet weights cannot be downloaded here). ``None`` is
        refused unless ``allow_random_weights=True`` (for tests only).
    aggregate : {"mean", "max", "concat"}
    device : str, optional
        "cuda" when available, else CPU.
    """
    if weights is None and not allow_random_weights:
        raise DataValidationError("weights is required: pass the path of a ResNet50 state dict (pretrained ImageNet "
                                  "weights cannot be downloaded at run time); weights=None needs allow_random_weights=True.")
    if weights is not None and not Path(weights).exists():
        raise FileNotFoundError(f"weights file {str(weights)!r} does not exist.")
    if aggregate not in ("mean", "max", "concat"):
        raise DataValidationError(f"aggregate must be 'mean', 'max' or 'concat'; got {aggregate!r}.")
    torch = need("torch")
    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = load_resnet50(weights, weights_digest(weights), dev)
    return deep_vector(model, image, mask, aggregate=aggregate, label=label, window=window, device=dev)
