"""The study specification (YAML, validated with pydantic) and the runner that executes it.

A study file names the data, the outcome and the analyses; :meth:`Study.run` executes the stages in
the order of the data flow (data -> Table 1 -> regression -> models -> discrimination, calibration,
decision curves -> report) and returns a :class:`StudyResult`, whose ``write`` produces the report.
YAML is loaded with ``yaml.safe_load``; no string from a spec or a data file is ever evaluated.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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

    @model_validator(mode="after")
    def _within_candidates(self):
        for key in ("categorical", "multivariable"):
            extra = [v for v in (getattr(self, key) or []) if v not in self.candidates]
            if extra:
                raise ValueError(f"regression.{key} names {extra}, which are not among regression.candidates")
        return self


class FeatureSetSpec(_Strict):
    columns: list[str] = Field(default_factory=list)
    prefix: str | None = None

    @model_validator(mode="after")
    def _columns_or_prefix(self):
        if not self.columns and self.prefix is None:
            raise ValueError("a feature set needs columns, a prefix (\"\" for every column), or both")
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
    stop: float = Field(0.99, gt=0, lt=1)
    step: float = Field(0.01, ge=1e-4, le=0.5)

    @model_validator(mode="after")
    def _increasing(self):
        if self.stop < self.start:
            raise ValueError(f"decision_curve.stop ({self.stop}) is below start ({self.start})")
        return self


class ReportSpec(_Strict):
    title: str = "Study report"
    authors: list[str] = Field(default_factory=list)
    digits: int = Field(2, ge=0, le=10)
    p_style: Literal["nejm", "apa", "exact"] = "nejm"
    formats: list[Literal["html", "docx", "xlsx", "csv"]] = Field(default_factory=lambda: ["html", "docx", "xlsx", "csv"])
    include_row_level: bool = False
    min_cell: int = Field(1, ge=1)


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

    @model_validator(mode="after")
    def _names_refer_to_the_spec(self):
        """Names that point elsewhere in the study file must exist there (a typo fails at validate, not mid-run)."""
        problems = []
        models = [m.name for m in self.models]
        if self.comparisons.pairs != "all":
            for pair in self.comparisons.pairs:
                unknown = [p for p in pair if p not in models]
                if unknown:
                    near = [difflib.get_close_matches(u, models, n=1) for u in unknown]
                    hint = "".join(f"; did you mean {n[0]!r}?" for n in near if n)
                    problems.append(f"comparisons.pairs {pair} names {unknown}, not among the models {models}{hint}")
        for m in self.models:
            for f in m.features:
                if f.startswith("signature:") and f.split(":", 1)[1] not in self.feature_sets:
                    problems.append(f"models[{m.name}].features: signature set {f.split(':', 1)[1]!r} is not "
                                    f"defined in feature_sets ({list(self.feature_sets)})")
        if self.reproducibility is not None:
            unknown = [f for f in self.reproducibility.feature_sets if f not in self.feature_sets]
            if unknown:
                problems.append(f"reproducibility.feature_sets names {unknown}, not among feature_sets "
                                f"{list(self.feature_sets)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


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
        loc = ".".join(str(p) for p in e["loc"]) or "study"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            allowed = _known_keys(StudySpec, e["loc"])
            near = difflib.get_close_matches(str(e["loc"][-1]), allowed, n=1)
            msg = f"unknown key{f'; did you mean {near[0]!r}?' if near else ''} (allowed: {', '.join(allowed)})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"  - {loc}: {msg}")
    return "\n".join(lines)


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
