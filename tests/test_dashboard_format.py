"""The dashboard's number formats: the contract of its tiles (the browser test recomputes them)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from lifecycle.dashboard import format

NOTHING = [None, float("nan"), np.nan, pd.NA, pd.NaT, float("inf"), "n/a"]


@pytest.mark.parametrize("value", NOTHING)
def test_missing_values_are_a_dash_never_nan_or_none(value) -> None:
    for fn in (format.money, format.signed_money, format.compact_money, format.percent, format.count):
        assert fn(value) == format.MISSING
    assert format.number(value) == format.MISSING
    assert format.days(value) == format.MISSING


def test_money_is_whole_dollars_rounded_half_away_from_zero() -> None:
    assert format.money(1234567.4) == "$1,234,567"
    assert format.money(Decimal("4239464.26")) == "$4,239,464"
    assert format.money(0.5) == "$1"
    assert format.money(2.5) == "$3"  # round() would give 2
    assert format.money(1235.50) == "$1,236"
    assert format.money(-42.5) == "-$43"
    assert format.money(-0.4) == "$0"  # no "-$0"
    assert format.money(0) == "$0"
    assert format.money(np.float64(50873571.12)) == "$50,873,571"
    assert format.money(12345678901234) == "$12,345,678,901,234"
    assert format.money(1234.567, places=2) == "$1,234.57"
    assert format.money(2.675, places=2) == "$2.68"  # the decimal 2.675, not the float below it


def test_signed_money_and_compact_money() -> None:
    assert format.signed_money(221247.33) == "+$221,247"
    assert format.signed_money(-4226.58) == "-$4,227"
    assert format.signed_money(0.2) == "$0"
    assert format.compact_money(4239464.26) == "$4.24M"
    assert format.compact_money(950_000) == "$950K"
    assert format.compact_money(-1200) == "-$1.2K"
    assert format.compact_money(999_999) == "$1M"  # not "$1000K"
    assert format.compact_money(2.5e9) == "$2.5B"
    assert format.compact_money(12) == "$12"


def test_percent_takes_a_ratio() -> None:
    assert format.percent(1.042) == "104.2%"
    assert format.percent(0.9534123) == "95.3%"
    assert format.percent(Decimal("1.332367")) == "133.2%"
    assert format.percent(0.00049) == "0.0%"
    assert format.percent(-0.00049) == "0.0%"  # no "-0.0%"
    assert format.percent(-0.0349) == "-3.5%"
    assert format.percent(0.00125, places=2) == "0.13%"
    assert format.percent(123.456) == "12,345.6%"
    assert format.percent(1) == "100.0%"


def test_counts_numbers_and_days() -> None:
    assert format.count(906) == "906"
    assert format.count(np.int64(1998)) == "1,998"
    assert format.count(1234567.5) == "1,234,568"
    assert format.count(-12) == "-12"
    assert format.count(True) == "1"
    assert format.number(0.7565) == "0.76"
    assert format.number(0.825) == "0.83"
    assert format.number(1234.5, 1) == "1,234.5"
    assert format.number(-0.004) == "0.00"
    assert format.days(58.0) == "58 days"
    assert format.days(69.5) == "69.5 days"
    assert format.days(1) == "1 day"
    assert format.days(0) == "0 days"
    assert format.days(12.04) == "12 days"
    assert format.days(1234) == "1,234 days"


def test_rounded_is_what_a_table_cell_holds() -> None:
    assert format.rounded(4018216.93) == 4018217.0  # the grid would truncate to $4,018,216
    assert format.rounded(0.4649649, 3) == 0.465
    assert format.rounded(-2.5) == -3.0
    assert format.rounded(None) is None
    assert format.rounded(float("nan")) is None
