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
from typing import Annotated, Literal

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

    @model_validator(mode="after")
    def _tables_or_synthetic(self):
        if self.synthetic is not None and self.tables:
            raise ValueError("give either data.synthetic or data.tables, not both (the tables would be ignored)")
        if self.synthetic is None and not self.tables:
            raise ValueError("data.tables is empty; list at least one table (name, path), or use data.synthetic")
        names = [t.name for t in self.tables]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"data.tables: table names must be distinct; {dup} occur more than once")
        if self.id is None and len(self.tables) > 1:
            raise ValueError("data.id is null but there are several tables: patients can only be matched across "
                             "tables by an id column; name it in data.id")
        return self


_CONDITION = re.compile(r"^\s*(<=|>=|==|!=|<|>|=)")


class OutcomeSpec(_Strict):
    column: str
    positive: str | int | float | bool | None = None
    negative: list[str | int | float | bool] | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _negative_needs_positive(self):
        if self.negative is not None:
            if self.positive is None:
                raise ValueError("outcome.negative lists the non-event values, so outcome.positive must name the event")
            if not self.negative:
                raise ValueError("outcome.negative is empty; list the non-event values (or leave the key out)")
            if self.positive in self.negative:
                raise ValueError(f"outcome.positive {self.positive!r} is also listed in outcome.negative")
        return self

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

    @model_validator(mode="after")
    def _value_fits_op(self):
        if self.op == "missing" and self.value is not None:
            raise ValueError(f"exclusion {self.name!r}: op 'missing' takes no value (got {self.value!r})")
        if self.op in ("in", "not in") and (self.value is None or self.value == []):
            raise ValueError(f"exclusion {self.name!r}: op {self.op!r} needs a value or a list of values")
        if self.op in ("<", "<=", ">", ">=", "==", "!="):
            if self.value is None or isinstance(self.value, list):
                raise ValueError(f"exclusion {self.name!r}: op {self.op!r} needs one value (got {self.value!r}); "
                                 "use op 'in' for a list or op 'missing' for empty cells")
            if self.op in ("<", "<=", ">", ">=") and (isinstance(self.value, (str, bool))):
                raise ValueError(f"exclusion {self.name!r}: op {self.op!r} needs a number; got {self.value!r}")
        return self


class SplitSpec(_Strict):
    test_size: float = Field(0.2, gt=0, lt=1)
    stratify: bool = True
    seed: int | None = Field(None, ge=0)


class TableOneSpec(_Strict):
    variables: list[str] | None = None
    categorical: list[str] = Field(default_factory=list)
    nonnormal: list[str] = Field(default_factory=list)
    by_split: bool = True
    equal_var: bool = False
    yates: bool = True
    trend: list[str] = Field(default_factory=list)  # Cochran-Armitage test across ordered levels (prop.trend.test)
    columns: list[Literal["statistic", "test", "smd"]] = Field(default_factory=list)  # extra Table 1 columns
    digits: dict[str, int] = Field(default_factory=dict)  # decimals per variable (others: gtsummary's rule)

    @model_validator(mode="after")
    def _listed_among_variables(self):
        both = sorted(set(self.categorical) & set(self.nonnormal))
        if both:
            raise ValueError(f"{both} listed as both categorical and nonnormal; choose one")
        if self.variables:
            for key in ("categorical", "nonnormal"):
                extra = [v for v in getattr(self, key) if v not in self.variables]
                if extra:
                    raise ValueError(f"table1.{key} names {extra}, which are not among table1.variables; add them to "
                                     "variables or remove them here")
        return self


class RegressionSpec(_Strict):
    candidates: list[str]
    categorical: list[str] = Field(default_factory=list)
    screen_p: float = Field(0.05, gt=0, le=1)
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

    @model_validator(mode="after")
    def _within_candidates(self):
        for key in ("categorical", "multivariable"):
            extra = [v for v in (getattr(self, key) or []) if v not in self.candidates]
            if extra:
                raise ValueError(f"regression.{key} names {extra}, which are not among regression.candidates")
        return self


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

    @model_validator(mode="after")
    def _columns_or_prefix(self):
        if not self.columns and self.prefix is None and self.pattern is None:
            raise ValueError("a feature set needs columns, a prefix (\"\" for every column), a pattern, or some of "
                             "these")
        return self


