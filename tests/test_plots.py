"""Every figure is legible in print: no two texts overlap, none runs off the figure, text is 8-10 pt at the printed
size, the palette is seaborn's colour-blind one. Measured from the text boxes matplotlib renders
(``Text.get_window_extent`` of every text actually drawn)."""

import itertools
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import cohortstats as cs  # noqa: E402
from cohortstats.datasets import load_breast_cancer, make_hematoma_cohort  # noqa: E402
from cohortstats.plots._style import FULL_WIDTH, PALETTE, repel  # noqa: E402
from cohortstats.plots.forest import _log_ticks  # noqa: E402
from cohortstats.report.labels import Labels  # noqa: E402


def drawn_texts(fig) -> list:
    """``(text, window extent, font size)`` of every non-empty text the renderer draws."""
    boxes = []
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            boxes.append((self.get_text(), self.get_window_extent(renderer), self.get_fontsize()))

    Text.draw = draw
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return boxes


def legibility_problems(fig, tol: float = 0.5) -> list[str]:
    boxes = drawn_texts(fig)
    out = []
    for (a, ba, _), (b, bb, _) in itertools.combinations(boxes, 2):
        w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        if w > tol and h > tol:
            out.append(f"overlap: {a!r} and {b!r}")
    width, height = fig.bbox.width, fig.bbox.height
    for text, b, size in boxes:
        if b.x0 < -tol or b.y0 < -tol or b.x1 > width + tol or b.y1 > height + tol:
            out.append(f"outside the figure: {text!r}")
        if not 8 <= size <= 10:
            out.append(f"{size} pt: {text!r}")
    if fig.get_size_inches()[0] > FULL_WIDTH + 0.01:
        out.append(f"wider than the text of a page: {fig.get_size_inches()[0]:.2f} in")
    return out


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cohort():
    return make_hematoma_cohort(n=150, random_state=3).clinical


@pytest.fixture(scope="module")
def models(cohort):
    train, test = cs.train_test_split(cohort, "expansion", test_size=0.4, random_state=1)
    specs = [cs.ModelSpec("Clinical (volume, onset)", ["volume", "onset_to_ct"]),
             cs.ModelSpec("Glucose", ["glucose"]), cs.ModelSpec("All clinical", ["age", "glucose", "volume", "gcs"])]
    return cs.fit_models(train, test, "expansion", specs)


def test_the_checker_sees_an_overlap():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, "10000", fontsize=8)
    ax.text(0.52, 0.5, "2000", fontsize=8)
    assert any(p.startswith("overlap") for p in legibility_problems(fig))
    fig.text(0.95, 0.5, "runs off the edge", fontsize=8)
    assert any(p.startswith("outside") for p in legibility_problems(fig))


def test_palette_is_seaborns_colorblind():
    import seaborn as sns

    assert list(PALETTE) == sns.color_palette("colorblind").as_hex()


