"""Train/test modelling: no leakage, tables built from the discrimination functions, clear errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.datasets import make_hematoma_cohort
from cohortstats.exceptions import DataValidationError


@pytest.fixture(scope="module")
def cohort():
    c = make_hematoma_cohort()
    m = cs.merge_tables(c.clinical, c.radiomics["whole"], on="patient_id", names=["clinical", "whole"],
                        prefixes=[None, "whole_"])
    df = m.data
    sets = {"clinical": ["age", "glucose", "onset_to_ct", "volume"],
            "whole": [x for x in df.columns if x.startswith("whole_original")]}
    return df, sets


def test_split_needs_each_class_in_both_sets():
    d = pd.DataFrame({"y": [0, 0, 0, 0, 1], "x": range(5)})
    with pytest.raises(DataValidationError, match=r"outcome 'y': class 1 has 1 patient\(s\); a stratified split needs"):
        cs.train_test_split(d, "y")
    d = pd.DataFrame({"y": [0, 0, 0, 1, 1], "x": range(5)})
    with pytest.raises(DataValidationError, match=r"test_size=0.2 gives 1 test and 4 training patient\(s\)"):
        cs.train_test_split(d, "y")


def test_split_is_stratified_and_recorded(cohort):
    df, _ = cohort
    train, test = cs.train_test_split(df, "expansion", random_state=3)
    assert (len(train), len(test)) == (188, 47)
    assert abs(train["expansion"].mean() - test["expansion"].mean()) < 0.02
    assert train.attrs["split"]["random_state"] == 3 and test.attrs["split"]["set"] == "test"
    again, _ = cs.train_test_split(df, "expansion", random_state=3)
    assert again.index.equals(train.index)


def test_fit_models_tables_come_from_discrimination_functions(cohort):
    df, sets = cohort
    train, test = cs.train_test_split(df, "expansion", random_state=1)
    res = cs.fit_models(train, test, "expansion",
                        [cs.ModelSpec("clinical", ["clinical"]), cs.ModelSpec("radiomics", ["signature:whole"]),
                         cs.ModelSpec("combined", ["clinical", "signature:whole"], estimator="svm")],
                        feature_sets=sets)
    y, scores = res.scores("test")
    perf = res.performance.set_index(["model", "set"])
    for name, p in scores.items():
        ci = cs.auc_ci(y, p)
        assert_allclose(perf.loc[(name, "test"), ["auc", "conf_low", "conf_high"]].astype(float),
                        [ci.estimate, ci.conf_low, ci.conf_high], rtol=1e-12)
        # the test threshold is the training Youden cut-off, unchanged
        assert perf.loc[(name, "test"), "threshold"] == perf.loc[(name, "train"), "threshold"]
    d = cs.delong_test(y, scores["clinical"], scores["radiomics"])
    pair = res.delong["test"].pairs.iloc[0]
    assert_allclose([pair["statistic"], pair["p_value"]], [d.statistic, d.p_value], rtol=1e-12)
    assert len(res.selected[("radiomics", "signature:whole")]) > 0
    assert res.imputed.set_index(["model", "set"]).loc[("clinical", "train"), "n_imputed"] == \
        int(train[sets["clinical"]].isna().sum().sum())
    dc = res.decision_curve("test")
    assert set(dc.table["model"]) == {"clinical", "radiomics", "combined", "all", "none"}
    assert res.calibration("clinical").n == 47


def _noise_data(rng, n=100, p=1500):
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"f{i}" for i in range(p)])
    X["y"] = (rng.random(n) < 0.5).astype(int)
    return X


@pytest.mark.slow
def test_no_leakage_with_pure_noise_features():
    """n << p pure noise: a pipeline that screens and selects inside the training set has test AUC near 0.5;
    selecting the 'best' features on all patients first (the common mistake) inflates it."""
    import warnings

    warnings.simplefilter("ignore")  # the leaky model separates the training data: warnings expected
    rng = np.random.default_rng(12)
    honest, leaky = [], []
    for rep in range(4):
        d = _noise_data(rng)
        feats = [c for c in d.columns if c != "y"]
        train, test = cs.train_test_split(d, "y", random_state=rep)
        try:
            res = cs.fit_models(train, test, "y", [cs.ModelSpec("noise", ["signature:noise"],
                                                                screen={"p_threshold": 0.1, "corr_threshold": None})],
                                feature_sets={"noise": feats})
            honest.append(res.performance.set_index("set").loc["test", "auc"])
        except DataValidationError as err:  # the honest answer on noise can be "no feature": no better than chance
            assert "kept no feature" in str(err)
            honest.append(0.5)
        # the mistake: screen on all 100 patients, keep the 10 most significant, then split
        from scipy import stats

        p = stats.ttest_ind(d.loc[d.y == 1, feats], d.loc[d.y == 0, feats]).pvalue
        top = list(np.array(feats)[np.argsort(p)[:10]])
        bad = cs.fit_models(train, test, "y", [cs.ModelSpec("leaky", top)])
        leaky.append(bad.performance.set_index("set").loc["test", "auc"])
    assert abs(np.mean(honest) - 0.5) < 0.1, honest
    assert np.mean(leaky) > np.mean(honest) + 0.1, (leaky, honest)


def test_bad_input(cohort):
    df, sets = cohort
    train, test = cs.train_test_split(df, "expansion", random_state=1)
    with pytest.raises(DataValidationError, match="neither a column nor a feature set"):
        cs.fit_models(train, test, "expansion", [cs.ModelSpec("m", ["nope"])], feature_sets=sets)
    with pytest.raises(DataValidationError, match="signature set 'deep'"):
        cs.fit_models(train, test, "expansion", [cs.ModelSpec("m", ["signature:deep"])], feature_sets=sets)
    with pytest.raises(DataValidationError, match="uses column\\(s\\) 'age' twice"):
        cs.fit_models(train, test, "expansion", [cs.ModelSpec("m", ["clinical", "age"])], feature_sets=sets)
    with pytest.raises(DataValidationError, match="one outcome class"):
        cs.fit_models(train, test[test["expansion"] == 0], "expansion", [cs.ModelSpec("m", ["age"])])
    with pytest.raises(DataValidationError, match="model names must be unique"):
        cs.fit_models(train, test, "expansion", [cs.ModelSpec("m", ["age"]), cs.ModelSpec("m", ["volume"])])
    with pytest.raises(DataValidationError, match="impute=None"):
        cs.fit_models(train, test, "expansion", [cs.ModelSpec("m", ["glucose"], impute=None)])
    with pytest.raises(DataValidationError, match="estimator must be one of"):
        cs.ModelSpec("m", ["age"], estimator="xgboost")
    with pytest.raises(DataValidationError, match="pyradiomics metadata"):
        d = df.assign(**{"diagnostics_Mask-original_VoxelNum": 1.0})
        tr, te = cs.train_test_split(d, "expansion", random_state=1)
        cs.fit_models(tr, te, "expansion", [cs.ModelSpec("m", ["signature:x"])],
                      feature_sets={"x": ["diagnostics_Mask-original_VoxelNum", *sets["whole"][:5]]})
    with pytest.raises(DataValidationError, match="missing for 2 patient"):
        cs.train_test_split(df.assign(expansion=df["expansion"].where(df.index > 1)), "expansion")


def test_repeated_cross_validation(cohort):
    df, sets = cohort
    res = cs.cross_validate_models(df, "expansion", [cs.ModelSpec("clinical", ["clinical"]),
                                                     cs.ModelSpec("whole", ["signature:whole"])],
                                   feature_sets=sets, n_splits=5, n_repeats=2, random_state=4)
    assert len(res.folds) == 20 and res.summary["n_folds"].tolist() == [10, 10]
    s = res.summary.set_index("model")
    assert 0.5 < s.loc["whole", "mean_auc"] < 0.95
    assert s.loc["whole", "auc_low"] <= s.loc["whole", "mean_auc"] <= s.loc["whole", "auc_high"]
    again = cs.cross_validate_models(df, "expansion", [cs.ModelSpec("clinical", ["clinical"])], n_splits=5,
                                     n_repeats=2, random_state=4, feature_sets=sets)
    assert_allclose(again.folds["auc"], res.folds[res.folds.model == "clinical"]["auc"])


def test_large_svm_switch_is_recorded(cohort, monkeypatch):
    """Above SVM_EXACT_MAX training patients the SVM is a 100-landmark Nystroem map of the RBF kernel (libsvm's
    gamma = 'scale') and a linear SVM; the rule is said in the estimator's description (the methods text)."""
    import cohortstats.pipeline_steps as steps

    df, sets = cohort
    train, test = cs.train_test_split(df, "expansion", random_state=1)
    monkeypatch.setattr(steps, "SVM_EXACT_MAX", 100)  # pretend 188 training patients is "large"
    res = cs.fit_models(train, test, "expansion", [cs.ModelSpec("svm", ["clinical"], estimator="svm")],
                        feature_sets=sets)
    text = res.estimators["svm"]
    assert "approximated, as for every training set of more than 100 patients" in text
    assert "100-landmark Nystroem map" in text and "linear SVM (liblinear)" in text
    model = res.pipelines["svm"].named_steps["model"]
    nystroem = model.steps[0][1]
    assert isinstance(nystroem, steps.RbfNystroem) and nystroem.map_.n_components == 100
    inputs = res.pipelines["svm"][:-1].transform(train[sets["clinical"]])
    assert_allclose(nystroem.gamma_, 1 / (4 * np.var(np.asarray(inputs))), rtol=1e-12)  # libsvm's "scale"
    assert 0.5 < res.performance.set_index("set").loc["train", "auc"] < 1
    # fewer training patients than landmarks: every patient is a landmark (no scikit-learn warning)
    assert steps.RbfNystroem(100, random_state=0).fit(np.eye(5)).map_.n_components == 5
    monkeypatch.setattr(steps, "SVM_EXACT_MAX", 5000)
    assert "RBF-kernel SVM (libsvm)" in cs.fit_models(
        train, test, "expansion", [cs.ModelSpec("svm", ["clinical"], estimator="svm")], feature_sets=sets
    ).estimators["svm"]


