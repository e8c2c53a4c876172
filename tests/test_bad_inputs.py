"""No silent wrong number (issue 12, items 3-8): every input that used to give a wrong number, a NaN or a raw
numpy/scikit-learn traceback is refused with a clear error (its class and a phrase of its message asserted here),
or computed correctly with a named warning.

The battery runs through the public API (Table 1, regression, train/test models, cross-validation), the study file
(validators, data preparation) and the command line (no traceback reaches it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.cli import main
from cohortstats.exceptions import DataValidationError, EmptySignatureError, SeparationWarning, SmallCellWarning
from cohortstats.study import SpecError, Study, StudySpec, load_spec

REFERENCE = Path(__file__).parent / "reference"


# --------------------------------------------------------------------------- data
def _cohort(seed: int = 11, n: int = 120) -> pd.DataFrame:
    """A small clinical + imaging table: age and volume carry signal, f0..f7 are image features (f0-f2 weakly
    informative)."""
    g = np.random.default_rng(seed)
    df = pd.DataFrame({"patient_id": [f"P{i:03d}" for i in range(n)], "age": g.normal(65, 10, n).round(1),
                       "sex": g.choice(["M", "F"], n), "volume": g.gamma(2, 10, n).round(2)})
    df["y"] = (0.05 * (df.age - 65) + 0.05 * df.volume + g.normal(size=n) > 1.2).astype(int)
    for j in range(8):
        df[f"f{j}"] = g.normal(size=n) + 0.4 * df["y"] * (j < 3)
    return df


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return _cohort()


@pytest.fixture(scope="module")
def split(cohort):
    return cs.train_test_split(cohort, "y", random_state=3)


FEATURES = [f"f{j}" for j in range(8)]


def _fit(train, test, features, **kwargs):
    return cs.fit_models(train, test, "y", [cs.ModelSpec("m", features, **kwargs)])


# --------------------------------------------------------------------------- Table 1 (item 6)
TABLE1_CASES = [
    ("inf", lambda d: d.assign(age=d.age.where(d.index != 4, np.inf)),
     r"table_one: infinite values \(inf or -inf\) in column\(s\) 'age' \(1 row\(s\)\)"),
    ("minus_inf", lambda d: d.assign(age=d.age.where(d.index > 1, -np.inf)), r"'age' \(2 row\(s\)\)"),
    ("inf_in_two_valued_column", lambda d: d.assign(age=np.where(d.index < 3, np.inf, 1.0)),
     r"column\(s\) 'age' \(3 row\(s\)\)"),
    ("inf_text", lambda d: d.assign(age=d.age.astype(str).where(d.index != 0, "inf")), "holds 1 infinite"),
    ("one_group", lambda d: d.assign(y=0), r"must have at least two levels; got 1 \(0\)"),
]


@pytest.mark.parametrize("name, change, match", TABLE1_CASES, ids=[c[0] for c in TABLE1_CASES])
def test_table_one_refuses(cohort, name, change, match):
    with pytest.raises(DataValidationError, match=match):
        cs.table_one(change(cohort), group="y", variables=["age", "volume"])


def test_table_one_on_values_whose_squares_overflow_equals_r_on_the_scaled_values():
    """Values ~1e301: R's t.test gives P = NaN (var() overflows) and we used to give t = 0, P = 1. The tests
    are scale-free; table_one divides by a power of two (exact) and equals R on x / 1e300:
    t.test(s ~ g2), t.test(s ~ g2, var.equal = TRUE), oneway.test(s ~ g4) and oneway.test(s ~ g4, var.equal = TRUE)
    (tests/reference/table_one_overflow.R)."""
    data = pd.read_csv(REFERENCE / "table_one_overflow_data.csv")
    ref = pd.read_csv(REFERENCE / "table_one_overflow_reference.csv").set_index("test")
    assert np.isnan(ref.loc["welch_t", "raw_p_value_in_r"])  # R itself fails on the raw values
    runs = {"welch_t": ("g2", False), "student_t": ("g2", True), "welch_anova": ("g4", False),
            "anova": ("g4", True)}
    for test, (group, equal_var) in runs.items():
        t1 = cs.table_one(data, group=group, variables=["x"], equal_var=equal_var)
        row = t1.tests.iloc[0]
        assert_allclose([row["statistic"], row["p_value"]], ref.loc[test, ["statistic", "p_value"]].astype(float),
                        rtol=1e-10)
        assert "divided by 2^" in row["note"]
    # summary statistics are on the original scale, equal to the scaled ones x 1e300 (to rounding of the product)
    t1 = cs.table_one(data, group="g2", variables=["x", "scaled"])
    s = t1.summary.set_index(["variable", "group"])
    for stat in ("mean", "sd", "median", "q1", "q3", "min", "max"):
        assert_allclose(s.loc[("x", "Overall"), stat], s.loc[("scaled", "Overall"), stat] * 1e300, rtol=1e-12)


def test_table_one_ordinary_values_are_not_rescaled(cohort):
    t1 = cs.table_one(cohort, group="y", variables=["age"])
    assert t1.tests.iloc[0]["note"] == ""
    direct = cohort.groupby("y")["age"].mean()
    assert t1.summary.set_index(["variable", "group"]).loc[("age", 1), "mean"] == direct[1]  # bit for bit


# --------------------------------------------------------------------------- regression design (item 6)
REGRESSION_CASES = [
    ("logistic_inf", lambda d: cs.logistic_regression(d.assign(age=d.age.where(d.index != 2, np.inf)), "y", ["age"]),
     DataValidationError, "holds 1 infinite value"),
    ("logistic_big", lambda d: cs.logistic_regression(d.assign(age=d.age * 1e300), "y", ["age"]),
     DataValidationError, "squares overflow"),
    ("logistic_big_wald", lambda d: cs.logistic_regression(d.assign(age=d.age * 1e300), "y", ["age"], ci_method="wald"),
     DataValidationError, r"scale=\{'age': 1e\+30[0-9]\}"),
    ("cox_inf", lambda d: cs.cox_regression(d.assign(t=np.arange(len(d)) + 1.0, volume=d.volume.where(
        d.index != 7, -np.inf)), "t", "y", ["volume"]), DataValidationError, "holds 1 infinite value"),
    ("cox_big", lambda d: cs.cox_regression(d.assign(t=np.arange(len(d)) + 1.0, volume=d.volume * 1e300), "t", "y",
                                            ["volume"]), DataValidationError, "squares overflow"),
    ("cox_duration_inf", lambda d: cs.cox_regression(d.assign(t=np.where(d.index == 3, np.inf, 5.0)), "t", "y",
                                                     ["volume"]), DataValidationError, "'t' holds 1 infinite"),
    ("univariable_inf", lambda d: cs.univariable_logistic(d.assign(age=d.age.where(d.index != 2, np.inf)), "y",
                                                          ["age", "volume"]), DataValidationError, "infinite"),
]


@pytest.mark.parametrize("name, call, error, match", REGRESSION_CASES, ids=[c[0] for c in REGRESSION_CASES])
def test_regression_refuses(cohort, name, call, error, match):
    with pytest.raises(error, match=match):
        call(cohort)


def test_regression_scale_makes_huge_values_usable(cohort):
    """The advice of the overflow error works: scale={'age': 1e300} gives the OR per 1e300 units, equal to the
    OR per unit of the original column."""
    big = cs.logistic_regression(cohort.assign(age=cohort.age * 1e300), "y", ["age"], scale={"age": 1e300},
                                 ci_method="wald")
    small = cs.logistic_regression(cohort, "y", ["age"], ci_method="wald")
    assert_allclose(big.tidy()["estimate"], small.tidy()["estimate"], rtol=1e-9)


# --------------------------------------------------------------------------- fit_models (items 3, 4, 5, 6)
def _leak(kind):
    def change(train, test):
        y_tr, y_te = train["y"].astype(float), test["y"].astype(float)
        if kind == "copy":
            return train.assign(leak=y_tr), test.assign(leak=y_te)
        if kind == "negated":
            return train.assign(leak=1 - y_tr), test.assign(leak=1 - y_te)
        return train.assign(leak=y_tr * 10 + train["age"] / 1000), test.assign(leak=y_te * 10)  # a near copy
    return change


FIT_CASES = [
    ("outcome_input", lambda tr, te: (tr, te), ["age", "y"], DataValidationError,
     "uses the outcome column 'y' as an input"),
    ("copy_of_outcome", _leak("copy"), ["age", "leak"], DataValidationError,
     r"'leak' \(AUC 1.000, equal to the outcome\) separate the training outcome"),
    ("negated_outcome", _leak("negated"), ["leak"], DataValidationError, r"'leak' \(AUC 0.000, equal to the outcome\)"),
    ("near_copy", _leak("near"), ["leak"], DataValidationError, r"'leak' \(AUC 1.000\) separate the training outcome"),
    ("inf_train", lambda tr, te: (tr.assign(age=tr.age.where(tr.index != tr.index[0], np.inf)), te), ["age"],
     DataValidationError, r"training set: infinite values \(inf or -inf\) in column\(s\) 'age' \(1 row\(s\)\)"),
    ("inf_test", lambda tr, te: (tr, te.assign(volume=-np.inf)), ["volume"], DataValidationError,
     r"test set: infinite values .* 'volume' \(24 row\(s\)\)"),
    ("all_missing_feature", lambda tr, te: (tr.assign(f3=np.nan), te), FEATURES, DataValidationError,
     r"feature\(s\) 'f3' are missing for every one of the 96 training patients"),
    ("huge_values", lambda tr, te: (tr.assign(age=tr.age * 1e300), te.assign(age=te.age * 1e300)), ["age"],
     DataValidationError, "beyond 1e\\+100 in magnitude"),
    ("text_input", lambda tr, te: (tr, te), ["age", "sex"], DataValidationError, r"'sex' hold text, not numbers"),
    ("missing_outcome_train", lambda tr, te: (tr.assign(y=tr.y.where(tr.index != tr.index[0], np.nan)), te), ["age"],
     DataValidationError, r"missing for 1 patient\(s\) of the training set; a missing outcome would count"),
    ("missing_outcome_test", lambda tr, te: (tr, te.assign(y=te.y.where(te.index != te.index[0], np.nan))), ["age"],
     DataValidationError, r"missing for 1 patient\(s\) of the test set"),
    ("unseen_test_value", lambda tr, te: (tr, te.assign(y=te.y.where(te.index != te.index[0], 2))), ["age"],
     DataValidationError, r"value\(s\) 2 in the test set that the training set does not have"),
    ("one_event_in_test", lambda tr, te: (tr, te.assign(y=np.r_[1, np.zeros(len(te) - 1)].astype(int))), ["age"],
     DataValidationError, r"the test set has 1 event \(1 events, 23 non-events in 24 patients\)"),
    ("one_non_event_in_test", lambda tr, te: (tr, te.assign(y=np.r_[0, np.ones(len(te) - 1)].astype(int))), ["age"],
     DataValidationError, r"the test set has 1 non-event"),
    ("no_event_in_test", lambda tr, te: (tr, te.assign(y=0)), ["age"], DataValidationError,
     "test set has only one outcome class"),
    ("one_event_in_train", lambda tr, te: (tr.assign(y=np.r_[1, np.zeros(len(tr) - 1)].astype(int)), te), ["age"],
     DataValidationError, "the training set has 1 event"),
    ("missing_outcome_column", lambda tr, te: (tr, te.drop(columns="y")), ["age"], DataValidationError,
     r"test: 1 column\(s\) not found"),
    ("feature_missing_from_test", lambda tr, te: (tr, te.drop(columns="age")), ["age", "volume"], DataValidationError,
     r"model 'm', test set: 1 column\(s\) not found in the data: 'age'"),
    ("bool_and_nullable_inputs_are_numbers", lambda tr, te: (tr.assign(b=tr.age > 60, i=tr.age.round().astype("Int64")),
                                                             te.assign(b=te.age > 60, i=te.age.round().astype("Int64"))),
     ["b", "i", "sex"], DataValidationError, r"input column\(s\) 'sex' hold text"),
]


@pytest.mark.parametrize("name, change, features, error, match", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_models_refuses(split, name, change, features, error, match):
    train, test = change(*split)
    with pytest.raises(error, match=match):
        _fit(train, test, features)


API_TYPE_CASES = [
    ("one_spec_not_a_list", lambda tr, te: cs.fit_models(tr, te, "y", cs.ModelSpec("m", ["age"])), TypeError,
     "models must be a list of ModelSpec; got ModelSpec"),
    ("dicts_not_specs", lambda tr, te: cs.fit_models(tr, te, "y", [{"name": "m", "features": ["age"]}]), TypeError,
     "models must hold ModelSpec objects; got dict"),
    ("negative_seed", lambda tr, te: cs.fit_models(tr, te, "y", [cs.ModelSpec("m", ["age"])], random_state=-1),
     DataValidationError, "random_state must be a non-negative integer"),
    ("negative_seed_split", lambda tr, te: cs.train_test_split(tr, "y", random_state=-5), DataValidationError,
     "got -5"),
    ("cv_single_spec", lambda tr, te: cs.cross_validate_models(tr, "y", cs.ModelSpec("m", ["age"])), TypeError,
     "models must be a list"),
    ("no_features", lambda tr, te: cs.ModelSpec("m", []), DataValidationError, "model 'm' has no features"),
    ("unknown_screen_key", lambda tr, te: cs.ModelSpec("m", ["age"], screen={"p_treshold": 0.1}), DataValidationError,
     "unknown screen key 'p_treshold'; did you mean 'p_threshold'"),
]


@pytest.mark.parametrize("name, call, error, match", API_TYPE_CASES, ids=[c[0] for c in API_TYPE_CASES])
def test_api_arguments_refused(split, name, call, error, match):
    with pytest.raises(error, match=match):
        call(*split)


def test_one_event_in_the_test_set_says_why_not_svd(split):
    """It used to end in numpy's "SVD did not converge" (DeLong's covariance with one case is NaN); now the
    message says the split was stratified and what to change."""
    train, test = split
    test = test.assign(y=np.r_[1, np.zeros(len(test) - 1)].astype(int))
    with pytest.raises(DataValidationError, match="The split was stratified .* Raise test_size, or use cross-validation"):
        cs.fit_models(train, test, "y", [cs.ModelSpec("a", ["age"]), cs.ModelSpec("b", ["volume"])])


def test_lasso_classifier_with_no_feature_is_left_out_with_the_reason(split):
    train, test = split
    noise = np.random.default_rng(5)
    train = train.assign(**{f"n{j}": noise.normal(size=len(train)) for j in range(4)})
    test = test.assign(**{f"n{j}": noise.normal(size=len(test)) for j in range(4)})
    with pytest.raises(EmptySignatureError, match="the LASSO classifier .* kept none of its 4 input") as err:
        _fit(train, test, [f"n{j}" for j in range(4)], estimator="lasso_logistic")
    assert err.value.model == "m"


def test_epv_warning_names_model_events_parameters_and_epv(split):
    train, test = split
    with pytest.warns(SmallCellWarning, match=r"model 'm': 5.2 events per candidate parameter \(EPV\) in the training "
                                              r"set: 42 events for 8 parameter\(s\) \(8 feature\(s\)\), below 10"):
        res = _fit(train, test, FEATURES)
    row = res.checks.set_index("model").loc["m"]
    assert (row["n_events"], row["n_parameters"]) == (42, 8)
    assert_allclose(row["epv"], 42 / 8, rtol=1e-15)
    assert row["separation"] == "none"


def test_epv_counts_candidates_before_screening(split):
    """A screen keeps few features, but the EPV counts the 8 offered (the selection is part of the model)."""
    train, test = split
    with pytest.warns(SmallCellWarning, match=r"42 events for 8 parameter\(s\) \(8 feature\(s\) before any screening"):
        res = _fit(train, test, FEATURES, screen={"p_threshold": 0.5})
    assert res.checks.iloc[0]["n_parameters"] == 8


def test_epv_of_a_rad_score_model_counts_one_parameter_per_score(split):
    train, test = split
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallCellWarning)  # 42 events for 2 parameters: no EPV warning
        res = cs.fit_models(train, test, "y", [cs.ModelSpec("m", ["age", "signature:img"], screen={
            "p_threshold": 0.5, "lasso_rule": "min"})], feature_sets={"img": FEATURES})
    assert res.checks.iloc[0][["n_parameters", "epv"]].tolist() == [2, 21.0]
    assert res.steps["m"]["signatures"] == {"img": 8} and res.steps["m"]["plain"] == ["age"]


def test_separation_of_a_logistic_model_is_named(rng):
    """Eighteen noise features, 28 patients, 13 events (the phantom's rim model): the outcome is separable, the
    unpenalised coefficients run off; the warning names the model and the kind of separation."""
    X = pd.DataFrame(rng.normal(size=(40, 18)), columns=[f"r{j}" for j in range(18)])
    X["y"] = np.r_[np.ones(19), np.zeros(21)].astype(int)
    train, test = cs.train_test_split(X, "y", test_size=0.3, random_state=5)
    with pytest.warns(SeparationWarning, match=r"model 'rim': (quasi-)?complete separation in the training set "
                                               r"\(13 events, 28 patients\)"):
        res = cs.fit_models(train, test, "y", [cs.ModelSpec("rim", [f"r{j}" for j in range(18)])])
    row = res.checks.iloc[0]
    assert row["separation"] in ("complete", "quasi-complete") and row["n_parameters"] == 18
    assert_allclose(row["epv"], 13 / 18, rtol=1e-15)


def test_complete_separation_by_two_features_that_each_do_not_separate(rng):
    """y = 1 exactly when x1 + x2 > 0: neither column alone separates (no leakage error), together they do; the
    smallest margin is positive, so the separation is complete (not quasi-complete)."""
    X = pd.DataFrame(rng.normal(size=(120, 2)), columns=["x1", "x2"])
    X["y"] = (X.x1 + X.x2 > 0).astype(int)
    train, test = cs.train_test_split(X, "y", random_state=2)
    with pytest.warns(SeparationWarning, match=r"model 'pair': complete separation in the training set .* "
                                               r"'x1', 'x2' predicts the outcome perfectly"):
        res = cs.fit_models(train, test, "y", [cs.ModelSpec("pair", ["x1", "x2"])])
    assert res.checks.iloc[0]["separation"] == "complete"


def test_no_separation_check_for_other_estimators(split):
    train, test = split
    res = _fit(train, test, ["age", "volume"], estimator="random_forest")
    assert res.checks.iloc[0]["separation"] == "" and np.isnan(res.checks.iloc[0]["epv"])


def test_imputation_table_per_model_set_and_column(split):
    train, test = split
    train = train.assign(age=train.age.where(~train.index.isin(train.index[:5]), np.nan))
    test = test.assign(volume=test.volume.where(test.index != test.index[0], np.nan))
    res = cs.fit_models(train, test, "y", [cs.ModelSpec("a", ["age", "volume"]), cs.ModelSpec("b", ["volume"])])
    imp = res.imputation.set_index(["model", "set", "column"])
    assert imp.loc[("a", "train", "age"), "n_imputed"] == 5 and imp.loc[("a", "test", "volume"), "n_imputed"] == 1
    assert imp.loc[("a", "train", "age"), "value"] == train["age"].median()
    assert imp.loc[("b", "test", "volume"), "method"] == "median of the training set"
    assert ("b", "train", "age") not in imp.index and len(imp) == 3
    # the imputed value is what the pipeline used: the prediction of the patient equals one with the median filled in
    filled = test.assign(volume=test.volume.fillna(train["volume"].median()))
    direct = res.pipelines["b"].predict_proba(filled[["volume"]])[:, 1]
    y, scores = res.scores("test")
    assert_allclose(scores["b"], direct, rtol=1e-14)
    assert res.imputed.set_index(["model", "set"]).loc[("a", "train"), "n_imputed"] == 5


# --------------------------------------------------------------------------- split and cross-validation
SPLIT_CASES = [
    ("stratified_rounds_to_none", lambda d: cs.train_test_split(d.assign(y=np.r_[1, 1, np.zeros(len(d) - 2)]), "y",
                                                                random_state=1),
     "the test set of this split has no patient of class 1 .*which rounds to none"),
    ("not_stratified", lambda d: cs.train_test_split(d.assign(y=np.r_[1, 1, np.zeros(len(d) - 2)]), "y",
                                                     stratify=False, random_state=1),
     "the split is not stratified"),
    ("test_size", lambda d: cs.train_test_split(d, "y", test_size=1.5), "test_size must be a fraction"),
    ("cv_too_many_folds", lambda d: cs.cross_validate_models(d, "y", [cs.ModelSpec("m", ["age"])], n_splits=60),
     r"n_splits=60 folds need at least 60 patients of each outcome class; the smaller class has 53"),
    ("cv_leakage", lambda d: cs.cross_validate_models(d.assign(leak=d.y * 3.0), "y", [cs.ModelSpec("m", ["leak"])],
                                                      n_splits=2, n_repeats=1), "separate the training outcome"),
    ("cv_missing_outcome", lambda d: cs.cross_validate_models(d.assign(y=d.y.where(d.index != 0)), "y",
                                                              [cs.ModelSpec("m", ["age"])]),
     r"missing for 1 patient\(s\) of the cross-validation set"),
]


@pytest.mark.parametrize("name, call, match", SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_and_cv_refuse(cohort, name, call, match):
    with pytest.raises(DataValidationError, match=match):
        call(cohort)


def test_split_by_positions_is_the_same_split(cohort):
    """The split is drawn on row positions (to check each set's classes); the sets are those scikit-learn draws
    from the frame itself."""
    from sklearn.model_selection import train_test_split as sk_split

    train, test = cs.train_test_split(cohort, "y", random_state=7)
    a, b = sk_split(cohort, test_size=0.2, random_state=7, stratify=cohort["y"])
    assert train.index.equals(a.index) and test.index.equals(b.index)


# --------------------------------------------------------------------------- study-file validators (item 8)
BASE = {"data": {"tables": [{"name": "clin", "path": "clin.csv"}]}, "outcome": {"column": "y", "positive": 1},
        "models": [{"name": "A", "features": ["age"]}, {"name": "B", "features": ["volume"]}]}


def _spec(**changes) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    out.update(changes)
    return out


SPEC_CASES = [
    ("seed", _spec(seed=-1), r"seed: Input should be greater than or equal to 0"),
    ("digits", _spec(report={"digits": -1}), r"report.digits: Input should be greater than or equal to 0"),
    ("step_zero", _spec(decision_curve={"step": 0}), "decision_curve.step"),
    ("dc_start_zero", _spec(decision_curve={"start": 0}), r"decision_curve.start: Input should be greater than 0"),
    ("dc_stop_one", _spec(decision_curve={"stop": 1}), r"decision_curve.stop: Input should be less than 1"),
    ("dc_reversed", _spec(decision_curve={"start": 0.5, "stop": 0.2}), r"stop \(0.2\) is below start \(0.5\)"),
    ("test_size_big", _spec(split={"test_size": 1.5}), r"split.test_size: Input should be less than 1"),
    ("test_size_zero", _spec(split={"test_size": 0}), r"split.test_size: Input should be greater than 0"),
    ("split_seed", _spec(split={"seed": -3}), r"split.seed: Input should be greater than or equal to 0"),
    ("nonnormal_unlisted", _spec(table1={"variables": ["age"], "nonnormal": ["volume"]}),
     r"table1.nonnormal names \['volume'\], which are not among table1.variables"),
    ("categorical_unlisted", _spec(table1={"variables": ["age"], "categorical": ["sex"]}),
     r"table1.categorical names \['sex'\]"),
    ("categorical_and_nonnormal", _spec(table1={"categorical": ["age"], "nonnormal": ["age"]}),
     "listed as both categorical and nonnormal"),
    ("pair_self", _spec(comparisons={"pairs": [["A", "A"]]}), "compares model 'A' with itself"),
    ("pair_unknown", _spec(comparisons={"pairs": [["A", "Bb"]]}),
     r"comparisons.pairs: 'Bb' is not a model; did you mean 'B'\?"),
    ("pair_of_three", _spec(comparisons={"pairs": [["A", "B", "A"]]}), "each pair names two models"),
    ("pairs_empty", _spec(comparisons={"pairs": []}), "pairs is empty"),
    ("signature_undefined", _spec(models=[{"name": "A", "features": ["signature:rad"]}]),
     "'signature:rad' names feature set 'rad', which is not in feature_sets"),
    ("negative_without_positive", _spec(outcome={"column": "y", "negative": [0]}),
     "outcome.negative lists the non-event values, so outcome.positive must name the event"),
    ("positive_in_negative", _spec(outcome={"column": "y", "positive": 1, "negative": [0, 1]}),
     "outcome.positive 1 is also listed in outcome.negative"),
    ("exclusion_without_value", _spec(exclusions=[{"name": "old", "column": "age", "op": ">"}]),
     r"op '>' needs one value \(got None\)"),
    ("exclusion_text_order", _spec(exclusions=[{"name": "old", "column": "age", "op": ">", "value": "80"}]),
     "op '>' needs a number; got '80'"),
    ("exclusion_missing_with_value", _spec(exclusions=[{"name": "m", "column": "age", "op": "missing", "value": 3}]),
     "op 'missing' takes no value"),
    ("exclusion_in_without_value", _spec(exclusions=[{"name": "m", "column": "sex", "op": "in"}]),
     "op 'in' needs a value or a list"),
    ("regression_categorical", _spec(regression={"candidates": ["age"], "categorical": ["sex"]}),
     r"regression.categorical names \['sex'\], which are not among regression.candidates"),
    ("regression_multivariable", _spec(regression={"candidates": ["age"], "multivariable": ["age", "sex"]}),
     r"regression.multivariable names \['sex'\]"),
    ("screen_p_zero", _spec(regression={"candidates": ["age"], "screen_p": 0}), "regression.screen_p"),
    ("icc_threshold", _spec(reproducibility={"path": "r.csv", "feature_sets": [], "threshold": 2}),
     "reproducibility.threshold"),
    ("reproducibility_unknown_set", _spec(reproducibility={"path": "r.csv", "feature_sets": ["rad"]}),
     "reproducibility.feature_sets: 'rad' is not a feature set"),
    ("no_tables", _spec(data={"tables": []}), "data.tables is empty"),
    ("tables_and_synthetic", _spec(data={"synthetic": "hematoma", "tables": [{"name": "a", "path": "a.csv"}]}),
     "give either data.synthetic or data.tables, not both"),
    ("duplicate_table_names", _spec(data={"tables": [{"name": "a", "path": "a.csv"}, {"name": "a", "path": "b.csv"}]}),
     r"table names must be distinct; \['a'\] occur more than once"),
    ("id_null_several_tables", _spec(data={"id": None, "tables": [{"name": "a", "path": "a.csv"},
                                                                 {"name": "b", "path": "b.csv"}]}),
     "data.id is null but there are several tables"),
    ("empty_feature_set", _spec(feature_sets={"rad": {}}), "a feature set needs columns, a prefix"),
    ("model_without_features", _spec(models=[{"name": "A", "features": []}]), r"models.0.features: List should have at "
                                                                              "least 1 item"),
    ("negative_survival_time", _spec(survival={"duration": "t", "event": "e", "times": [12, -1]}),
     "survival.times must be non-negative"),
]


@pytest.mark.parametrize("name, raw, match", SPEC_CASES, ids=[c[0] for c in SPEC_CASES])
def test_validate_rejects(tmp_path, name, raw, match):
    import yaml

    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SpecError, match=match):
        load_spec(path)


def test_a_valid_negative_list_and_plain_columns_pass_validate(tmp_path):
    import yaml

    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(_spec(outcome={"column": "y", "positive": "yes", "negative": ["no", "unknown"]},
                                         comparisons={"pairs": [["B", "A"]]})), encoding="utf-8")
    spec, _ = load_spec(path)
    assert spec.outcome.negative == ["no", "unknown"] and spec.comparisons.pairs == [["B", "A"]]


# --------------------------------------------------------------------------- the study's data preparation (items 4, 5, 8)
def _run(tmp_path, clinical: pd.DataFrame, image: pd.DataFrame | None = None, **changes):
    """Run a study on ``clinical`` (and an image table with prefix img_) from a spec dict; returns the result."""
    clinical.to_csv(tmp_path / "clin.csv", index=False)
    tables = [{"name": "clin", "path": "clin.csv"}]
    if image is not None:
        image.to_csv(tmp_path / "img.csv", index=False)
        tables.append({"name": "img", "path": "img.csv", "prefix": "img_"})
    raw = {"data": {"tables": tables}, "outcome": {"column": "y", "positive": 1}, "table1": None}
    raw.update(changes)
    return Study(StudySpec.model_validate(raw), tmp_path).run(workdir=tmp_path / "work")


def _image(cohort):
    return cohort[["patient_id", *FEATURES]]


def _clinical(cohort):
    return cohort[["patient_id", "age", "sex", "volume", "y"]]


def _yes_no(cohort, variant=None):
    d = _clinical(cohort).assign(y=np.where(cohort.y == 1, "yes", "no"))
    if variant is not None:
        d.loc[d.index[d.y == "yes"][0], "y"] = variant
    return d


PREPARE_CASES = [
    ("third_outcome_value", lambda c: _clinical(c).assign(y=c.y.where(c.index != 3, 2)), {},
     r"outcome 'y' has 3 distinct values \(0, 1, 2\), but outcome.positive \(1\) names only the event; .*"
     r"outcome.negative: \[0, 2\]"),
    ("outside_negative", lambda c: _clinical(c).assign(y=c.y.where(c.index != 3, 9)),
     {"outcome": {"column": "y", "positive": 1, "negative": [0]}},
     r"value\(s\) 9 that are neither outcome.positive \(1\) nor in outcome.negative \(0\)"),
    ("case_variant", lambda c: _yes_no(c, "Yes"), {"outcome": {"column": "y", "positive": "yes"}},
     r"value\(s\) 'Yes' differ from outcome.positive 'yes' only in case or spaces"),
    ("space_variant", lambda c: _yes_no(c, "yes "), {"outcome": {"column": "y", "positive": "yes"}},
     r"value\(s\) 'yes ' differ from outcome.positive 'yes'"),
    ("text_outcome_without_positive", lambda c: _yes_no(c), {"outcome": {"column": "y"}},
     r"outcome 'y' has values 'no', 'yes'; without outcome.positive it must be coded 0/1"),
    ("positive_quoted", _clinical, {"outcome": {"column": "y", "positive": "1"}},
     "The column holds numbers: write 1 without quotes"),
    ("positive_absent", _clinical, {"outcome": {"column": "y", "positive": 2}}, "outcome.positive 2 does not occur"),
    ("exclusion_text_vs_number", _clinical, {"exclusions": [{"name": "x", "column": "sex", "op": ">", "value": 3}]},
     r"exclusions\[x\]: column 'sex' holds text \(e.g. .*\), so comparing it with the number 3 by '>' is undefined"),
    ("exclusion_equal_text_vs_number", _clinical,
     {"exclusions": [{"name": "x", "column": "sex", "op": "==", "value": 1}]}, "text never equals a number"),
    ("exclusion_number_vs_text", _clinical,
     {"exclusions": [{"name": "x", "column": "age", "op": "==", "value": "60"}]},
     r"column 'age' holds numbers, but the rule compares it with '60' \(text\); write the value without quotes"),
    ("exclusions_leave_nobody", _clinical, {"exclusions": [{"name": "all", "column": "age", "op": ">", "value": 0}]},
     r"the exclusions leave no patient to analyse \(see the counts: Excluded: all: 120.\)"),
    ("exclusions_leave_one_class", _clinical,
     {"exclusions": [{"name": "ev", "column": "y", "op": "==", "value": 1}]},
     "after the exclusions, none of the 67 analysed patients has the outcome"),
    ("unknown_plain_column", _clinical, {"models": [{"name": "A", "features": ["agee"]}]},
     r"models\[A\].features: 'agee' is not a column of the data or a derived variable"),
    ("leakage_in_study", _clinical, {"models": [{"name": "A", "features": ["age", "y"]}]},
     "model 'A' uses the outcome column 'y' as an input"),
]


@pytest.mark.parametrize("name, clinical, changes, match", PREPARE_CASES, ids=[c[0] for c in PREPARE_CASES])
def test_study_refuses(tmp_path, cohort, name, clinical, changes, match):
    with pytest.raises(DataValidationError, match=match):
        _run(tmp_path, clinical(cohort), **changes)


def test_a_left_out_model_does_not_repeat_the_others_warnings(tmp_path, cohort):
    """A LASSO classifier with no feature is left out and the models are refitted; the warnings of the models that
    stay are recorded once, not once per attempt."""
    noise = np.random.default_rng(8)
    image = _image(cohort).assign(**{f"n{j}": noise.normal(size=len(cohort)) for j in range(4)})
    res = _run(tmp_path, _clinical(cohort), image, feature_sets={"img": {"prefix": "img_f"}, "noise": {"prefix": "img_n"}},
               models=[{"name": "Img", "features": ["img"]}, {"name": "Age", "features": ["age"]},
                       {"name": "Noise", "features": ["noise"], "estimator": "lasso_logistic"}],
               comparisons={"reclassification": False})
    assert any(s.startswith("model 'Noise': the LASSO classifier") for s in res.skipped)
    epv = [w for w in res.warnings if w.category == "SmallCellWarning" and w.message.startswith("model 'Img'")]
    assert len(epv) == 1 and epv[0].count == 1
    assert "Not fitted: Noise (no feature was left for its LASSO in the training set" in " ".join(res.methods)


def test_no_id_matched_across_tables(tmp_path, cohort):
    image = _image(cohort).assign(patient_id=range(len(cohort)))
    with pytest.raises(DataValidationError, match=r"no patient id in 'patient_id' occurs in every table.*clin: 'P000', "
                                                  r"'P001', 'P002'; img: '0', '1', '2'"):
        _run(tmp_path, _clinical(cohort), image)


def test_negative_list_recodes_and_counts(tmp_path, cohort):
    d = _clinical(cohort).assign(y=np.where(cohort.y == 1, "yes", np.where(cohort.index % 10 == 0, "unknown", "no")))
    res = _run(tmp_path, d, outcome={"column": "y", "positive": "yes", "negative": ["no", "unknown"]},
               table1={"variables": ["age"]})
    k = int((d.y == "yes").sum())
    assert res.flow[-1] == (f"Analysed: {len(d)} patients: {k} ({100 * k / len(d):.1f}%) with y, {len(d) - k} "
                            f"({100 * (len(d) - k) / len(d):.1f}%) without.")


def test_plain_columns_beside_a_feature_set(tmp_path, cohort):
    """A model may list plain columns beside feature sets (it used to fail with "neither a column nor a feature
    set" after the unused columns were dropped)."""
    res = _run(tmp_path, _clinical(cohort), _image(cohort), feature_sets={"img": {"prefix": "img_"}},
               models=[{"name": "Both", "features": ["age", "img"]}, {"name": "Age", "features": ["age"]}],
               comparisons={"pairs": [["Age", "Both"]], "reclassification": False})
    assert res.results["comparisons"]["test"].pairs[["model_a", "model_b"]].values.tolist() in (
        [["Age", "Both"]], [["Both", "Age"]])  # the pair order is another item of this issue
    assert res.results["models"].steps["Both"]["plain"][:2] == ["age", "img_f0"]


def test_left_merge_counts_the_patients_without_a_row_and_reports_imputation(tmp_path, cohort):
    res = _run(tmp_path, _clinical(cohort), _image(cohort).iloc[10:], data={
        "how": "left", "tables": [{"name": "clin", "path": "clin.csv"},
                                  {"name": "img", "path": "img.csv", "prefix": "img_"}]},
        feature_sets={"img": {"prefix": "img_"}}, models=[{"name": "Img", "features": ["img"]},
                                                         {"name": "Age", "features": ["age"]}],
        comparisons={"reclassification": False})
    assert ("Kept without a row in img (data.how: left): 10 patient(s); their img values are missing (model inputs "
            "are imputed, see 'Imputed values').") in res.flow
    imp = res.results["models"].imputation
    assert imp.groupby("set")["n_imputed"].sum().to_dict() == {"test": 8 * int(imp[imp.set == "test"].n_imputed.iloc[0]),
                                                              "train": 8 * int(imp[imp.set == "train"].n_imputed.iloc[0])}
    assert imp.drop_duplicates("set")["n_imputed"].sum() == 10  # the 10 patients, split between the sets
    assert "model_imputation" in res.tables
    titles = [b.caption for s in res.sections for b in s.get("blocks", s.get("tables", [])) if hasattr(b, "frame")]
    assert "Imputed values of the model inputs" in titles


def test_methods_text_and_warnings_name_each_models_steps(tmp_path, cohort):
    """The phantom's situation (an unpenalised logistic model on many features with few events) named in the
    methods text model by model, and in the warnings beside the model table."""
    g = np.random.default_rng(2)
    clin = _clinical(cohort).iloc[:40].assign(y=np.r_[np.ones(19), np.zeros(21)].astype(int))
    image = pd.DataFrame({"patient_id": clin.patient_id, **{f"r{j}": g.normal(size=40) for j in range(18)},
                          **{f"s{j}": 2 * clin.y.to_numpy() + g.normal(size=40) for j in range(4)}})
    res = _run(tmp_path, clin, image, seed=5, split={"test_size": 0.3},
               feature_sets={"rim": {"prefix": "img_r"}, "sig": {"prefix": "img_s"}},
               models=[{"name": "Rim", "features": ["rim"]}, {"name": "Age", "features": ["age"]},
                       {"name": "Score", "features": ["signature:sig"], "screen": {"p_threshold": 0.5}}],
               comparisons={"reclassification": False})
    methods = " ".join(res.methods)
    assert ("Rim: unpenalised logistic regression (exact MLE) on 18 features (no screening; no LASSO; median "
            "imputation of missing values), 0.7 events per candidate parameter and") in methods
    assert "separation in the training set (see Warnings)" in methods
    assert "Score: unpenalised logistic regression (exact MLE) on a LASSO rad-score of sig (4 candidate features; " \
        in methods
    assert "screened by near-zero variance, Mann-Whitney test P < 0.5, correlation redundancy |r| > 0.9" in methods
    assert "Age: unpenalised logistic regression (exact MLE) on 1 feature (no screening; no LASSO;" in methods
    assert "Imputation, feature screening (near-zero variance" not in methods  # the old blanket sentence
    categories = {(w.category, w.message.split(":")[0]) for w in res.warnings}
    assert ("SeparationWarning", "model 'Rim'") in categories and ("SmallCellWarning", "model 'Rim'") in categories
    notes = [n for s in res.sections for t in s.get("blocks", []) if getattr(t, "key", "") == "models_train_test"
             for n in t.footnotes]
    assert any("events per candidate parameter (EPV)" in n and "'Rim'" in n for n in notes)
    assert any("separation in the training set" in n for n in notes)


# --------------------------------------------------------------------------- the command line (item 8)
def _study_folder(tmp_path, cohort, text: str | None = None) -> Path:
    _clinical(cohort).to_csv(tmp_path / "clin.csv", index=False)
    (tmp_path / "study.yaml").write_text(text or (
        "data: {tables: [{name: clin, path: clin.csv}]}\noutcome: {column: y, positive: 1}\n"
        "table1: {variables: [age]}\n"), encoding="utf-8")
    return tmp_path / "study.yaml"


CLI_CASES = [
    ("study_is_a_folder", lambda p: ["run", str(p.parent), "--out", str(p.parent / "o")],
     r"is a folder, not a study file \(it holds study.yaml\)"),
    ("validate_folder", lambda p: ["validate", str(p.parent)], "is a folder, not a study file"),
    ("study_missing", lambda p: ["run", str(p.parent / "nope.yaml")], "study file .*nope.yaml' does not exist"),
    ("out_is_a_file", lambda p: ["run", str(p), "--out", str(p)], "is a file, not a folder"),
    ("example_out_is_a_file", lambda p: ["example", "--out", str(p)], "is a file, not a folder"),
    ("validate_seed", lambda p: (p.write_text(p.read_text() + "seed: -1\n"), ["validate", str(p)])[1],
     "seed: Input should be greater than or equal to 0"),
    ("validate_not_yaml_mapping", lambda p: (p.write_text("- a\n"), ["validate", str(p)])[1],
     "expected a mapping of keys"),
    ("run_exclusion_type", lambda p: (p.write_text(p.read_text() + "exclusions: [{name: s, column: sex, op: '<', "
                                                                   "value: 2}]\n"), ["run", str(p), "--out",
                                                                                     str(p.parent / "o")])[1],
     "holds text"),
]


@pytest.mark.parametrize("name, argv, match", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_one_line_errors(tmp_path, cohort, capsys, name, argv, match):
    import re

    path = _study_folder(tmp_path, cohort)
    assert main(["--quiet", *argv(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cohortstats: error: ") and re.search(match, err), err
    assert "Traceback" not in err


def test_cli_unexpected_error_is_one_line_and_debug_shows_it(tmp_path, cohort, capsys, monkeypatch):
    path = _study_folder(tmp_path, cohort)

    def boom(*args, **kwargs):
        raise RuntimeError("something inside\nbroke")

    monkeypatch.setattr("cohortstats.study.Study.run", boom)
    assert main(["--quiet", "run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("cohortstats: error: unexpected RuntimeError: something inside broke. This is a bug in "
                           "cohortstats or an input it does not recognise; rerun with --debug for the traceback and "
                           "report it.")
    with pytest.raises(RuntimeError, match="something inside"):
        main(["--quiet", "--debug", "run", str(path), "--out", str(tmp_path / "o2")])


def test_cli_numpy_value_error_is_one_line(tmp_path, cohort, capsys, monkeypatch):
    path = _study_folder(tmp_path, cohort)

    def boom(*args, **kwargs):
        raise ValueError("array must not contain infs or NaNs")

    monkeypatch.setattr("cohortstats.study.Study.run", boom)
    assert main(["--quiet", "run", str(path), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == ("cohortstats: error: array must not contain infs or NaNs (rerun with "
                                               "--debug for the traceback)")


def test_cli_interrupt(tmp_path, cohort, capsys, monkeypatch):
    path = _study_folder(tmp_path, cohort)

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("cohortstats.study.Study.run", stop)
    assert main(["--quiet", "run", str(path), "--out", str(tmp_path / "o")]) == 130
    assert capsys.readouterr().err.strip() == "cohortstats: interrupted."


def test_cli_validate_then_run_agree(tmp_path, cohort, capsys):
    """What validate accepts, run runs (the spec's own problems are all caught at validate)."""
    path = _study_folder(tmp_path, cohort)
    assert main(["validate", str(path)]) == 0
    assert main(["--quiet", "run", str(path), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "report.html").exists()
