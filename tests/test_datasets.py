"""The synthetic hematoma cohort: deterministic, documented defects, recoverable truth."""

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.datasets import RADIOMICS_FEATURES, load_breast_cancer, make_hematoma_cohort


def test_deterministic_and_shaped_like_the_seed():
    a, b = make_hematoma_cohort(), make_hematoma_cohort()
    pd.testing.assert_frame_equal(a.clinical, b.clinical)
    pd.testing.assert_frame_equal(a.radiomics["sub3"], b.radiomics["sub3"])
    assert a.clinical.shape == (235, 12)
    assert 0.35 <= a.clinical["expansion"].mean() <= 0.45
    assert set(a.radiomics) == {"whole", "sub1", "sub2", "sub3"}
    for t in a.radiomics.values():
        assert len(cs.radiomics_feature_columns(t)) == len(RADIOMICS_FEATURES) >= 100
    assert a.deep.shape == (236, 257)
    assert (a.deep.drop(columns="patient_id").to_numpy() >= 0).all()
    assert not make_hematoma_cohort(random_state=1).clinical.equals(a.clinical)


def test_documented_defects_are_there():
    c = make_hematoma_cohort()
    assert c.clinical["glucose"].isna().sum() == 3 and c.clinical["sbp"].isna().sum() == 1
    m = cs.merge_tables(c.clinical, c.radiomics["whole"], on="patient_id", prefixes=[None, "whole_"])
    dropped = m.audit[~m.audit.kept]
    assert dropped["id"].tolist() == ["HE999"] and dropped["reason"].tolist() == ["not in table1"]


def test_large_cohort_recovers_true_effects():
    """With many patients a logistic fit of the generating covariates recovers their signs and size."""
    import statsmodels.api as sm

    c = make_hematoma_cohort(20000, random_state=7)
    d = c.clinical.dropna()
    X = pd.DataFrame({"logvol": np.log(d["volume"] / 14), "anti": d["antithrombotic"],
                      "onset": d["onset_to_ct"] - 3, "glu": d["glucose"] - 6, "age": d["age"]})
    fit = sm.Logit(d["expansion"], sm.add_constant(X)).fit(disp=0)
    # the latent h (sd 1.3 on the logit scale) attenuates the marginal coefficients by ~1/sqrt(1 + 0.35*1.69) ≈ 0.79
    atten = 1 / np.sqrt(1 + 0.346 * 1.3**2)
    assert_allclose(fit.params[["logvol", "anti", "onset"]].to_numpy(), atten * np.array([0.55, 0.60, -0.25]), rtol=0.2)
    assert abs(fit.params["age"]) < 0.01  # no true effect


def test_breast_cancer_bundled():
    df = load_breast_cancer()
    assert df.shape == (569, 31) and int(df["target"].sum()) == 212


def test_sink_streams_identical_tables():
    got = {}
    make_hematoma_cohort(120, sink=lambda name, table: got.__setitem__(name, table.copy()))
    ref = make_hematoma_cohort(120)
    pd.testing.assert_frame_equal(got["radiomics_sub3"], ref.radiomics["sub3"])
    pd.testing.assert_frame_equal(got["deep_features"], ref.deep)
    pd.testing.assert_frame_equal(got["clinical"], ref.clinical)