def test_shared_signature_is_fitted_once(cohort):
    from cohortstats.models import signature_of

    df, sets = cohort
    train, test = cs.train_test_split(df, "expansion", random_state=1)
    res = cs.fit_models(train, test, "expansion", [cs.ModelSpec("a", ["signature:whole"]),
                                                   cs.ModelSpec("b", ["clinical", "signature:whole"])],
                        feature_sets=sets)
    assert signature_of(res.pipelines["a"], "signature:whole") is signature_of(res.pipelines["b"], "signature:whole")


def test_empty_rad_score_and_screen_keys_are_clear_errors():
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(150, 10)), columns=[f"f{i}" for i in range(10)])
    d["y"] = (rng.random(150) < 0.4).astype(int)  # pure noise
    train, test = cs.train_test_split(d, "y", random_state=1)
    sets = {"noise": [f"f{i}" for i in range(10)]}
    # the LASSO keeps nothing at lambda.1se: said, not a constant model or a libsvm failure
    with pytest.raises(DataValidationError, match=r"the LASSO \(10-fold CV, lambda.1se\) kept no feature of 'noise' "
                                                  r"in the 120 training patients .* Try screen: \{lasso_rule: min\}"):
        cs.fit_models(train, test, "y", [cs.ModelSpec("m", ["signature:noise"], estimator="svm",
                                                      screen={"p_threshold": None})], feature_sets=sets)
    # the univariable screen keeps nothing
    with pytest.raises(cs.EmptySignatureError, match=r"cannot be built from the 120 training patients: 10 "
                                                     r"feature\(s\); near_zero screen kept 10; univariable screen "
                                                     r"kept 0 \(smallest P") as err:
        cs.fit_models(train, test, "y", [cs.ModelSpec("m", ["signature:noise"], screen={"p_threshold": 1e-9})],
                      feature_sets=sets)
    assert err.value.model == "m" and isinstance(err.value, DataValidationError)
    with pytest.raises(DataValidationError, match=r"unknown screen key 'p_treshold'; did you mean 'p_threshold'\?"):
        cs.ModelSpec("m", ["signature:noise"], screen={"p_treshold": 0.1})
    with pytest.raises(DataValidationError, match=r"screen.lasso_rule must be '1se' or 'min'; got 'max'"):
        cs.ModelSpec("m", ["signature:noise"], screen={"lasso_rule": "max"})