def test_forest_plot_of_uni_and_multivariable_ors(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(birthwt, "low", ["age", "lwt", "race", "smoke", "ptl", "ht", "ui"],
                                  categorical=["race"], screen_p=0.2)
    lab = Labels({"lwt": "Mother's weight, per lb", "ht": "History of hypertension"},
                 {"race": {1: "White", 2: "Black", 3: "Other"}})
    ax = cs.plots.plot_forest(tab, labels=lab)
    texts = [t for t, *_ in drawn_texts(ax.figure)]
    assert "race: Black" in texts and "Mother's weight, per lb" in texts
    assert any(t.startswith("○ Univariable") for t in texts) and any(t.startswith("■ Multivariable") for t in texts)
    uni = tab.tidy().set_index("term").loc["smoke"]
    assert f"{uni['uni_estimate']:.2f} ({uni['uni_conf_low']:.2f}–{uni['uni_conf_high']:.2f})" in texts
    assert legibility_problems(ax.figure) == []


def test_log_axis_ticks_never_collide():
    assert _log_ticks(0.4, 2.5, 2.0) == [0.5, 1.0, 2.0]
    assert _log_ticks(0.01, 1000, 1.5) == [0.01, 1.0, 100.0]  # five decades on 1.5 in: every other decade
    fit_data = pd.DataFrame({"y": [0] * 30 + [1] * 30, "x": np.r_[np.zeros(29), 1, np.ones(28), 0, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cs.logistic_regression(fit_data, "y", ["x"])
    ax = cs.plots.plot_forest(fit)
    assert legibility_problems(ax.figure) == []


def test_roc_calibration_and_decision_figures(models):
    from cohortstats.report.study_figures import _decision_panels, _roc_panels

    fig = _roc_panels(models)
    legend = [t for t, *_ in drawn_texts(fig)]
    perf = models.performance.query("set == 'test'").iloc[0]
    assert any(t.startswith("Clinical (volume, onset):\nAUC ") and f"({perf.conf_low:.2f}–" in t for t in legend)
    assert legibility_problems(fig) == []
    dc = models.decision_curve("test", thresholds=np.round(np.arange(0.01, 0.61, 0.01), 2))
    fig = _decision_panels(dc)
    assert fig.axes[0].get_xlim()[1] == pytest.approx(0.6) and fig.axes[1].get_ylabel().startswith("Net interventions")
    assert legibility_problems(fig) == []
    cal = models.calibration("All clinical", "test", groups=5)
    ax = cs.plots.plot_calibration(cal)
    assert any("5 quantile groups" in t for t, *_ in drawn_texts(ax.figure))
    assert legibility_problems(ax.figure) == []
    assert legibility_problems(cs.plots.plot_clinical_impact(dc, "Glucose").figure) == []
    assert legibility_problems(cs.plots.plot_interventions_avoided(dc).figure) == []
    cals = {m: models.calibration(m, "test") for m in models.estimators}
    assert legibility_problems(cs.plots.plot_calibration_curves(cals).figure) == []


def test_lasso_figure_labels_the_selected_features():
    d = load_breast_cancer()
    X, y = d.iloc[:, :30], d["target"].to_numpy()
    sig = cs.LassoSignature(cv=5, random_state=1).fit(X, y)
    cv_ax, path_ax = cs.plots.plot_lasso(sig)
    fig = cv_ax.figure
    labelled = [t.get_text() for t in path_ax.texts if hasattr(t, "xy") and t.get_text()]
    selected = [f for f in sig.coef_.index if sig.coef_[f] != 0]
    assert 0 < len(labelled) == min(len(selected), 14) and set(labelled) <= set(selected)
    assert {t.get_label() for t in cv_ax.get_lines()} >= {"λ.min", "λ.1se"}
    assert legibility_problems(fig) == []
    for draw in (cs.plots.plot_lasso_coefficients, cs.plots.plot_lasso_path, cs.plots.plot_lasso_cv):
        assert legibility_problems(draw(sig).figure) == [], draw.__name__


def test_nomogram_and_kaplan_meier(birthwt, lung):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cs.logistic_regression(birthwt, "low", ["age", "lwt", "smoke", "ht"])
    ax = cs.plots.plot_nomogram(cs.nomogram(fit), labels={"lwt": "Mother's weight, lb"})
    assert legibility_problems(ax.figure) == []
    km = cs.kaplan_meier(lung, "time", "status", "sex", positive=2)
    ax = cs.plots.plot_km(km, times=[0, 250, 500, 750, 1000], labels=Labels(levels={"sex": {1: "Men", 2: "Women"}}))
    assert "Women" in [t for t, *_ in drawn_texts(ax.figure)]
    assert legibility_problems(ax.figure) == []


def test_repel_keeps_order_and_gap():
    out = repel([5.0, 5.0, 5.2, 100.0], gap=10.0, low=0.0, high=110.0)
    assert out[0] < out[1] < out[2] and min(np.diff(sorted(out))) >= 10 - 1e-9 and out[3] == 100.0
    assert max(repel([108.0, 109.0], gap=10.0, low=0.0, high=110.0)) <= 110.0
