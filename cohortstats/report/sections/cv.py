"""Repeated cross-validation over all patients."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_estimate_ci, format_number

__all__ = ["cv_section"]


def cv_section(ctx) -> dict | None:
    cv = ctx.results.get("cv")
    if cv is None:
        return None
    s = cv.summary
    f = pd.DataFrame({"Model": s["model"],
                      "Mean AUC (2.5th–97.5th percentile)": [format_estimate_ci(m, lo, hi, 3) for m, lo, hi in zip(
                          s["mean_auc"], s["auc_low"], s["auc_high"])],
                      "SD of AUC": [format_number(v, 3) for v in s["sd_auc"]],
                      "Mean Brier score": [format_number(v, 3) for v in s["mean_brier"]],
                      "Folds": s["n_folds"]})
    notes = ["Every modelling step (imputation, screening, LASSO, classifier) was refitted in each training fold."]
    if s["n_failed"].sum():
        f["Failed folds"] = s["n_failed"]
        first = cv.folds[cv.folds["error"] != ""].iloc[0]
        notes.append(f"Folds whose fit failed are left out of the summary (first: {first['model']}, repeat "
                     f"{first['repeat']}, fold {first['fold']}: {first['error']}).")
    notes += ctx.warning_notes("cv")
    table = ctx.report_table("cross_validation", f, f"Repeated stratified {cv.n_splits}-fold cross-validation "
                                                    f"({cv.n_repeats} repeats) on all patients", notes)
    return {"title": "Repeated cross-validation",
            "blocks": [f"{ctx.ref('table', 'cross_validation')} gives the AUC of every model over repeated "
                       "cross-validation of all patients.", table]}
