"""The study specification (YAML, validated with pydantic) and the runner that executes it.

A study file names the data, the outcome and the analyses; :meth:`Study.run` executes the stages in
the order of the data flow (data -> Table 1 -> regression -> models -> discrimination, calibration,
decision curves -> report) and returns a :class:`StudyResult`, whose ``write`` produces the report.
YAML is loaded with ``yaml.safe_load``; no string from a spec or a data file is ever evaluated.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..exceptions import CohortStatsError
from .expressions import ExpressionError, parse_expression

__all__ = ["StudySpec", "load_spec", "SpecError"]


_PROBLEM_SEPARATOR = "\n  - "  # a validator that finds several problems lists them on their own lines


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
    synthetic: Literal["hematoma", "fvh"] | None = None
    synthetic_n: int | None = Field(None, ge=20)  # default: 235 (hematoma), 94 (fvh)
    how: Literal["inner", "left"] = "inner"
    na_values: list[str] = Field(default_factory=list)


_CONDITION = re.compile(r"^\s*(<=|>=|==|!=|<|>|=)")


class OutcomeSpec(_Strict):
    column: str
    positive: str | int | float | bool | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _a_value_not_a_condition(self):
        v = self.positive
        m = _CONDITION.match(v) if isinstance(v, str) else None
        if m:
            op = "==" if m.group(1) == "=" else m.group(1)
            rule = f"{self.column} {op} {v[m.end():].strip()}"
            raise ValueError(
                f"positive is the outcome value that counts as an event, not a condition; got {v!r}. Define the "
                f"outcome as a derived variable and name it here, e.g.\n      variables: {{outcome_event: \"{rule}\"}}"
                "\n      outcome: {column: outcome_event, positive: true}")
        return self


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
    trend: list[str] = Field(default_factory=list)  # Cochran-Armitage test across ordered levels (prop.trend.test)


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
    reference: dict[str, str | int | float | bool] = Field(default_factory=dict)  # {variable: reference level}
    scale: dict[str, float | Literal["sd", "iqr"]] = Field(default_factory=dict)  # OR per k units / per SD / IQR

    @field_validator("scale")
    @classmethod
    def _positive_units(cls, v):
        bad = {k: u for k, u in v.items() if not isinstance(u, str) and not u > 0}
        if bad:
            raise ValueError(f"scale gives the unit of an odds ratio (a positive number, 'sd' or 'iqr'); got {bad}")
        return v


class FeatureSetSpec(_Strict):
    columns: list[str] = Field(default_factory=list)
    prefix: str | list[str] | None = None
    pattern: str | None = None  # a regular expression searched in each column name, e.g. "^deep_dl_\\d+$"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v):
        if v is not None:
            try:
                re.compile(v)
            except re.error as err:
                raise ValueError(f"pattern {v!r} is not a valid regular expression ({err})") from None
        return v

    @property
    def prefixes(self) -> list[str]:
        return [] if self.prefix is None else [self.prefix] if isinstance(self.prefix, str) else list(self.prefix)


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
    stop: float = 0.99
    step: float = 0.01


class ReportSpec(_Strict):
    title: str = "Study report"
    authors: list[str] = Field(default_factory=list)
    digits: int = 2
    p_style: Literal["nejm", "apa", "exact"] = "nejm"
    formats: list[Literal["html", "docx", "xlsx", "csv"]] = Field(default_factory=lambda: ["html", "docx", "xlsx", "csv"])
    include_row_level: bool = False


class CutSpec(_Strict):
    """A derived variable cut from a numeric column into ordered groups, as R's ``cut``: (a, b] intervals."""

    cut: str
    breaks: list[float] = Field(min_length=2)
    labels: list[str | int | float] | None = None
    right: bool = True
    include_lowest: bool = False

    @model_validator(mode="after")
    def _consistent(self):
        b = self.breaks
        if any(y <= x for x, y in zip(b, b[1:])):
            raise ValueError(f"breaks must increase; got {b}")
        if self.labels is not None:
            if len(self.labels) != len(b) - 1:
                raise ValueError(f"{len(b)} breaks make {len(b) - 1} groups, but {len(self.labels)} labels were given "
                                 f"({self.labels}); give one label per interval")
            if len(set(map(str, self.labels))) != len(self.labels):
                raise ValueError(f"labels must differ from each other; got {self.labels}")
        return self


class AgreementSpec(_Strict):
    """Reader agreement: weighted or unweighted kappa (two readers, ``ordinal``/``nominal``) or an ICC
    (``continuous``, two or more readers)."""

    name: str
    ratings: list[str] = Field(min_length=2)
    kind: Literal["ordinal", "nominal", "continuous"]
    weights: Literal["linear", "quadratic", "none"] | None = None  # ordinal default: quadratic
    form: Literal["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"] = "ICC2"
    levels: list[str | int | float] | None = None

    @model_validator(mode="after")
    def _kind_options(self):
        if self.kind != "continuous" and len(self.ratings) != 2:
            raise ValueError(f"{self.name}: kappa compares two readers; got {len(self.ratings)} rating columns "
                             "(use kind: continuous for an ICC of several readers)")
        if self.kind == "nominal" and self.weights not in (None, "none"):
            raise ValueError(f"{self.name}: weights apply to ordinal ratings; a nominal scale has no order "
                             "(use kind: ordinal, or leave weights out)")
        if self.kind == "continuous" and self.weights is not None:
            raise ValueError(f"{self.name}: weights are for kappa; continuous ratings get an ICC (choose it with form:)")
        if len(set(self.ratings)) != len(self.ratings):
            raise ValueError(f"{self.name}: a rating column is listed twice ({self.ratings})")
        return self

    @property
    def kappa_weights(self):
        if self.kind == "nominal" or self.weights == "none":
            return None
        return self.weights or "quadratic"


