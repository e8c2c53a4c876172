"""Every public function leaves its inputs untouched (STYLE rule 8): DataFrames and arrays are compared
before and after each call."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cohortstats as cs
from cohortstats.datasets import make_hematoma_cohort


@pytest.fixture(scope="module")
def data():
    c = make_hematoma_cohort()
    m = cs.merge_tables(c.clinical, c.radiomics["whole"], on="patient_id", prefixes=[None, "whole_"])
    df = m.data
    y = df["expansion"].to_numpy()
    k = np.arange(len(y))
    p1 = np.clip(0.4 + 0.15 * y + np.sin(k * 1.7) * 0.3, 0.01, 0.99)
    p2 = np.clip(0.4 + 0.1 * y + np.cos(k * 0.9) * 0.3, 0.01, 0.99)
    return df, y, p1, p2


CALLS = {
    "table_one": lambda df, y, p1, p2: cs.table_one(df, group="expansion", variables=["age", "sex", "volume"]),
    "logistic_regression": lambda df, y, p1, p2: cs.logistic_regression(df, "expansion", ["age", "volume"], ci_method="wald"),
    "univariable_logistic": lambda df, y, p1, p2: cs.univariable_logistic(df, "expansion", ["age", "sex"], ci_method="wald"),
    "cox_regression": lambda df, y, p1, p2: cs.cox_regression(df.assign(t=np.arange(len(df)) + 1.0), "t", "expansion", ["age"]),
    "kaplan_meier": lambda df, y, p1, p2: cs.kaplan_meier(df.assign(t=np.arange(len(df)) + 1.0), "t", "expansion", "sex"),
    "roc": lambda df, y, p1, p2: cs.roc(y, p1),
    "auc_ci": lambda df, y, p1, p2: cs.auc_ci(y, p1, method="bootstrap", n_boot=200, random_state=1),
    "delong_test": lambda df, y, p1, p2: cs.delong_test(y, p1, p2),
    "compare_aucs": lambda df, y, p1, p2: cs.compare_aucs(y, {"a": p1, "b": p2}),
    "threshold_metrics": lambda df, y, p1, p2: cs.threshold_metrics(y, p1),
    "nri": lambda df, y, p1, p2: cs.nri(y, p1, p2, cutoffs=[0.3, 0.6]),
    "idi": lambda df, y, p1, p2: cs.idi(y, p1, p2),
    "calibration": lambda df, y, p1, p2: cs.calibration(y, p1),
    "decision_curve": lambda df, y, p1, p2: cs.decision_curve(y, {"a": p1, "b": p2}, n_boot=50, random_state=1),
    "screen_features": lambda df, y, p1, p2: cs.screen_features(df[[c for c in df if c.startswith("whole_original")]], y),
    "lasso": lambda df, y, p1, p2: cs.LassoSignature(lambda_=0.05).fit(df[[c for c in df if c.startswith("whole_original")]], y),
    "train_test_split": lambda df, y, p1, p2: cs.train_test_split(df, "expansion"),
    "bootstrap_validation": lambda df, y, p1, p2: cs.bootstrap_validation(df, "expansion", ["volume"], B=20, random_state=1),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_inputs_not_mutated(data, name):
    df, y, p1, p2 = data
    copies = (df.copy(deep=True), y.copy(), p1.copy(), p2.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        CALLS[name](df, y, p1, p2)
    pd.testing.assert_frame_equal(df, copies[0])
    for a, b in zip((y, p1, p2), copies[1:]):
        np.testing.assert_array_equal(a, b)
