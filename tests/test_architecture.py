"""The layout's contract (ARCHITECTURE.md): imports run only down the layers, with no circles.

Read from the source with ``ast`` (no import is executed), so lazy imports inside functions count too. The
only upward edges allowed are a result's display methods (``.plot()``, ``_repr_html_``) importing
:mod:`cohortstats.plots` or :mod:`cohortstats.report.format` inside a function; ``plots`` itself imports
statistics modules only under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "cohortstats"

# lower number = lower layer; a module may import from its own layer (no circles) or lower ones
LAYERS = {
    "exceptions": 0, "_validation": 0, "_results": 0, "_auc": 0, "provenance": 0, "formatting": 0, "_identifiers": 0,
    "_parallel": 0, "_memory": 0,
    "data": 1, "datasets": 1, "imaging": 1,
    "describe": 2, "regression": 2, "sample_size": 2,
    "evaluation": 3,
    "signatures": 4,
    "models": 5, "model_checks": 5, "pipeline_steps": 5, "missing": 5,
    "plots": 6, "_plot_points": 6,
    "report": 7,
    "study": 8,
    "cli": 9, "examples": 9, "__main__": 9,
}
EXEMPT = {"cohortstats", "cohortstats._compat"}
DISPLAY = {"cohortstats.plots", "cohortstats.report.format"}  # what a result's .plot() / _repr_html_ may import  # the public API and the old-path aliases import everything


def _module_name(path: Path) -> str:
    parts = ("cohortstats",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path):
    """(imported module, inside a function) for every cohortstats import in a file, TYPE_CHECKING blocks skipped."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []

    def visit(node, in_function):
        if _is_type_checking(node):
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                targets = [".".join(base + [node.module])] if node.module else [".".join(base + [a.name]) for a in node.names]
            else:
                targets = [node.module] if node.module and node.module.startswith("cohortstats") else []
            out.extend((t, in_function) for t in targets)
        elif isinstance(node, ast.Import):
            out.extend((a.name, in_function) for a in node.names if a.name.startswith("cohortstats"))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return out


def _graph():
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for target, in_function in _imports(path):
            while target not in modules and "." in target:  # "from .x import name" where name is not a module
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                deps.add((target, in_function))
        graph[name] = deps
    return graph


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


GRAPH = _graph()


def test_every_module_has_a_layer():
    unknown = sorted(m for m in GRAPH if m not in EXEMPT and _layer(m) is None)
    assert not unknown, f"modules outside the layer map (add them to LAYERS and ARCHITECTURE.md): {unknown}"


def test_no_upward_imports():
    upward = []
    for module, deps in GRAPH.items():
        if module in EXEMPT:
            continue
        for target, in_function in deps:
            if target in EXEMPT:
                upward.append(f"{module} -> {target} (import the subpackage, not the package)")
            elif _layer(target) > _layer(module) and not (target in DISPLAY and in_function):
                upward.append(f"{module} (layer {_layer(module)}) -> {target} (layer {_layer(target)})")
    assert not upward, "imports running up the layers:\n" + "\n".join(sorted(upward))


def test_plots_import_no_statistics_module():
    plots = [m for m in GRAPH if m == "cohortstats.plots" or m.startswith("cohortstats.plots.")]
    stats = sorted({t for m in plots for t, _ in GRAPH[m]
                    if t not in ("cohortstats.formatting", "cohortstats._plot_points") and t not in plots})
    assert not stats, f"plots imports {stats}; take the result objects as arguments (types only under TYPE_CHECKING)"


def test_no_import_circles():
    edges = {m: {t for t, in_function in deps if not (t in DISPLAY and in_function)}
             for m, deps in GRAPH.items()}
    # a package's __init__ imports its own modules; a module importing its own package is the circle to catch
    circles = []

    def reach(start, goal, seen):
        for nxt in edges.get(start, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reach(nxt, goal, seen):
                    return True
        return False

    for module, deps in edges.items():
        for target in deps:
            if module not in EXEMPT and target not in EXEMPT and reach(target, module, {target}):
                circles.append(f"{module} <-> {target}")
    assert not circles, "import circles:\n" + "\n".join(sorted(set(circles)))


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 800, f"{path.name} has {lines} lines: split it by concept (ARCHITECTURE.md)"


@pytest.mark.parametrize("old, name", [("discrimination", "roc"), ("discrimination", "roc_band"),
                                       ("calibration", "lowess_r"), ("features", "LassoSignature"),
                                       ("features", "UnivariateFilter"), ("pipelines", "fit_models"),
                                       ("screening", "regression_table"), ("reproducibility", "icc"),
                                       ("table_one", "table_one"), ("survival", "kaplan_meier"),
                                       ("nomogram", "r_pretty"), ("cutoffs", "threshold_metrics"),
                                       ("decision_curve", "decision_curve"), ("reclassification", "nri"),
                                       ("roc_band", "roc_band")])
def test_old_module_paths_still_import_with_a_deprecation_warning(old, name):
    import importlib
    import sys

    import cohortstats as cs

    sys.modules.pop(f"cohortstats.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"cohortstats.{old} is deprecated"):
        module = importlib.import_module(f"cohortstats.{old}")
    assert callable(getattr(module, name))
    assert callable(cs.calibration) and callable(cs.table_one)  # the public functions are not replaced by modules


def test_bootstrap_validation_still_importable_from_models():
    import cohortstats.models as models

    with pytest.warns(DeprecationWarning, match="cohortstats.evaluation.validation"):
        assert callable(models.bootstrap_validation)
