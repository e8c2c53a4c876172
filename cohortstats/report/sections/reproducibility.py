"""Feature reproducibility between two segmentations (the study file's ``reproducibility:`` block): a summary per
feature set and every excluded feature with its ICC and 95% CI in the report; every feature's ICC and CI in the
CSV/XLSX output (``reproducibility_features``)."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_estimate_ci, format_number
from ._context import join_words

__all__ = ["reproducibility_section", "reproducibility_frames", "MAX_SHOWN"]

MAX_SHOWN = 100  # excluded features listed in the report; the CSV/XLSX output lists every feature


def _ci_text(row, digits=3) -> str:
    return format_estimate_ci(row["icc"], row["conf_low"], row["conf_high"], digits)


def reproducibility_frames(screens: dict, summary: pd.DataFrame | None = None, *, labels=None):
    """``(summary, excluded, features)``: one row per feature set (features, re-read, kept, excluded, median ICC
    with its range); the excluded features, lowest ICC first, with ICC (95% CI) and the reason; every feature
    with its ICC and CI as numbers (for the CSV/XLSX output)."""
    lab = labels or (lambda c: c)
    rows, excluded, every = [], [], []
    given = summary.set_index("Feature set") if summary is not None and len(summary) else None
    for name, scr in screens.items():
        t = scr.table
        form = scr.form
        icc = t["icc"].dropna()
        row = {"Feature set": name}
        if given is not None and name in given.index:
            row["Features"] = int(given.loc[name, "Features"])
        row.update({"Re-read": len(t), "Patients re-read": scr.n_targets,
                    f"Kept ({form} ≥ {scr.threshold:g})": int(t["kept"].sum()),
                    "Excluded": int((~t["kept"]).sum()),
                    f"Median {form} (range)": (f"{format_number(icc.median(), 3)} ({format_number(icc.min(), 3)} to "
                                               f"{format_number(icc.max(), 3)})" if len(icc) else "")})
        rows.append(row)
        for _, r in t.iterrows():
            every.append({"Feature set": name, "Feature": lab(r["feature"]), "ICC form": form, "ICC": r["icc"],
                          "CI low": r["conf_low"], "CI high": r["conf_high"],
                          "CI level": scr.conf_level, "Kept": "yes" if r["kept"] else "no",
                          "Reason": r["reason"]})
        out = t[~t["kept"]].sort_values("icc", na_position="first")
        for _, r in out.iterrows():
            excluded.append({"Feature set": name, "Feature": lab(r["feature"]),
                             f"{form} (95% CI)" if scr.conf_level == 0.95 else f"{form} (CI)": _ci_text(r),
                             "Reason": r["reason"]})
    return pd.DataFrame(rows), pd.DataFrame(excluded), pd.DataFrame(every)


def reproducibility_section(ctx) -> dict | None:
    screens = ctx.results.get("reproducibility")
    if not screens:
        return None
    r = ctx.spec.reproducibility
    summary, excluded, every = reproducibility_frames(screens, ctx.results.get("reproducibility_summary"),
                                                      labels=ctx.labels)
    ctx.table("reproducibility_features", every)  # CSV/XLSX only: every feature's ICC with its CI
    first = next(iter(screens.values()))
    n_kept, n_out = int(sum(s.table["kept"].sum() for s in screens.values())), len(excluded)
    text = (f"Each feature's reproducibility between two segmentations was measured on the {first.n_targets} "
            f"patients segmented twice by the intraclass correlation {r.form} with its "
            f"{round(100 * first.conf_level)}% CI (psych::ICC): of the features of {join_words(screens)}, {n_kept} "
            f"had {r.form} ≥ {r.threshold:g} and were kept for modelling and {n_out} were excluded "
            f"({ctx.ref('table', 'reproducibility')}"
            + (f", {ctx.ref('table', 'reproducibility_excluded')}" if n_out else "")
            + "). Every feature's ICC and CI are in tables/reproducibility_features.csv (and tables.xlsx).")
    notes = (f"Intraclass correlation {r.form} (Shrout and Fleiss; as R's psych::ICC) between the two readings, on "
             "the patients in both; features with an ICC below the threshold were excluded before any modelling.",
             "Re-read: features of the set found in the second reading.", *ctx.warning_notes("reproducibility"))
    blocks = [text, ctx.report_table("reproducibility", summary, "Feature reproducibility between segmentations",
                                     notes)]
    if n_out:
        shown = excluded.head(MAX_SHOWN)
        more = (f"The {n_out - MAX_SHOWN} other excluded features are in tables/reproducibility_features.csv."
                if n_out > MAX_SHOWN else "")
        blocks.append(ctx.report_table(
            "reproducibility_excluded", shown,
            "Features excluded for poor reproducibility" + (f" ({MAX_SHOWN} lowest ICCs)" if more else ""),
            tuple(filter(None, ["Lowest ICC first; 95% CIs F-based, as psych::ICC.", more]))))
    return {"title": "Feature reproducibility", "blocks": blocks}
