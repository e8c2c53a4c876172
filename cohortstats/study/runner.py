"""Running a study: the stages in the order of the data flow, each timed and with its warnings recorded.

The runner only sequences stages (:mod:`.prepare`, :mod:`.stages`); it computes no statistics itself.
Every warning a stage raises is kept (stage, category, message, count) for the report and the manifest —
never silenced. Warnings about code rather than data (deprecations) go on to Python's usual channel.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from contextlib import contextmanager

from .._parallel import compute_environment
from .._memory import lean_allocations, release_freed_memory
from . import missing_stages, stages
from .prepare import (
    apply_exclusions,
    check_numeric_features,
    check_referenced,
    keep_used_columns,
    load_tables,
    reproducibility,
    resolve_feature_sets,
)
from .references import check_names
from .result import AnalysisResult, RecordedWarning, StudyResult
from .sample_size_stage import check_sample_size

__all__ = ["run_study"]

_CODE_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning)


class _Recorder:
    """Times each stage, reports its name to ``progress`` and keeps the warnings it raised."""

    def __init__(self, res: StudyResult, progress):
        self.res = res
        self.progress = progress

    @contextmanager
    def stage(self, key: str, label: str, analysis: AnalysisResult | None = None):
        self.progress(label if analysis is None or analysis.main else f"{analysis.name}: {label}")
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # record every occurrence; nothing is ignored
            try:
                yield
            finally:
                release_freed_memory()  # what the stage freed goes back to the system before the next stage
                timing_key = label if analysis is None or analysis.main else f"{analysis.name}: {label}"
                self.res.timings[timing_key] = round(self.res.timings.get(timing_key, 0) + time.perf_counter() - t0, 3)
        self._keep(caught, key, analysis)

    def _keep(self, caught, key, analysis):
        counts: dict = {}
        for w in caught:
            if issubclass(w.category, _CODE_WARNINGS):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                continue
            ident = (w.category.__name__, str(w.message))
            counts[ident] = counts.get(ident, 0) + 1
        name = analysis.name if analysis is not None else ""
        for (category, message), count in counts.items():
            rec = RecordedWarning(stage=key, category=category, message=message, analysis=name, count=count)
            self.res.warnings.append(rec)
            if analysis is not None:
                analysis.warnings.append(rec)


def run_study(study, *, progress, workdir=None, show_bars=False) -> StudyResult:
    """Run every stage of ``study`` and return its :class:`StudyResult` (report sections included).

    The stages: read and merge the tables; derive the study's variables; check every name the study reads;
    reader agreement (all patients); the main analysis; each further analysis (``analyses:``) over its own
    population, inheriting every block it does not set; the report. ``workdir`` keeps generated data (the
    synthetic cohort's tables); without it they go to a temporary folder that is removed when the data have been
    read, whether the run succeeds or fails. The study's ``compute``
    block (joblib workers, BLAS threads, a Dask scheduler) applies to the whole run, and so does
    :func:`~cohortstats._memory.lean_allocations` (glibc maps arrays of 1 MiB or more on their own).
    """
    c = study.spec.compute
    # lean_allocations: freed arrays go back to the system at once, so a stage's peak does not stack on earlier ones
    with compute_environment(workers=c.workers, blas_threads=c.blas_threads, scheduler=c.scheduler), \
            lean_allocations():
        return _run_study(study, progress=progress, workdir=workdir, show_bars=show_bars)


def _run_study(study, *, progress, workdir=None, show_bars=False) -> StudyResult:
    from ..report import study_sections
    from ..report.privacy import collect_sensitive

    res = StudyResult(study)
    run = _Recorder(res, progress)
    spec = study.spec
    with tempfile.TemporaryDirectory(prefix="cohortstats_") as tmp:
        with run.stage("data", "reading and merging tables"):
            df, id_col = load_tables(study, res, workdir or tmp, progress)
    # what the report must not show: every id of every table, and columns that look like ids or dates
    res.privacy = collect_sensitive(df, id_col, ids=res.study_results["merge"].audit["id"], base=study.base)
    with run.stage("variables", "derived variables"):
        df, flow, methods = stages.derive(spec, df)
        res.study_flow += flow
        res.study_results["derived_methods"] = methods
        check_names(spec, df.columns)
    if spec.agreement:
        with run.stage("agreement", "reader agreement"):
            res.study_results.update(stages.agreement(spec, df))
    main = AnalysisResult(name="Main analysis", spec=spec)
    res.analyses.append(main)
    if not spec.analyses:  # nothing else reads the merged frame: handed over, so the main analysis can free it
        df = [df]
    run_analysis(study, spec, df, id_col, main, run, show_bars=show_bars)
    for a in spec.analyses:
        eff = spec.effective(a)
        ar = AnalysisResult(name=a.name, spec=eff, population=a.population, main=False)
        res.analyses.append(ar)
        with run.stage("population", "population", ar):
            check_names(eff, df.columns, analysis=a.name, study_level=False)
            sub, line, text = stages.population(a, df, getattr(spec, "labels", None))
            ar.flow.append(line)
            ar.results["population_text"] = text
        run_analysis(study, eff, sub, id_col, ar, run, show_bars=show_bars)
    with run.stage("report", "assembling the report"):
        res.sections = study_sections(res)
    return res


def run_analysis(study, spec, df, id_col, a: AnalysisResult, run: _Recorder, *, show_bars=False) -> None:
    """The analysis stages over one population: exclusions and outcome, Table 1 (and trend tests), the scores'
    ROC, regression, models, comparisons, cross-validation and survival, as far as ``spec`` asks for them.
    Results go to ``a.results``. ``df`` may come as a one-item list, which is emptied: the caller keeps no
    reference, so the frame is freed once the analysis has its own (exclusions, the columns it uses)."""
    if isinstance(df, list):  # handed over by the runner (one item): no reference to the merged frame is kept
        df = df.pop()
    scope = type(study)(spec, study.base)  # the same study folder, this analysis' spec
    outcome = spec.outcome.column
    with run.stage("data", "exclusions and outcome", a):
        df = apply_exclusions(scope, df, a)
        sets = resolve_feature_sets(scope, df, reserved=(outcome, id_col))
        check_referenced(scope, df, sets)
        check_numeric_features(scope, df, sets)
        df = keep_used_columns(scope, df, sets, id_col)
    if spec.reproducibility is not None:
        with run.stage("reproducibility", "reproducibility (ICC) screen", a):
            sets = reproducibility(scope, df, sets, id_col, a, study_inputs(run))
    a.results["id_column"] = id_col
    if spec.missing.method == "impute":  # multiple imputation, every analysis pooled (study/missing_stages.py)
        missing_stages.run_imputed(scope, df, outcome, id_col, sets, a, run, show_bars=show_bars)
    else:
        _describe_and_regress(scope, df, outcome, id_col, a, run, show_bars)
        with run.stage("missing", "missing data (complete cases)", a):
            a.results.update(missing_stages.missing_data(scope, df, outcome, id_col, sets, a.results))
            a.flow += missing_stages.flow_lines(a.results["missing_data"])
        if spec.models:
            later = _columns_after_models(spec, outcome, df.columns)
            if later is None:
                _models(scope, df, outcome, id_col, sets, a, run)
            else:  # the split is the models' copy of the data: the wide frame is let go once it is made
                held, df = [df], df[later]
                _models(scope, held, outcome, id_col, sets, a, run)
        else:
            a.skipped.append("models and model comparison (no models block)")
    if spec.survival is not None:
        with run.stage("survival", "survival analysis", a):
            a.results.update(stages.survive(scope, df, outcome))
    if spec.regression is not None or spec.models:
        with run.stage("sample_size", "sample size (Riley et al.)", a):
            a.results.update(check_sample_size(scope, df, outcome, sets, a.results))


def _columns_after_models(spec, outcome, columns) -> list | None:
    """The columns the stages after the models read (the sample-size check: the outcome and the regression
    candidates), or None when a later stage reads the whole frame (cross-validation, survival)."""
    if spec.cv is not None or spec.survival is not None:
        return None
    wanted = [outcome, *(spec.regression.candidates if spec.regression is not None else [])]
    return [c for c in columns if c in set(wanted)]


def study_inputs(run: _Recorder) -> dict:
    return run.res.inputs


def _describe_and_regress(scope, df, outcome, id_col, a, run, show_bars):
    spec = scope.spec
    if spec.table1 is not None:
        with run.stage("table1", "Table 1", a):
            a.results.update(stages.describe(scope, df, outcome, id_col))
    else:
        a.skipped.append("Table 1 (no table1 block)")
    if spec.score_roc is not None:
        with run.stage("score_roc", "ROC of the scores (all patients, no split)", a):
            a.results.update(stages.score_roc(scope, df, outcome))
    if spec.regression is None:
        a.skipped.append("regression (no regression block)")
        return
    with run.stage("regression", "univariable and multivariable logistic regression", a):
        a.results.update(stages.regress(scope, df, outcome))
    if a.results["regression"].multivariable is not None and spec.regression.validation_B:
        with run.stage("validation", f"bootstrap validation (B = {spec.regression.validation_B})", a):
            a.results.update(stages.validate(scope, df, outcome, a.results["regression"], show_bars=show_bars))


def _models(scope, df, outcome, id_col, sets, a, run):
    """The split, models, comparisons, evaluation, nomogram and cross-validation. ``df`` may come as a one-item
    list (emptied here) when nothing after the split reads it: the frame is then freed once split."""
    spec = scope.spec
    handed = isinstance(df, list)
    df = df.pop() if handed else df
    test_size = (spec.split.test_size if spec.split else 0.2)
    with run.stage("split", f"training/test split ({round((1 - test_size) * 100)}:{round(test_size * 100)})", a):
        train, test, line = stages.split(scope, df, outcome)
        if handed:
            df = None  # cross-validation is not asked for (see _columns_after_models)
        a.flow.append(line)
        if spec.table1 is not None and spec.table1.by_split:
            a.results.update(stages.describe_split(scope, train, test, outcome, id_col))
    with run.stage("models", "fitting the models on the training set", a):
        models, specs, skipped = stages.fit(scope, train, test, outcome, sets)
        a.skipped += skipped
        a.results["models"] = models
        a.results["model_specs"] = specs
    with run.stage("comparisons", "comparing the models", a):
        out, skipped = stages.compare(scope, models, specs)
        a.results.update(out)
        a.skipped += skipped
    with run.stage("evaluation", "decision curves and calibration", a):
        a.results.update(stages.evaluate(scope, models, specs))
    if spec.nomogram is not None:
        with run.stage("nomogram", f"nomogram of {spec.nomogram.model}", a):
            out, skipped = stages.model_nomogram(scope, models, train, outcome, sets)
            a.results.update(out)
            a.skipped += skipped
    if spec.cv is not None:
        label = f"repeated {spec.cv.n_splits}-fold cross-validation ({spec.cv.n_repeats} repeats)"
        with run.stage("cv", label, a):
            a.results.update(stages.cross_validate(scope, df, outcome, specs, sets))
