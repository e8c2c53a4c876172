"""Old module paths (before the layout by data flow), kept for one release with a DeprecationWarning.

``import cohortstats.discrimination`` (and the like) gives a module whose names come from their new homes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

ALIASES = {  # old module -> new modules that hold its names (searched in order)
    "discrimination": ("evaluation.roc", "evaluation.roc_band", "evaluation._roc_core", "_auc"),
    "roc_band": ("evaluation.roc_band", "evaluation._roc_core"),
    "calibration": ("evaluation.calibration",),
    "cutoffs": ("evaluation.cutoffs",),
    "decision_curve": ("evaluation.decision_curve",),
    "reclassification": ("evaluation.reclassification",),
    "table_one": ("describe.table_one",),
    "screening": ("regression.univariable",),
    "survival": ("regression.survival",),
    "nomogram": ("regression.nomogram",),
    "features": ("signatures.screens", "signatures.lasso", "signatures.agreement", "signatures._inputs"),
    "reproducibility": ("signatures.agreement",),
    "pipelines": ("models",),
}
PACKAGE = __name__.rsplit(".", 1)[0]


class _AliasModule(types.ModuleType):
    def __getattr__(self, name):
        for target in ALIASES[self.__name__.rsplit(".", 1)[1]]:
            module = importlib.import_module(f"{PACKAGE}.{target}")
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        head, _, tail = fullname.rpartition(".")
        if head == PACKAGE and tail in ALIASES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return _AliasModule(spec.name)

    def exec_module(self, module):
        old = module.__name__.rsplit(".", 1)[1]
        new = ", ".join(f"{PACKAGE}.{t}" for t in ALIASES[old] if not t.rsplit(".", 1)[-1].startswith("_"))
        warnings.warn(f"{module.__name__} is deprecated and will be removed in the next release; import from {new} "
                      f"(or from {PACKAGE} itself).", DeprecationWarning, stacklevel=2)


class _Package(types.ModuleType):
    """The package module: importing an old module path must not replace a public function of the same name
    (``cohortstats.calibration`` is the function)."""

    def __setattr__(self, name, value):
        if isinstance(value, _AliasModule) and callable(self.__dict__.get(name)):
            return
        super().__setattr__(name, value)


def install() -> None:
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
    sys.modules[PACKAGE].__class__ = _Package
