"""The closing sections: what was not run (and why), and every warning the run raised."""

from __future__ import annotations

import pandas as pd

__all__ = ["not_run_section", "warnings_section"]

# the study runner's stage keys, as a reader knows them
STAGES = {"data": "Data", "variables": "Derived variables", "population": "Population", "agreement": "Reader agreement",
          "reproducibility": "Reproducibility (ICC)", "table1": "Table 1", "score_roc": "ROC of the scores",
          "regression": "Logistic regression", "validation": "Bootstrap validation", "missing": "Missing data",
          "sample_size": "Sample size", "split": "Training/test split", "models": "Models",
          "comparisons": "Model comparison", "evaluation": "Decision curves and calibration", "nomogram": "Nomogram",
          "cv": "Cross-validation", "survival": "Survival", "report": "Report"}


def not_run_section(ctx) -> dict | None:
    skipped = ctx.res.skipped
    if not skipped:
        return None
    return {"title": "Not run", "blocks": [f"Skipped: {s.rstrip('.')}." for s in skipped]}


def warnings_section(ctx) -> dict | None:
    res = ctx.res
    if not res.warnings:
        return None
    rows = pd.DataFrame([{"Analysis": w.analysis or "Study", "Stage": STAGES.get(w.stage, w.stage.replace("_", " ")), "Warning": w.category,
                          "Message": w.message, "Times": w.count} for w in res.warnings])
    table = ctx.report_table("warnings", rows, "Warnings raised during the analysis")
    return {"title": "Warnings", "blocks": [
        f"{ctx.ref('table', 'warnings')} lists every warning raised while the study ran, by stage; each is also "
        "shown beside the result it concerns.", table]}
