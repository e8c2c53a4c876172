"""Minimum sample size for developing a prediction model (Riley et al.'s criteria, as pmsampsize)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import ndtri

from ._results import TidyHTML
from ._validation import check_one_of, check_probability
from .exceptions import DataValidationError

__all__ = ["sample_size", "SampleSizeResult", "r2_cs_from_c_statistic"]

CRITERIA_COLUMNS = ["criterion", "n", "shrinkage", "events", "epp", "note"]


@dataclass(frozen=True)
class SampleSizeResult(TidyHTML):
    """The minimum sample size for a new prediction model and the criterion behind it.

    Attributes
    ----------
    n : int
        Minimum sample size: the largest of the criteria's (each rounded up).
    events : float
        Expected number of events, ``n * prevalence`` (not rounded; pmsampsize prints its ceiling).
    epp : float
        Events per candidate predictor parameter, ``events / parameters``.
    shrinkage : float
        Expected uniform shrinkage the size guarantees: the larger of the target and criterion (ii)'s
        (pmsampsize's ``final_shrinkage``).
    criteria : pandas.DataFrame
        One row per criterion (see :meth:`tidy`).
    parameters, prevalence, r2_cs, c_statistic, shrinkage_target, delta_r2, margin, conf_level
        The inputs; ``r2_cs`` is the anticipated Cox-Snell R² used (given, or approximated from
        ``c_statistic``).
    max_r2_cs : float
        Largest Cox-Snell R² possible at this prevalence, 1 − (φ^φ (1−φ)^(1−φ))².
    r2_nagelkerke : float
        ``r2_cs / max_r2_cs``.
    r2_cs_method : str
        Where ``r2_cs`` came from.
    """

    n: int
    events: float
    epp: float
    shrinkage: float
    criteria: pd.DataFrame = field(repr=False, compare=False)
    outcome: str
    parameters: int
    prevalence: float
    r2_cs: float
    max_r2_cs: float
    r2_nagelkerke: float
    r2_cs_method: str
    c_statistic: float | None
    shrinkage_target: float
    delta_r2: float
    margin: float
    conf_level: float
    method: str = ("Riley et al. (BMJ 2020;368:m441): (i) expected shrinkage, (ii) optimism in Nagelkerke R², "
                   "(iii) precision of the overall risk; as pmsampsize (R, >= 1.1.1)")

    def tidy(self) -> pd.DataFrame:
        """One row per criterion and a ``final`` row.

        Columns: ``criterion`` ("(i) shrinkage", "(ii) optimism in R2 Nagelkerke", "(iii) overall risk",
        "final"), ``n`` (rounded up), ``shrinkage`` (expected uniform shrinkage at that size), ``events``
        (n × prevalence), ``epp`` (events per parameter), ``note`` (the criterion in words).
        """
        return self.criteria.copy()


def _check_inputs(parameters, prevalence, r2_cs, c_statistic, shrinkage, delta_r2, margin, conf_level):
    if isinstance(parameters, bool) or not isinstance(parameters, numbers.Integral):
        if not (isinstance(parameters, numbers.Real) and float(parameters).is_integer()):
            raise TypeError(f"parameters must be a whole number of candidate predictor parameters; got "
                            f"{parameters!r} ({type(parameters).__name__}).")
    parameters = int(parameters)
    if parameters < 1:
        raise DataValidationError(f"parameters must be at least 1 (the number of candidate predictor parameters, "
                                  f"counting each dummy of a categorical predictor); got {parameters}.")
    prevalence = check_probability(prevalence, "prevalence")
    shrinkage = check_probability(shrinkage, "shrinkage")
    delta_r2 = check_probability(delta_r2, "delta_r2")
    margin = check_probability(margin, "margin")
    conf_level = check_probability(conf_level, "conf_level")
    if (r2_cs is None) == (c_statistic is None):
        raise DataValidationError("give exactly one of r2_cs (the anticipated Cox-Snell R²) or c_statistic (a "
                                  "reported C statistic, from which R² is approximated); got "
                                  + ("both." if r2_cs is not None else "neither."))
    if r2_cs is not None:
        r2_cs = check_probability(r2_cs, "r2_cs")
    else:
        c_statistic = check_probability(c_statistic, "c_statistic")
        if c_statistic <= 0.5:
            raise DataValidationError(f"c_statistic must lie strictly between 0.5 and 1; got {c_statistic}. A C "
                                      "statistic of 0.5 or below carries no information about R².")
    return parameters, prevalence, r2_cs, c_statistic, shrinkage, delta_r2, margin, conf_level


def _n_for_shrinkage(parameters: int, r2: float, s: float) -> float:
    """Riley et al.'s equation: n = p / ((S − 1) ln(1 − R²cs / S)) (unrounded)."""
    return parameters / ((s - 1) * math.log(1 - r2 / s))


def _shrinkage_at(n: float, parameters: int, r2: float) -> float:
    """Expected uniform shrinkage at sample size ``n``: the root S in (R², 1) of the equation above."""
    def f(s):
        return (s - 1) * math.log(1 - r2 / s) - parameters / n
    lo, hi = r2 * (1 + 1e-15) + 1e-300, 1 - 1e-15
    if f(hi) > 0:  # n so large that S rounds to 1
        return 1.0
    if f(lo) < 0:  # n so small (against p) that S is R² itself to double precision
        return float("nan")
    return optimize.brentq(f, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def sample_size(*, outcome: str = "binary", parameters: int, prevalence: float, r2_cs: float | None = None,
                c_statistic: float | None = None, shrinkage: float = 0.9, delta_r2: float = 0.05,
                margin: float = 0.05, conf_level: float = 0.95, random_state=123456) -> SampleSizeResult:
    """Minimum sample size to develop a prediction model for a binary outcome (Riley et al. 2020).

    Parameters
    ----------
    outcome : {"binary"}
        Outcome type (only binary outcomes for now).
    parameters : int
        Number of candidate predictor parameters (a 3-level factor counts 2; a spline more).
    prevalence : float
        Anticipated outcome proportion φ in the development data, 0 < φ < 1.
    r2_cs : float, optional
        Anticipated (optimism-adjusted) Cox-Snell R² of the new model. Give this or ``c_statistic``.
    c_statistic : float, optional
        A reported C statistic (0.5 < C < 1); R²cs is then approximated as pmsampsize does (see Notes).
    shrinkage : float
        Target expected uniform shrinkage of criterion (i) (default 0.9: at most 10% overfitting).
    delta_r2 : float
        Largest acceptable optimism in Nagelkerke's R², criterion (ii) (default 0.05).
    margin : float
        Absolute margin of error of the overall risk, criterion (iii) (default ±0.05).
    conf_level : float
        Confidence level of that margin (default 0.95, i.e. z = 1.96 as in the papers).
    random_state : int or numpy.random.Generator
        Seed of the simulation behind ``c_statistic`` (unused with ``r2_cs``). An int is used exactly as
        R's ``set.seed`` (Mersenne-Twister, inversion normals), so the default reproduces pmsampsize's
        default ``seed = 123456``; a Generator draws its own normals.

    Returns
    -------
    SampleSizeResult
        ``.n``, ``.events``, ``.epp``, ``.shrinkage`` and ``.tidy()`` with one row per criterion.

    Raises
    ------
    DataValidationError
        prevalence, R², shrinkage or margins outside (0, 1); parameters < 1; both or neither of ``r2_cs``
        and ``c_statistic``; ``r2_cs`` at or above the largest R²cs possible at this prevalence; a target
        shrinkage not above R²cs (criterion (i) is then undefined).
    TypeError
        A non-integer number of parameters.

    Notes
    -----
    With p parameters, prevalence φ and anticipated R²cs (Riley et al. 2019, 2020):

    (i)   n₁ = p / ((S − 1) ln(1 − R²cs / S)) with the target shrinkage S (0.9);
    (ii)  n₂ = the same with S₂ = R²cs / (R²cs + δ · max R²cs), max R²cs = 1 − (φ^φ (1 − φ)^(1 − φ))²,
          so that the apparent and adjusted Nagelkerke R² differ by at most δ;
    (iii) n₃ = (z / margin)² φ (1 − φ), the overall risk within ± margin.

    Each is rounded up and n = max(n₁, n₂, n₃); nothing else is rounded (pmsampsize >= 1.1.1; version
    1.0.x rounded max R²cs and S₂, and gave 668 instead of 662 in the BMJ example). At the default
    95% level z = 1.96 as in the papers and pmsampsize; other levels use the exact normal quantile.
    The ``shrinkage`` column holds the expected uniform shrinkage at each row's n (for (iii) solved from
    the same equation); the final shrinkage is max(S, S₂) as pmsampsize reports.

    From a C statistic, R²cs is approximated by simulation (Riley, Van Calster & Collins 2021; the
    ``cstat2rsq`` function of pmsampsize): 10⁶ linear predictors, ⌊φ·10⁶⌋ drawn from N(0, 1) then
    ⌊(1 − φ)·10⁶⌋ from N(√2·Φ⁻¹(C), 1), a logistic regression of class on predictor, and
    R²cs = 1 − exp(−LR / 10⁶), rounded to 4 decimals as pmsampsize does. With an integer
    ``random_state`` the draws are R's after ``set.seed(random_state)``, so the result equals
    pmsampsize's; other seeds move R²cs by about ±0.001.

    References
    ----------
    Riley RD, Ensor J, Snell KIE, et al. Calculating the sample size required for developing a clinical
    prediction model. BMJ 2020;368:m441.
    Riley RD, Snell KIE, Ensor J, et al. Minimum sample size for developing a multivariable prediction
    model: part II - binary and time-to-event outcomes. Stat Med 2019;38:1276-96.
    Riley RD, Van Calster B, Collins GS. A note on estimating the Cox-Snell R² from a reported C statistic
    (AUROC) to inform sample size calculations for developing a prediction model with a binary outcome.
    Stat Med 2021;40:859-64.

    Examples
    --------
    >>> from cohortstats.sample_size import sample_size
    >>> ss = sample_size(parameters=24, prevalence=0.174, r2_cs=0.288)
    >>> ss.n, round(ss.events), round(ss.epp, 1)
    (662, 115, 4.8)
    >>> ss.tidy()["n"].tolist()
    [623, 662, 221, 662]
    """
    check_one_of(outcome, ("binary",), "outcome")
    parameters, prevalence, r2_cs, c_statistic, shrinkage, delta_r2, margin, conf_level = _check_inputs(
        parameters, prevalence, r2_cs, c_statistic, shrinkage, delta_r2, margin, conf_level)
    phi = prevalence
    max_r2 = 1 - (phi ** phi * (1 - phi) ** (1 - phi)) ** 2
    if c_statistic is not None:
        simulated = r2_cs_from_c_statistic(c_statistic, prevalence, random_state=random_state)
        r2_cs = round(simulated, 4)
        r2_method = (f"approximated from C = {c_statistic:g} by simulation (Riley et al. 2021, as pmsampsize's "
                     f"cstat2rsq): {simulated:.6f}, rounded to 4 decimals")
    else:
        r2_method = "given"
    if r2_cs >= max_r2:
        raise DataValidationError(
            f"r2_cs = {r2_cs:g} is not possible at prevalence {phi:g}: the Cox-Snell R² of a binary outcome is at "
            f"most 1 - (φ^φ (1-φ)^(1-φ))² = {max_r2:.4f}. Check that r2_cs is Cox-Snell's (not Nagelkerke's, "
            "which is r2_cs / max R²).")
    if shrinkage <= r2_cs:
        raise DataValidationError(f"shrinkage ({shrinkage:g}) must exceed r2_cs ({r2_cs:g}); otherwise "
                                  "ln(1 - R²/S) is undefined. Use the usual target shrinkage = 0.9.")
    z = 1.96 if conf_level == 0.95 else float(stats.norm.ppf(1 - (1 - conf_level) / 2))

    s2 = r2_cs / (r2_cs + delta_r2 * max_r2)
    n1 = math.ceil(_n_for_shrinkage(parameters, r2_cs, shrinkage))
    n2 = math.ceil(_n_for_shrinkage(parameters, r2_cs, s2))
    n3 = math.ceil((z / margin) ** 2 * phi * (1 - phi))
    n = max(n1, n2, n3)
    final_shrinkage = max(shrinkage, s2)
    rows = [
        ("(i) shrinkage", n1, shrinkage, f"expected uniform shrinkage >= {shrinkage:g}"),
        ("(ii) optimism in R2 Nagelkerke", n2, s2,
         f"apparent - adjusted Nagelkerke R² <= {delta_r2:g} (shrinkage {s2:.4f})"),
        ("(iii) overall risk", n3, _shrinkage_at(n3, parameters, r2_cs),
         f"overall risk within ±{margin:g} ({conf_level:.0%} confidence); shrinkage is that expected at this n"),
        ("final", n, final_shrinkage, "largest of (i)-(iii)"),
    ]
    table = pd.DataFrame([{"criterion": c, "n": k, "shrinkage": s, "events": k * phi, "epp": k * phi / parameters,
                           "note": note} for c, k, s, note in rows], columns=CRITERIA_COLUMNS)
    return SampleSizeResult(
        n=int(n), events=n * phi, epp=n * phi / parameters, shrinkage=final_shrinkage, criteria=table,
        outcome=outcome, parameters=parameters, prevalence=phi, r2_cs=float(r2_cs), max_r2_cs=max_r2,
        r2_nagelkerke=r2_cs / max_r2, r2_cs_method=r2_method, c_statistic=c_statistic,
        shrinkage_target=shrinkage, delta_r2=delta_r2, margin=margin, conf_level=conf_level)


# ---------------------------------------------------------------- C statistic -> R²cs

def _r_normals(seed: int, size: int) -> np.ndarray:
    """``set.seed(seed); rnorm(size)`` of R (Mersenne-Twister, inversion), drawn with numpy's MT19937.

    R scrambles the seed with 50 steps of the LCG s -> 69069 s + 1 (mod 2³²), fills the 624-word state
    with the next 624 steps (after one more for the position word) and regenerates on the first draw; a
    uniform is the 32-bit output × 2⁻³² and a normal is Φ⁻¹((⌊2²⁷ u₁⌋ + u₂) / 2²⁷).
    """
    s = int(seed) & 0xFFFFFFFF
    for _ in range(50):
        s = (69069 * s + 1) & 0xFFFFFFFF
    key = np.empty(625, dtype=np.uint32)
    for j in range(625):
        s = (69069 * s + 1) & 0xFFFFFFFF
        key[j] = s
    bitgen = np.random.MT19937()
    bitgen.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}
    u = bitgen.random_raw(2 * size).astype(np.float64) * 2.3283064365386963e-10
    u[u <= 0.0] = 0.5 * 2.328306437080797e-10  # R's fixup keeps uniforms inside (0, 1)
    big = 134217728.0
    return ndtri((np.floor(big * u[0::2]) + u[1::2]) / big)


def _logistic_lr(x: np.ndarray, y: np.ndarray) -> float:
    """Likelihood-ratio statistic of ``y ~ x`` (logistic, Newton to convergence) against the null model."""
    beta = np.zeros(2)
    ybar = y.mean()
    beta[0] = math.log(ybar / (1 - ybar))
    for _ in range(100):
        eta = beta[0] + beta[1] * x
        p = 1 / (1 + np.exp(-eta))
        w = p * (1 - p)
        r = y - p
        g = np.array([r.sum(), (r * x).sum()])
        h = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
        step = np.linalg.solve(h, g)
        beta += step
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            break
    eta = beta[0] + beta[1] * x
    loglik = np.sum(y * eta - np.logaddexp(0, eta))
    null = len(y) * (ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar))
    return 2 * (loglik - null)


def r2_cs_from_c_statistic(c_statistic: float, prevalence: float, *, random_state=123456,
                           n: int = 1_000_000) -> float:
    """Cox-Snell R² implied by a C statistic at a given prevalence (unrounded; see :func:`sample_size`).

    Equals ``pmsampsize:::cstat2rsq(c_statistic, prevalence, seed)$R2.coxsnell`` for an integer seed.
    """
    mu = math.sqrt(2) * float(ndtri(c_statistic))
    n0, n1 = int(prevalence * n), int((1 - prevalence) * n)  # R truncates rnorm(prevalence * n) the same way
    if isinstance(random_state, np.random.Generator):
        lp = np.concatenate([random_state.normal(0, 1, n0), random_state.normal(mu, 1, n1)])
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        lp = _r_normals(int(random_state), n0 + n1)
        lp[n0:] += mu
    else:
        raise TypeError(f"random_state must be an int (R's set.seed) or a numpy.random.Generator; got "
                        f"{type(random_state).__name__}.")
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return float(1 - math.exp(-_logistic_lr(lp, y) / n))
