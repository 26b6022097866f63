"""How the dashboard writes numbers: money, percentages, counts, days. Pure functions.

They are the contract of the key-figure tiles: a tile's text is exactly ``money(mart value)``,
``percent(mart value)`` and so on, so the browser test recomputes it from the marts with the
same function. Every function takes what a mart returns (int, float, ``Decimal``, numpy scalars)
and writes ``MISSING`` for None/NaN instead of "nan" or "None".

Rounding is half away from zero on the decimal value (``$0.50`` -> ``$1``, ``-$2.50`` -> ``-$3``),
not Python's round-half-to-even on a binary float, so a figure never depends on how a float was
stored.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral

#: What a tile shows when the value is not known (None, NaN, no row).
MISSING = "—"


def _decimal(value: object) -> Decimal | None:
    """``value`` as a finite Decimal, or None for None/NaN/infinity/pandas NA/not a number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, Integral):  # int, bool, numpy integers: exact
        return Decimal(int(value))
    try:
        as_float = float(value)  # type: ignore[arg-type]  # float, numpy floats; pandas NA raises
    except (TypeError, ValueError):
        return None
    if not math.isfinite(as_float):
        return None
    return Decimal(repr(as_float))  # the shortest decimal that round-trips the float


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _grouped(value: Decimal, places: int) -> str:
    """Absolute value with thousands separators and ``places`` decimals."""
    return f"{abs(_rounded(value, places)):,.{places}f}"


def _sign(rounded: Decimal) -> str:
    return "-" if rounded < 0 else ""


def money(value: object, places: int = 0) -> str:
    """US dollars, whole by default: ``1234567.4`` -> ``$1,234,567``, ``-42.5`` -> ``-$43``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    r = _rounded(d, places)
    return f"{_sign(r)}${_grouped(d, places)}"


def signed_money(value: object, places: int = 0) -> str:
    """A change in dollars with its sign: ``+$40,257``, ``-$4,227``, ``$0``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    r = _rounded(d, places)
    return ("+" if r > 0 else "") + money(d, places)


_UNITS = ((Decimal(10**12), "T"), (Decimal(10**9), "B"), (Decimal(10**6), "M"), (Decimal(10**3), "K"))


def _compact(scaled: Decimal) -> Decimal:
    """Three significant figures at most: 4.2379 -> 4.24, 95.04 -> 95.0, 950.4 -> 950."""
    return _rounded(scaled, 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0)


def compact_money(value: object) -> str:
    """Short dollars for chart labels: ``$4.24M``, ``$950K``, ``-$1.2K``, ``$12``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    for i, (size, suffix) in enumerate(_UNITS):
        r = _compact(d / size)
        if abs(r) < 1:
            continue
        if abs(r) >= 1000 and i > 0:  # 999,999 rounds to 1000K: say $1M
            size, suffix = _UNITS[i - 1]
            r = _compact(d / size)
        text = f"{abs(r):f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return f"{_sign(r)}${text}{suffix}"
    return money(d)


def percent(ratio: object, places: int = 1) -> str:
    """A ratio as a percentage: ``1.042`` -> ``104.2%``, ``0.9534123`` -> ``95.3%``."""
    d = _decimal(ratio)
    if d is None:
        return MISSING
    r = _rounded(d * 100, places)
    return f"{_sign(r)}{_grouped(d * 100, places)}%"


def count(value: object) -> str:
    """A whole count with separators: ``1234`` -> ``1,234``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    r = _rounded(d, 0)
    return f"{_sign(r)}{_grouped(d, 0)}"


def number(value: object, places: int = 2) -> str:
    """A plain figure (a score, an AUC): ``0.75649`` -> ``0.76``, ``1234.5`` -> ``1,234.50``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    r = _rounded(d, places)
    return f"{_sign(r)}{_grouped(d, places)}"


def days(value: object) -> str:
    """A duration in days, one decimal only when it has one: ``58`` -> ``58 days``,
    ``69.5`` -> ``69.5 days``, ``1`` -> ``1 day``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    r = _rounded(d, 1)
    text = number(r, 0) if r == r.to_integral_value() else number(r, 1)
    return f"{text} {'day' if abs(r) == 1 else 'days'}"


def rounded(value: object, places: int = 0) -> float | None:
    """``value`` rounded half away from zero to ``places`` decimals, as a float (None for
    None/NaN): what a table cell holds, so the grid's display (which truncates) shows the
    same figure as the tiles."""
    d = _decimal(value)
    return None if d is None else float(_rounded(d, places))
