"""Widget: mutual-information decay I(d) = I0·exp(−λd) and the truncation window K it implies."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from rnn_course.memory import truncation_window
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes, set_log_y

I0_RANGE = (0.1, 10.0)
# Half-life of the mutual information in steps; λ = ln 2 / half-life runs from 0.035 to 2.8 per step.
HALF_LIFE_RANGE = (0.25, 20.0)
# Exponent k of δ = 2^-k bits; with I0 = 1 bit and a half-life of 1 step, the window is K = k.
THRESHOLD_POWER_RANGE = (0, 24)


def render_truncation_window(figure: Figure, initial_information: float = 1.0, decay_rate: float = math.log(2),
                             threshold: float = 2.0**-12) -> dict[str, str]:
    """Draw I(d) on a log axis with δ and the window K marked; return K and the quantities behind it."""
    window = truncation_window(initial_information, decay_rate, threshold)
    I0 = require_number("I0", initial_information)
    decay = require_number("λ", decay_rate)
    delta = require_number("δ", threshold)

    axes, = add_fixed_axes(figure, (0.1, 0.12, 0.87, 0.8))
    max_distance = max(10, int(math.ceil(1.5 * window.window)))
    distance = np.arange(max_distance + 1)
    information = I0 * np.exp(-decay * distance)
    axes.plot(distance, information, marker="o", markersize=3, label="I(d) = I0·exp(−λd)")
    axes.axhline(delta, color="tab:red", linestyle="--", label=f"阈值 δ = {delta:.3g} 比特")
    axes.axvline(window.window, color="tab:green", linestyle=":", label=f"截断窗口 K = {window.window}")
    axes.fill_between(distance, information, where=distance >= window.window, color="tab:green", alpha=0.15,
                      step=None, label="被截断的依赖（d ≥ K），每个 ≤ δ")
    set_log_y(axes)
    axes.set_xlabel("距离 d（时间步）")
    axes.set_ylabel("互信息 I(d)（比特，对数轴）")
    axes.set_title(f"互信息衰减与截断窗口：I0 = {I0:.2f}，λ = {decay:.3f}")
    axes.legend(fontsize=8, loc="upper right")
    axes.grid(True, alpha=0.3)
    return {
        "ln(I0/δ)/λ（未取整）": f"{window.raw_ratio:.12g}",
        "截断窗口 K（向上取整，容差 1e-9，至少 0）": str(window.window),
        "I(K) = I0·exp(−λK)（比特）": f"{window.information_at_window:.4g}",
        "I(K) ≤ δ": "是" if window.information_at_window <= delta * (1 + 1e-9) else "否",
    }


def render_truncation_window_controls(figure: Figure, initial_information: float = 1.0, half_life: float = 1.0,
                                      threshold_power: int = 12) -> dict[str, str]:
    """Render with λ = ln 2 / half_life and δ = 2^-threshold_power bits, the widget's slider units.

    Half-life 1 gives λ = ln 2 exactly, which a λ slider with a decimal step cannot hit.
    """
    half_life = require_number("半衰期", half_life, low=0, low_open=True)
    threshold_power = require_int("阈值指数 k", threshold_power)
    readouts = {"衰减率 λ = ln 2 / 半衰期（每步）": f"{math.log(2) / half_life:.6g}",
                "阈值 δ = 2^-k（比特）": f"{2.0**-threshold_power:.4g}"}
    readouts.update(render_truncation_window(figure, initial_information, math.log(2) / half_life,
                                             2.0**-threshold_power))
    return readouts


def truncation_window_widget() -> CourseWidget:
    """Return the truncation-window widget: sliders for I0, the half-life ln 2 / λ and the exponent k of δ = 2^-k."""
    controls = {
        "initial_information": float_slider("初始互信息 I0（比特）", 1.0, *I0_RANGE, step=0.05),
        "half_life": float_slider("半衰期（步，λ = ln 2 / 半衰期）", 1.0, *HALF_LIFE_RANGE, step=0.05),
        "threshold_power": int_slider("阈值指数 k（δ = 2^-k 比特）", 12, *THRESHOLD_POWER_RANGE),
    }
    return CourseWidget("截断 BPTT：由互信息衰减选择窗口 K", controls, render_truncation_window_controls,
                        note="纵轴为对数刻度；K 是满足 I0·exp(−λK) ≤ δ 的最小非负整数。"
                             "默认值 I0 = 1、λ = ln 2（每步减半）、δ = 2^-12 给出 K = 12。")
