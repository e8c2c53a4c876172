"""Bootstrap internal validation with the imputation redone inside every resample (bootstrap, then impute)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from .._validation import as_column_list, check_columns, check_dataframe
from ..evaluation.calibration import smoothed_calibration
from ..evaluation.validation import INDEXES, LogisticSpec, ValidationResult, bootstrap_validation, performance_indexes
from ..exceptions import DataValidationError
from .impute import impute

__all__ = ["bootstrap_validation_imputed"]


@dataclass(frozen=True)
class _ReimputedLogistic:
    """``spec(train) -> predict`` for :func:`bootstrap_validation`: the resample and the original patients are
    imputed together (one imputation), the original rows ignored when the imputation models are fitted; the
    logistic model is fitted on the completed resample and predicts the resample and the completed original."""

    original: pd.DataFrame
    model: LogisticSpec
    variables: tuple
    maxit: int
    donors: int
    seed: int

    def __call__(self, train: pd.DataFrame):
        n = len(train)
        stacked = pd.concat([train, self.original], ignore_index=True)
        ignore = np.r_[np.zeros(n, bool), np.ones(len(self.original), bool)]
        # a seed of its own per resample, from the resample's rows: the same for any n_jobs, new for each resample
        key = int(pd.util.hash_pandas_object(train, index=False).sum() % (2 ** 32))
        completed = impute(stacked, m=1, variables=list(self.variables), maxit=self.maxit, donors=self.donors,
                           ignore=ignore, random_state=np.random.SeedSequence([self.seed, key])).datasets[0]
        boot, orig = completed.iloc[:n].reset_index(drop=True), completed.iloc[n:].reset_index(drop=True)
        predict = self.model(boot)
        p_boot, p_orig = predict(boot), predict(orig)

        def scores(df: pd.DataFrame) -> np.ndarray:
            if df is train:
                return p_boot
            if len(df) == len(self.original):
                return p_orig
            raise DataValidationError("the re-imputing validation model predicts only its resample and the "
                                      "original patients.")

        return scores


def bootstrap_validation_imputed(df: pd.DataFrame, outcome: str, predictors, fits, *, variables, categorical=None,
                                 positive=None, B: int = 200, random_state=None, maxit: int = 10, donors: int = 5,
                                 n_jobs=None, progress: bool = False) -> ValidationResult:
    """Optimism-corrected performance of a logistic model developed on multiply imputed data.

    Parameters
    ----------
    df : pandas.DataFrame
        The incomplete development data (rows with a missing outcome are dropped).
    outcome, predictors, categorical, positive
        The model, as :func:`cohortstats.bootstrap_validation`.
    fits : list of LogisticRegressionResult
        The model fitted on each of the m completed data sets (its apparent performance is their mean).
    variables : list of str
        The imputation's variables (as given to :func:`impute`), outcome and predictors included.
    B : int
        Bootstrap resamples.
    random_state : int or None
    maxit, donors : int
        Imputation settings, as :func:`impute`.
    n_jobs : int, optional
        Parallel workers, as :func:`cohortstats.bootstrap_validation` (the same result for any number).
    progress : bool
        Show a progress bar.

    Returns
    -------
    ValidationResult
        ``method`` says what was done; ``apparent`` is the mean over the m completed data sets, ``optimism``
        the bootstrap's and ``corrected`` their difference; ``warnings`` counts what the resamples raised.

    Raises
    ------
    DataValidationError
        Unknown columns, fewer than 2 fits, every resample failed.

    Notes
    -----
    Bootstrap then impute (Wahl et al. 2016): each resample is drawn from the incomplete data and imputed
    once (``m = 1``), stacked with the original patients, whose rows are imputed by the resample's imputation
    models but never fit them (``impute(..., ignore=...)``); the model is refitted on the completed resample
    and scored on it (training) and on the completed original patients (test). Optimism = mean(training −
    test) over the resamples, as ``rms::validate``; it is subtracted from the apparent performance averaged
    over the m completed data sets of the main analysis. Emax and the calibration curve are corrected alike.

    References
    ----------
    Wahl S, Boulesteix AL, Zierer A, Thorand B, van de Wiel MA. Assessment of predictive performance in
    incomplete data by combining internal validation and multiple imputation. BMC Med Res Methodol
    2016;16:144.

    Examples
    --------
    >>> import numpy as np
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical[["expansion", "age", "volume"]].copy()
    >>> df.loc[::5, "volume"] = np.nan
    >>> imp = cs.impute(df, m=3, maxit=3, random_state=1)
    >>> fits = [cs.logistic_regression(d, "expansion", ["age", "volume"], ci_method="wald") for d in imp.datasets]
    >>> val = bootstrap_validation_imputed(df, "expansion", ["age", "volume"], fits, variables=list(df.columns),
    ...                                    B=5, maxit=3, random_state=1)
    >>> val.table["index"].tolist()[:3]
    ['dxy', 'c_index', 'r2']
    """
    check_dataframe(df, "df")
    predictors = as_column_list(predictors, "predictors")
    variables = as_column_list(variables, "variables")
    check_columns(df, list(dict.fromkeys([outcome, *predictors, *variables])), "bootstrap_validation_imputed")
    missing_vars = [v for v in [outcome, *predictors] if v not in variables and df[v].isna().any()]
    if missing_vars:
        raise DataValidationError(f"variables must include every incomplete model column; {missing_vars} are "
                                  "missing somewhere but not imputed.")
    fits = list(fits)
    if len(fits) < 2:
        raise DataValidationError(f"fits must hold the model of at least 2 completed data sets; got {len(fits)}.")
    data = df[list(dict.fromkeys([outcome, *predictors, *variables]))].dropna(subset=[outcome])
    data = data.reset_index(drop=True)
    model = LogisticSpec(outcome, tuple(predictors), tuple(as_column_list(categorical, "categorical")), positive)
    seed = int(np.random.SeedSequence(random_state).generate_state(1)[0]) if not isinstance(
        random_state, (int, np.integer)) else int(random_state)
    spec = _ReimputedLogistic(data, model, tuple(variables), int(maxit), int(donors), seed)
    boot = bootstrap_validation(data, outcome, spec=spec, B=B, random_state=random_state, n_jobs=n_jobs,
                                progress=progress)
    apparent = pd.DataFrame([performance_indexes(f.y, f.fitted) for f in fits])[INDEXES].mean()
    table = boot.table.set_index("index")
    table.loc[INDEXES, "apparent"] = apparent.to_numpy()
    table.loc[INDEXES, "corrected"] = table.loc[INDEXES, "apparent"] - table.loc[INDEXES, "optimism"]
    pg = np.arange(1, 2000) * 5e-4
    corr = table["corrected"]
    emax = float(np.max(np.abs(pg - expit(corr["intercept"] + corr["slope"] * logit(pg)))))
    table.loc["emax", ["test", "optimism", "corrected"]] = emax
    curve = boot.calibration_curve.copy()
    curve["apparent"] = np.mean([smoothed_calibration(f.y, f.fitted, curve["predicted"].to_numpy()) for f in fits],
                                axis=0)
    curve["corrected"] = np.clip(curve["apparent"] - curve["optimism"], 0, 1)
    return dataclasses.replace(boot, table=table.reset_index(), calibration_curve=curve, method=(
        f"bootstrap then impute (Wahl et al. 2016): each of the B resamples of the incomplete data imputed once "
        f"(chained equations, PMM, {maxit} iterations) with the original patients imputed by the resample's "
        f"imputation models, the model refitted on it and tested on the completed original patients; apparent "
        f"performance averaged over the {len(fits)} imputed data sets; Harrell's optimism correction"))
