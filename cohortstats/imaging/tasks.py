"""One case of an extraction as a task that runs anywhere: in this process, or on a Dask worker.

:class:`ExtractionPlan` holds everything a task needs (the pyradiomics parameter file's bytes, the settings,
the habitat count, the ResNet50 weights file's path and SHA-256, the package versions that computed the keys),
so it travels with the task. :func:`run_case` hashes the case's image and mask, skips each kind of features
whose part already exists, computes the others and writes each part as soon as it is done. Every task runs with
one thread (BLAS, OpenMP, SimpleITK, torch): its numbers then do not depend on where it ran, and a serial run
equals a cluster run to the last bit.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ._deps import need
from .io import read_image
from .parts import case_key, digest, file_digest, part_path, write_features, write_vector

__all__ = ["CaseTask", "ExtractionPlan", "KindOutcome", "CaseOutcome", "run_case", "package_versions", "KINDS"]

KINDS = ("whole", "habitats", "deep")
ENGINE = 1  # bump when a change in cohortstats changes the numbers of a part
_PACKAGES = {"whole": ("cohortstats", "pyradiomics", "SimpleITK", "numpy"),
             "habitats": ("cohortstats", "pyradiomics", "SimpleITK", "numpy", "scipy", "scikit-learn"),
             "deep": ("cohortstats", "SimpleITK", "numpy", "scipy", "torch", "torchvision")}


@cache
def _versions(kind: str) -> tuple:
    out = []
    for pkg in _PACKAGES[kind]:
        try:
            out.append((pkg, version(pkg)))
        except PackageNotFoundError:
            out.append((pkg, None))
    return tuple(out)


def package_versions(kind: str) -> dict:
    """Versions of the packages whose code computes a kind of features (part of its key)."""
    return dict(_versions(kind))


@dataclass(frozen=True)
class CaseTask:
    """One row of the manifest: its position, its id as read, and absolute paths of its image and mask."""

    index: int
    case: object
    image: str
    mask: str


@dataclass(frozen=True)
class ExtractionPlan:
    """What every task of a run computes, and the SHA-256 of each kind's settings (``digests``)."""

    out: str
    kinds: tuple
    digests: dict
    versions: dict
    label: int | None = None
    settings: dict | None = None
    classes: tuple = ()
    params_name: str | None = None
    params_sha256: str | None = None
    params_bytes: bytes | None = field(default=None, repr=False)
    habitats: int = 0
    habitat_order: str = "intensity"
    random_state: int = 0
    deep: dict | None = None
    threads: int = 1


@dataclass(frozen=True)
class KindOutcome:
    """``status`` is ``"computed"``, ``"cached"`` (its part was already there) or ``"failed"``."""

    status: str
    part: str | None = None
    error: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class CaseOutcome:
    index: int
    case: object
    kinds: dict
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(k.status == "failed" for k in self.kinds.values())

    @property
    def cached(self) -> bool:
        return all(k.status == "cached" for k in self.kinds.values())


def kind_digest(kind: str, *, label, settings, classes, params_sha256, habitats, random_state, deep, threads,
                habitat_order: str = "intensity") -> str:
    """SHA-256 of what computes a kind of features, with the versions of the packages that compute it."""
    radiomics = ({"params": params_sha256} if params_sha256 else
                 {"settings": settings, "classes": list(classes)})
    spec = {"kind": kind, "engine": ENGINE, "label": label, "threads": threads, "versions": package_versions(kind)}
    if kind == "whole":
        spec["radiomics"] = radiomics
    elif kind == "habitats":
        spec.update(radiomics=radiomics, k=habitats, random_state=random_state, order=habitat_order)
    else:
        spec.update({k: v for k, v in deep.items() if k != "weights"})  # the weights by their SHA-256, not path
    return digest(spec)


# --- worker side: caches live as long as the process (one worker of a cluster, or this process) ---

_PARAMS_FILES: dict = {}
_EXTRACTORS: dict = {}


def _params_file(plan: ExtractionPlan):
    """The parameter file's bytes written once per process to a local temporary file (pyradiomics reads a
    path; its suffix tells YAML from JSON)."""
    if plan.params_bytes is None:
        return None
    key = plan.params_sha256
    if key not in _PARAMS_FILES or not Path(_PARAMS_FILES[key]).exists():
        path = Path(tempfile.gettempdir()) / f"cohortstats-params-{key[:16]}-{os.getpid()}-{plan.params_name}"
        path.write_bytes(plan.params_bytes)
        _PARAMS_FILES[key] = str(path)
    return _PARAMS_FILES[key]