class ScoreRocSpec(_Strict):
    """Diagnostic value of scores over the whole analysed population (no split)."""

    scores: list[str] = Field(min_length=1)
    direction: Literal["<", ">"] = "<"  # "<": a higher score means the outcome
    compare: bool = True  # paired DeLong tests between the scores


class NomogramSpec(_Strict):
    """A nomogram of a fitted model's inputs (clinical covariates and rad-scores) by logistic regression on the
    training set."""

    model: str


class AnalysisSpec(_Strict):
    """A further analysis: the top-level blocks it sets replace the study's; every other block is inherited."""

    name: str
    population: str | None = None
    outcome: OutcomeSpec | None = None
    exclusions: list[ExclusionSpec] | None = None
    table1: TableOneSpec | None = None
    regression: RegressionSpec | None = None
    split: SplitSpec | None = None
    cv: CVSpec | None = None
    survival: SurvivalSpec | None = None
    feature_sets: dict[str, FeatureSetSpec] | None = None
    signature_screen: dict | None = None
    models: list[ModelSpecYaml] | None = None
    comparisons: ComparisonSpec | None = None
    decision_curve: DecisionCurveSpec | None = None
    score_roc: ScoreRocSpec | None = None
    nomogram: NomogramSpec | None = None

    @field_validator("population")
    @classmethod
    def _population_parses(cls, v):
        if v is not None:
            try:
                expr = parse_expression(v, where="population")
            except ExpressionError as err:
                raise ValueError(str(err)) from None
            if not expr.logical:
                raise ValueError(f"population {v!r} is not a condition; write e.g. \"infarction == 1\"")
        return v

    def blocks(self) -> dict:
        """The blocks this analysis sets (a block set to null switches it off)."""
        return {k: getattr(self, k) for k in self.model_fields_set if k not in ("name", "population")}


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
    variables: dict[str, str | CutSpec] = Field(default_factory=dict)  # derived columns, computed in order
    agreement: list[AgreementSpec] = Field(default_factory=list)
    score_roc: ScoreRocSpec | None = None
    nomogram: NomogramSpec | None = None
    habitat_order: Literal["distance", "intensity"] | None = None  # how the sub-region tables were numbered
    analyses: list[AnalysisSpec] = Field(default_factory=list)

    @field_validator("variables", mode="before")
    @classmethod
    def _variables_parse(cls, v):
        if not isinstance(v, dict):
            raise ValueError("variables maps new column names to an expression (\"mrs_3m > 2\") or a cut "
                             "({cut: column, breaks: [...], labels: [...]})")
        for name, rule in v.items():
            if not str(name).isidentifier():
                raise ValueError(f"{name!r}: a derived variable's name must be a plain identifier (letters, digits, "
                                 "underscores), so that expressions can use it")
            if isinstance(rule, str):
                try:
                    parse_expression(rule, where=f"variables.{name}")
                except ExpressionError as err:
                    raise ValueError(str(err)) from None
            elif not isinstance(rule, dict):
                raise ValueError(f"{name}: expected an expression string or {{cut: column, breaks: [...]}}; got "
                                 f"{type(rule).__name__}")
        return v

    @model_validator(mode="after")
    def _references(self):
        from .references import spec_problems

        problems = spec_problems(self)
        if problems:
            raise ValueError(_PROBLEM_SEPARATOR.join(problems))
        return self

    def effective(self, analysis: "AnalysisSpec") -> "StudySpec":
        """The spec an analysis runs with: this study's blocks with the analysis' own on top."""
        return self.model_copy(update=analysis.blocks())

    @field_validator("signature_screen")
    @classmethod
    def _signature_screen_keys(cls, v):
        from ..models import screen_problem

        problem = screen_problem(v)
        if problem:
            raise ValueError(problem)
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
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            allowed = _known_keys(StudySpec, e["loc"])
            near = difflib.get_close_matches(str(e["loc"][-1]), allowed, n=1)
            msg = f"unknown key{f'; did you mean {near[0]!r}?' if near else ''} (allowed: {', '.join(allowed)})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        if not loc:  # the whole file's checks (names it refers to): one line per problem
            lines += [f"  - {m}" for m in msg.removeprefix("Value error, ").split(_PROBLEM_SEPARATOR)]
            continue
        lines.append(f"  - {loc}: {msg}")
    return "\n".join([f"{source}: the study file is not valid ({len(lines)} problem(s)):", *lines])


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