def test_cross_validation_keeps_failed_folds_with_their_reason():
    from cohortstats.exceptions import CohortStatsWarning

    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(150, 10)), columns=[f"f{i}" for i in range(10)])
    d["y"] = (rng.random(150) < 0.4).astype(int)
    d["age"] = rng.normal(60, 10, 150)
    specs = [cs.ModelSpec("clinical", ["age"]),
             cs.ModelSpec("noise", ["signature:noise"], screen={"p_threshold": 1e-9})]  # keeps nothing in any fold
    with pytest.warns(CohortStatsWarning, match=r"3 of 6 fold fits failed .* model 'noise'"):
        cv = cs.cross_validate_models(d, "y", specs, feature_sets={"noise": [f"f{i}" for i in range(10)]},
                                      n_splits=3, n_repeats=1)
    s = cv.summary.set_index("model")
    assert s.loc["clinical", "n_folds"] == 3 and s.loc["noise", "n_folds"] == 0 and s.loc["noise", "n_failed"] == 3
    assert np.isnan(s.loc["noise", "mean_auc"]) and len(cv.folds) == 6
    assert cv.folds.loc[cv.folds.model == "noise", "error"].str.contains("0 feature").all()


def test_cross_validation_n_jobs_gives_identical_folds(cohort):
    """Fold i's pipeline (LASSO folds, the SVM's Platt CV) draws from the i-th seed spawned from one
    SeedSequence, the same for every model and whichever worker runs it: 1 and 2 workers agree to the bit."""
    df, sets = cohort
    specs = [cs.ModelSpec("clinical", ["clinical"]), cs.ModelSpec("svm", ["signature:whole"], estimator="svm")]
    runs = [cs.cross_validate_models(df, "expansion", specs, feature_sets=sets, n_splits=3, n_repeats=1,
                                     random_state=4, n_jobs=j) for j in (1, 2)]
    pd.testing.assert_frame_equal(runs[0].folds, runs[1].folds, check_exact=True)
    pd.testing.assert_frame_equal(runs[0].warnings, runs[1].warnings)
    from cohortstats.models import _fold_seeds

    assert _fold_seeds(4, 3) == _fold_seeds(4, 3) != _fold_seeds(5, 3)
    assert all(0 <= s < 2**32 for s in _fold_seeds(4, 3))


