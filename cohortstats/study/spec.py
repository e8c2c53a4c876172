"""The study specification (YAML, validated with pydantic) and the runner that executes it.

A study file names the data, the outcome and the analyses; :meth:`Study.run` executes the stages in
the order of the data flow (data -> Table 1 -> regression -> models -> discrimination, calibration,
decision curves -> report) and returns a :class:`StudyResult`, whose ``write`` produces the report.
YAML is loaded with ``yaml.safe_load``; no string from a spec or a data file is ever evaluated.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..exceptions import CohortStatsError

__all__ = ["StudySpec", "load_spec", "SpecError"]


class SpecError(CohortStatsError, ValueError):
    """The study file is invalid; the message gives the key path, what was expected and a suggestion."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TableSpec(_Strict):
    name: str
    path: str
    sheet: str | int | None = None
    prefix: str | None = None
    decimal: Literal[".", ","] = "."


class DataSpec(_Strict):
    id: str | None = "patient_id"
    tables: list[TableSpec] = Field(default_factory=list)
    synthetic: Literal["hematoma"] | None = None
    synthetic_n: int = Field(235, ge=20)
    how: Literal["inner", "left"] = "inner"
    na_values: list[str] = Field(default_factory=list)


class OutcomeSpec(_Strict):
    column: str
    positive: str | int | float | bool | None = None
    label: str | None = None


class ExclusionSpec(_Strict):
    name: str
    column: str
    op: Literal["<", "<=", ">", ">=", "==", "!=", "missing", "in", "not in"]
    value: str | int | float | list | None = None


class SplitSpec(_Strict):
    test_size: float = 0.2
    stratify: bool = True
    seed: int | None = None


class TableOneSpec(_Strict):
    variables: list[str] | None = None
    categorical: list[str] = Field(default_factory=list)
    nonnormal: list[str] = Field(default_factory=list)
    by_split: bool = True
    equal_var: bool = False
    yates: bool = True
    columns: list[Literal["statistic", "test", "smd"]] = Field(default_factory=list)  # extra Table 1 columns
    digits: dict[str, int] = Field(default_factory=dict)  # decimals per variable (others: gtsummary's rule)


class RegressionSpec(_Strict):
    candidates: list[str]
    categorical: list[str] = Field(default_factory=list)
    screen_p: float = 0.05
    screen_rule: Literal["wald", "lr"] = "wald"
    multivariable: list[str] | None = None
    ci_method: Literal["profile", "wald"] = "profile"
    method: Literal["mle", "firth"] = "mle"
    nomogram: bool = True
    validation_B: int = Field(200, ge=0)


class FeatureSetSpec(_Strict):
    columns: list[str] = Field(default_factory=list)
    prefix: str | None = None


class ModelSpecYaml(_Strict):
    name: str
    features: list[str]
    estimator: Literal["logistic", "svm", "random_forest", "lasso_logistic"] = "logistic"
    screen: dict | None = None

    @field_validator("screen")
    @classmethod
    def _screen_keys(cls, v):
        from ..models import screen_problem

        problem = screen_problem(v) if v is not None else None
        if problem:
            raise ValueError(problem)
        return v


class ComparisonSpec(_Strict):
    pairs: list[list[str]] | Literal["all"] = "all"
    alternative: Literal["two-sided", "greater", "less"] = "two-sided"
    adjust: Literal["holm", "bonferroni"] | None = None
    reclassification: bool = True
    nri_cutoffs: list[float] | None = None

    @field_validator("nri_cutoffs")
    @classmethod
    def _increasing_risks(cls, v):
        if v is not None and (not v or any(not 0 < c < 1 for c in v) or any(b <= a for a, b in zip(v, v[1:]))):
            raise ValueError(f"nri_cutoffs must be increasing risks strictly between 0 and 1, e.g. [0.2, 0.4]; got {v}")
        return v


class CVSpec(_Strict):
    n_splits: int = Field(5, ge=2)
    n_repeats: int = Field(10, ge=1)


class ReproducibilitySpec(_Strict):
    path: str
    sheet: str | int | None = None
    feature_sets: list[str]
    threshold: float = 0.75
    form: Literal["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"] = "ICC2"
    prefix: str | None = None


class SurvivalSpec(_Strict):
    duration: str
    event: str
    event_value: str | int | float | None = None
    predictors: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    group: str | None = None
    ties: Literal["efron", "breslow"] = "efron"
    times: list[float] = Field(default_factory=list)


