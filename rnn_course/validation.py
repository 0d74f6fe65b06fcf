"""Argument checks whose errors a learner reads: Chinese messages that name the value and the fix."""

from __future__ import annotations

import math
from numbers import Integral, Real


def require_number(name: str, value: object, low: float | None = None, high: float | None = None,
                   low_open: bool = False, high_open: bool = False) -> float:
    """Return value as a float after checking that it is a finite number inside the stated range."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"参数 {name} 必须是实数，收到 {value!r}（类型 {type(value).__name__}）。")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"参数 {name} 必须是有限数，收到 {value!r}。")
    _check_bounds(name, number, low, high, low_open, high_open)
    return number


def require_int(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """Return value as an int after checking that it is an integer inside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"参数 {name} 必须是整数，收到 {value!r}（类型 {type(value).__name__}）。")
    number = int(value)
    _check_bounds(name, number, low, high, False, False)
    return number


def require_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        options = "、".join(choices)
        raise ValueError(f"参数 {name} 必须是 {options} 之一，收到 {value!r}。")
    return str(value)


def _check_bounds(name: str, number: float, low: float | None, high: float | None,
                  low_open: bool, high_open: bool) -> None:
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        low_text = "-∞" if low is None else f"{low:g}"
        high_text = "+∞" if high is None else f"{high:g}"
        raise ValueError(
            f"参数 {name} 必须在 {left}{low_text}, {high_text}{right} 内，收到 {number:g}；请改用这个范围内的值。"
        )
