"""A clinical-registry study at 10^6-10^7 patients on one machine: time and peak memory per step.

Run: python benchmarks/bench_registry.py [n] [--runner] [--profile-ci]   (one BLAS thread, as a study run)
  n            patients (default 1,000,000; the target is 10^7 within 16 GiB and 10 minutes on 2 cores)
  --runner     also run the same study through the study runner (a study file over a Parquet table)
  --profile-ci also time profile CIs of the 20-covariate model against its Wald fit (10^6 x 20 target: 10x)

The study: Table 1 of 20 covariates (12 continuous, 3 of them skewed; 5 binary; 3 categorical) by outcome,
20 univariable logistic models (Wald CIs), the multivariable model with all 20 covariates (26 coefficients,
profile-likelihood CIs at 10^6, Wald at 10^7 unless --profile-ci) and a 6-covariate model, ROC, DeLong AUC
CIs and Youden cut-offs of both, their paired DeLong test, calibration (val.prob statistics, lowess curve,
HL) and decision curves of both. Peak memory is the process's resident set, sampled every 20 ms during each
step. Through the runner (--runner) the models are fitted on an 8:2 split from the 17 numeric covariates
(and 5 of them), as a study's models block requires numbers; Table 1 and regression use all 20.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _util import RssPeak

import cohortstats as cs
from cohortstats._parallel import limit_blas
from cohortstats.evaluation._roc_core import shared_sorts

CONTINUOUS = ["age", "sbp", "dbp", "bmi", "hba1c", "ldl", "hdl", "heart_rate", "egfr", "nihss", "creatinine", "crp"]
SKEWED = ["nihss", "creatinine", "crp"]
BINARY = ["male", "smoker", "diabetes", "hypertension", "atrial_fibrillation"]
CATEGORICAL = ["region", "stage", "insurance"]
COVARIATES = CONTINUOUS + BINARY + CATEGORICAL
REDUCED = ["age", "sbp", "diabetes", "atrial_fibrillation", "stage", "nihss"]


def make(n: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic registry: one row per patient, an integer id, 20 covariates and a ~20 % binary outcome."""
    rng = np.random.default_rng(seed)
    d = {"patient_id": np.arange(1, n + 1)}
    d["age"] = np.round(rng.normal(65, 12, n), 1)
    d["sbp"] = np.round(rng.normal(140, 20, n))
    d["dbp"] = np.round(0.5 * d["sbp"] + rng.normal(15, 8, n))
    d["bmi"] = np.round(rng.normal(27, 4.5, n), 1)
    d["hba1c"] = np.round(rng.normal(6.0, 1.0, n), 1)
    d["ldl"] = np.round(rng.normal(3.0, 0.9, n), 2)
    d["hdl"] = np.round(rng.normal(1.3, 0.35, n), 2)
    d["heart_rate"] = np.round(rng.normal(75, 12, n))
    d["egfr"] = np.round(np.clip(rng.normal(80, 20, n), 5, None))
    d["nihss"] = rng.poisson(4, n).astype(float)
    d["creatinine"] = np.round(rng.lognormal(4.4, 0.3, n))
    d["crp"] = np.round(rng.lognormal(1.0, 1.0, n), 1)
    for j, p in enumerate([0.55, 0.2, 0.25, 0.6, 0.15]):
        d[BINARY[j]] = (rng.random(n) < p).astype(np.int8)
    d["region"] = pd.Categorical.from_codes(rng.integers(0, 4, n), ["North", "South", "East", "West"])
    stage = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    d["stage"] = pd.Categorical.from_codes(stage, ["I", "II", "III", "IV"])
    d["insurance"] = pd.Categorical.from_codes(rng.choice(3, n, p=[0.6, 0.3, 0.1]), ["public", "private", "none"])
    eta = (-2.4 + 0.03 * (d["age"] - 65) + 0.01 * (d["sbp"] - 140) + 0.5 * d["diabetes"]
           + 0.4 * d["atrial_fibrillation"] + 0.3 * d["smoker"] + 0.35 * stage + 0.08 * d["nihss"]
           + 0.15 * np.log(d["crp"] + 0.1) - 0.01 * (d["egfr"] - 80))
    d["outcome"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int8)
    return pd.DataFrame(d)