class DecisionCurveSpec(_Strict):
    start: float = 0.01
    stop: float | None = Field(None, gt=0, lt=1)  # None: from the outcome's prevalence (decision_curve_stop)
    step: float = 0.01


def decision_curve_stop(prevalence: float) -> float:
    """The default upper threshold of decision curves: 1.5 times the outcome's prevalence, rounded up to 0.05,
    within [0.3, 0.9]. Above it few patients have a predicted risk that high, and net benefit is noise."""
    import math

    return min(0.9, max(0.3, math.ceil(round(30 * prevalence, 9)) / 20))


class ReportSpec(_Strict):
    title: str = "Study report"
    authors: list[str] = Field(default_factory=list)
    digits: int = 2
    p_style: Literal["nejm", "apa", "exact"] = "nejm"
    formats: list[Literal["html", "docx", "xlsx", "csv"]] = Field(default_factory=lambda: ["html", "docx", "xlsx", "csv"])
    include_row_level: bool = False
    page: Literal["a4", "letter"] = "a4"
    orientation: Literal["portrait", "landscape"] = "portrait"


class StudySpec(_Strict):
    """The validated content of a study YAML file (every key is documented in the README)."""

    data: DataSpec
    outcome: OutcomeSpec
    seed: int = 2024
    exclusions: list[ExclusionSpec] = Field(default_factory=list)
    table1: TableOneSpec | None = Field(default_factory=TableOneSpec)
    regression: RegressionSpec | None = None
    split: SplitSpec | None = None
    cv: CVSpec | None = None
    reproducibility: ReproducibilitySpec | None = None
    survival: SurvivalSpec | None = None
    feature_sets: dict[str, FeatureSetSpec] = Field(default_factory=dict)
    signature_screen: dict = Field(default_factory=lambda: {"p_threshold": 0.05, "corr_threshold": 0.9})
    models: list[ModelSpecYaml] = Field(default_factory=list)
    comparisons: ComparisonSpec = Field(default_factory=ComparisonSpec)
    decision_curve: DecisionCurveSpec = Field(default_factory=DecisionCurveSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)
    labels: dict[str, str] = Field(default_factory=dict)  # {column: display name}, e.g. "FVH score, per point"
    levels: dict[str, dict[str | int | float | bool, str]] = Field(default_factory=dict)  # {column: {value: name}}

    @field_validator("signature_screen")
    @classmethod
    def _signature_screen_keys(cls, v):
        from ..models import screen_problem

        problem = screen_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("labels", "levels", mode="before")
    @classmethod
    def _names_are_text(cls, v):
        """YAML reads an unquoted Yes/No as true/false and 1 as a number: display names are text."""
        def text(x):
            return ("Yes" if x else "No") if isinstance(x, bool) else x if isinstance(x, (str, dict)) else str(x)

        if isinstance(v, dict):
            return {k: ({kk: text(vv) for kk, vv in m.items()} if isinstance(m, dict) else text(m)) for k, m in v.items()}
        return v

    @field_validator("models")
    @classmethod
    def _unique_models(cls, v):
        names = [m.name for m in v]
        if len(set(names)) != len(names):
            raise ValueError(f"model names must be unique; got {names}")
        return v


def _known_keys(model_cls, loc):
    """The keys allowed at a location of the spec (for 'did you mean' hints)."""
    cls = model_cls
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        for cand in getattr(ann, "__args__", ()) + (ann,):
            inner = getattr(cand, "__args__", ())
            for c in (cand, *inner):
                if isinstance(c, type) and issubclass(c, BaseModel):
                    cls = c
                    break
    return list(cls.model_fields) if isinstance(cls, type) and issubclass(cls, BaseModel) else []


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"{source}: the study file is not valid ({err.error_count()} problem(s)):"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            allowed = _known_keys(StudySpec, e["loc"])
            near = difflib.get_close_matches(str(e["loc"][-1]), allowed, n=1)
            msg = f"unknown key{f'; did you mean {near[0]!r}?' if near else ''} (allowed: {', '.join(allowed)})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"  - {loc}: {msg}")
    return "\n".join(lines)


def load_spec(path) -> tuple[StudySpec, Path]:
    """Read and validate a study YAML file; returns the spec and the file's folder (paths are relative to it)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"study file {str(path)!r} does not exist.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise SpecError(f"{path.name}: not valid YAML ({err}).") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name}: expected a mapping of keys (data, outcome, ...) at the top level.")
    try:
        spec = StudySpec.model_validate(raw)
    except ValidationError as err:
        raise SpecError(_format_errors(err, path.name)) from None
    return spec, path.parent