def _extractor(plan: ExtractionPlan, shape: bool):
    """A pyradiomics extractor for the plan's settings, built once per process."""
    from .radiomics import _extractor as build

    key = (digest([plan.params_sha256, plan.settings, list(plan.classes)]), shape)
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = build(_params_file(plan), plan.settings, plan.classes, shape)
    return _EXTRACTORS[key]


@contextmanager
def _threads(n: int, torch_too: bool):
    """BLAS/OpenMP (threadpoolctl), SimpleITK and torch limited to ``n`` threads, restored afterwards."""
    from threadpoolctl import threadpool_limits

    sitk = need("SimpleITK")
    old_sitk = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
    torch = need("torch") if torch_too else None
    old_torch = torch.get_num_threads() if torch_too else None
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(n)
    if torch_too:
        torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(old_sitk)
        if torch_too:
            torch.set_num_threads(old_torch)


def _compute(kind: str, task: CaseTask, plan: ExtractionPlan, path: Path) -> None:
    """Compute one kind of features of one case and write its part."""
    from .radiomics import _execute

    if kind == "whole":
        write_features(path, {0: _execute(_extractor(plan, True), task.image, task.mask, plan.label)})
    elif kind == "habitats":
        from .habitat import habitat_features

        ext = {True: _extractor(plan, True), False: _extractor(plan, False)}
        feats = habitat_features(task.image, task.mask, ext, k=plan.habitats, label=plan.label,
                                 random_state=plan.random_state, keep_masks_in=Path(plan.out) / "habitat_masks",
                                 case_id=str(task.case), order=plan.habitat_order)
        write_features(path, feats)
    else:
        from .deep import deep_vector, load_resnet50

        d = plan.deep
        model = load_resnet50(d["weights"], d["weights_sha256"], d["device"])
        write_vector(path, deep_vector(model, task.image, task.mask, aggregate=d["aggregate"], label=plan.label,
                                       window=tuple(d["window_hu"]), device=d["device"]))


def _done(kind: str, task: CaseTask, plan: ExtractionPlan, path: Path) -> bool:
    if not path.exists():
        return False
    return kind != "habitats" or (Path(plan.out) / "habitat_masks" / f"{task.case}_habitats.nii.gz").exists()


def _digests(task: CaseTask):
    """SHA-256 of the image and the mask; an unreadable file raises the error its reading would raise."""
    try:
        return file_digest(task.image), file_digest(task.mask)
    except OSError:
        read_image(task.image)  # FileNotFoundError("no image at ...") as a serial run reports it
        read_image(task.mask)
        raise


def _failure(err: BaseException) -> KindOutcome:
    return KindOutcome("failed", error=type(err).__name__, message=str(err)[:300])


def run_case(task: CaseTask, plan: ExtractionPlan) -> CaseOutcome:
    """Every kind of features of one case: cached parts are kept, missing ones computed and written at once.

    A failure of one kind (unreadable file, empty mask, a pyradiomics error) is returned with its reason;
    the other kinds go on. A mismatch between this process's package versions and the plan's is a failure
    (the keys would not describe what computed the numbers).
    """
    t0 = time.perf_counter()
    outcomes = {}
    try:
        for kind in plan.kinds:
            if package_versions(kind) != plan.versions[kind]:
                raise RuntimeError(f"this worker's package versions {package_versions(kind)} differ from the "
                                   f"client's {plan.versions[kind]}; install the same versions everywhere.")
        image_sha, mask_sha = _digests(task)
    except Exception as err:  # noqa: BLE001 - reported for every kind of this case
        return CaseOutcome(task.index, task.case, {k: _failure(err) for k in plan.kinds}, time.perf_counter() - t0)
    with _threads(plan.threads, "deep" in plan.kinds):
        for kind in plan.kinds:
            path = part_path(plan.out, kind, task.case, case_key(plan.digests[kind], image_sha, mask_sha))
            if _done(kind, task, plan, path):
                outcomes[kind] = KindOutcome("cached", str(path))
                continue
            try:
                _compute(kind, task, plan, path)
                outcomes[kind] = KindOutcome("computed", str(path))
            except Exception as err:  # noqa: BLE001 - every failure is reported with its case id
                outcomes[kind] = _failure(err)
    return CaseOutcome(task.index, task.case, outcomes, time.perf_counter() - t0)
