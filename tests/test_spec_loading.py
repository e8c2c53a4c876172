"""Reading a study file safely (issue 14): size and alias-expansion limits, duplicate keys, encodings, no code."""

import time

import pytest

from cohortstats.cli import main
from cohortstats.study import SpecError, load_spec

BASE = "data: {synthetic: hematoma}\noutcome: {column: expansion}\n"

# the classic "billion laughs": 9 levels of 9 aliases, under 600 bytes, 9^9 values once expanded. Put in an
# exclusion's value (a free list), it passed validate and hung the run when the spec went into the manifest.
LAUGHS = ("exclusions:\n  - name: laughs\n    column: age\n    op: in\n    value:\n"
          "      - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
          + "".join(f"      - &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")))


def _spec(tmp_path, content, encoding="utf-8"):
    p = tmp_path / "study.yaml"
    p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return p


def test_billion_laughs_is_refused_quickly_at_validate(tmp_path, capsys):
    p = _spec(tmp_path, BASE + LAUGHS)
    assert p.stat().st_size < 600
    t0 = time.perf_counter()
    with pytest.raises(SpecError, match=r"anchors and aliases expand to at least 1,000,000 values, over the limit "
                                        r"of 100,000"):
        load_spec(p)
    assert time.perf_counter() - t0 < 2
    assert main(["validate", str(p)]) == 2  # validate says so, in one message
    assert "over the limit of 100,000" in capsys.readouterr().err


def test_recursive_alias_and_deep_nesting(tmp_path):
    with pytest.raises(SpecError, match="an alias refers to a node that contains it"):
        load_spec(_spec(tmp_path, BASE + "exclusions: [{name: x, column: age, op: in, value: &x [1, *x]}]\n"))
    with pytest.raises(SpecError, match="nested too deeply"):
        load_spec(_spec(tmp_path, BASE + "x: " + "[" * 3000 + "]" * 3000 + "\n"))


def test_legitimate_aliases_and_merge_keys_still_work(tmp_path):
    text = BASE + ("feature_sets:\n  clin: {columns: &c [age, glucose]}\n"
                   "models:\n  - {name: a, features: *c}\n  - {name: b, features: *c}\n"
                   "report: {<<: {title: T, digits: 3}, title: U}\n")  # an explicit key overrides a merged one
    spec, _ = load_spec(_spec(tmp_path, text))
    assert spec.models[1].features == ["age", "glucose"] and spec.report.title == "U" and spec.report.digits == 3


def test_size_limit(tmp_path):
    with pytest.raises(SpecError, match=r"the file has 1,100,\d{3} bytes; a study file is limited to 1,000,000"):
        load_spec(_spec(tmp_path, BASE + "#" * 1_100_000 + "\n"))


@pytest.mark.parametrize("extra,message", [
    ("seed: 1\nseed: 2\n", r"key 'seed' is given twice in the same mapping \(lines 3 and 4\); keep one"),
    ("report: {title: a, title: b}\n", r"key 'title' is given twice in the same mapping \(line 3\)"),
    ("models:\n  - name: m\n    features: [age]\n    name: n\n", r"key 'name' is given twice .*lines 4 and 6"),
])
def test_duplicate_keys_are_errors(tmp_path, extra, message):
    # PyYAML keeps the last and drops the first without a word; a study file must say which it meant
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(tmp_path, BASE + extra))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_unicode_encodings_are_read(tmp_path, encoding):
    spec, _ = load_spec(_spec(tmp_path, BASE + "report: {title: Étude de la récidive – 血肿}\n", encoding))
    assert spec.report.title == "Étude de la récidive – 血肿"


@pytest.mark.parametrize("content,message", [
    ((BASE + "report: {title: Étude}\n").encode("latin-1"),
     r"study.yaml: the file is not UTF-8 text \(byte 0xc9 on line 3, as Latin-1 or Windows-1252 files have\); "
     r"save it as UTF-8\.$"),
    ((BASE + "report: {title: a – b}\n").encode("cp1252"), r"not UTF-8 text \(byte 0x96 on line 3"),
    (BASE.encode("utf-16-le"), r"holds zero bytes, as UTF-16 text without a byte-order mark does; save it as UTF-8"),
])
def test_other_encodings_are_refused_in_one_sentence(tmp_path, content, message):
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(tmp_path, content))


def test_safe_loading_builds_no_python_object(tmp_path):
    p = _spec(tmp_path, BASE + "x: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(SpecError, match="not valid YAML .*could not determine a constructor"):
        load_spec(p)