def run_steps(df: pd.DataFrame, *, profile: bool) -> list[tuple[str, float, float]]:
    """Each step of the study called directly: (step, seconds, peak GiB, GiB its result holds). Results are let go
    after each step (the two models' risks are kept), so each peak is the data plus that step's work."""
    rows, keep = [], {}

    def step(name, fn):
        before = RssPeak.current()
        with RssPeak() as mem:
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                out = fn()
            dt = time.perf_counter() - t0
        held = RssPeak.current() - before
        if hasattr(out, "fitted"):
            keep[name] = out.fitted
        del out
        rows.append((name, dt, mem.peak, held))
        print(f"  {name:<58} {dt:8.2f} s  peak {mem.peak:6.2f} GiB  result holds {held:5.2f} GiB", flush=True)

    y = df["outcome"]
    step("Table 1 (20 covariates by outcome, tests, SMD)",
         lambda: cs.table_one(df, group="outcome", variables=COVARIATES, categorical=BINARY, nonnormal=SKEWED))
    step("20 univariable logistic models (Wald CIs)",
         lambda: cs.univariable_logistic(df, "outcome", COVARIATES, ci_method="wald"))
    ci = "profile" if profile else "wald"
    step(f"multivariable logistic, 20 covariates ({ci} CIs)",
         lambda: cs.logistic_regression(df, "outcome", COVARIATES, ci_method=ci))
    step("6-covariate logistic (Wald CIs)", lambda: cs.logistic_regression(df, "outcome", REDUCED, ci_method="wald"))
    full = keep[f"multivariable logistic, 20 covariates ({ci} CIs)"]
    reduced = keep["6-covariate logistic (Wald CIs)"]
    y = np.asarray(y)
    with shared_sorts():  # each model's risks are sorted once for ROC, cut-off and decision curve
        step("ROC curves, DeLong AUC CIs, Youden cut-offs of both models",
             lambda: [(cs.roc(y, p), cs.auc_ci(y, p), cs.threshold_metrics(y, p)) for p in (full, reduced)])
        step("paired DeLong test", lambda: cs.delong_test(y, full, reduced))
        step("calibration of both models (val.prob, lowess, HL)",
             lambda: [cs.calibration(y, p) for p in (full, reduced)])
        step("decision curves of both models (99 thresholds)",
             lambda: cs.decision_curve(y, {"full": full, "reduced": reduced}))
    return rows


STUDY = """
seed: 1
data:
  id: patient_id
  tables:
    - {{name: registry, path: {path}}}
outcome:
  column: outcome
  positive: 1
table1:
  variables: {covariates}
  categorical: {binary}
  nonnormal: {skewed}
  by_split: false
regression:
  candidates: {covariates}
  screen_p: 1.0
  ci_method: wald
  nomogram: false
  validation_B: 0
split: {{test_size: 0.2}}
models:
  - {{name: Full, features: {numeric}, estimator: logistic}}
  - {{name: Reduced, features: {reduced_numeric}, estimator: logistic}}
comparisons: {{reclassification: false}}
report:
  formats: [html, csv]
"""


def run_runner(df: pd.DataFrame) -> None:
    from cohortstats.study import Study

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.parquet"
        df.to_parquet(path)
        spec = Path(tmp) / "study.yaml"
        numeric = CONTINUOUS + BINARY  # model inputs must be numbers (text categories go through regression)
        spec.write_text(STUDY.format(path=path, covariates=COVARIATES, binary=BINARY, skewed=SKEWED, numeric=numeric,
                                     reduced_numeric=[c for c in REDUCED if c in numeric]))
        with RssPeak() as mem:
            t0 = time.perf_counter()
            res = Study.from_yaml(spec).run(progress=lambda s: None)
            res.write(Path(tmp) / "report")
            dt = time.perf_counter() - t0
        print(f"  study runner end to end (report written): {dt:.1f} s, peak {mem.peak:.2f} GiB")
        for k, v in res.timings.items():
            print(f"    {k:<60} {v:8.2f} s")


def profile_vs_wald(df: pd.DataFrame) -> None:
    t0 = time.perf_counter()
    cs.logistic_regression(df, "outcome", COVARIATES, ci_method="wald")
    wald = time.perf_counter() - t0
    for jobs in (1, 2):
        t0 = time.perf_counter()
        cs.logistic_regression(df, "outcome", COVARIATES, ci_method="profile", n_jobs=jobs)
        prof = time.perf_counter() - t0
        print(f"  profile CIs ({jobs} worker(s)): {prof:.2f} s = {prof / wald:.1f}x the Wald fit ({wald:.2f} s)")


def main(argv):
    n = int(float(argv[0])) if argv and not argv[0].startswith("--") else 1_000_000
    with RssPeak() as mem:
        t0 = time.perf_counter()
        df = make(n)
        dt = time.perf_counter() - t0
    size = df.memory_usage(deep=True).sum() / 2**30
    print(f"registry study, n = {n:,}: data generated in {dt:.1f} s ({size:.2f} GiB in memory, peak {mem.peak:.2f} GiB)")
    with limit_blas(1):  # as a study run's default (compute.blas_threads: 1)
        t0 = time.perf_counter()
        rows = run_steps(df, profile="--profile-ci" in argv or n <= 1_000_000)
        total = time.perf_counter() - t0
        print(f"  {'all steps':<58} {total:8.2f} s  peak {max(r[2] for r in rows):6.2f} GiB")
        if "--profile-ci" in argv:
            profile_vs_wald(df)
    if "--runner" in argv:
        run_runner(df)


if __name__ == "__main__":
    main(sys.argv[1:])
