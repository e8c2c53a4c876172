"""Feature screens (near-zero variance, univariable test, correlation redundancy, mRMR) for radiomics and
deep-feature tables. Each step follows the scikit-learn estimator contract, so a whole selection runs inside
cross-validation and the bootstrap (no selection on all data before a split), and records why each feature was
dropped (``reasons_``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin

from .._auc import _auc_sorted
from .._results import TidyHTML
from .._validation import check_one_of
from ._inputs import _BinaryTags, _as_frame, _check_features, _check_y, _fit_input

__all__ = ["NearZeroVariance", "UnivariateFilter", "CorrelationFilter", "MRMRSelector", "screen_features",
           "ScreeningResult"]



# --------------------------------------------------------------------------- screening steps
class NearZeroVariance(_BinaryTags, TransformerMixin, BaseEstimator):
    """Drop constant and near-constant features (caret's ``nearZeroVar`` rule).

    A feature is dropped when it has no variance, or when the ratio of its most common to its
    second most common value exceeds ``freq_cut`` and its distinct values are fewer than
    ``unique_cut`` percent of the patients.
    """

    def __init__(self, freq_cut: float = 95 / 5, unique_cut: float = 10.0):
        self.freq_cut = freq_cut
        self.unique_cut = unique_cut

    def fit(self, X, y=None):
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        keep, reasons = [], []
        for j in range(a.shape[1]):
            vals, counts = np.unique(a[:, j], return_counts=True)
            if len(vals) == 1:
                keep.append(False)
                reasons.append("zero variance")
                continue
            top = np.sort(counts)[::-1]
            ratio = top[0] / top[1]
            pct = 100 * len(vals) / len(a)
            drop = ratio > self.freq_cut and pct < self.unique_cut
            keep.append(not drop)
            reasons.append(f"near-zero variance (frequency ratio {ratio:.1f}, {pct:.1f}% unique)" if drop else "")
        self.support_ = np.array(keep)
        self.reasons_ = np.array(reasons, dtype=object)
        return self

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "support_")
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=False, dtype=float)
            # every feature kept (near-zero variance on continuous features): the same values, not a copy of them
            return X.copy(deep=False) if self.support_.all() else X.loc[:, self.support_]
        return validate_data(self, X, reset=False, dtype=float)[:, self.support_]

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_in_[self.support_]


_BLOCK_VALUES = 250_000  # values per column block in UnivariateFilter and the ranks (bounds their memory: ~30 MiB)


class UnivariateFilter(_BinaryTags, TransformerMixin, BaseEstimator):
    """Keep features associated with the outcome: Welch t-test or Mann-Whitney, optional FDR.

    ``p_threshold`` applies to raw p-values, or to Benjamini-Hochberg q-values with ``fdr="bh"``.
    Features are also ranked by |AUC - 0.5| (``relevance_``) for the later steps.
    """

    def __init__(self, test: str = "mannwhitney", p_threshold: float = 0.05, fdr: str | None = None):
        self.test = test
        self.p_threshold = p_threshold
        self.fdr = fdr

    def fit(self, X, y):
        check_one_of(self.test, ("ttest", "mannwhitney"), "test")
        check_one_of(self.fdr, (None, "bh"), "fdr")
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        case = y == 1
        stat, p = np.empty(a.shape[1]), np.empty(a.shape[1])
        # column blocks of ~4 million values: scipy's vectorised tests hold several copies of their input, which
        # for 80,000 patients x 250 features would be gigabytes at once
        width = max(1, _BLOCK_VALUES // max(1, len(a)))
        for start in range(0, a.shape[1], width):
            block = a[:, start:start + width]
            # scipy warns for features with no variation within the classes (its statistic is then NaN): those
            # features get their own reason below, so the warnings are recorded here and not passed on
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                if self.test == "ttest":
                    r = stats.ttest_ind(block[case], block[~case], axis=0, equal_var=False)
                else:
                    r = stats.mannwhitneyu(block[case], block[~case], axis=0, alternative="two-sided",
                                           method="asymptotic")
            stat[start:start + width] = r.statistic
            p[start:start + width] = r.pvalue
        undefined = np.isnan(p)
        p = np.nan_to_num(p, nan=1.0)
        self.statistic_ = stat
        self.p_values_ = p
        self.q_values_ = stats.false_discovery_control(p) if self.fdr == "bh" else p
        self.relevance_ = np.array([abs(_auc_sorted(a[case, j], a[~case, j]) - 0.5) for j in range(a.shape[1])])
        self.support_ = self.q_values_ < self.p_threshold
        label = "q" if self.fdr else "P"
        self.reasons_ = np.where(self.support_, "", [
            "univariable test undefined (no variation within the outcome classes)" if bad
            else f"univariable {label} = {v:.3g} >= {self.p_threshold:g}"
            for v, bad in zip(self.q_values_, undefined)]).astype(object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


def _column_ranks(a: np.ndarray) -> np.ndarray:
    """``scipy.stats.rankdata(a, axis=0)`` a block of columns at a time (the same ranks; rankdata's sort
    indices and work arrays for the whole matrix would be several copies of it)."""
    out = np.empty(a.shape, dtype=float)
    width = max(1, _BLOCK_VALUES // max(1, len(a)))
    for start in range(0, a.shape[1], width):
        out[:, start:start + width] = stats.rankdata(a[:, start:start + width], axis=0)
    return out


class CorrelationFilter(_BinaryTags, TransformerMixin, BaseEstimator):
    """Remove redundant features: of any pair with |r| > ``threshold``, keep the one more related to the outcome.

    Features are visited from the most to the least related to the outcome (|AUC - 0.5|); one is kept
    when its |correlation| with every feature kept so far is at most ``threshold``.
    """

    def __init__(self, threshold: float = 0.9, method: str = "spearman"):
        self.threshold = threshold
        self.method = method

    def fit(self, X, y):
        check_one_of(self.method, ("pearson", "spearman"), "method")
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        if a.shape[1] == 1:
            self.support_ = np.array([True])
            self.reasons_ = np.array([""], dtype=object)
            return self
        ranked = _column_ranks(a) if self.method == "spearman" else a
        r = np.atleast_2d(np.nan_to_num(np.abs(np.corrcoef(ranked, rowvar=False))))
        rel = np.array([abs(_auc_sorted(a[y == 1, j], a[y == 0, j]) - 0.5) for j in range(a.shape[1])])
        order = np.argsort(-rel, kind="stable")
        kept: list[int] = []
        reasons = [""] * a.shape[1]
        for j in order:
            if kept:
                worst = kept[int(np.argmax(r[j, kept]))]
                if r[j, worst] > self.threshold:
                    reasons[j] = f"|r| = {r[j, worst]:.3f} with {self.feature_names_in_[worst]}"
                    continue
            kept.append(j)
        self.support_ = np.zeros(a.shape[1], bool)
        self.support_[kept] = True
        self.reasons_ = np.array(reasons, dtype=object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


class MRMRSelector(_BinaryTags, TransformerMixin, BaseEstimator):
    """Minimum-redundancy maximum-relevance: greedily pick ``k`` features maximising
    F-statistic / mean |Pearson r| with those already picked (the "FCQ" variant)."""

    def __init__(self, k: int = 20):
        self.k = k

    def fit(self, X, y):
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        # a feature constant within both classes has an undefined F (scipy warns); it ranks last (F = 0)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            f = np.nan_to_num(stats.f_oneway(a[y == 1], a[y == 0], axis=0).statistic)
        r = np.abs(np.nan_to_num(np.corrcoef(a, rowvar=False))) if a.shape[1] > 1 else np.ones((1, 1))
        r = np.atleast_2d(r)
        chosen = [int(np.argmax(f))]
        while len(chosen) < min(int(self.k), a.shape[1]):
            red = r[:, chosen].mean(axis=1)
            score = f / np.maximum(red, 1e-12)
            score[chosen] = -np.inf
            chosen.append(int(np.argmax(score)))
        self.support_ = np.zeros(a.shape[1], bool)
        self.support_[chosen] = True
        self.ranking_ = np.array(chosen)
        self.reasons_ = np.where(self.support_, "", f"not among the mRMR top {int(self.k)}").astype(object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


@dataclass(frozen=True)
class ScreeningResult(TidyHTML):
    """Each feature's fate: ``table`` has ``feature, kept, step`` (where it left), ``reason``,
    ``p_value`` and ``relevance`` (|AUC - 0.5|); ``kept`` lists the survivors in input order."""

    table: pd.DataFrame
    steps: tuple

    @property
    def kept(self) -> list:
        return self.table.loc[self.table["kept"], "feature"].tolist()

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def screen_features(X: pd.DataFrame, y, *, near_zero: bool = True, test: str | None = "mannwhitney",
                    p_threshold: float = 0.05, fdr: str | None = None, corr_threshold: float | None = 0.9,
                    corr_method: str = "spearman", mrmr_k: int | None = None) -> ScreeningResult:
    """Run the screening steps in order and record where each feature left and why.

    Steps (each optional): near-zero variance -> univariable test (``test``, ``p_threshold``,
    ``fdr``) -> correlation redundancy (``corr_threshold``) -> mRMR top ``mrmr_k``. For use inside
    cross-validation, build the same steps as a scikit-learn Pipeline of the transformer classes.
    """
    Xf = _as_frame(X)
    _check_features(Xf)
    y = _check_y(y)
    steps = []
    if near_zero:
        steps.append(("near-zero variance", NearZeroVariance()))
    if test:
        steps.append(("univariable test", UnivariateFilter(test=test, p_threshold=p_threshold, fdr=fdr)))
    if corr_threshold is not None:
        steps.append(("correlation", CorrelationFilter(threshold=corr_threshold, method=corr_method)))
    if mrmr_k:
        steps.append(("mRMR", MRMRSelector(k=mrmr_k)))
    table = pd.DataFrame({"feature": list(Xf.columns), "kept": True, "step": "", "reason": "",
                          "p_value": np.nan, "relevance": np.nan})
    table = table.set_index("feature")
    current = Xf
    for name, step in steps:
        if current.shape[1] == 0:
            break
        step.fit(current, y)
        if isinstance(step, UnivariateFilter):
            table.loc[current.columns, "p_value"] = step.p_values_
            table.loc[current.columns, "relevance"] = step.relevance_
        gone = current.columns[~step.support_]
        table.loc[gone, "kept"] = False
        table.loc[gone, "step"] = name
        table.loc[gone, "reason"] = step.reasons_[~step.support_]
        current = current.loc[:, step.support_]
    return ScreeningResult(table.reset_index(), tuple(n for n, _ in steps))


# --------------------------------------------------------------------------- LASSO


