"""The sample-size stage of a study: Riley et al.'s minimum sample size for every model and for the multivariable
regression, against the patients and events the data hold (a recorded warning where they fall short)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import DataValidationError, SampleSizeWarning
from ..sample_size import sample_size

__all__ = ["SampleSizeCheck", "PARAMETER_RULE", "candidate_parameters", "check_sample_size"]

PARAMETER_RULE = ("candidate predictor parameters are counted before any screening or selection: one per numeric "
                  "column, one per non-reference level of a categorical predictor, and every feature a LASSO "
                  "rad-score is built from (a rad-score of 107 features counts 107: the LASSO chooses among them "
                  "with the outcome)")

COLUMNS = ["analysis", "parameters", "prevalence", "r2_cs", "required_n", "required_events", "required_epp",
           "criterion", "actual_n", "actual_events", "actual_epp", "enough", "counted"]


@dataclass(frozen=True)
class SampleSizeCheck:
    """Required (Riley et al. 2020) against actual patients and events, per analysis.

    ``table``: ``analysis, parameters, prevalence, r2_cs, required_n, required_events, required_epp, criterion``
    (the criterion that set the size), ``actual_n, actual_events, actual_epp, enough, counted`` (how the
    parameters were counted); ``results``: analysis -> SampleSizeResult; ``anticipated``: where R²cs came from;
    ``development``: which patients count as the development data."""

    table: pd.DataFrame
    results: dict = field(repr=False)
    anticipated: str = ""
    development: str = ""
    rule: str = PARAMETER_RULE


def _levels(series: pd.Series) -> int:
    return int(series.dropna().nunique())


def candidate_parameters(df, predictors, categorical=()) -> tuple[int, str]:
    """Parameters of the listed predictors (levels − 1 for a categorical one) and how they were counted."""
    count, parts = 0, []
    for c in predictors:
        s = df[c]
        is_cat = c in categorical or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
        k = max(_levels(s) - 1, 1) if is_cat else 1
        count += k
        if is_cat and k > 1:
            parts.append(f"{c} {k}")
    return count, (f"{len(predictors)} candidate(s)" + (f"; levels: {', '.join(parts)}" if parts else ""))


def _model_parameters(model, sets) -> tuple[int, str]:
    count, parts = 0, []
    for f in model.features:
        if f.startswith(("signature:", "selected:")):  # the LASSO chooses among every feature of the set(s)
            kind, names = f.split(":", 1)
            k = sum(len(sets.get(n, [])) for n in names.split("+"))
            what = "rad-score of" if kind == "signature" else "LASSO selection from"
            parts.append(f"{what} {names.replace('+', ' + ')} {k}")
        elif f in sets:
            k = len(sets[f])
            parts.append(f"{f} {k}")
        else:
            k = 1
            parts.append(f)
        count += k
    return count, ", ".join(parts)


def _anticipation(spec) -> dict:
    ss = spec.sample_size
    if ss.r2_cs is not None:
        return {"r2_cs": ss.r2_cs}
    if ss.c_statistic is not None:
        return {"c_statistic": ss.c_statistic}
    return {}


def _required(name, parameters, prevalence, spec, cache):
    """Riley's sample size at this prevalence; R²cs by default 15% of its maximum (Riley et al. 2020)."""
    ss = spec.sample_size
    given = _anticipation(spec)
    if not given:
        max_r2 = 1 - (prevalence ** prevalence * (1 - prevalence) ** (1 - prevalence)) ** 2
        given = {"r2_cs": 0.15 * max_r2}
    key = (parameters, round(prevalence, 12), tuple(given.items()))
    if key not in cache:
        cache[key] = sample_size(parameters=parameters, prevalence=prevalence, shrinkage=ss.shrinkage,
                                 delta_r2=ss.delta_r2, margin=ss.margin, **given)
    return cache[key]


