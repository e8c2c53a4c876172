"""The README's Python example runs as written (a newcomer copies it first)."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs():
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    assert len(block.strip().splitlines()) <= 15
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README, not user data
    d, res = namespace["d"], namespace["res"]
    assert -10 < d.statistic < 10 and 0 <= d.p_value <= 1
    assert set(res.performance["model"]) == {"clinical", "radiomics"}
    assert namespace["ax"].get_xlabel()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_readme_report_builder_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "cs.report.Report(" in b)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README, not user data
    assert {p.name for p in tmp_path.iterdir()} >= {"report.html", "report.docx", "tables.xlsx"}
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Expansion (n = " in html and "Hematoma volume, mL" in html and '<a href="#table-1">Table 1</a>' in html
    import matplotlib.pyplot as plt

    plt.close("all")
