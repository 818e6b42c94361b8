"""Chinese numerals ⇄ integers (1…9999), as used in article numbers (第一百三十四条)."""
from __future__ import annotations

from .errors import NumeralError

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)
_DIGIT_CHARS = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def cn_to_int(text: str) -> int:
    """Convert '一百三十四', '十', '两千零五', '134' or '１３４' to an int in 1…9999.

    Raises NumeralError for anything else.
    """
    s = text.strip().translate(_FULLWIDTH)
    if not s:
        raise NumeralError("空的数字")
    if s.isascii() and s.isdigit():
        # int() refuses strings over 4300 digits with a plain ValueError; anything over 4 digits
        # (leading zeros aside) is out of range anyway.
        value = int(s) if len(s.lstrip("0")) <= 4 else 10_000
    else:
        value = _parse_chinese(s)
    if not 0 < value <= 9999:
        raise NumeralError(f"数字 {text!r} 超出范围（1–9999）")
    return value


def _parse_chinese(s: str) -> int:
    total, digit, last_unit = 0, None, 10_000
    for ch in s:
        if ch in DIGITS:
            if digit is not None and digit != 0:
                # "一二" or "五零三" is a digit sequence, not a numeral (a 零 never follows a bare digit)
                raise NumeralError(f"无法识别的中文数字 {s!r}")
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                raise NumeralError(f"无法识别的中文数字 {s!r}")
            if digit is None:
                if unit != 10 or total:
                    # only a leading 十 may stand alone (十五 = 15); 一百十 is not standard
                    if unit != 10:
                        raise NumeralError(f"无法识别的中文数字 {s!r}")
                digit = 1
            if digit == 0:
                raise NumeralError(f"无法识别的中文数字 {s!r}")
            total += digit * unit
            last_unit, digit = unit, None
        else:
            raise NumeralError(f"无法识别的中文数字 {s!r}")
    if digit:
        total += digit
    return total


def int_to_cn(n: int) -> str:
    """Convert 1…9999 to the form used in Chinese legal texts: 10 → 十, 110 → 一百一十, 101 → 一百零一."""
    if not isinstance(n, int) or not 0 < n <= 9999:
        raise NumeralError(f"数字 {n!r} 超出范围（1–9999）")
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            parts.append(_DIGIT_CHARS[d] + name)
        elif parts:
            zero_pending = True
    out = "".join(parts)
    return out[1:] if out.startswith("一十") else out


def parse_number(text: str) -> int:
    """Alias of cn_to_int that reads better at call sites handling mixed input."""
    return cn_to_int(text)