def test_cross_validation_counts_fold_warnings(cohort, monkeypatch):
    """Every fold's warnings are recorded (nothing ignored) and each kind is warned once per model with the
    number of folds; a warning that is not ours (numpy's RuntimeWarning) is reported under its own name."""
    import warnings

    import cohortstats.models as models

    original = models.build_pipeline

    def noisy(spec, cols, random_state, n_train=None, **kw):
        if random_state % 2:  # the fold's own seed
            warnings.warn("odd seed", cs.DataWarning)
        np.log(np.zeros(1))  # numpy: divide by zero, in every fold
        return original(spec, cols, random_state, n_train=n_train, **kw)

    monkeypatch.setattr(models, "build_pipeline", noisy)
    df, sets = cohort
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = cs.cross_validate_models(df, "expansion", [cs.ModelSpec("m", ["clinical"])], feature_sets=sets,
                                      n_splits=5, n_repeats=2, random_state=1, n_jobs=1)
    odd = sum(s % 2 for s in models._fold_seeds(1, 10))
    assert 0 < odd < 10
    w = cv.warnings.set_index("category")
    assert w.loc["DataWarning", "n_folds"] == odd and w.loc["RuntimeWarning", "n_folds"] == 10
    assert (cv.warnings["model"] == "m").all()
    messages = [str(x.message) for x in caught if issubclass(x.category, cs.CohortStatsWarning)]
    assert f"cross_validate_models, model 'm': in {odd} of 10 folds: odd seed" in messages
    assert ("cross_validate_models, model 'm': in 10 of 10 folds: divide by zero encountered in log "
            "(RuntimeWarning)") in messages
    assert not [x for x in caught if x.category is RuntimeWarning]  # reported, not passed on raw


def test_columns_of_views_one_run_of_the_float_block_and_copies_otherwise(rng):
    """columns_of(df, cols) equals df[cols]; it shares df's values only for one run of one float64 block."""
    from cohortstats.pipeline_steps import columns_of

    df = pd.DataFrame({"id": list("abcd"), "a": rng.normal(size=4), "b": rng.normal(size=4), "n": [1, 2, 3, 4],
                       "c": [0.0, 1.0, 2.0, np.nan]})
    df._consolidate_inplace()  # one float64 block: a, b, c
    for cols, view in ((["a", "b"], True), (["b", "c"], True), (["a"], True), (["a", "c"], False),
                       (["c", "a"], False), (["a", "n"], False)):
        got = columns_of(df, cols)
        pd.testing.assert_frame_equal(got, df[cols])
        assert np.shares_memory(got.to_numpy(), df[cols[0]].to_numpy()) is view, cols


def test_columns_of_puts_float_runs_side_by_side_without_copying_them(rng):
    """A model's inputs from several blocks (clinical columns, then the radiomics and deep runs): equal to df[cols],
    each float64 run a view of df's values, the other columns copied."""
    from cohortstats.pipeline_steps import columns_of

    rad = pd.DataFrame(rng.normal(size=(30, 8)), columns=[f"r{i}" for i in range(8)])
    deep = pd.DataFrame(rng.normal(size=(30, 5)), columns=[f"d{i}" for i in range(5)])
    clinical = pd.DataFrame({"age": rng.integers(20, 80, 30), "sex": rng.integers(0, 2, 30).astype(float)})
    df = pd.concat([clinical, rad, deep], axis=1)  # four blocks: int, float, float, float
    cols = ["sex", "age", *[f"r{i}" for i in range(1, 7)], *deep.columns]
    got = columns_of(df, cols)
    pd.testing.assert_frame_equal(got, df[cols])
    viewed = [any(np.shares_memory(mine.values, theirs.values) for theirs in df._mgr.blocks)
              for mine in got._mgr.blocks]
    assert viewed == [True, False, True, True]  # sex (float64), the radiomics and deep runs; age (int) copied


