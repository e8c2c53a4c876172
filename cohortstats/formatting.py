"""Numbers to text: fixed decimals, P values, confidence intervals. The one module where a number becomes
a string; used by the report's tables and by the figures' labels (``plots``), which both import it from here.

Digits and P-value style are arguments of every function; nothing here computes a statistic.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_number", "format_p", "format_ci", "format_estimate_ci", "P_STYLES"]


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



def format_ci(low, high, digits: int = 2, sep: str = "–") -> str:
    """``"1.40–4.55"``; ``"-0.10 to 0.10"`` when a limit is negative; ``"-0.01 to ∞"`` for a one-sided
    interval; empty when either limit is missing.

    >>> format_ci(1.4, 4.552), format_ci(-0.0123, float("inf"), 3)
    ('1.40–4.55', '-0.012 to ∞')
    """
    if _isnan(low) or _isnan(high):
        return ""
    if math.isinf(float(low)) or math.isinf(float(high)):
        a = "−∞" if math.isinf(float(low)) else format_number(low, digits)
        b = "∞" if math.isinf(float(high)) else format_number(high, digits)
        return f"{a} to {b}"
    a, b = format_number(low, digits), format_number(high, digits)
    if a.startswith("-") or b.startswith("-"):
        return f"{a} to {b}"
    return f"{a}{sep}{b}"


def format_estimate_ci(est, low, high, digits: int = 2) -> str:
    """``"2.52 (1.40–4.55)"``.

    >>> format_estimate_ci(2.524, 1.400, 4.552)
    '2.52 (1.40–4.55)'
    """
    if _isnan(est):
        return ""
    ci = format_ci(low, high, digits)
    return f"{format_number(est, digits)} ({ci})" if ci else format_number(est, digits)
