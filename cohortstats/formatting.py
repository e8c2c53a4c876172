"""Numbers to text: fixed decimals, P values, confidence intervals. The one module where a number becomes
a string; used by the report's tables and by the figures' labels (``plots``), which both import it from here.

Digits and P-value style are arguments of every function; nothing here computes a statistic.
"""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["format_number", "format_p", "format_ci", "format_estimate_ci", "format_ratio", "unbounded_limit", "scaled_name",
           "NOT_COMPUTED", "P_STYLES"]


P_STYLES = ("nejm", "apa", "exact")



def _isnan(x) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False



def format_number(x, digits: int = 2) -> str:
    """Fixed decimals; ``""`` for missing, ``"Inf"``/``"-Inf"`` for infinities.

    >>> format_number(2.52449, 2)
    '2.52'
    """
    if _isnan(x):
        return ""
    x = float(x)
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    out = f"{x:.{digits}f}"
    if out.startswith("-") and float(out) == 0:
        out = out[1:]
    return out



def format_p(p, style: str = "nejm", digits: int = 3) -> str:
    """Format a P value in a journal's style.

    Styles
    ------
    ``"nejm"`` (default), the New England Journal of Medicine's rule: "P values larger than 0.01 should be
    reported to two decimal places, those between 0.01 and 0.001 to three decimal places; P values smaller than
    0.001 should be reported as P<0.001" (NEJM, *New Manuscripts: Statistical Reporting Guidelines*,
    https://www.nejm.org/author-center/new-manuscripts). A value that rounds to 1.00 reads ``>0.99``.
    ``"apa"``: ``digits`` decimals without the leading zero, ``<.001`` below (APA Publication Manual, 7th ed.,
    section 6.36). ``"exact"``: 3 significant digits, scientific below 1e-4.

    ``digits`` applies to the ``"apa"`` style; the NEJM rule fixes its own decimals.

    >>> format_p(0.00042), format_p(0.0412), format_p(0.0042), format_p(0.0412, "apa")
    ('<0.001', '0.04', '0.004', '.041')
    """
    if style not in P_STYLES:
        raise ValueError(f"style must be one of {P_STYLES}; got {style!r}.")
    if _isnan(p):
        return ""
    p = float(p)
    if style == "exact":
        return f"{p:.2e}" if p < 1e-4 else f"{p:.3g}"
    if style == "nejm":
        if p < 0.001:
            return "<0.001"
        out = f"{p:.3f}" if round(p, 3) < 0.01 else f"{p:.2f}"
        return ">0.99" if out == "1.00" else out
    floor = 10.0 ** (-digits)
    out = f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"
    return out.replace("0.", ".", 1)



_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")
NOT_COMPUTED = "NA"  # a confidence limit that could not be computed


def format_ratio(x, digits: int = 2) -> str:
    """A ratio (OR, HR) rounded as gtsummary's ``style_ratio``: ``digits`` significant figures below 1 and
    ``digits + 1`` from 1 up, so that both sides of 1 read alike (0.95, 1.24, 12.3, 106); one below 10⁻⁴ or
    beyond 10⁶ (a separated fit's huge estimate) in two significant digits, as ``3.1 × 10⁻⁵``; 0 and infinity
    as "0" and "∞".

    >>> [format_ratio(v) for v in (0.123, 0.9, 1.1234, 12.345, 101.234, 0.0031)]
    ['0.12', '0.90', '1.12', '12.3', '101', '0.0031']
    >>> format_ratio(4.9e11), format_ratio(0.0), format_ratio(float("inf"))
    ('4.9 × 10¹¹', '0', '∞')
    """
    if _isnan(x):
        return ""
    x = float(x)
    if x == 0:
        return "0"
    if math.isinf(x):
        return "\u221e" if x > 0 else "-\u221e"
    if abs(x) >= 1e6 or abs(x) < 1e-4:
        exp = math.floor(math.log10(abs(x)))
        mant = x / 10.0 ** exp
        if round(abs(mant), 1) >= 10:
            mant, exp = mant / 10, exp + 1
        return f"{mant:.1f} \u00d7 10{str(exp).translate(_SUPERSCRIPT)}"
    sig = digits if round(abs(x), digits) < 1 else digits + 1
    shown = max(abs(x), 1.0) if sig > digits else abs(x)
    decimals = max(sig - 1 - math.floor(math.log10(shown)), 0)
    if math.floor(math.log10(abs(round(shown, decimals)))) > math.floor(math.log10(shown)):
        decimals = max(decimals - 1, 0)  # 9.996 rounds up to 10.0: one decimal fewer, as style_sigfig
    return format_number(math.copysign(shown, x), decimals)


