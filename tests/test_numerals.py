"""Tests for kb.core.numerals: Chinese (and Arabic) numerals ⇄ integers 1…9999."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.core import CN_NUMERAL_CHARS, cn_to_int, int_to_cn, NumeralError
from kb.core.numerals import parse_number

# Hand-checked values, with the form used in legal texts first.
KNOWN = [
    ("一", 1),
    ("十", 10),                 # a leading 十 stands alone, not 一十
    ("十五", 15),
    ("二十", 20),
    ("九十五", 95),
    ("一百", 100),
    ("一百零一", 101),          # the gap in the tens is written 零
    ("一百一十", 110),          # inside a number the tens take their digit: 一十, not 十
    ("一百三十四", 134),
    ("一千", 1000),
    ("一千零一十", 1010),
    ("二千零五", 2005),
    ("九千九百九十九", 9999),
]
# Forms that are read but not produced by int_to_cn.
READ_ONLY = [
    ("一百〇一", 101),          # 〇 is another way of writing 零
    ("两千零五", 2005),         # 两 is 2 before a unit; int_to_cn writes 二
    ("两千〇五", 2005),
    ("两百", 200),
    ("一十", 10),
    ("一百十", 110),            # colloquial, accepted when reading
    ("134", 134),               # Arabic digits
    ("１３４", 134),            # full-width digits
    ("０９５", 95),
    ("  九十五 ", 95),          # surrounding whitespace is ignored
    ("9999", 9999),
]
BAD = [
    "", "  ", "零", "〇", "0", "０", "10000", "一万", "十十", "百", "千", "一二", "五零三", "一〇一",
    "二〇二四", "十一百", "abc", "第一条", "1三", "-5", "3.0", "٣", "²",
    "1" * 5000,                 # more digits than Python converts: still a NumeralError
]


@pytest.mark.parametrize("text,value", KNOWN)
def test_known_values_both_ways(text, value):
    assert cn_to_int(text) == value
    assert int_to_cn(value) == text
    assert parse_number(text) == value


@pytest.mark.parametrize("text,value", READ_ONLY)
def test_other_accepted_forms(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", BAD)
def test_bad_numerals_raise_numeral_error(text):
    with pytest.raises(NumeralError):
        cn_to_int(text)


def test_numeral_error_is_a_value_error():
    # Callers that catch ValueError (argparse type=, older code) keep working.
    assert issubclass(NumeralError, ValueError)


def test_round_trip_1_to_9999():
    seen = set()
    for n in range(1, 10_000):
        text = int_to_cn(n)
        assert cn_to_int(text) == n, text
        assert cn_to_int(str(n)) == n
        seen.add(text)
    assert len(seen) == 9999          # no two numbers share a written form


@given(st.text())
@settings(max_examples=300)
def test_arbitrary_text_raises_only_numeral_error(text):
    try:
        value = cn_to_int(text)
    except NumeralError:
        return
    assert 1 <= value <= 9999


@given(st.text(alphabet=CN_NUMERAL_CHARS + "0123456789０１２３４５６７８９ ", max_size=12))
@settings(max_examples=500)
def test_numeral_alphabet_raises_only_numeral_error(text):
    # Text made only of numeral characters reaches deepest into the parser.
    try:
        value = cn_to_int(text)
    except NumeralError:
        return
    assert 1 <= value <= 9999
    assert cn_to_int(int_to_cn(value)) == value


@pytest.mark.parametrize("bad", [0, 10_000, -1, -134, 1.0, 95.5, "95", None])
def test_int_to_cn_rejects_out_of_range_and_non_ints(bad):
    with pytest.raises(NumeralError):
        int_to_cn(bad)
