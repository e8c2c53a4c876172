"""The optional imaging extra (SimpleITK + pyradiomics; torch only for the ResNet50 forward pass)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sitk = pytest.importorskip("SimpleITK")
pytest.importorskip("radiomics")

from cohortstats.exceptions import DataValidationError  # noqa: E402
from cohortstats.imaging import (  # noqa: E402
    extract_batch,
    extract_deep_features,
    extract_radiomics,
    habitat_subregions,
    make_phantom_cohort,
    preprocess_slices,
    select_slices,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    d = tmp_path_factory.mktemp("phantom")
    make_phantom_cohort(d, n=6, random_state=1)
    return d


def test_radiomics_names_and_volume(phantom):
    f = extract_radiomics(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz")
    assert "original_glcm_Contrast" in f and "original_firstorder_Entropy" in f
    assert any(k.startswith("diagnostics_") for k in f)
    mask = sitk.ReadImage(str(phantom / "PH001_mask.nii.gz"))
    voxels = int(sitk.GetArrayFromImage(mask).sum())
    assert f["original_shape_VoxelVolume"] == pytest.approx(voxels * np.prod(mask.GetSpacing()))
    again = extract_radiomics(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz")
    assert again["original_glcm_Contrast"] == f["original_glcm_Contrast"]  # deterministic


def test_batch_collects_failures_and_goes_on(phantom, tmp_path):
    man = pd.read_csv(phantom / "manifest.csv")
    empty = sitk.Image(sitk.ReadImage(str(phantom / "PH002_mask.nii.gz")))
    empty = sitk.GetImageFromArray(np.zeros(sitk.GetArrayFromImage(empty).shape, np.uint8))
    empty.CopyInformation(sitk.ReadImage(str(phantom / "PH002_ct.nii.gz")))
    sitk.WriteImage(empty, str(tmp_path / "empty.nii.gz"))
    (tmp_path / "text.nii.gz").write_text("not an image")
    man.loc[1, "mask"] = str(tmp_path / "empty.nii.gz")
    man.loc[2, "image"] = str(tmp_path / "text.nii.gz")
    res = extract_batch(man, base=phantom)
    assert len(res.table) == 4 and res.errors["patient_id"].tolist() == ["PH002", "PH003"]
    assert "empty" in res.errors["message"].iloc[0] and "not a readable image" in res.errors["message"].iloc[1]


def test_geometry_and_label_errors(phantom, tmp_path):
    img = sitk.ReadImage(str(phantom / "PH001_ct.nii.gz"))
    mask = sitk.ReadImage(str(phantom / "PH001_mask.nii.gz"))
    shifted = sitk.Image(mask)
    shifted.SetOrigin((5.0, 0.0, 0.0))
    with pytest.raises(DataValidationError, match="geometries differ: origin"):
        extract_radiomics(img, shifted)
    arr = sitk.GetArrayFromImage(mask)
    arr[arr == 1][:10] = 2
    two = arr.copy()
    two[0, 0, 0] = 2
    m2 = sitk.GetImageFromArray(two)
    m2.CopyInformation(img)
    with pytest.raises(DataValidationError, match=r"several labels \[1, 2\]; choose one with label="):
        extract_radiomics(img, m2)


def test_habitats_are_reproducible_and_ordered(phantom):
    a = habitat_subregions(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", k=3)
    b = habitat_subregions(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", k=3)
    assert np.array_equal(sitk.GetArrayFromImage(a.labels), sitk.GetArrayFromImage(b.labels))
    assert a.summary["mean_intensity"].is_monotonic_increasing  # labels 1..k by mean intensity
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(phantom / "PH001_mask.nii.gz")))
    assert a.summary["voxels"].sum() == int(mask.sum())


def test_habitat_order_by_distance_and_intensity(phantom):
    """order="distance": 1 = innermost ... k = outermost (largest to smallest mean distance from the boundary);
    order="intensity" (the default): increasing mean HU. The same clusters, numbered two ways; the label says which."""
    from cohortstats.imaging.habitat import subregion_label

    for i in range(1, 4):
        img, mask = phantom / f"PH00{i}_ct.nii.gz", phantom / f"PH00{i}_mask.nii.gz"
        d = habitat_subregions(img, mask, k=3, order="distance")
        h = habitat_subregions(img, mask, k=3)
        assert d.order == "distance" and h.order == "intensity"
        assert d.summary["mean_distance_mm"].is_monotonic_decreasing
        assert h.summary["mean_intensity"].is_monotonic_increasing
        # the same partition of the ROI
        assert sorted(d.summary["voxels"]) == sorted(h.summary["voxels"])
        assert d.summary["label"].iloc[-1] == subregion_label(3, 3, "distance")
    assert "outermost: the interface" in subregion_label(3, 3, "distance")
    assert "innermost" in subregion_label(1, 3, "distance") and "lowest" in subregion_label(1, 3, "intensity")
    # distances are in mm: a voxel next to the boundary is one spacing away, not one index
    mask_arr = sitk.GetArrayFromImage(sitk.ReadImage(str(mask)))
    spacing = sitk.ReadImage(str(mask)).GetSpacing()
    assert d.summary["mean_distance_mm"].min() >= min(spacing) and mask_arr.sum() == d.summary["voxels"].sum()
    with pytest.raises(DataValidationError, match="order must be 'distance' or 'intensity'"):
        habitat_subregions(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", order="radial")


def test_deep_slice_selection_and_preprocessing(phantom):
    slices, rois, centre = select_slices(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz")
    assert slices.shape[0] == 5 and rois[2].sum() == rois.sum(axis=(1, 2)).max()  # the central slice is the largest
    x = preprocess_slices(slices, rois)
    assert x.shape == (5, 3, 224, 224) and x.dtype == np.float32
    assert np.array_equal(x, preprocess_slices(slices, rois))  # deterministic
    with pytest.raises(DataValidationError, match="weights is required"):
        extract_deep_features(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz")
    with pytest.raises(FileNotFoundError, match="weights file"):
        extract_deep_features(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", weights="missing.pt")


def test_resnet50_forward_pass(phantom):
    pytest.importorskip("torchvision")
    f = extract_deep_features(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", allow_random_weights=True)
    assert f.shape == (2048,)


def test_images_to_study_end_to_end(tmp_path):
    """The phantom analysis: extract (whole + 3 habitats) with the CLI, then run its study file."""
    from cohortstats.cli import main

    d = tmp_path
    make_phantom_cohort(d / "phantom", n=30, random_state=2)
    assert main(["--quiet", "extract", str(d / "phantom" / "manifest.csv"), "--out", str(d / "features"),
                 "--habitats", "3", "--habitat-order", "distance"]) == 0
    whole = pd.read_csv(d / "features" / "radiomics_whole.csv")
    assert len(whole) == 30 and (d / "features" / "radiomics_sub3.csv").exists()
    assert len(list((d / "features" / "habitat_masks").iterdir())) == 30
    recorded = json.loads((d / "features" / "extraction_settings.json").read_text())
    assert recorded["settings"]["binWidth"] == 25 and recorded["image_types"] == {"Original": {}}
    assert recorded["classes"] == sorted(["firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"])
    assert recorded["habitats"] == {"k": 3, "order": "distance"}
    shutil.copy(ROOT / "analyses" / "phantom" / "study.yaml", d / "study.yaml")
    assert main(["--quiet", "run", str(d / "study.yaml"), "--out", str(d / "report")]) == 0
    assert (d / "report" / "report.html").exists()


def test_resnet50_weights_file_is_loaded(phantom, tmp_path):
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    model = tv.models.resnet50(weights=None)
    torch.save(model.state_dict(), tmp_path / "resnet50.pt")
    a = extract_deep_features(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", weights=tmp_path / "resnet50.pt")
    b = extract_deep_features(phantom / "PH001_ct.nii.gz", phantom / "PH001_mask.nii.gz", weights=tmp_path / "resnet50.pt",
                              aggregate="concat")
    assert a.shape == (2048,) and b.shape == (5 * 2048,)
    np.testing.assert_allclose(a, b.reshape(5, 2048).mean(axis=0), rtol=1e-5)


def test_slice_interpolation_equals_full_resampling(phantom):
    """Interpolating only the five needed slices equals resampling the whole volume to 1 mm (ndimage.zoom)."""
    from scipy import ndimage

    img = sitk.ReadImage(str(phantom / "PH002_ct.nii.gz"))
    arr = sitk.GetArrayFromImage(img).astype(float)
    roi = sitk.GetArrayFromImage(sitk.ReadImage(str(phantom / "PH002_mask.nii.gz"))).astype(float)
    f = img.GetSpacing()[2]
    za = ndimage.zoom(arr, (f, 1, 1), order=1)
    zr = ndimage.zoom(roi, (f, 1, 1), order=0) > 0.5
    centre = int(np.argmax(zr.sum(axis=(1, 2))))
    slices, rois, c = select_slices(phantom / "PH002_ct.nii.gz", phantom / "PH002_mask.nii.gz")
    assert c == centre
    idx = [centre - 2, centre - 1, centre, centre + 1, centre + 2]
    np.testing.assert_allclose(slices, za[idx], rtol=1e-6, atol=1e-4)
    assert np.array_equal(rois, zr[idx])


def test_first_order_features_equal_their_definitions(phantom):
    """Independent check of the extraction and its settings (pyradiomics' baseline images cannot be downloaded
    here): first-order features recomputed from the voxels with pyradiomics' documented definitions,
    bin width 25 with edges at multiples of 25."""
    f = extract_radiomics(phantom / "PH003_ct.nii.gz", phantom / "PH003_mask.nii.gz")
    img = sitk.GetArrayFromImage(sitk.ReadImage(str(phantom / "PH003_ct.nii.gz"))).astype(float)
    roi = sitk.GetArrayFromImage(sitk.ReadImage(str(phantom / "PH003_mask.nii.gz"))) == 1
    x = img[roi]
    assert f["original_firstorder_Mean"] == pytest.approx(x.mean(), rel=1e-6)
    assert f["original_firstorder_Variance"] == pytest.approx(x.var(), rel=1e-6)
    assert f["original_firstorder_Energy"] == pytest.approx(np.sum(x**2), rel=1e-6)
    assert f["original_firstorder_RootMeanSquared"] == pytest.approx(np.sqrt(np.mean(x**2)), rel=1e-6)
    assert f["original_firstorder_Range"] == pytest.approx(np.ptp(x), rel=1e-6)
    assert f["original_firstorder_10Percentile"] == pytest.approx(np.percentile(x, 10), rel=1e-6)
    lo = np.floor(x.min() / 25) * 25
    edges = np.arange(lo, x.max() + 25, 25)
    p = np.histogram(x, bins=edges)[0] / len(x)
    p = p[p > 0]
    assert f["original_firstorder_Entropy"] == pytest.approx(-np.sum(p * np.log2(p + 2.2e-16)), rel=1e-6)
    assert f["original_firstorder_Uniformity"] == pytest.approx(np.sum(p**2), rel=1e-6)


def test_extract_from_a_folder_with_a_parameter_file(phantom, tmp_path, capsys):
    """Folder mode pairs <id>_ct / <id>_mask files; unpaired files are reported, not dropped; a pyradiomics
    parameter file drives whole-ROI and sub-region extraction alike."""
    import yaml

    from cohortstats.cli import main
    from cohortstats.imaging import manifest_from_folder

    d = tmp_path / "images"
    d.mkdir()
    for pid in ("PH001", "PH002", "PH003"):
        for kind in ("ct", "mask"):
            shutil.copy(phantom / f"{pid}_{kind}.nii.gz", d / f"{pid}_{kind}.nii.gz")
    (d / "PH003_mask.nii.gz").unlink()  # an image without its mask
    shutil.copy(phantom / "PH004_mask.nii.gz", d / "PH004_mask.nii.gz")  # a mask without its image
    (d / "notes.txt").write_text("not an image")
    man, unpaired = manifest_from_folder(d)
    assert man["patient_id"].tolist() == ["PH001", "PH002"] and man["image"].iloc[0] == "PH001_ct.nii.gz"
    assert unpaired["patient_id"].tolist() == ["PH003", "PH004"]
    assert "has no mask" in unpaired["message"].iloc[0] and "has no image" in unpaired["message"].iloc[1]
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"imageType": {"Original": {}}, "featureClass": {"firstorder": None,
                                      "shape": None}, "setting": {"binWidth": 10}}))
    assert main(["--quiet", "extract", str(d), "--out", str(tmp_path / "f"), "--params", str(params),
                 "--habitats", "2"]) == 0
    whole = pd.read_csv(tmp_path / "f" / "radiomics_whole.csv")
    assert whole["patient_id"].tolist() == ["PH001", "PH002"]
    assert not any("glcm" in c for c in whole.columns) and "original_shape_VoxelVolume" in whole.columns
    direct = extract_radiomics(d / "PH001_ct.nii.gz", d / "PH001_mask.nii.gz", params=params)
    assert whole.loc[0, "original_firstorder_Entropy"] == direct["original_firstorder_Entropy"]
    sub = pd.read_csv(tmp_path / "f" / "radiomics_sub1.csv")
    assert "original_firstorder_Entropy" in sub.columns and len(sub) == 2
    errors = pd.read_csv(tmp_path / "f" / "extraction_errors.csv")
    assert errors["patient_id"].tolist() == ["PH003", "PH004"] and set(errors["error"]) == {"Unpaired"}
    recorded = json.loads((tmp_path / "f" / "extraction_settings.json").read_text())
    assert recorded["params"] == str(params) and recorded["settings"]["binWidth"] == 10
    assert recorded["classes"] == ["firstorder", "shape"]
    # bad input: a missing parameter file, no pairs, a meaningless number of habitats
    assert main(["--quiet", "extract", str(d), "--out", str(tmp_path / "g"), "--params", "nope.yaml"]) == 2
    assert "no pyradiomics parameter file at 'nope.yaml'" in capsys.readouterr().err
    with pytest.raises(DataValidationError, match="no image/mask pairs named <id>_image.<ext>"):
        manifest_from_folder(d, image_suffix="_image")
    from cohortstats.imaging import extract_folder_tables

    with pytest.raises(DataValidationError, match="habitats must be 0 .* or a number of sub-regions >= 2; got 1"):
        extract_folder_tables(d, tmp_path / "h", habitats=1)


def test_deep_features_batch_and_cli(phantom, tmp_path, capsys):
    """Deep features for a manifest: one row per patient, the network built once per weights file (a rewritten
    file is reloaded), failed cases reported, and the CLI writes deep_features.csv next to the radiomics."""
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    from cohortstats.cli import main
    from cohortstats.imaging import extract_deep_batch

    torch.manual_seed(1)
    torch.save(tv.models.resnet50(weights=None).state_dict(), tmp_path / "w.pt")
    man = pd.read_csv(phantom / "manifest.csv").iloc[:3].copy()
    man.loc[2, "mask"] = "nope.nii.gz"
    res = extract_deep_batch(man, weights=tmp_path / "w.pt", base=phantom)
    assert res.table.shape == (2, 1 + 2048) and res.table.columns[1] == "dl_0000"
    assert res.errors["patient_id"].tolist() == ["PH003"] and res.settings["aggregate"] == "mean"
    one = extract_deep_features(phantom / "PH002_ct.nii.gz", phantom / "PH002_mask.nii.gz", weights=tmp_path / "w.pt")
    np.testing.assert_array_equal(res.table.iloc[1, 1:].to_numpy(float), one)
    torch.manual_seed(2)
    torch.save(tv.models.resnet50(weights=None).state_dict(), tmp_path / "w.pt")  # new weights, same path
    other = extract_deep_features(phantom / "PH002_ct.nii.gz", phantom / "PH002_mask.nii.gz", weights=tmp_path / "w.pt")
    assert not np.allclose(one, other)
    with pytest.raises(FileNotFoundError, match="weights file 'missing.pt' does not exist"):
        extract_deep_batch(man, weights="missing.pt", base=phantom)
    with pytest.raises(DataValidationError, match="weights is required"):
        extract_deep_batch(man, base=phantom)
    out = tmp_path / "features"
    assert main(["--quiet", "extract", str(phantom / "manifest.csv"), "--out", str(out),
                 "--deep-weights", str(tmp_path / "w.pt")]) == 0
    deep = pd.read_csv(out / "deep_features.csv")
    assert len(deep) == 6 and deep.shape[1] == 2049
    assert json.loads((out / "extraction_settings.json").read_text())["deep"]["weights"] == str(tmp_path / "w.pt")
    # the deep table merges with the radiomics table on patient_id, as the study file reads it
    import cohortstats as cs

    merged = cs.merge_tables(pd.read_csv(out / "radiomics_whole.csv"), deep, on="patient_id", names=["whole", "deep"],
                             prefixes=["whole_", "deep_"])
    assert len(merged.data) == 6 and "deep_dl_2047" in merged.data.columns


def test_manifest_without_its_columns(phantom):
    man = pd.read_csv(phantom / "manifest.csv").rename(columns={"mask": "roi"})
    with pytest.raises(DataValidationError, match=r"the manifest lacks column\(s\) \['mask'\]; expected patient_id, "
                                                  r"image, mask"):
        extract_batch(man, base=phantom)


def test_undefined_features_are_listed_not_warned():
    import warnings

    arr = np.random.default_rng(0).normal(40, 5, (10, 20, 20)).astype(np.float32)
    roi = np.zeros((10, 20, 20), np.uint8)
    roi[5, 10, 5:7] = 1  # two voxels: the robust mean absolute deviation (10th-90th percentile band) is empty
    img = sitk.GetImageFromArray(arr)
    mask = sitk.GetImageFromArray(roi)
    mask.CopyInformation(img)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = extract_radiomics(img, mask, settings={"minimumROIDimensions": 1})
    assert np.isnan(f["original_firstorder_RobustMeanAbsoluteDeviation"])
    assert f["diagnostics_cohortstats_UndefinedFeatures"] == "original_firstorder_RobustMeanAbsoluteDeviation"
