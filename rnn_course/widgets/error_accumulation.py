"""Widget: error bounds of iterative (fed-back) and direct multi-step prediction, with simulated errors.

The simulated system is x_{k+1} = L·x_k, whose Lipschitz constant is exactly L; the one-step
model adds an error of size at most μ, either always +μ (the worst case, which meets the bound)
or seeded noise uniform in [−μ, μ].
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from rnn_course.generation import error_bound_curves, linear_rollout_errors
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes, set_log_y

L_RANGE = (0.5, 1.5)
MU_RANGE = (0.0, 0.1)
A0_RANGE = (0.0, 0.1)
HORIZON_RANGE = (1, 60)
SIMULATION_SEED = 0

_SERIES = (
    # (key, label, style keyword arguments)
    ("iterative_bound", "迭代式上界 a_k", {"color": "tab:red", "linewidth": 2}),
    ("direct_bound", "一对多上界 b_k", {"color": "tab:blue", "linewidth": 2}),
    ("bias", "迭代式模拟：误差恒为 +μ", {"color": "tab:red", "linestyle": "none", "marker": "o", "markersize": 3}),
    ("noise", "迭代式模拟：误差 ~ U[−μ, μ]", {"color": "tab:orange", "linestyle": "none", "marker": "x",
                                             "markersize": 4}),
    ("direct", "一对多模拟：误差 ~ U[−μ, μ]", {"color": "tab:blue", "linestyle": "none", "marker": "s",
                                             "markersize": 3, "markerfacecolor": "none"}),
)


def render_error_accumulation(figure: Figure, L: float = 1.1, mu: float = 0.01, horizon: int = 30,
                              a0: float = 0.0) -> dict[str, str]:
    """Draw both bounds and the simulated errors against the horizon k on a log axis; return readouts."""
    L = require_number("Lipschitz 常数 L", L, low=0.0)
    mu = require_number("单步误差 μ", mu, low=0.0)
    horizon = require_int("预测步数 H", horizon, low=1)
    a0 = require_number("初始误差 a0", a0, low=0.0)

    iterative_bound, direct_bound = error_bound_curves(L, mu, a0, horizon)
    simulated = linear_rollout_errors(L, mu, horizon, seed=SIMULATION_SEED)
    growth = L ** np.arange(horizon + 1)
    # The simulation starts from the exact state; an initial error a0 adds a0·L^k to the linear system's error.
    series = {
        "iterative_bound": iterative_bound,
        "direct_bound": direct_bound,
        "bias": simulated["bias"] + a0 * growth,
        "noise": np.abs(simulated["noise"] + a0 * growth),
        "direct": np.abs(simulated["direct"] + a0 * growth),
    }
    steps = np.arange(horizon + 1)

    (axes,) = add_fixed_axes(figure, (0.1, 0.12, 0.87, 0.8))
    hidden_points = 0
    for key, label, style in _SERIES:
        values = series[key]
        # A log axis cannot show 0 (k = 0 with a0 = 0, or μ = 0): such points are left out.
        visible = values > 0
        hidden_points += int((~visible).sum())
        if visible.any():
            axes.plot(steps[visible], values[visible], label=label, **style)
    if hidden_points == len(_SERIES) * (horizon + 1):
        axes.set_ylim(1e-3, 1e0)
        axes.text(0.5, 0.5, "μ = 0 且 a0 = 0：所有误差恰好为 0，对数轴上无法画出",
                  transform=axes.transAxes, ha="center", va="center")
    else:
        axes.legend(fontsize=8, loc="upper left")
        if hidden_points:
            axes.text(0.99, 0.02, f"误差为 0 的 {hidden_points} 个点在对数轴上无法显示，已略去",
                      transform=axes.transAxes, fontsize=8, ha="right", va="bottom")
    set_log_y(axes)
    axes.set_xlim(-0.5, horizon + 0.5)
    axes.set_xlabel("预测步数 k")
    axes.set_ylabel("误差 |预测值 − 真实值|（对数轴）")
    axes.set_title(f"误差累积：L = {L:.2f}，μ = {mu:.3f}，a0 = {a0:.3f}")
    axes.grid(True, which="major", alpha=0.3)

    sum_text = "k（L = 1）" if L == 1.0 else "(L^k − 1)/(L − 1)"
    return {
        f"迭代式上界 a_H（H = {horizon}）": f"{iterative_bound[-1]:.4g}",
        f"一对多上界 b_H（H = {horizon}）": f"{direct_bound[-1]:.4g}",
        "上界之比 a_H / b_H": (f"{iterative_bound[-1] / direct_bound[-1]:.4g}" if direct_bound[-1] > 0
                            else "未定义（两个上界都为 0）"),
        "迭代式模拟误差（恒定偏差，达到上界）": f"{series['bias'][-1]:.4g}",
        "迭代式模拟误差（随机误差）": f"{series['noise'][-1]:.4g}",
        "Σ_{j<k} L^j 的写法": sum_text,
    }


def error_accumulation_widget() -> CourseWidget:
    """Return the error-accumulation widget with sliders for L, μ, the horizon and a0."""
    controls = {
        "L": float_slider("Lipschitz 常数 L", 1.1, *L_RANGE, step=0.01),
        "mu": float_slider("单步误差 μ", 0.01, *MU_RANGE, step=0.001, readout_format=".3f"),
        "horizon": int_slider("预测步数 H", 30, *HORIZON_RANGE),
        "a0": float_slider("初始误差 a0", 0.0, *A0_RANGE, step=0.001, readout_format=".3f"),
    }
    return CourseWidget("自回归生成的误差累积：迭代式 vs 一对多", controls, render_error_accumulation,
                        note=("系统为 x_{k+1} = L·x_k（Lipschitz 常数恰为 L）；"
                              "实线为上界，点为模拟误差；纵轴为对数刻度。"))