def test_a_screen_keeping_every_feature_passes_the_values_on_without_a_copy(rng):
    from cohortstats.signatures.screens import NearZeroVariance

    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["f1", "f2", "f3"])
    step = NearZeroVariance().set_output(transform="pandas").fit(X)
    out = step.transform(X)
    pd.testing.assert_frame_equal(out, X)
    assert out is not X and np.shares_memory(out.to_numpy(), X.to_numpy())


def test_train_test_split_sets_are_new_frames(rng):
    df = pd.DataFrame({"y": [0, 1] * 20, "x": rng.normal(size=40)})
    train, test = cs.train_test_split(df, "y", random_state=3)
    assert not np.shares_memory(train["x"].to_numpy(), df["x"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SettingWithCopyWarning: the sets are frames of their own
        train["z"] = 1.0
    assert "z" not in df.columns and train.attrs["split"]["set"] == "train"


def test_median_imputer_equals_simple_imputer_and_passes_complete_float_frames_on(rng):
    """MedianImputer = SimpleImputer(strategy="median"): the same medians and output, with and without missing
    values; a complete float64 DataFrame comes back viewing the same values (nothing to fill), anything with a
    missing value as a filled copy, the input untouched (fit reads it without a copy)."""
    from sklearn.impute import SimpleImputer

    from cohortstats.pipeline_steps import MedianImputer

    complete = pd.DataFrame(rng.normal(size=(500, 40)), columns=[f"f{i}" for i in range(40)])
    holes = complete.copy()
    holes.iloc[rng.integers(0, 500, 60), rng.integers(0, 40, 60)] = np.nan
    before = holes.copy()
    for train in (complete, holes):
        ours = MedianImputer().set_output(transform="pandas").fit(train)
        theirs = SimpleImputer(strategy="median").set_output(transform="pandas").fit(train)
        assert_allclose(ours.statistics_, theirs.statistics_, rtol=0, atol=0)
        for data in (complete, holes):
            pd.testing.assert_frame_equal(ours.transform(data), theirs.transform(data))
        out = ours.transform(complete)
        assert out is not complete and np.shares_memory(out.to_numpy(), complete.to_numpy())
        assert not np.shares_memory(ours.transform(holes).to_numpy(), holes.to_numpy())
    pd.testing.assert_frame_equal(holes, before)
    with pytest.raises(ValueError, match="feature names"):
        ours.transform(complete.rename(columns={"f0": "other"}))
    with_empty = holes.assign(f0=np.nan)  # a column without any value: dropped, as SimpleImputer does
    fitted = MedianImputer().set_output(transform="pandas").fit(with_empty)
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        assert list(fitted.transform(complete).columns) == [f"f{i}" for i in range(1, 40)]


def test_columns_of_with_a_duplicated_column_name_elsewhere_is_df_cols(rng):
    """A duplicated label among the other columns (get_indexer needs unique labels) falls back to df[cols]."""
    from cohortstats.pipeline_steps import columns_of

    df = pd.DataFrame(rng.normal(size=(10, 4)), columns=["a", "b", "note", "note"])
    pd.testing.assert_frame_equal(columns_of(df, ["a", "b"]), df[["a", "b"]])


def test_median_imputer_default_output_is_an_array_as_simple_imputer(rng):
    from cohortstats.pipeline_steps import MedianImputer

    X = pd.DataFrame(rng.normal(size=(20, 3)), columns=["a", "b", "c"])
    assert isinstance(MedianImputer().fit(X).transform(X), np.ndarray)


def test_lean_allocations_restores_a_threshold(monkeypatch):
    """Inside the block glibc maps arrays of 1 MiB or more; after it, its own 32 MiB ceiling (never left at 1 MiB,
    where every large temporary would cost page faults)."""
    from cohortstats import _memory

    calls = []
    monkeypatch.setattr(_memory, "_glibc", lambda name: (lambda *args: calls.append(args)) if name == "mallopt" else None)
    with _memory.lean_allocations():
        assert calls == [(-3, 1 << 20)]
    assert calls[-1] == (-3, 32 << 20)
