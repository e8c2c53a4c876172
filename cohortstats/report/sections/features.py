"""Feature selection of every model: the features each screening step kept, the LASSO-selected features with
their coefficients, each rad-score's formula, and each LASSO's coefficient paths and cross-validation curve."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_number
from ..study_figures import slug

__all__ = ["features_section", "screening_frame", "selected_features_frame"]

_STEP_NAMES = {"input features": "Input", "near_zero": "Near-zero variance", "univariable": "Univariable test",
               "correlation": "Correlation", "mrmr": "mRMR", "lasso": "LASSO"}


def _block_text(key: str) -> str:
    kind, _, sets = key.partition(":")
    return f"rad-score of {sets}" if kind == "signature" else f"features of {sets} selected by LASSO"


def screening_frame(screening: dict) -> pd.DataFrame:
    """One row per model and block, one column per step: the number of features left after it."""
    rows = []
    for (model, key), steps in screening.items():
        row = {"Model": model, "Block": _block_text(key)}
        row.update({_STEP_NAMES.get(s, s): str(int(k)) for s, k in zip(steps["step"], steps["n_kept"])})
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def selected_features_frame(lassos: dict, digits: int = 4) -> pd.DataFrame:
    """One row per model, block and selected feature: its LASSO coefficient (original scale, as glmnet)."""
    rows = []
    for (model, key), lasso in lassos.items():
        coef = lasso.coef_[lasso.coef_ != 0]
        for feature, b in coef.items():
            rows.append({"Model": model, "LASSO over": key, "Feature": feature,
                         "Coefficient": format_number(b, digits)})
    return pd.DataFrame(rows, columns=["Model", "LASSO over", "Feature", "Coefficient"])


def _paragraphs(ctx, models) -> list[str]:
    out = []
    for (model, key), lasso in ctx.results.get("lassos", {}).items():
        kinds = {k.split(":", 1)[0] for (m, k) in models.selected if m == model and k.split(":", 1)[1] == key}
        lam = f"λ = {lasso.lambda_:.4g} (lambda.{lasso.rule})"
        if "signature" in kinds:
            out.append(f"{model}, rad-score of {key} ({lam}): {lasso.formula(4)}")
        if "selected" in kinds:
            n = int((lasso.coef_ != 0).sum())
            out.append(f"{model}: one LASSO over {key} ({lam}) selected {n} feature(s); the estimator was fitted on "
                       "them (standardised on the training set).")
    if ctx.spec.habitat_order is not None:  # the full sentence is in the methods text; here a reminder
        out.append("Sub-region numbers: " + ("sub1 is the innermost (the core) and sub3 the outermost, at the "
                                             "interface (numbered by distance from the boundary)."
                                             if ctx.spec.habitat_order == "distance" else
                                             "sub1 has the lowest and sub3 the highest mean intensity (numbered by "
                                             "intensity, not by position)."))
    return out


def _figures(ctx) -> list:
    figs = []
    for (model, key) in ctx.results.get("lassos", {}):
        name = ctx.figure(f"lasso_{slug(model)}_{slug(key)}")
        if name in ctx.res.figures:
            figs.append((name, f"LASSO of {model} over {key.replace('+', ' + ')}: 10-fold cross-validated deviance "
                               "with λ.min and λ.1se (A) and coefficient paths, labelled for the features selected at "
                               "the chosen λ (B)."))
    return figs


def features_section(ctx) -> dict | None:
    models = ctx.results.get("models")
    screening = ctx.results.get("screening")
    if models is None or not screening:
        return None
    sf = screening_frame(screening)
    sel = selected_features_frame(ctx.results.get("lassos", {}))
    sel["Feature"] = [ctx.labels(f) for f in sel["Feature"]]
    tables = [ctx.report_table("feature_screening", sf, "Features left after each selection step (training set)", (
                  "Steps fitted on the training set only: near-zero variance, univariable test, correlation "
                  "redundancy, LASSO (10-fold CV, as cv.glmnet). A feature set shared by several models is fitted "
                  "once.",)),
              ctx.report_table("selected_features", sel, "Features selected by each model's LASSO, with their "
                               "coefficients", ("Coefficients on the features' original scale (glmnet's standardize = "
                                                "TRUE, reported unscaled).",))]
    return {"title": "Feature selection and rad-scores", "blocks": [*_paragraphs(ctx, models), *tables,
                                                                     *_figures(ctx)]}
