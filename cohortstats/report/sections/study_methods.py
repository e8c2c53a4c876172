"""Sentences of the methods text for the study-file keys of the seed papers: derived variables, the analysed
population, reader agreement, tests for trend, the scores' ROC analysis, the reproducibility screen, habitat
numbering, the nomogram of a model and what bootstrap validation repeated."""

from __future__ import annotations

from ._context import join_words

__all__ = ["analysis_methods", "description_methods", "model_methods", "model_nomogram_methods", "habitat_sentence", "validation_sentence", "sidedness"]


_ICC_FORMS = {"ICC1": "one-way random effects, single measurement",
              "ICC2": "two-way random effects, absolute agreement, single measurement",
              "ICC3": "two-way mixed effects, consistency, single measurement",
              "ICC1k": "one-way random effects, mean of the readings",
              "ICC2k": "two-way random effects, absolute agreement, mean of the readings",
              "ICC3k": "two-way mixed effects, consistency, mean of the readings"}


def sidedness(alternative: str) -> str:
    """A test's alternative in words, e.g. for DeLong's test of model A vs model B."""
    return {"two-sided": "two-sided",
            "less": "one-sided; H1: the AUC of the first model of each pair is lower than the second's",
            "greater": "one-sided; H1: the AUC of the first model of each pair is higher than the second's"
            }.get(alternative, alternative)


def habitat_sentence(order: str, k: int = 3) -> str:
    """How the habitat sub-regions were numbered, and what the last one is."""
    if order == "distance":
        return (f"Habitat sub-regions were numbered 1 to {k} by the mean distance of their voxels from the ROI "
                f"boundary, innermost first: sub-region 1 of {k} is the core and sub-region {k} of {k} the outermost, "
                "at the interface with the surrounding tissue (the hematoma-brain interface).")
    return (f"Habitat sub-regions were numbered 1 to {k} by increasing mean intensity: sub-region 1 of {k} has the "
            f"lowest and sub-region {k} of {k} the highest mean intensity (numbers do not say where a sub-region "
            "lies).")


def validation_sentence(val, n_candidates=None) -> str:
    """What bootstrap validation did, as the result records it."""
    text = (f"The multivariable model was internally validated with {val.B} bootstrap resamples (Harrell's "
            f"optimism correction): {val.repeated or 'the given specification was refitted in each resample'}. ")
    if len(val.selection):
        text += "How often each candidate was selected is reported. "
    return text + ("Calibration was assessed with the calibration intercept and slope, lowess calibration curves "
                   "and the Hosmer-Lemeshow test.")


def _trend(ctx) -> list[str]:
    trend = ctx.results.get("trend")
    if not trend:
        return []
    label = ctx.spec.outcome.label or ctx.spec.outcome.column
    names = join_words(ctx.labels(v) for v in trend)
    return [f"Trends in the proportion of {label} across the ordered levels of {names} were tested with the "
            "Cochran-Armitage chi-square test (scores 1 to k, no continuity correction; as R's prop.trend.test)."]


def _score_roc(ctx) -> list[str]:
    sr = ctx.results.get("score_roc")
    if not sr:
        return []
    label = ctx.spec.outcome.label or ctx.spec.outcome.column
    text = (f"The diagnostic value of {join_words(ctx.labels(s) for s in sr)} for {label} was assessed in all analysed patients without a "
            "training/test split: the AUC with DeLong's 95% CI, the cut-off maximising Youden's index, and "
            "sensitivity, specificity, PPV and NPV at that cut-off with Wilson 95% CIs")
    if "score_roc_comparison" in ctx.results:
        text += "; the scores' AUCs were compared with paired DeLong tests"
    return [text + "."]


def _agreement(ctx) -> list[str]:
    ag = ctx.res.study_results.get("agreement")
    if not ag or not ctx.analysis.main:
        return []
    parts = []
    for name, a in ag.items():
        if a.kind == "continuous":
            form = a.method.split(":")[0].split(" (")[0]
            parts.append(f"for {name} by the intraclass correlation {form} ({_ICC_FORMS.get(form, form)}; psych::ICC)")
        else:
            w = getattr(a.detail, "weights", None)
            stat = "Cohen's (unweighted) kappa" if w is None else f"weighted kappa with {w} weights"
            parts.append(f"for {name} by {stat} (asymptotic SE as vcd::Kappa)")
    return ["Agreement between readers was measured " + "; ".join(parts) + ", in every patient who was read."]


def _reproducibility(ctx) -> list[str]:
    r = ctx.spec.reproducibility
    if r is None or "reproducibility_summary" not in ctx.results:
        return []
    screens = ctx.results.get("reproducibility") or {}
    n = next(iter(screens.values())).n_targets if screens else None
    who = f" in the {n} patients segmented twice" if n else ""
    return [f"Before any modelling, each feature's reproducibility between two segmentations was measured{who} by "
            f"the intraclass correlation {r.form} ({_ICC_FORMS[r.form]}; Shrout and Fleiss, as R's psych::ICC) with its "
            f"95% confidence interval; features with {r.form} < {r.threshold:g} were excluded from "
            f"{join_words(r.feature_sets)}."]


def analysis_methods(ctx) -> list[str]:
    """The sentences that come before the analyses: derived variables (main analysis) or the population (a further
    analysis), reader agreement and the reproducibility screen."""
    out = []
    if ctx.analysis.main:
        out += list(ctx.res.study_results.get("derived_methods", []))
    elif ctx.results.get("population_text"):
        out.append(f"This analysis included the patients with {ctx.results['population_text']}.")
    return out + _agreement(ctx) + _reproducibility(ctx)


def description_methods(ctx) -> list[str]:
    """After Table 1: tests for trend and the scores' ROC analysis."""
    return _trend(ctx) + _score_roc(ctx)


def model_methods(ctx) -> list[str]:
    """Before the models: how habitat sub-regions were numbered; after them, the nomogram of a model."""
    out = []
    if ctx.spec.habitat_order is not None and ctx.results.get("models") is not None:
        out.append(habitat_sentence(ctx.spec.habitat_order))
    return out


def model_nomogram_methods(ctx) -> list[str]:
    if "model_nomogram" not in ctx.results:
        return []
    return [f"A nomogram of the {ctx.results['model_nomogram_name']} model was built from a logistic regression of "
            "its inputs (clinical covariates and rad-scores) on the training set."]
