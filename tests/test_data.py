"""Data layer: reading files, merging with an audit, type inference, missingness."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, DataWarning


# ---------------------------------------------------------------- read_table
def test_csv_utf8_bom_and_latin1_read_identically(tmp_path):
    text = "id, name ,glucose\n1,Zoë,5.5\n2,Müller,6.1\n"
    (tmp_path / "u.csv").write_bytes(text.encode("utf-8"))
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "l.csv").write_bytes(text.encode("latin-1"))
    frames = [cs.read_table(tmp_path / f) for f in ("u.csv", "b.csv", "l.csv")]
    for f in frames:
        assert list(f.columns) == ["id", "name", "glucose"]  # header whitespace trimmed, no BOM in 'id'
        assert f["name"].tolist() == ["Zoë", "Müller"]
        assert f["glucose"].tolist() == [5.5, 6.1]
    assert [f.attrs["source"]["encoding"] for f in frames] == ["utf-8", "utf-8-sig", "latin-1"]


def test_undecodable_bytes_clear_error(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"id,name\n1,\x93quoted\x94 \xff\n")
    with pytest.raises(DataValidationError, match="neither UTF-8.*nor Latin-1.*encoding="):
        cs.read_table(tmp_path / "x.csv")
    # with the right encoding it reads
    df = cs.read_table(tmp_path / "x.csv", encoding="cp1252")
    assert df["name"].iloc[0].startswith("\u201cquoted")


def test_decimal_comma(tmp_path):
    (tmp_path / "eu.csv").write_text("id;glucose\n1;5,5\n2;6,25\n", encoding="utf-8")
    df = cs.read_table(tmp_path / "eu.csv", decimal=",")
    assert df["glucose"].tolist() == [5.5, 6.25]


def test_tsv_and_txt_sniffed(tmp_path):
    (tmp_path / "a.tsv").write_text("id\tx\n1\t2.5\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("id;x\n1;2.5\n", encoding="utf-8")
    assert cs.read_table(tmp_path / "a.tsv")["x"].iloc[0] == 2.5
    assert cs.read_table(tmp_path / "a.txt")["x"].iloc[0] == 2.5


def test_duplicate_column_names_refused(tmp_path):
    (tmp_path / "d.csv").write_text("id,age, age,sex,sex\n1,2,3,M,F\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"duplicate column names 'age', 'sex'"):
        cs.read_table(tmp_path / "d.csv")


def test_empty_and_unknown_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(DataValidationError, match="empty"):
        cs.read_table(tmp_path / "e.csv")
    (tmp_path / "h.csv").write_text("id,x\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no data rows"):
        cs.read_table(tmp_path / "h.csv")
    (tmp_path / "t.sav").write_bytes(b"abc")
    with pytest.raises(DataValidationError, match=r"unknown file type '.sav'"):
        cs.read_table(tmp_path / "t.sav")
    with pytest.raises(FileNotFoundError, match="no file"):
        cs.read_table(tmp_path / "missing.csv")


def test_excel_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"id": [1, 2], " age ": [70, 60]}).to_excel(w, sheet_name="clinical", index=False)
        pd.DataFrame({"id": [1, 2], "score": [3, 4]}).to_excel(w, sheet_name="fvh", index=False)
    with pytest.raises(DataValidationError, match=r"2 sheets \('clinical', 'fvh'\); choose one with sheet="):
        cs.read_table(path)
    df = cs.read_table(path, sheet="clinical")
    assert list(df.columns) == ["id", "age"] and df["age"].tolist() == [70, 60]
    with pytest.raises(DataValidationError, match="sheet='nope' is not in"):
        cs.read_table(path, sheet="nope")


def test_not_a_workbook(tmp_path):
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DataValidationError, match="not a readable Excel workbook"):
        cs.read_table(tmp_path / "fake.xlsx")


def test_parquet_roundtrip(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"id": ["a", "b"], "x": [1.5, 2.5]})
    df.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(cs.read_table(tmp_path / "t.parquet"), df, check_like=True)


def test_column_name_with_html_and_newline_kept_verbatim(tmp_path):
    (tmp_path / "w.csv").write_text('id,"<b>glucose</b>\nmmol/L"\n1,5.5\n', encoding="utf-8")
    df = cs.read_table(tmp_path / "w.csv")
    assert df.columns[1] == "<b>glucose</b>\nmmol/L"


def test_na_values(tmp_path):
    (tmp_path / "n.csv").write_text("id,x\n1,n/a\n2,3\n", encoding="utf-8")
    assert cs.read_table(tmp_path / "n.csv", na_values=["n/a"])["x"].isna().sum() == 1


# ---------------------------------------------------------------- merge_tables
def _tables():
    clinical = pd.DataFrame({"patient_id": [1, 2, 3, 4], "age": [70, 64, 58, 81]})
    rad = pd.DataFrame({"patient_id": ["1", "2", "3", "5"], "original_glcm_Contrast": [0.1, 0.2, 0.3, 0.4],
                        "diagnostics_Versions_PyRadiomics": ["3.0.1"] * 4, "Image": ["a.nii"] * 4})
    fvh = pd.DataFrame({"patient_id": [1.0, 2.0, 4.0, np.nan], "fvh": [0, 3, 5, 2]})
    return clinical, rad, fvh


def test_merge_inner_audit_every_id():
    clinical, rad, fvh = _tables()
    m = cs.merge_tables(clinical, rad, fvh, on="patient_id", names=["clinical", "radiomics", "fvh"],
                        prefixes=[None, "rad_", None])
    assert m.data["patient_id"].tolist() == ["1", "2"]
    assert list(m.data.columns) == ["patient_id", "age", "rad_original_glcm_Contrast", "fvh"]
    a = m.audit.set_index("id")
    assert a.index.tolist() == ["1", "2", "3", "4", "5"]
    assert a.loc["3", "reason"] == "not in fvh"
    assert a.loc["4", "reason"] == "not in radiomics"
    assert a.loc["5", "reason"] == "not in clinical, fvh"
    assert a["kept"].tolist() == [True, True, False, False, False]
    assert m.excluded_rows.to_dict("records") == [{"table": "fvh", "row": 3, "reason": "missing id"}]
    assert m.metadata_columns["radiomics"] == ["diagnostics_Versions_PyRadiomics", "Image"]
    s = m.summary()
    assert s.loc[s.status == "kept", "n"].item() == 2
    assert s.loc[s.status == "row excluded", "n"].item() == 1
    assert s["n"].sum() == 5 + 1  # every id plus the row without an id


def test_merge_left_keeps_clinical_patients():
    clinical, rad, fvh = _tables()
    m = cs.merge_tables({"clinical": clinical, "radiomics": rad}, on="patient_id", how="left")
    assert m.data["patient_id"].tolist() == ["1", "2", "3", "4"]
    assert np.isnan(m.data.loc[3, "original_glcm_Contrast"])
    assert m.audit.set_index("id").loc["5", "reason"] == "not in clinical"


def test_leading_zero_mismatch_reported_not_matched():
    a = pd.DataFrame({"id": ["001", "002", "3"], "x": [1, 2, 3]})
    b = pd.DataFrame({"id": ["1", "002", "3"], "y": [4, 5, 6]})
    with pytest.warns(DataWarning, match="2 id.s. match an id of another table only after removing leading") as w:
        m = cs.merge_tables(a, b, on="id", names=["clinical", "imaging"])
    assert "'001'" not in str(w[0].message) and "'1'" not in str(w[0].message)  # counts, never ids (issue 14)
    assert m.data["id"].tolist() == ["002", "3"]
    audit = m.audit.set_index("id")
    assert audit.loc["001", "reason"] == "not in imaging (an id there differs only by leading zeros)"
    assert audit.loc["1", "reason"] == "not in clinical (an id there differs only by leading zeros)"
    # the ids themselves are only in the row-level columns
    assert audit.loc["001", "near_miss"] == "imaging: '1'" and audit.loc["1", "near_miss"] == "clinical: '001'"
    assert not m.summary()["reason"].str.contains("001").any()


def test_duplicate_ids_refused_with_list():
    a = pd.DataFrame({"id": [1, 2, 2, 3, 3], "x": range(5)})
    with pytest.raises(DataValidationError, match=r"2 duplicated id\(s\).*'2', '3'"):
        cs.merge_tables(a, a.rename(columns={"x": "y"}), on="id")


def test_column_clash_and_missing_id_column():
    a = pd.DataFrame({"id": [1], "x": [1]})
    with pytest.raises(DataValidationError, match="also occur in table.*prefixes"):
        cs.merge_tables(a, a, on="id")
    with pytest.raises(DataValidationError, match="id column 'pid' is missing"):
        cs.merge_tables(a, a, on="pid")


def test_merge_inputs_not_modified():
    clinical, rad, fvh = _tables()
    before = [t.copy() for t in (clinical, rad, fvh)]
    cs.merge_tables(clinical, rad, fvh, on="patient_id", prefixes=[None, "rad_", None])
    for t, b in zip((clinical, rad, fvh), before):
        pd.testing.assert_frame_equal(t, b)


def test_radiomics_feature_columns_recognised():
    cols = ["patient_id", "original_firstorder_Mean", "wavelet-LLH_glcm_Contrast", "log-sigma-1-0-mm-3D_gldm_DependenceEntropy",
            "rad_original_shape_Sphericity", "diagnostics_Image-original_Mean", "Image", "Mask", "age"]
    got = cs.radiomics_feature_columns(pd.DataFrame(columns=cols))
    assert got == ["original_firstorder_Mean", "wavelet-LLH_glcm_Contrast",
                   "log-sigma-1-0-mm-3D_gldm_DependenceEntropy", "rad_original_shape_Sphericity"]


# ---------------------------------------------------------------- types and missingness
def test_infer_types_and_overrides():
    df = pd.DataFrame({"sex": ["M", "F", "M", "F"], "race": ["a", "b", "c", "a"], "wfns": [1, 2, 3, 5],
                       "age": [70.5, 60.1, 55.0, 49.9], "empty": [np.nan] * 4,
                       "grade": pd.Categorical(["I", "II", "III", "I"], ordered=True)})
    t = cs.infer_types(df)
    assert t.to_dict() == {"sex": "binary", "race": "categorical", "wfns": "ordinal", "age": "continuous",
                           "empty": "empty", "grade": "ordinal"}
    assert cs.infer_types(df, overrides={"wfns": "continuous"})["wfns"] == "continuous"
    with pytest.raises(DataValidationError, match="unknown type"):
        cs.infer_types(df, overrides={"wfns": "numeric"})


def test_missing_summary():
    df = pd.DataFrame({"a": [1, np.nan, 3, np.nan], "b": list("wxyz")})
    m = cs.missing_summary(df)
    assert m["n_missing"].tolist() == [2, 0]
    assert m["percent_missing"].tolist() == [50.0, 0.0]


def test_read_only_some_columns(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"id": [1, 2], "a_x": [1.0, 2.0], "a_y": [3.0, 4.0], "b": ["u", "v"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    with pd.ExcelWriter(tmp_path / "t.xlsx") as w:
        df.to_excel(w, index=False)
    for f in ("t.csv", "t.parquet", "t.xlsx"):
        got = cs.read_table(tmp_path / f, columns=lambda c: c == "id" or c.startswith("a_"))
        assert list(got.columns) == ["id", "a_x", "a_y"], f


def test_merge_with_a_table_of_missing_ids_and_text_ids_elsewhere():
    """A table whose every id is missing keeps nothing (how='left') and looks for no near misses in it."""
    a = pd.DataFrame({"id": [None, None], "x": [1.0, 2.0]})
    b = pd.DataFrame({"id": ["024", "7"], "y": [1.0, 2.0]})
    m = cs.merge_tables(a, b, on="id", how="left")
    assert len(m.data) == 0 and list(m.data.columns) == ["id", "x", "y"]
    assert m.audit["reason"].tolist() == ["not in table1", "not in table1"]
    assert m.excluded_rows["row"].tolist() == [0, 1]


def test_merge_matches_whole_number_ids_across_types_and_vectorised_audit_equals_the_rules(rng):
    """Integer, whole-number float and text ids are matched as the same normalised text ('7', 7, 7.0)."""
    a = pd.DataFrame({"id": [7, 8, 9, 10], "x": [1.0, 2.0, 3.0, 4.0]})
    b = pd.DataFrame({"id": [7.0, 9.0, np.nan, 11.0], "y": [1.0, 2.0, 3.0, 4.0]})
    m = cs.merge_tables(a, b, on="id", names=["clinical", "imaging"])
    assert m.data["id"].tolist() == ["7", "9"] and m.audit["id"].tolist() == ["7", "8", "9", "10", "11"]
    assert m.audit.set_index("id").loc["11", "reason"] == "not in clinical"
    c = pd.DataFrame({"id": [" 7 ", "9", "011"], "z": [1.0, 2.0, 3.0]})
    with pytest.warns(DataWarning, match=r"2 id\(s\) match"):  # "011" and "11", each near the other
        m3 = cs.merge_tables(a, b, c, on="id")
    assert m3.data["id"].tolist() == ["7", "9"]
    assert m3.audit.set_index("id").loc["011", "near_miss"] == "table2: '11'"


@pytest.mark.parametrize("how", ["inner", "left"])
@pytest.mark.parametrize("n_text", [1, 95])  # 95 text columns: the frame is built in one go (no 100 blocks)
def test_merge_builds_one_float_block_equal_to_pandas_merge(rng, how, n_text):
    """The merged frame equals pandas' merge on the same ids (values, dtypes, column order; a patient without a
    row in the second table gets NaN, its integers become floats, its booleans objects), with every float64 column
    in one block, and merge_table_list lets each table go (its entry set to None)."""
    a = pd.DataFrame({"id": [3, 1, 2, 5], "age": [70.0, 64.0, np.nan, 50.0], "n": [1, 2, 3, 4],
                      **{f"t{j}": list("mffm") for j in range(n_text)}, "w": rng.normal(size=4)})
    b = pd.DataFrame({"id": ["1", "2", "3", "9"], "x": rng.normal(size=4), "flag": [True, False, True, False],
                      "k": [1, 2, 3, 4], "z": [np.nan, 1.5, 2.5, 3.5]})
    tables = [a, b]
    m = cs.data.merge_table_list(tables, on="id", names=["a", "b"], prefixes=[None, "b_"], how=how)
    assert tables == [None, None]
    want = a.assign(id=a["id"].astype(str)).merge(b.add_prefix("b_").rename(columns={"b_id": "id"}), on="id",
                                                  how=how)
    pd.testing.assert_frame_equal(m.data, want)
    assert [blk.dtype for blk in m.data._mgr.blocks].count(np.dtype(float)) == 1
