"""Input checks shared by the feature screens and the LASSO signature (scikit-learn estimator contract)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import _preview
from ..data import is_pyradiomics_metadata
from ..exceptions import DataValidationError


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise DataValidationError(f"X must be 2-dimensional (patients x features); got shape {X.shape}.")
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])



def _check_features(X: pd.DataFrame, name: str = "X") -> np.ndarray:
    meta = [c for c in X.columns if is_pyradiomics_metadata(c)]
    if meta:
        raise DataValidationError(
            f"{name} contains pyradiomics metadata columns, not features: {_preview(meta)}. Drop the diagnostics_* "
            "(and Image/Mask) columns, e.g. with cohortstats.radiomics_feature_columns."
        )
    nonnum = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if nonnum:
        raise DataValidationError(f"{name} has non-numeric columns {_preview(nonnum)}; features must be numbers.")
    a = X.to_numpy(dtype=float)
    bad = ~np.isfinite(a)
    if bad.any():
        cols = X.columns[bad.any(axis=0)]
        raise DataValidationError(
            f"{name} has {int(bad.sum())} missing or infinite value(s) in {len(cols)} feature(s) ({_preview(list(cols))}). "
            "Impute them explicitly (e.g. a SimpleImputer inside the pipeline) or drop those features."
        )
    return a



def _check_y(y) -> np.ndarray:
    """A binary outcome as 0/1 floats; with other codes the larger value is the case (as 1 in 0/1)."""
    if y is None:
        raise DataValidationError("this estimator requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.ravel()
    vals = np.unique(y)
    if len(vals) != 2:
        raise DataValidationError(f"y must be a binary outcome with both classes (0/1); got {len(vals)} "
                                  f"class{'es' if len(vals) != 1 else ''}: {vals.tolist()[:10]}.")
    return (y == vals[1]).astype(float)



class _BinaryTags:
    """scikit-learn tags: y is required and binary; no missing values."""

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.input_tags.allow_nan = False
        return tags



def _fit_input(est, X, y=None):
    """Validate X (and y) as scikit-learn does and return a DataFrame with the feature names."""
    from sklearn.utils.validation import validate_data

    if isinstance(X, pd.DataFrame):
        if X.shape[1] == 0:  # e.g. every feature removed by the screening steps before this one
            raise DataValidationError(
                f"{type(est).__name__}: 0 feature(s) (shape={X.shape}) while a minimum of 1 is required; every "
                "feature was removed before this step (see the screening steps' reasons_), so there is nothing to fit.")
        _check_features(X)
    arr = validate_data(est, X, reset=True, dtype=float, ensure_min_samples=2)
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        names = np.array([f"x{i}" for i in range(arr.shape[1])], dtype=object)
        est.feature_names_in_ = names
    Xf = pd.DataFrame(arr, columns=list(names))
    _check_features(Xf)
    return Xf
