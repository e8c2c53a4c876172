"""Radiomics through cohortstats equal pyradiomics' own baseline feature files.

The images, masks and baseline tables are pyradiomics 3.0.1's test data (``tests/data/pyradiomics``, BSD-3-Clause;
see its README). Each baseline column is one test case under one configuration (plain, normalisation, resampling,
re-segmentation, 2D, fixed bin count, weighting, flat region); its settings are read from the column itself, as
pyradiomics' own test suite does, and passed through ``extract_radiomics(settings=...)``.
"""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sitk = pytest.importorskip("SimpleITK")
pytest.importorskip("radiomics")

from cohortstats.imaging import extract_batch, extract_radiomics  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "pyradiomics"
CASES = ("brain1", "breast1")
CLASSES = ("firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
# brain1's plain shape column was written by pyradiomics 2.0.1b1; pyradiomics 3.0.1 (called directly, see
# test_mesh_shape_differences_are_pyradiomics_own) computes its mesh slightly differently. Every other baseline
# value, including brain1's shape under resampling (written by pyradiomics 2.1.0), is reproduced to 1e-9.
MESH_SHAPE = {"original_shape_MeshVolume", "original_shape_SurfaceArea", "original_shape_Sphericity",
              "original_shape_SurfaceVolumeRatio"}


def _baselines():
    return {cls: pd.read_csv(DATA / "baseline" / f"baseline_{cls}.csv", index_col=0) for cls in CLASSES}


def _configurations():
    """(case, configuration column) -> (settings, classes with a baseline for it)."""
    configs: dict = {}
    for cls, table in _baselines().items():
        for col in table.columns:
            case = table.loc["diagnostics_Configuration_TestCase", col]
            if case not in CASES:
                continue
            settings = ast.literal_eval(table.loc["diagnostics_Configuration_Settings", col])
            types = ast.literal_eval(table.loc["diagnostics_Configuration_EnabledImageTypes", col])
            assert types == {"Original": {}}
            key = (case, col)
            if key in configs:
                # the same configuration column carries the same settings in every class file
                assert configs[key][0] == settings, (cls, col)
                configs[key][1].append(cls)
            else:
                configs[key] = (settings, [cls])
    return configs


CONFIGS = _configurations()


def test_the_data_are_pyradiomics_originals():
    first = _baselines()["firstorder"]
    for case in CASES:
        img = sitk.ReadImage(str(DATA / f"{case}_image.nrrd"))
        msk = sitk.ReadImage(str(DATA / f"{case}_label.nrrd"), sitk.sitkUInt32)  # as pyradiomics hashes it
        assert sitk.Hash(img) == first.loc["diagnostics_Image-original_Hash", case]
        assert sitk.Hash(msk) == first.loc["diagnostics_Mask-original_Hash", case]
    # 2 cases x 8 configurations, 107 plain features per case
    assert len(CONFIGS) == 16


@pytest.mark.parametrize("key", sorted(CONFIGS), ids=lambda k: k[1])
def test_features_equal_pyradiomics_baseline(key):
    case, col = key
    settings, classes = CONFIGS[key]
    feats = extract_radiomics(DATA / f"{case}_image.nrrd", DATA / f"{case}_label.nrrd", settings=settings,
                              classes=tuple(classes), shape="shape" in classes)
    checked = 0
    for cls in classes:
        table = _baselines()[cls]
        for name in table.index:
            if name.startswith("diagnostics") or pd.isna(table.loc[name, col]):
                continue
            expected = float(table.loc[name, col])
            if col == "brain1" and name in MESH_SHAPE:
                assert feats[name] == pytest.approx(expected, rel=1e-3)
            else:
                assert feats[name] == pytest.approx(expected, rel=1e-9, abs=1e-12), name
            checked += 1
    # the ROI-cropped path (fast) is taken unless normalisation or resampling need the whole volume
    whole_volume = settings.get("normalize") or settings.get("resampledPixelSpacing") is not None
    assert ("diagnostics_cohortstats_CropSize" in feats) == (not whole_volume)
    # every feature of every enabled class was in the baseline, and nothing else was computed
    ours = [k for k in feats if not k.startswith("diagnostics")]
    assert checked == len(ours) > 0


def test_mesh_shape_differences_are_pyradiomics_own():
    from radiomics import featureextractor

    settings, _ = CONFIGS[("brain1", "brain1")]
    direct = featureextractor.RadiomicsFeatureExtractor(**{k: v for k, v in settings.items() if v is not None})
    direct.disableAllFeatures()
    direct.enableFeatureClassByName("shape")
    raw = direct.execute(str(DATA / "brain1_image.nrrd"), str(DATA / "brain1_label.nrrd"))
    ours = extract_radiomics(DATA / "brain1_image.nrrd", DATA / "brain1_label.nrrd", settings=settings,
                             classes=("shape",))
    base = _baselines()["shape"]["brain1"]
    for name in MESH_SHAPE:
        assert ours[name] == float(raw[name])
        assert 1e-5 < abs(ours[name] / float(base[name]) - 1) < 1e-3
    assert ours["original_shape_MeshVolume"] == pytest.approx(16147.51180013021, rel=1e-12)


def test_batch_with_parameter_file_equals_baseline(tmp_path):
    # the plain configuration written as a pyradiomics parameter file, run over a manifest
    settings, _ = CONFIGS[("breast1", "breast1")]
    yaml = pytest.importorskip("yaml")
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"imageType": {"Original": {}},
                                      "featureClass": {c: None for c in CLASSES if c != "shape"},
                                      "setting": {k: v for k, v in settings.items() if v is not None}}))
    manifest = pd.DataFrame({"patient_id": ["B1", "X9", "R1"],
                             "image": ["breast1_image.nrrd", "missing.nrrd", "brain1_image.nrrd"],
                             "mask": ["breast1_label.nrrd", "breast1_label.nrrd", "brain1_label.nrrd"]})
    res = extract_batch(manifest, params=params, base=DATA)
    assert res.table["patient_id"].tolist() == ["B1", "R1"]
    assert res.errors["patient_id"].tolist() == ["X9"] and "missing.nrrd" in res.errors["message"].iloc[0]
    assert res.settings["params"] == str(params) and res.settings["settings"]["binWidth"] == 25
    assert res.settings["classes"] == sorted(c for c in CLASSES if c != "shape")
    glcm = _baselines()["glcm"]
    row = res.table.set_index("patient_id")
    for case, pid in (("breast1", "B1"), ("brain1", "R1")):
        names = [n for n in glcm.index if not n.startswith("diagnostics")]
        np.testing.assert_allclose(row.loc[pid, names].astype(float), glcm.loc[names, case].astype(float),
                                   rtol=1e-9)