def unbounded_limit(value, *, ratio: bool = False) -> bool:
    """Whether a confidence limit is unbounded: infinite, or 0 on a ratio scale (exp(-inf): an odds ratio's
    profile-likelihood limit under separation)."""
    if _isnan(value):
        return False
    v = float(value)
    return math.isinf(v) or (ratio and v == 0)


def format_ci(low, high, digits: int = 2, sep: str = "–", *, ratio: bool = False) -> str:
    """``"1.40–4.55"``; ``"-0.10 to 0.10"`` when a limit is negative; ``"-0.01 to ∞"`` for a one-sided
    interval; empty when both limits are missing. A limit that is missing while the other is not reads "NA"
    (never a silently dropped interval). With ``ratio`` (an OR or HR) the limits use :func:`format_ratio`: an
    unbounded limit reads "0" or "∞" (not "0.00"), and a tiny one keeps two significant digits.

    >>> format_ci(1.4, 4.552), format_ci(-0.0123, float("inf"), 3), format_ci(0.0, 0.61, ratio=True)
    ('1.40–4.55', '-0.012 to ∞', '0 to 0.61')
    >>> format_ci(float("nan"), 4.552)
    'NA to 4.55'
    """
    if _isnan(low) and _isnan(high):
        return ""
    text = format_ratio if ratio else format_number

    def one(v, lower):
        if _isnan(v):
            return NOT_COMPUTED
        if math.isinf(float(v)):
            return ("\u2212\u221e" if lower else "\u221e") if not ratio or float(v) > 0 else "0"
        return text(v, digits)

    a, b = one(low, True), one(high, False)
    plain = all(not _isnan(v) and not unbounded_limit(v, ratio=ratio) for v in (low, high))
    if not plain or a.startswith("-") or b.startswith("-") or "\u00d7" in a + b:
        return f"{a} to {b}"
    return f"{a}{sep}{b}"


def format_estimate_ci(est, low, high, digits: int = 2, *, ratio: bool = False) -> str:
    """``"2.52 (1.40–4.55)"``; with ``ratio`` (an OR or HR) as :func:`format_ratio` and :func:`format_ci` with
    ``ratio`` ("0.05 (0 to 0.61)" when the lower limit is unbounded).

    >>> format_estimate_ci(2.524, 1.400, 4.552)
    '2.52 (1.40–4.55)'
    """
    if _isnan(est):
        return ""
    ci = format_ci(low, high, digits, ratio=ratio)
    number = format_ratio(est, digits) if ratio else format_number(est, digits)
    return f"{number} ({ci})" if ci else number


def scaled_name(name: str, unit) -> str:
    """A predictor's display name with the unit its ratio is per. A label naming its measure after a comma
    takes it into the unit: "Age, years" per 10 units reads "Age, per 10 years"; "S100B, µg/L" per SD (0.27)
    reads "S100B, per SD (0.27 µg/L)"; otherwise "age, per 10 units". A label that already says "per ..." is
    kept as it is.

    >>> scaled_name("Age, years", "per 10 units"), scaled_name("S100B, µg/L", "per SD (0.2722)")
    ('Age, per 10 years', 'S100B, per SD (0.2722 µg/L)')
    """
    if not (isinstance(unit, str) and unit) or "per " in name:
        return name
    if not unit.startswith("per "):
        return f"{name} ({unit})"
    base, _, measure = name.rpartition(", ")
    if base and measure:
        m = re.fullmatch(r"per (\S+) units?", unit)
        if m:
            return f"{base}, per {m.group(1)} {measure}"
        m = re.fullmatch(r"per (SD|IQR) \((.+)\)", unit)
        if m:
            return f"{base}, per {m.group(1)} ({m.group(2)} {measure})"
    return f"{name}, {unit}"
