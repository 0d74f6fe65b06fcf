"""Widget: |∂L/∂h_t| of the linear RNN h_t = a·h_{t−1} for the final-step and the every-step loss."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from rnn_course.memory import every_step_gradient_limit, first_step_gradients, linear_rnn_gradients
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes, set_log_y

# Slider ranges; the render function accepts any finite a and h0 and any T ≥ 1.
A_RANGE = (-1.5, 1.5)
T_RANGE = (1, 100)
H0_RANGE = (-2.0, 2.0)

_SERIES = (
    ("final", "L_final = ½·o_T²", "tab:blue"),
    ("all", "L_all = ½·Σ o_t²", "tab:orange"),
)


def _relative_gap(closed_form: np.ndarray, autograd: np.ndarray) -> float:
    # Values below 1e-250 are near float64 underflow, where a few lost bits are no disagreement.
    scale = np.maximum(np.abs(autograd), 1e-250)
    return float(np.max(np.abs(closed_form - autograd) / scale))


def render_gradient_decay(figure: Figure, a: float = 0.9, T: int = 50, h0: float = 1.0) -> dict[str, str]:
    """Draw |∂L/∂h_t| against t on a log axis (closed form as lines, autograd as markers); return readouts."""
    a = require_number("衰减系数 a", a)
    T = require_int("序列长度 T", T, low=1)
    h0 = require_number("初始状态 h0", h0)
    gradients = linear_rnn_gradients(a, h0, T)
    steps = np.arange(1, T + 1)

    (axes,) = add_fixed_axes(figure, (0.1, 0.12, 0.87, 0.8))
    hidden_points = 0
    for kind, label, color in _SERIES:
        closed = np.abs(getattr(gradients, f"{kind}_closed_form"))
        auto = np.abs(getattr(gradients, f"{kind}_autograd"))
        # A log axis cannot show 0: exact zeros (a = 0, h0 = 0) and float64 underflow are left out.
        visible = closed > 0
        hidden_points += int((~visible).sum())
        axes.plot(steps[visible], closed[visible], color=color, label=f"{label}：闭式解")
        axes.plot(steps[auto > 0], auto[auto > 0], linestyle="none", marker="o", markersize=3.5,
                  markerfacecolor="none", color=color, label=f"{label}：自动微分")
    set_log_y(axes)
    axes.set_xlim(0.5, T + 0.5)
    axes.set_xlabel("时间步 t")
    axes.set_ylabel("|∂L/∂h_t|（对数轴）")
    axes.set_title(f"线性 RNN 的梯度：a = {a:.2f}，T = {T}，h0 = {h0:.2f}")
    if hidden_points == 2 * T:
        axes.set_ylim(1e-1, 1e1)
        axes.text(0.5, 0.5, "所有梯度都恰好为 0（a = 0 或 h0 = 0），对数轴上无法画出",
                  transform=axes.transAxes, ha="center", va="center")
    elif hidden_points:
        axes.text(0.01, 0.02, f"有 {hidden_points} 个点的梯度为 0（或下溢为 0），对数轴无法显示，已略去",
                  transform=axes.transAxes, fontsize=9, va="bottom")
    if hidden_points < 2 * T:
        axes.legend(fontsize=8, loc="upper right")
    axes.grid(True, which="major", alpha=0.3)

    final_first, all_first = first_step_gradients(a, h0, T)
    limit = every_step_gradient_limit(a, h0)
    limit_text = (f"{limit:.6g}" if limit is not None
                  else f"不适用：|a| = {abs(a):.2f} ≥ 1，级数 Σ a^(2k−1) 不收敛")
    gap = max(_relative_gap(gradients.final_closed_form, gradients.final_autograd),
              _relative_gap(gradients.all_closed_form, gradients.all_autograd))
    return {
        "∂L_final/∂h_1 = h0·a^(2T−1)": f"{final_first:.6g}",
        "∂L_all/∂h_1 = h0·Σ_{k=1..T} a^(2k−1)": f"{all_first:.6g}",
        "T→∞ 的极限 h0·a/(1−a²)（仅 |a| < 1）": limit_text,
        "闭式解与自动微分的最大相对差": f"{gap:.1e}",
    }


def gradient_decay_widget() -> CourseWidget:
    """Return the gradient-decay widget with sliders for a, T and h0."""
    controls = {
        "a": float_slider("衰减系数 a", 0.9, *A_RANGE, step=0.01),
        "T": int_slider("序列长度 T", 50, *T_RANGE),
        "h0": float_slider("初始状态 h0", 1.0, *H0_RANGE, step=0.01),
    }
    return CourseWidget("梯度衰减：仅最终步损失 vs 每步累计损失", controls, render_gradient_decay,
                        note="实线为闭式解，空心圆为 torch 自动微分；纵轴为对数刻度。")