class ModelSpecYaml(_Strict):
    name: str
    features: list[str] = Field(min_length=1)
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

    @field_validator("pairs")
    @classmethod
    def _two_distinct_models(cls, v):
        if v == "all":
            return v
        if not v:
            raise ValueError("pairs is empty; list pairs of model names, e.g. [[Clinical, Combined]], or use 'all'")
        for pair in v:
            if len(pair) != 2:
                raise ValueError(f"each pair names two models, e.g. [Clinical, Combined]; got {pair}")
            if pair[0] == pair[1]:
                raise ValueError(f"the pair {pair} compares model {pair[0]!r} with itself")
        return v

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
    threshold: float = Field(0.75, ge=0, le=1)
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

    @field_validator("times")
    @classmethod
    def _non_negative_times(cls, v):
        if any(not t >= 0 for t in v):  # also NaN
            raise ValueError(f"survival.times must be non-negative follow-up times; got {v}")
        return v


class DecisionCurveSpec(_Strict):
    start: float = Field(0.01, gt=0, lt=1)
    stop: float | None = Field(None, gt=0, lt=1)  # None: from the outcome's prevalence (decision_curve_stop)
    step: float = Field(0.01, ge=1e-4, le=0.5)

    @model_validator(mode="after")
    def _increasing(self):
        if self.stop is not None and self.stop < self.start:
            raise ValueError(f"decision_curve.stop ({self.stop}) is below start ({self.start})")
        return self


def decision_curve_stop(prevalence: float) -> float:
    """The default upper threshold of decision curves: 1.5 times the outcome's prevalence, rounded up to 0.05,
    within [0.3, 0.9]. Above it few patients have a predicted risk that high, and net benefit is noise."""
    import math

    return min(0.9, max(0.3, math.ceil(round(30 * prevalence, 9)) / 20))


class MissingSpec(_Strict):
    """``missing:``: complete-case analysis (default) or multiple imputation pooled by Rubin's rules."""

    method: Literal["complete_case", "impute"] = "complete_case"
    m: int = Field(20, ge=2, le=1000)
    variables: list[str] | None = None
    maxit: int = Field(10, ge=1, le=1000)
    donors: int = Field(5, ge=1, le=100)
    seed: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _settings_need_impute(self):
        given = sorted(self.model_fields_set - {"method"})
        if self.method == "complete_case" and given:
            raise ValueError(f"missing.{', missing.'.join(given)} apply only with method: impute (complete-case "
                             "analysis imputes nothing); set method: impute or remove them")
        return self


class SampleSizeSpec(_Strict):
    """``sample_size:``: the anticipated Cox-Snell R² (or a C statistic) for Riley et al.'s criteria."""

    r2_cs: float | None = Field(None, gt=0, lt=1)
    c_statistic: float | None = Field(None, gt=0.5, lt=1)
    shrinkage: float = Field(0.9, gt=0, lt=1)
    delta_r2: float = Field(0.05, gt=0, lt=1)
    margin: float = Field(0.05, gt=0, lt=1)

    @model_validator(mode="after")
    def _one_anticipation(self):
        if self.r2_cs is not None and self.c_statistic is not None:
            raise ValueError("give sample_size.r2_cs or sample_size.c_statistic, not both")
        return self


class StudyInfoSpec(_Strict):
    """``study:``: what only the authors know, quoted in the TRIPOD+AI checklist."""

    source: str | None = None
    dates: str | None = None
    setting: str | None = None


class ReportSpec(_Strict):
    title: str = "Study report"
    authors: list[str] = Field(default_factory=list)
    digits: int = Field(2, ge=0, le=10)
    p_style: Literal["nejm", "apa", "exact"] = "nejm"
    formats: list[Literal["html", "docx", "xlsx", "csv"]] = Field(default_factory=lambda: ["html", "docx", "xlsx", "csv"])
    include_row_level: bool = False
    min_cell: int = Field(1, ge=1)
    page: Literal["a4", "letter"] = "a4"
    orientation: Literal["portrait", "landscape"] = "portrait"


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


class ComputeSpec(_Strict):
    """Where a run's parallel work goes: joblib workers (``"auto"``: this machine's cores, or every worker of the
    cluster), BLAS threads of the main process (workers get one each), and an optional Dask scheduler."""

    workers: Annotated[int, Field(ge=1)] | Literal["auto"] = "auto"
    blas_threads: int = Field(1, ge=1)
    scheduler: str | None = Field(None, min_length=1)