def check_sample_size(scope, df, outcome, sets, results) -> dict:
    """``sample_size``: a :class:`SampleSizeCheck` for every fitted model (development data: the training set)
    and the multivariable regression (complete cases of the candidates, or every patient with imputation)."""
    spec = scope.spec
    imputing = spec.missing.method == "impute"
    rows, out, cache = [], {}, {}
    if spec.regression is not None:
        r = spec.regression
        data = df if imputing else df.dropna(subset=r.candidates)
        k, counted = candidate_parameters(df, r.candidates, set(r.categorical))
        rows.append(("Multivariable regression", k, counted, len(data), int(data[outcome].sum())))
    models = results.get("models_pooled") if imputing else results.get("models")
    if models is not None:
        perf = models.performance[models.performance["set"] == "train"].set_index("model")
        for m in spec.models:
            if m.name in perf.index:
                k, counted = _model_parameters(m, sets)
                rows.append((f"Model {m.name}", k, counted, int(perf.loc[m.name, "n"]),
                             int(perf.loc[m.name, "n_events"])))
    table = []
    for name, k, counted, n, events in rows:
        if n == 0 or events in (0, n):
            continue
        prevalence = events / n
        try:
            res = _required(name, k, prevalence, spec, cache)
        except DataValidationError as err:
            warnings.warn(f"sample size of {name}: not computed ({err})", SampleSizeWarning, stacklevel=2)
            continue
        out[name] = res
        crit = res.criteria.iloc[:3]
        driver = crit.loc[crit["n"].idxmax(), "criterion"]
        enough = n >= res.n
        table.append({"analysis": name, "parameters": k, "prevalence": prevalence, "r2_cs": res.r2_cs,
                      "required_n": res.n, "required_events": math.ceil(res.events), "required_epp": res.epp,
                      "criterion": driver, "actual_n": n, "actual_events": events, "actual_epp": events / k,
                      "enough": enough, "counted": counted})
        if not enough:
            warnings.warn(
                f"{name}: {n} patients ({events} events, {events / k:.1f} per candidate parameter) for {k} candidate "
                f"parameter(s); Riley et al.'s criteria ask for at least {res.n} patients ({math.ceil(res.events)} "
                f"events, {res.epp:.1f} per parameter; set by {driver}) at an anticipated Cox-Snell R² of "
                f"{res.r2_cs:.3f}. {_advice(crit, n)}", SampleSizeWarning, stacklevel=2)
    given = _anticipation(spec)
    if "r2_cs" in given:
        anticipated = f"anticipated Cox-Snell R² {given['r2_cs']:g} (study file)"
    elif "c_statistic" in given:
        anticipated = (f"Cox-Snell R² approximated from an anticipated C statistic of {given['c_statistic']:g} "
                       "(Riley, Van Calster & Collins 2021, as pmsampsize)")
    else:
        anticipated = ("anticipated Cox-Snell R² = 15% of its largest possible value at the observed prevalence "
                       "(Riley et al.'s conservative default when nothing is known; set sample_size: {r2_cs: ...} or "
                       "{c_statistic: ...} in the study file)")
    development = ("training set of each model; every analysed patient for the regression (multiple imputation)"
                   if imputing else "training set of each model; patients with every regression candidate observed "
                   "for the regression (complete-case analysis)")
    return {"sample_size": SampleSizeCheck(pd.DataFrame(table, columns=COLUMNS), out, anticipated, development)}


def _advice(criteria: pd.DataFrame, n: int) -> str:
    """What to do, by the criteria the data fall short of: overfitting ((i), (ii)) depends on the number of candidate
    parameters; the precision of the overall risk ((iii)) only on the number of patients."""
    short = set(criteria.loc[criteria["n"] > n, "criterion"].str.split(" ").str[0])
    advice = []
    if short & {"(i)", "(ii)"}:
        advice.append("The model is likely overfitted (criteria (i)/(ii)): pre-specify fewer candidate parameters, "
                      "use a penalised model, or gather more patients.")
    if "(iii)" in short:
        advice.append("Too few patients to estimate the overall risk precisely (criterion (iii)); fewer parameters do "
                      "not help there, only more patients.")
    return " ".join(advice)