class StudySpec(_Strict):
    """The validated content of a study YAML file (every key is documented in the README)."""

    data: DataSpec
    outcome: OutcomeSpec
    seed: int = Field(2024, ge=0)
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
    compute: ComputeSpec = Field(default_factory=ComputeSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)
    labels: dict[str, str] = Field(default_factory=dict)  # {column: display name}, e.g. "FVH score, per point"
    levels: dict[str, dict[str | int | float | bool, str]] = Field(default_factory=dict)  # {column: {value: name}}
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
    missing: MissingSpec = Field(default_factory=MissingSpec)
    sample_size: SampleSizeSpec = Field(default_factory=SampleSizeSpec)
    study: StudyInfoSpec = Field(default_factory=StudyInfoSpec)

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
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "study"
        msg = e["msg"].removeprefix("Value error, ")
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


MAX_SPEC_BYTES = 1_000_000  # a study file is a page of keys; a megabyte is not one
MAX_SPEC_VALUES = 100_000  # values after anchors and aliases are expanded (a "billion laughs" file has 10^9)


class _SpecLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (no Python objects, no code) in which a key given twice in a mapping is an error."""


def _no_duplicate_keys(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base": explicit keys may override merged ones
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: the spec's validation reports it
            continue
        if first is not None:
            where = f"line {line}" if first == line else f"lines {first} and {line}"
            raise SpecError(f"{loader.name}: key {key!r} is given twice in the same mapping ({where}); keep one.")
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def _expanded_size(root, name: str) -> int:
    """How many values the document holds once every alias is expanded (counted without expanding)."""
    size: dict = {}
    stack = [(root, False)]
    on_path: set = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            size[key] = min(1 + sum(size[id(c)] for c in children), 10 * MAX_SPEC_VALUES)
            continue
        if key in size:
            continue
        if key in on_path:
            raise SpecError(f"{name}: an alias refers to a node that contains it (a recursive structure at line "
                            f"{node.start_mark.line + 1}); a study file cannot hold one.")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)]


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _decode_spec(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16/UTF-32 with a BOM; anything else is refused in one sentence."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                raise SpecError(f"{name}: the file starts with a {encoding.upper()} byte-order mark but is not "
                                f"{encoding.upper()} text; save it as UTF-8.") from None
    if b"\x00" in raw:
        raise SpecError(f"{name}: the file holds zero bytes, as UTF-16 text without a byte-order mark does; save it "
                        "as UTF-8.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise SpecError(f"{name}: the file is not UTF-8 text (byte {raw[err.start]:#04x} on line {line}, as "
                        "Latin-1 or Windows-1252 files have); save it as UTF-8.") from None


def _read_yaml(path: Path):
    """The study file's content: size, encoding, duplicate keys and alias expansion checked, safely loaded."""
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(f"{path.name}: the file has {size:,} bytes; a study file is limited to "
                        f"{MAX_SPEC_BYTES:,} (list columns by prefix or pattern rather than one by one).")
    text = _decode_spec(path.read_bytes(), path.name)
    loader = _SpecLoader(text)
    loader.name = path.name
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        n = _expanded_size(node, path.name)
        if n > MAX_SPEC_VALUES:
            count = f"at least {n:,}" if n >= 10 * MAX_SPEC_VALUES else f"{n:,}"
            raise SpecError(f"{path.name}: its anchors and aliases expand to {count} values, over the limit of "
                            f"{MAX_SPEC_VALUES:,} for a study file; write the repeated parts out, or nest fewer "
                            "aliases.")
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise SpecError(f"{path.name}: not valid YAML ({err}).") from None
    except RecursionError:
        raise SpecError(f"{path.name}: the YAML is nested too deeply to be a study file.") from None
    finally:
        loader.dispose()


def load_spec(path) -> tuple[StudySpec, Path]:
    """Read and validate a study YAML file; returns the spec and the file's folder (paths are relative to it).

    The file must be UTF-8 (UTF-16/32 with a byte-order mark are read too), at most ``MAX_SPEC_BYTES`` long,
    with no key given twice in a mapping and no more than ``MAX_SPEC_VALUES`` values once anchors and aliases
    are expanded; it is read with YAML's safe loader (no Python objects, nothing evaluated).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    SpecError
        Any of the above, invalid YAML, or keys and values the study file does not allow.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"study file {str(path)!r} does not exist.")
    if path.is_dir():
        raise SpecError(f"{str(path)!r} is a folder; give the study YAML file inside it.")
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name}: expected a mapping of keys (data, outcome, ...) at the top level.")
    try:
        spec = StudySpec.model_validate(raw)
    except ValidationError as err:
        raise SpecError(_format_errors(err, path.name)) from None
    return spec, path.parent
